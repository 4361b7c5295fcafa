"""The AWX / Automation Controller credential type: valid for the controller, and its injected environment authenticates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC
from tests.integration.harness import REPO, run_module

CREDENTIAL_TYPE_TEXT = (REPO / 'extensions' / 'awx' / 'credential_type.yml').read_text()


class UnsafeTagLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """A safe loader that reads Ansible's !unsafe tag as the plain string it marks (what the controller's API gets)."""


UnsafeTagLoader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))
CREDENTIAL_TYPE = yaml.load(CREDENTIAL_TYPE_TEXT, Loader=UnsafeTagLoader)  # nosec - a safe loader with one tag added
FIELDS = {field['id']: field for field in CREDENTIAL_TYPE['inputs']['fields']}
INJECTORS = CREDENTIAL_TYPE['injectors']
# The controller's rules for custom credential types (what its API accepts).
NAME = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FILE_LABEL = re.compile(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$')
FIELD_KEYS = {'id', 'label', 'type', 'format', 'choices', 'help_text', 'multiline', 'secret', 'ask_at_runtime', 'default'}
STRING_ONLY_KEYS = ('choices', 'multiline', 'format', 'secret')
# Variables that could choose or carry a credential; the test session's token cache and CA settings stay.
CREDENTIAL_ENV = {name for option, spec in AUTH_ARGSPEC.items() if 'fallback' in spec
                  and option not in ('ca_bundle', 'token_cache', 'token_cache_dir') for name in spec['fallback'][1]}


def env_option(name):
    """The auth option whose environment fallback is ``name``, or None."""
    for option, spec in AUTH_ARGSPEC.items():
        if 'fallback' in spec and name in spec['fallback'][1]:
            return option
    return None


def template_fields(template):
    return find_undeclared_variables(ImmutableSandboxedEnvironment().parse(template)) - {'tower'}


def inject(inputs, private_dir):
    """The environment the controller gives a job for a credential with ``inputs``.

    Same rules as the controller: only inputs with a value are in the template namespace, each file injector is
    written to a private file whose path is ``tower.filename.<label>``, and templates render in a sandbox."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in inputs.items() if value not in ('', None)}
    filenames = SimpleNamespace()
    for label, template in INJECTORS.get('file', {}).items():
        path = Path(private_dir) / label.replace('.', '_')
        path.write_text(sandbox.from_string(template).render(**namespace))
        path.chmod(0o600)
        setattr(filenames, label.partition('.')[2], str(path))
    namespace['tower'] = SimpleNamespace(filename=filenames)
    return {name: sandbox.from_string(template).render(**namespace) for name, template in INJECTORS['env'].items()}


def test_definition_is_one_the_controller_accepts():
    assert set(CREDENTIAL_TYPE) == {'name', 'description', 'kind', 'inputs', 'injectors'}
    assert CREDENTIAL_TYPE['kind'] in ('cloud', 'net')  # the only kinds a custom type may have
    assert set(CREDENTIAL_TYPE['inputs']) <= {'fields', 'required'}
    ids = [field['id'] for field in CREDENTIAL_TYPE['inputs']['fields']]
    assert len(ids) == len(set(ids)) and 'tower' not in ids
    for field in FIELDS.values():
        assert set(field) <= FIELD_KEYS and {'id', 'label'} <= set(field), field
        assert NAME.match(field['id']), field['id']
        assert field.get('type', 'string') in ('string', 'boolean')
        if field.get('type') == 'boolean':
            assert not set(field) & set(STRING_ONLY_KEYS), field
        assert field.get('format') in (None, 'ssh_private_key', 'url')
        if 'default' in field:
            assert isinstance(field['default'], {'string': str, 'boolean': bool}[field.get('type', 'string')])
            assert field['default'] in field.get('choices', [field['default']])
    assert set(CREDENTIAL_TYPE['inputs']['required']) <= set(ids)

    assert set(INJECTORS) <= {'file', 'env', 'extra_vars'}
    assert all(FILE_LABEL.match(label) for label in INJECTORS.get('file', {}))
    for name, template in INJECTORS['env'].items():
        assert NAME.match(name) and not name.startswith('ANSIBLE_'), name
        assert isinstance(template, str) and template.isascii(), name
    # Every template renders with nothing but the declared fields and files (the controller checks this on save).
    namespace = {field_id: 'EXAMPLE' for field_id in ids}
    namespace['tower'] = SimpleNamespace(filename=SimpleNamespace(**{
        label.partition('.')[2]: 'EXAMPLE_FILENAME' for label in INJECTORS.get('file', {})}))
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ('file', 'env', 'extra_vars'):
        for template in INJECTORS.get(kind, {}).values():
            strict.from_string(template).render(**namespace)


def test_every_injected_variable_is_one_the_collection_reads():
    read = {name for spec in AUTH_ARGSPEC.values() if 'fallback' in spec for name in spec['fallback'][1]}
    assert set(INJECTORS['env']) <= read, sorted(set(INJECTORS['env']) - read)
    options = [env_option(name) for name in INJECTORS['env']]
    assert len(options) == len(set(options)), 'two variables feed the same option'
    assert {'tenant_id', 'client_id', 'client_secret', 'client_certificate_path', 'client_certificate_password',
            'cloud', 'authority_host', 'graph_endpoint'} <= set(options)
    assert 'extra_vars' not in INJECTORS, 'secrets in extra vars would show in the job output'


def test_secrets_are_marked_secret():
    must_be_secret = set()
    for name, template in INJECTORS['env'].items():
        if AUTH_ARGSPEC[env_option(name)].get('no_log'):
            must_be_secret |= template_fields(template)
    for template in INJECTORS.get('file', {}).values():
        must_be_secret |= template_fields(template)  # a file is the certificate with its private key
    assert must_be_secret == {'client_secret', 'certificate', 'certificate_password'}
    assert {field_id for field_id, field in FIELDS.items() if field.get('secret') is True} == must_be_secret
    assert FIELDS['certificate'].get('multiline') is True


def test_optional_fields_left_empty_leave_the_modules_defaults(tmp_path):
    env = inject({'tenant_id': 't', 'client_id': 'c', 'client_secret': 's'}, tmp_path)
    assert env['ENTRA_CLOUD'] == 'public' and env['ENTRA_CLOUD'] in AUTH_ARGSPEC['cloud']['choices']
    assert env['AZURE_CLIENT_CERTIFICATE_PATH'] == ''
    assert env['AZURE_AUTHORITY_HOST'] == '' and env['ENTRA_GRAPH_ENDPOINT'] == ''
    assert inject({'tenant_id': 't', 'client_id': 'c', 'client_secret': 's', 'cloud': 'usgov'}, tmp_path)['ENTRA_CLOUD'] == 'usgov'


@pytest.fixture
def controller_env(emulator, monkeypatch, tmp_path):
    """Set a job's environment from credential inputs, as the controller would; only the emulator's CA is extra."""
    def apply(inputs):
        for name in CREDENTIAL_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in inject(inputs, tmp_path).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv('ENTRA_CA_BUNDLE', emulator.ca_path)
    return apply


def test_client_secret_credential_runs_a_module(emulator, tenant, controller_env):
    controller_env({'tenant_id': tenant.tenant_id, 'client_id': tenant.client_id, 'client_secret': tenant.client_secret,
                    'authority_host': emulator.base_url, 'graph_endpoint': emulator.base_url})
    result = run_module('group', dict(display_name='Allow ChatGPT Access'))
    assert result['changed'] is True, result
    tokens = emulator.requests(tenant.tenant_id, kind='token')
    assert tokens and all(t['body']['client_id'] == tenant.client_id and 'client_secret' in t['body'] for t in tokens)
    assert [w['method'] for w in emulator.writes(tenant.tenant_id)] == ['POST']


def test_certificate_credential_runs_a_module(emulator, tenant, controller_env):
    controller_env({'tenant_id': tenant.tenant_id, 'client_id': tenant.cert_client_id,
                    'certificate': Path(tenant.cert_path).read_text(), 'client_secret': '',
                    'authority_host': emulator.base_url, 'graph_endpoint': emulator.base_url})
    result = run_module('group_info', dict(display_name='Finance Team'))
    assert 'failed' not in result, result
    assert [g['display_name'] for g in result['groups']] == ['Finance Team']
    tokens = emulator.requests(tenant.tenant_id, kind='token')
    assert tokens and all(t['body']['client_id'] == tenant.cert_client_id and 'client_assertion' in t['body'] for t in tokens)


# -- config-as-code tools that load the file as Ansible variables (infra.aap_configuration, awx.awx) -------------------
def mapping_value(node, key):
    return next(value for name, value in node.value if name.value == key)


def test_injector_templates_are_marked_unsafe():
    """infra.aap_configuration's controller_credential_types README: injectors need `!unsafe` in YAML, or its role
    (which templates every variable) renders them before the controller sees them."""
    injectors = mapping_value(yaml.compose(CREDENTIAL_TYPE_TEXT, Loader=UnsafeTagLoader), 'injectors')
    scalars = [(kind.value, name.value, value.tag) for kind, group in injectors.value for name, value in group.value]
    assert len(scalars) == sum(len(group) for group in INJECTORS.values())
    assert [entry for entry in scalars if entry[2] != '!unsafe'] == []


def test_ansible_loading_and_templating_the_file_leaves_the_injectors_as_they_are(playbook):
    """The file as an Ansible vars file, templated the way a config-as-code role passes it on to awx.awx.credential_type."""
    vars_file = str(REPO / 'extensions' / 'awx' / 'credential_type.yml')
    tasks = [{'name': 'Load', 'ansible.builtin.include_vars': {'file': vars_file, 'name': 'credential_type'}},
             {'name': 'Pass on', 'ansible.builtin.set_fact': {'passed_on': '{{ credential_type.injectors }}'}},
             {'name': 'Show', 'ansible.builtin.debug': {'var': 'passed_on'}}]
    run = playbook.run(tasks)
    assert run.rc == 0, run.stdout + run.stderr
    assert run.results[1]['ansible_facts']['passed_on'] == INJECTORS


# -- AWX's built-in Microsoft Azure Resource Manager credential -------------------------------------------------------
def test_awx_builtin_azure_resource_manager_credential_runs_a_playbook(emulator, tenant, tmp_path, collections):
    """A job with only the built-in credential: its environment is what AWX's azure_rm injector sets (subscription,
    client, secret, tenant and, when its cloud field is set, AZURE_CLOUD_ENVIRONMENT) and nothing else that could carry
    a credential. The play names only the endpoint (the emulator) and the CA it trusts, as a test must."""
    injected = {'AZURE_SUBSCRIPTION_ID': 'd7245080-b4ae-4fe5-b6fa-2e71b3dae6c8', 'AZURE_CLIENT_ID': tenant.client_id,
                'AZURE_SECRET': tenant.client_secret, 'AZURE_TENANT': tenant.tenant_id, 'AZURE_CLOUD_ENVIRONMENT': 'AzureCloud'}
    play = [{'name': 'AWX job', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
             'vars': {'ansible_python_interpreter': sys.executable},
             'module_defaults': {'group/jitaccess.entra.graph': {
                 'authority_host': emulator.base_url, 'graph_endpoint': emulator.base_url, 'ca_bundle': emulator.ca_path,
                 'token_cache_dir': str(tmp_path / 'cache')}},
             'tasks': [{'name': 'Create the group', 'jitaccess.entra.group': {'display_name': 'Allow ChatGPT Access'}}]}]
    (tmp_path / 'job.yml').write_text(yaml.safe_dump(play, sort_keys=False))
    base = {name: os.environ[name] for name in ('PATH', 'HOME', 'LANG') if name in os.environ}
    env = dict(base, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='0', **injected)
    assert not CREDENTIAL_ENV - set(injected) & set(env)
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', 'job.yml']
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0 and 'changed=1' in run.stdout, run.stdout + run.stderr
    tokens = emulator.requests(tenant.tenant_id, kind='token')
    assert tokens and all(t['body']['client_id'] == tenant.client_id and t['identity'] == 'app:' + tenant.client_id for t in tokens)
    assert [w['method'] for w in emulator.writes(tenant.tenant_id)] == ['POST']
    assert tenant.client_secret not in run.stdout + run.stderr
