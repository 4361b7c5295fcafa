"""extensions/awx/configure_controller.yml against the awx.awx collection it targets: every task's arguments, templated
with controller_vars.yml for every loop item, pass the argument spec the awx.awx module itself builds (names, aliases,
types, choices, required, mutually exclusive), and the credential type arrives with its injector templates unrendered.

awx.awx comes from the ansible community package on PyPI, unpacked by `make awx-collection` (AWX_COLLECTIONS_PATH)."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from unittest import mock

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

REPO = Path(__file__).resolve().parents[2]
AWX = REPO / 'extensions' / 'awx'
AWX_COLLECTIONS = Path(os.environ.get('AWX_COLLECTIONS_PATH', REPO / '.build' / 'awx' / 'collections'))
# Stand-ins for the vaulted secrets controller_vars.yml names.
VAULT = {'vault_contoso_client_secret': 'secret-value', 'vault_fabrikam_certificate': '-----BEGIN CERTIFICATE-----',
         'vault_fabrikam_certificate_password': 'password-value'}
VALIDATOR_KEYS = ('mutually_exclusive', 'required_together', 'required_one_of', 'required_if', 'required_by')


class Captured(Exception):
    def __init__(self, kwargs):
        super().__init__('argument spec captured')
        self.kwargs = kwargs


def awx_argument_spec(module):
    """The argument spec (and its constraints) awx.awx.<module> hands AnsibleModule: run its main() until it does."""
    if not (AWX_COLLECTIONS / 'ansible_collections' / 'awx' / 'awx').is_dir():
        pytest.fail('awx.awx is not unpacked under %s: run `make awx-collection`' % AWX_COLLECTIONS)
    if str(AWX_COLLECTIONS) not in sys.path:
        sys.path.append(str(AWX_COLLECTIONS))
    code = importlib.import_module('ansible_collections.awx.awx.plugins.modules.%s' % module)

    def capture(self, *args, **kwargs):  # pylint: disable=unused-argument
        raise Captured(dict(kwargs, argument_spec=kwargs.get('argument_spec', args[0] if args else None)))

    with mock.patch.object(AnsibleModule, '__init__', capture), pytest.raises(Captured) as captured:
        code.main()
    return captured.value.kwargs


def tasks_with_arguments():
    """(task name, module, templated arguments) for every awx.awx task and loop item of the playbook."""
    loader = DataLoader()
    loader.set_basedir(str(AWX))
    play = loader.load_from_file(str(AWX / 'configure_controller.yml'), trusted_as_template=True)[0]
    variables = dict(VAULT)
    for vars_file in play['vars_files']:
        variables.update(loader.load_from_file(str(AWX / vars_file), trusted_as_template=True))
    found = []
    for task in play['tasks']:
        if 'ansible.builtin.include_vars' in task:
            include = task['ansible.builtin.include_vars']
            variables[include['name']] = loader.load_from_file(str(AWX / include['file']), trusted_as_template=True)
            continue
        module = next(key for key in task if key.startswith('awx.awx.'))
        templar = Templar(loader=loader, variables=variables)
        items = templar.template(task['loop']) if 'loop' in task else [None]
        loop_var = task.get('loop_control', {}).get('loop_var', 'item')
        for item in items:
            templar = Templar(loader=loader, variables=dict(variables, **({loop_var: item} if 'loop' in task else {})))
            found.append((task['name'], module.split('.')[-1], templar.template(task[module])))
    return found


TASKS = tasks_with_arguments()


@pytest.mark.parametrize('name, module, arguments', TASKS, ids=['%s-%d' % (t[1], n) for n, t in enumerate(TASKS)])
def test_arguments_pass_the_awx_module_argument_spec(name, module, arguments):
    spec = awx_argument_spec(module)
    validator = ArgumentSpecValidator(spec['argument_spec'], **{key: spec[key] for key in VALIDATOR_KEYS if spec.get(key)})
    result = validator.validate(dict(arguments))
    assert not result.error_messages, (name, result.error_messages)
    assert not result.unsupported_parameters, (name, result.unsupported_parameters)


def test_the_playbook_covers_everything_the_controller_needs():
    modules = [module for dummy, module, dummy_args in TASKS]
    assert {module: modules.count(module) for module in set(modules)} == {
        'credential_type': 1, 'credential': 2, 'execution_environment': 1, 'project': 1, 'inventory': 1, 'host': 2,
        'job_template': 4, 'schedule': 4}
    templates = {args['name']: args for dummy, module, args in TASKS if module == 'job_template'}
    assert templates['JIT access: drift (contoso)']['job_type'] == 'check' and templates['JIT access: drift (contoso)']['diff_mode']
    assert templates['JIT access: enforce (fabrikam)']['job_type'] == 'run'
    assert templates['JIT access: enforce (fabrikam)']['credentials'] == ['Entra app fabrikam']
    assert templates['JIT access: enforce (fabrikam)']['limit'] == 'fabrikam'
    schedules = {args['unified_job_template'] for dummy, module, args in TASKS if module == 'schedule'}
    assert schedules == set(templates)
    credentials = {args['name']: args['inputs'] for dummy, module, args in TASKS if module == 'credential'}
    assert credentials['Entra app contoso'] == {'tenant_id': '11111111-1111-4111-8111-111111111111',
                                                'client_id': '22222222-2222-4222-8222-222222222222', 'client_secret': 'secret-value'}
    assert set(credentials['Entra app fabrikam']) == {'tenant_id', 'client_id', 'certificate', 'certificate_password'}


def test_the_credential_type_reaches_the_controller_unrendered():
    credential_type = next(args for dummy, module, args in TASKS if module == 'credential_type')
    assert credential_type['injectors']['env']['AZURE_CLIENT_SECRET'] == '{{ client_secret }}'
    assert credential_type['injectors']['file']['template.certificate'] == '{{ certificate }}'
    inventory = next(args for dummy, module, args in TASKS if module == 'inventory')
    assert inventory['variables']['ansible_python_interpreter'] == '{{ ansible_playbook_python }}'
