"""The shared token cache: one token request per credential across tasks, never reused for another secret, another
account or another tenant; kept only in a directory of the user's own."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

from tests.integration.harness import auth_args, run_module

JIT = 'Allow ChatGPT Access'


def token_requests(emulator, tenant):
    return [r for r in emulator.requests(tenant.tenant_id, kind=None) if r['kind'] == 'token']


def token_files(directory):
    """Token entries (the directory also keeps the recently created objects, in created-*.json)."""
    return [path for path in directory.iterdir() if not path.name.startswith('created-')]


def test_tasks_after_the_first_reuse_the_token(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache_dir=str(tmp_path / 'cache'), display_name=JIT)
    for dummy in range(3):
        assert 'failed' not in run_module('group', args)
    assert len(token_requests(emulator, tenant)) == 1
    files = token_files(tmp_path / 'cache')
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / 'cache').stat().st_mode) == 0o700
    assert tenant.client_secret not in files[0].read_text()


def test_a_wrong_secret_never_uses_the_cached_token(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache_dir=str(tmp_path), display_name=JIT)
    assert 'failed' not in run_module('group', args)
    wrong = run_module('group', dict(args, client_secret='not-the-secret'))
    assert wrong['failed'] is True and 'AADSTS7000215' in wrong['msg']


def test_a_refused_cached_token_is_replaced(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache_dir=str(tmp_path), display_name=JIT)
    run_module('group', args)
    (entry,) = token_files(tmp_path)
    entry.write_text(entry.read_text().replace('"token": "', '"token": "x'))
    result = run_module('group', dict(args, description='after refresh'))
    assert result['changed'] is True, result
    assert len(token_requests(emulator, tenant)) == 2
    assert any(r['status'] == 401 for r in emulator.requests())


def test_cache_off_asks_every_time(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache=False, token_cache_dir=str(tmp_path), display_name=JIT)
    run_module('group', args)
    run_module('group', args)
    assert len(token_requests(emulator, tenant)) == 2
    assert not token_files(tmp_path)


# ---- tokens bound to the identity and tenant they were issued to ----------------------------------------------------

FAKE_AZ = '''#!/bin/sh
# A stand-in for the Azure CLI: "az account get-access-token" answers for whoever az_state.json says is signed in.
cat "%s"
'''


@pytest.fixture
def fake_az(tmp_path, monkeypatch):
    """An ``az`` on PATH whose signed-in account the test switches with ``sign_in(token)``."""
    state = tmp_path / 'az_state.json'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'az').write_text(FAKE_AZ % state)
    (bin_dir / 'az').chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bin_dir, os.environ['PATH']))

    def sign_in(token):
        state.write_text(json.dumps({'accessToken': token, 'expires_on': int(time.time()) + 3599, 'tokenType': 'Bearer'}))
    return sign_in


def user(tenant, first):
    return next(upn for upn in tenant.users if upn.startswith(first + '.'))


def test_azure_cli_signing_in_as_another_account_or_tenant_is_followed(emulator, tenant, tmp_path, fake_az):
    """After `az login` as another account, or in another tenant, the next task acts as the account now signed in."""
    other = emulator.add_tenant()
    args = dict(auth_args(emulator, tenant, tenant_id=None, client_id=None, client_secret=None), auth_source='azure_cli',
                token_cache_dir=str(tmp_path / 'cache'), display_name=JIT)
    sarah, michael = user(tenant, 'sarah'), user(tenant, 'michael')
    for token_tenant, upn in ((tenant, sarah), (tenant, michael), (other, user(other, 'sarah'))):
        emulator.clear_log()
        fake_az(emulator.token_for(token_tenant.tenant_id, upn=upn))
        result = run_module('group_info', args)
        assert 'failed' not in result, result
        graph = emulator.requests(kind='graph')
        assert graph and {(r['tenant'], r['identity']) for r in graph} == {(token_tenant.tenant_id, 'user:' + upn)}
    assert not (tmp_path / 'cache').exists() or not token_files(tmp_path / 'cache')


def test_a_cached_token_of_another_tenant_or_app_is_not_used(emulator, tenant, auth, tmp_path):
    """An entry whose token is not for the task's tenant_id and client_id (renamed, planted or stale) is replaced."""
    args = dict(auth, token_cache_dir=str(tmp_path), display_name=JIT)
    assert 'failed' not in run_module('group_info', args)
    (entry,) = token_files(tmp_path)
    other = emulator.add_tenant()
    foreign = emulator.token_for(other.tenant_id)
    claims = {'tid': other.tenant_id, 'oid': None, 'appid': other.client_id}
    saved = json.loads(entry.read_text())
    saved.update(token=foreign, **{name: (value or '').lower() or None for name, value in claims.items()})
    entry.write_text(json.dumps(saved))
    emulator.clear_log()
    result = run_module('group_info', args)
    assert 'failed' not in result, result
    assert {r['tenant'] for r in emulator.requests(kind='graph')} == {tenant.tenant_id}
    assert len(token_requests(emulator, tenant)) == 1
    assert json.loads(entry.read_text())['tid'] == tenant.tenant_id


def test_a_token_for_another_tenant_is_refused_before_any_request(emulator, tenant):
    other = emulator.add_tenant()
    token = emulator.token_for(other.tenant_id)
    emulator.clear_log()
    args = auth_args(emulator, tenant, client_id=None, client_secret=None, auth_source='access_token', access_token=token)
    result = run_module('group', dict(args, display_name=JIT))
    assert result['failed'] is True
    assert 'tenant_id=%s, but the token was issued for tenant %s' % (tenant.tenant_id, other.tenant_id) in result['msg']
    assert token not in json.dumps(result)
    assert emulator.requests(kind=None) == []


def test_tenant_id_must_be_a_guid(emulator, tenant, auth):
    result = run_module('group', dict(auth, tenant_id=tenant.domain, display_name=JIT))
    assert result['failed'] is True and 'tenant_id=%s: must be the directory (tenant) id, a GUID' % tenant.domain in result['msg']
    assert emulator.requests(kind=None) == []


# ---- the cache directory --------------------------------------------------------------------------------------------

def planted(emulator, tenant, auth, directory):
    """A token of another tenant, planted under the key of the victim's credential."""
    args = dict(auth, token_cache_dir=str(directory), display_name=JIT)
    assert 'failed' not in run_module('group_info', args)
    (entry,) = token_files(directory)
    other = emulator.add_tenant()
    saved = json.loads(entry.read_text())
    saved.update(token=emulator.token_for(other.tenant_id), tid=other.tenant_id, appid=other.client_id.lower(), oid=None)
    entry.write_text(json.dumps(saved))
    emulator.clear_log()
    return args


@pytest.mark.parametrize('arrange, problem', [
    (lambda path: os.chown(path, 4242, 4242), 'belongs to uid 4242, not to the user running the task (uid %d)' % os.geteuid()),
    (lambda path: path.chmod(0o777), 'is writable by other users (mode 0777)'),
    (lambda path: path.chmod(0o720), 'is writable by other users (mode 0720)'),
])
def test_a_cache_directory_others_can_write_is_refused(emulator, tenant, auth, tmp_path, arrange, problem):
    directory = tmp_path / 'shared'
    args = planted(emulator, tenant, auth, directory)
    arrange(directory)
    result = run_module('group', args)
    assert result['failed'] is True, result
    assert 'token_cache_dir=%s %s; refusing' % (directory, problem) in result['msg']
    assert emulator.requests(kind='graph') == []


def test_a_symlinked_cache_directory_is_refused(emulator, tenant, auth, tmp_path):
    real = tmp_path / 'real'
    real.mkdir(mode=0o700)
    link = tmp_path / 'link'
    link.symlink_to(real)
    result = run_module('group', dict(auth, token_cache_dir=str(link), display_name=JIT))
    assert result['failed'] is True
    assert 'token_cache_dir=%s is a symbolic link' % link in result['msg']
    assert emulator.requests(kind=None) == [] and not list(real.iterdir())


@pytest.mark.parametrize('garbage', ['not json', '[1, 2]', '{"token": 5, "expires_on": "soon"}', '{"expires_on": 1e300}'])
def test_a_cache_entry_of_the_wrong_shape_is_rewritten(emulator, tenant, auth, tmp_path, garbage):
    args = dict(auth, token_cache_dir=str(tmp_path), display_name=JIT)
    assert 'failed' not in run_module('group_info', args)
    (entry,) = token_files(tmp_path)
    entry.write_text(garbage)
    assert 'failed' not in run_module('group_info', args)
    assert json.loads(entry.read_text())['tid'] == tenant.tenant_id
    assert len(token_requests(emulator, tenant)) == 2


def test_a_recent_creates_file_of_the_wrong_shape_is_rewritten(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache_dir=str(tmp_path))
    assert run_module('group', dict(args, display_name=JIT))['changed'] is True
    (created,) = [path for path in tmp_path.iterdir() if path.name.startswith('created-')]
    created.write_text('[{"id": 5, "at": "x"}, "junk", {"name": null}]')
    assert run_module('group', dict(args, display_name=JIT + ' 2'))['changed'] is True
    assert [entry['name'] for entry in json.loads(created.read_text())] == [JIT + ' 2']


def test_recent_creates_live_in_the_cache_directory(emulator, tenant, auth, tmp_path, monkeypatch):
    """Nothing goes to the real ~/.cache when token_cache_dir says where the collection's files go."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'home-cache'))
    assert run_module('group', dict(auth, token_cache_dir=str(tmp_path / 'cache'), display_name=JIT))['changed'] is True
    assert [path.name[:8] for path in (tmp_path / 'cache').iterdir() if path.name.startswith('created-')] == ['created-']
    assert not (tmp_path / 'home-cache').exists()


# ---- what a play leaves behind --------------------------------------------------------------------------------------

def processes_marked(marker):
    """Processes whose command line or environment holds ``marker`` (a path only this test's play uses)."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                command = handle.read()
            with open('/proc/%s/environ' % entry, 'rb') as handle:
                environment = handle.read()
        except OSError:
            continue
        if marker.encode() in command or marker.encode() in environment:
            found.append((int(entry), command.replace(b'\0', b' ').decode('utf-8', 'replace')))
    return found


def test_a_play_leaves_no_process_and_nothing_executable(emulator, tenant, auth, playbook, tmp_path):
    """No process started by the collection outlives its task, and its cache directories hold only JSON data files."""
    marker = str(tmp_path / 'xdg-cache')
    cache = tmp_path / 'token-cache'
    tasks = [{'jitaccess.entra.group': {'display_name': JIT}},
             {'jitaccess.entra.group_info': {'display_name': JIT}},
             {'jitaccess.entra.filtering_policy_info': {}},
             {'jitaccess.entra.group': {'display_name': JIT, 'description': 'changed'}}]
    run = playbook.run(tasks, module_defaults=dict(auth, token_cache_dir=str(cache)),
                       env={'XDG_CACHE_HOME': marker, 'XDG_RUNTIME_DIR': marker, 'ENTRA_TOKEN_CACHE_DIR': str(cache)})
    assert run.rc == 0 and not any(result.get('failed') for result in run.results), run.stdout
    time.sleep(0.5)
    assert processes_marked(marker) == []
    for root in (cache, tmp_path / 'xdg-cache'):
        for directory, subdirectories, names in os.walk(root):
            for name in names:
                path = os.path.join(directory, name)
                info = os.lstat(path)
                assert stat.S_ISREG(info.st_mode) and not info.st_mode & 0o111 and name.endswith('.json'), path
            for name in subdirectories:
                assert not os.path.islink(os.path.join(directory, name))
