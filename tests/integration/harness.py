"""Run the collection's modules against the emulator: in-process (fast) or through ansible-playbook (end to end)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def collection_root(base):
    """A collections tree whose ansible_collections/jitaccess/entra is this checkout."""
    target = Path(base) / 'ansible_collections' / 'jitaccess' / 'entra'
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(REPO, target_is_directory=True)
    return Path(base)


def graph_client(args):
    """A Graph client of the collection for module arguments ``args`` (the auth options' defaults filled in)."""
    from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC, Connection  # pylint: disable=import-outside-toplevel
    from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphClient  # pylint: disable=import-outside-toplevel

    params = {name: spec.get('default') for name, spec in AUTH_ARGSPEC.items()}
    params.update(args)
    return GraphClient(Connection(params))


def auth_args(emulator, tenant, **overrides):
    args = dict(tenant_id=tenant.tenant_id, client_id=tenant.client_id, client_secret=tenant.client_secret,
                authority_host=emulator.base_url, graph_endpoint=emulator.base_url, ca_bundle=emulator.ca_path)
    args.update(overrides)
    return {key: value for key, value in args.items() if value is not None}


def role_env(emulator, tenant):
    """Environment that points a role run (playbooks/jit_ai_access.yml) at ``tenant``: credentials and endpoints."""
    return dict(AZURE_TENANT_ID=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


def role_vars(tenant):
    """The role variables a run needs beyond its defaults: the tenant's fallback approvers."""
    return {'jit_ai_access_fallback_approvers': [upn for upn in tenant.users if upn.startswith('it.approvals@')]}


def run_module(name, args, check=False, diff=True):
    """Run one module's main() in this process and return its result dict (failed results included)."""
    from ansible.module_utils import _internal  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.common import warnings  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel

    module = importlib.import_module('ansible_collections.jitaccess.entra.plugins.modules.%s' % name)
    output = io.StringIO()
    # Behave like a module process: warnings are collected into the result, not shown by a controller display,
    # and none carry over from an earlier run in this process.
    was_controller, _internal.is_controller = _internal.is_controller, False
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    try:
        with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=diff)), contextlib.redirect_stdout(output):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        _internal.is_controller = was_controller
    result = json.loads(output.getvalue())
    # ansible-core 2.19 modules return structured warnings; the controller shows their message.
    result['warnings'] = [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]
    return result


class Playbook:
    """Writes a one-play playbook, runs ansible-playbook on it and returns every task's registered result."""

    def __init__(self, workdir, collections):
        self.workdir = Path(workdir)
        self.collections = collections

    def run(self, tasks, check=False, diff=False, verbosity=0, env=None, module_defaults=None, extra_args=()):
        results_file = self.workdir / 'results.json'
        registered = []
        play_tasks = []
        for index, task in enumerate(tasks):
            task = dict(task)
            task.setdefault('register', 'result_%d' % index)
            task.setdefault('ignore_errors', True)
            registered.append(task['register'])
            play_tasks.append(task)
        collect = '{{ {%s} | to_json }}' % ', '.join("'%s': %s | default({})" % (name, name) for name in registered)
        play_tasks.append({'name': 'Record results', 'ansible.builtin.copy': {'content': collect, 'dest': str(results_file)},
                           'check_mode': False, 'diff': False, 'changed_when': False})
        play = {'name': 'test', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                'vars': {'ansible_python_interpreter': sys.executable}, 'tasks': play_tasks}
        if module_defaults:
            play['module_defaults'] = {'group/jitaccess.entra.graph': module_defaults}
        path = self.workdir / 'playbook.yml'
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        if results_file.exists():
            results_file.unlink()
        process = self._execute([str(path)], extra_args, check, diff, verbosity, env)
        results = json.loads(results_file.read_text()) if results_file.exists() else {}
        return PlaybookRun(process, [results.get(name, {}) for name in registered])

    def run_file(self, path, extra_vars=None, check=False, diff=False, verbosity=0, env=None, inventory='localhost,', forks=None):
        """Run a playbook of the collection (e.g. playbooks/jit_ai_access.yml), against localhost unless an inventory is given."""
        return PlaybookRun(self._execute(*self._file_arguments(path, extra_vars, inventory, forks), check, diff, verbosity, env), [])

    def start_file(self, path, extra_vars=None, env=None):
        """Start a playbook of the collection in a session of its own and return the process (to stop or kill it); its
        output goes to ``output.txt`` in the work directory, which can be read while it runs."""
        arguments, extra = self._file_arguments(path, extra_vars, 'localhost,', None)
        command, environment = self._command(arguments, False, False, 0, env, extra)
        with open(self.workdir / 'output.txt', 'w', encoding='utf-8') as output:
            return subprocess.Popen(command, cwd=self.workdir, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def _file_arguments(self, path, extra_vars, inventory, forks):
        vars_file = self.workdir / 'extra_vars.json'
        vars_file.write_text(json.dumps(dict(extra_vars or {}, ansible_python_interpreter=sys.executable)))
        extra = ('--forks', str(forks)) if forks else ()
        return ['-i', inventory, str(REPO / path), '-e', '@%s' % vars_file], extra

    def _command(self, arguments, check, diff, verbosity, env, extra_args):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')] + list(arguments)
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        command.extend(extra_args)
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(self.collections), ANSIBLE_NOCOLOR='1',
                           ANSIBLE_HOST_KEY_CHECKING='0', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                           ANSIBLE_RETRY_FILES_ENABLED='0')
        environment.update(env or {})
        return command, environment

    def _execute(self, arguments, extra_args, check, diff, verbosity, env):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        command, environment = self._command(arguments, check, diff, verbosity, env, extra_args)
        return subprocess.run(command, cwd=self.workdir, env=environment, capture_output=True, text=True, timeout=900, check=False)


class PlaybookRun:  # pylint: disable=too-few-public-methods
    def __init__(self, process, results):
        self.process = process
        self.results = results
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.rc = process.returncode

    @property
    def recap(self):
        """The PLAY RECAP counters of the last host line, e.g. {'ok': 19, 'changed': 0, 'failed': 0, ...}."""
        lines = [line for line in self.stdout.splitlines() if ' : ok=' in line]
        return {key: int(value) for key, value in (pair.split('=') for pair in lines[-1].split(':', 1)[1].split())} if lines else {}


class GraphAdmin:
    """Raw Graph calls as the portal would make them, for arranging state out of band in tests."""

    def __init__(self, emulator, tenant):
        import httpx  # pylint: disable=import-outside-toplevel

        self.base = emulator.base_url
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=emulator.ca_path), timeout=30)
        token = self.http.post('%s/%s/oauth2/v2.0/token' % (self.base, tenant.tenant_id), data={
            'grant_type': 'client_credentials', 'client_id': tenant.client_id, 'client_secret': tenant.client_secret,
            'scope': 'https://graph.microsoft.com/.default'}).json()['access_token']
        self.http.headers['Authorization'] = 'Bearer ' + token

    def call(self, method, path, body=None, api='v1.0', expect=None):
        response = self.http.request(method, '%s/%s%s' % (self.base, api, path), json=body)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def create_group(self, name, nickname=None):
        return self.call('POST', '/groups', {'displayName': name, 'mailNickname': nickname or 'g%d' % abs(hash(name)),
                                             'mailEnabled': False, 'securityEnabled': True}, expect=201)

    def groups_named(self, name):
        return self.call('GET', "/groups?$filter=displayName eq '%s'" % name.replace("'", "''"))['value']

    def add_member(self, group_name, upn):
        """Add ``upn`` to the group named ``group_name`` as a static member (drift a JIT group must not have)."""
        group = self.groups_named(group_name)[0]
        user = self.call('GET', '/users/%s' % upn, expect=200)
        self.call('POST', '/groups/%s/members/$ref' % group['id'],
                  {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + user['id']}, expect=204)

    def disable_first_conditional_access_policy(self):
        """Turn the tenant's first Conditional Access policy off, as an admin in the portal might."""
        policy = self.call('GET', '/identity/conditionalAccess/policies', api='beta')['value'][0]
        self.call('PATCH', '/identity/conditionalAccess/policies/%s' % policy['id'], {'state': 'disabled'}, api='beta', expect=204)
