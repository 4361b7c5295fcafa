"""End to end through ansible-playbook: module_defaults action group, check mode, diff, and no secret in any output."""

from __future__ import annotations

import json

import pytest

JIT = 'Allow ChatGPT Access'


@pytest.mark.slow
def test_playbook_four_steps_with_module_defaults(emulator, tenant, auth, playbook):
    tasks = [{'name': 'JIT group', 'jitaccess.entra.group': {'display_name': JIT, 'members': [], 'purge_members': True}}]
    check = playbook.run(tasks, check=True, diff=True, module_defaults=auth)
    assert check.rc == 0, check.stdout + check.stderr
    assert check.results[0]['changed'] is True and check.results[0]['group']['id'] is None
    assert emulator.writes(tenant.tenant_id) == []
    assert '"display_name": "Allow ChatGPT Access"' in check.stdout or 'display_name' in check.stdout

    apply = playbook.run(tasks, module_defaults=auth)
    assert apply.results[0]['changed'] is True
    emulator.clear_log()
    assert playbook.run(tasks, check=True, module_defaults=auth).results[0]['changed'] is False
    converged = playbook.run(tasks, module_defaults=auth)
    assert converged.results[0]['changed'] is False
    assert 'changed=0' in converged.stdout
    assert emulator.writes(tenant.tenant_id) == []


def test_secrets_never_appear_at_vvv(emulator, tenant, auth, playbook):
    secret = tenant.client_secret
    tasks = [
        {'name': 'JIT group', 'jitaccess.entra.group': dict(auth, display_name=JIT, description='v1')},
        {'name': 'Change it', 'jitaccess.entra.group': dict(auth, display_name=JIT, description='v2')},
        {'name': 'Wrong secret', 'jitaccess.entra.group': dict(auth, display_name=JIT, client_secret=secret + 'X')},
        {'name': 'Info', 'jitaccess.entra.group_info': dict(auth, display_name=JIT)},
    ]
    run = playbook.run(tasks, diff=True, verbosity=3)
    assert run.results[1]['changed'] is True
    assert run.results[2]['failed'] is True
    haystacks = {'stdout': run.stdout, 'stderr': run.stderr, 'results': json.dumps(run.results),
                 'request log': json.dumps(emulator.requests(tenant.tenant_id, kind=None))}
    for where, text in haystacks.items():
        assert secret not in text, 'client secret leaked into %s' % where
        assert secret[:12] not in text, 'part of the client secret leaked into %s' % where
    token = emulator.requests(tenant.tenant_id, kind='token')
    assert token and all(r['body'].get('client_secret') == '***' for r in token if r['body'].get('client_secret'))
