"""The shared token cache: one token request per credential across tasks, never reused for another secret."""

from __future__ import annotations

import os
import stat

from tests.integration.harness import run_module

JIT = 'Allow ChatGPT Access'


def token_requests(emulator, tenant):
    return [r for r in emulator.requests(tenant.tenant_id, kind=None) if r['kind'] == 'token']


def test_tasks_after_the_first_reuse_the_token(emulator, tenant, auth, tmp_path):
    args = dict(auth, token_cache_dir=str(tmp_path / 'cache'), display_name=JIT)
    for dummy in range(3):
        assert 'failed' not in run_module('group', args)
    assert len(token_requests(emulator, tenant)) == 1
    files = list((tmp_path / 'cache').iterdir())
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
    (entry,) = tmp_path.iterdir()
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
    assert not os.listdir(tmp_path)
