"""The jit_ai_access role through its playbooks: dry run on an empty tenant, stray members, two apps, and a teardown
that leaves the tenant as it was (converging, rerunning and checking one app: molecule and test_round_trips.py)."""

from __future__ import annotations

import pytest

from tests.integration.harness import GraphAdmin, run_module

EM = '/identityGovernance/entitlementManagement'
# Claude sets no profile_priority: profile priorities are unique per tenant, so the role gives the second app 200.
TWO_APPS = [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']},
            {'name': 'Claude', 'fqdns': ['claude.ai', '*.claude.ai']}]


@pytest.fixture
def role_env(emulator, tenant):
    return dict(AZURE_TENANT_ID=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


@pytest.fixture
def role_vars(tenant):
    return {'jit_ai_access_fallback_approvers': [upn for upn in tenant.users if upn.startswith('it.approvals@')]}


def snapshot(admin):
    """Every object the role could touch, by name, with the Baseline profile's links."""
    profiles = admin.call('GET', '/networkAccess/filteringProfiles?$expand=policies($expand=policy)', api='beta')['value']
    return {
        'groups': sorted(g['displayName'] for g in admin.call('GET', '/groups')['value']),
        'policies': sorted(p['name'] for p in admin.call('GET', '/networkAccess/filteringPolicies', api='beta')['value']),
        'profiles': sorted((p['name'], p['priority'], tuple(sorted((link.get('policy') or {}).get('name', '') for link in p.get('policies', []))))
                           for p in profiles),
        'ca': sorted(p['displayName'] for p in admin.call('GET', '/identity/conditionalAccess/policies', api='beta')['value']),
        'catalogs': sorted(c['displayName'] for c in admin.call('GET', EM + '/catalogs')['value']),
        'packages': sorted(p['displayName'] for p in admin.call('GET', EM + '/accessPackages')['value']),
        'assignment_policies': sorted(p['displayName'] for p in admin.call('GET', EM + '/assignmentPolicies')['value']),
    }


@pytest.mark.slow
def test_seed_dry_run_changes_nothing_and_shows_every_object(emulator, tenant, playbook, role_env, role_vars):
    dry = playbook.run_file('playbooks/jit_ai_access.yml', role_vars, check=True, diff=True, env=role_env)
    assert dry.rc == 0, dry.stdout[-3000:] + dry.stderr[-3000:]
    assert emulator.writes(tenant.tenant_id) == []
    assert dry.recap['changed'] >= 8 and dry.recap['failed'] == 0
    for name in ('Block Artificial Intelligence', 'Allow ChatGPT', 'Allow ChatGPT Access', 'GSA - Allow ChatGPT (JIT)',
                 'AI apps', 'ChatGPT access', 'ChatGPT on request'):
        assert name in dry.stdout, name


# The converge, its idempotent rerun and check run: the molecule scenario (extensions/molecule/jit_ai_access) and
# test_round_trips.py::test_converged_role_run_reads_each_object_once (no write, changed 0) run those.
@pytest.mark.slow
@pytest.mark.converged
def test_converged_tenant_tears_down_to_the_seed(emulator, tenant, playbook, role_env, role_vars):
    admin = GraphAdmin(emulator, tenant)
    seed = snapshot(GraphAdmin(emulator, emulator.add_tenant()))
    state = snapshot(admin)
    assert 'Allow ChatGPT Access' in state['groups']
    assert ('Allow ChatGPT', 100, ('Allow ChatGPT',)) in state['profiles']
    assert any(name == 'Baseline Profile' or priority == 65000 and 'Block Artificial Intelligence' in links
               for name, priority, links in state['profiles'])
    assert state['ca'] == ['GSA - Allow ChatGPT (JIT)']
    assert state['packages'] == ['ChatGPT access'] and state['assignment_policies'] == ['ChatGPT on request']
    policy = admin.call('GET', EM + '/assignmentPolicies')['value'][0]
    assert policy['expiration']['duration'] == 'PT2H'

    torn = playbook.run_file('playbooks/teardown.yml', role_vars, env=role_env)
    assert torn.rc == 0, torn.stdout[-3000:]
    assert snapshot(admin) == seed
    emulator.clear_log()
    twice = playbook.run_file('playbooks/teardown.yml', role_vars, env=role_env)
    assert twice.rc == 0 and twice.recap['changed'] == 0, twice.stdout[-3000:]
    assert emulator.writes(tenant.tenant_id) == []


@pytest.mark.slow
def test_two_apps_converge_and_tear_down(emulator, tenant, playbook, role_env, role_vars):
    admin = GraphAdmin(emulator, tenant)
    empty = snapshot(admin)
    variables = dict(role_vars, jit_ai_access_apps=TWO_APPS)
    applied = playbook.run_file('playbooks/jit_ai_access.yml', variables, env=role_env)
    assert applied.rc == 0, applied.stdout[-3000:]
    state = snapshot(admin)
    assert {'Allow ChatGPT Access', 'Allow Claude Access'} <= set(state['groups'])
    assert state['ca'] == ['GSA - Allow ChatGPT (JIT)', 'GSA - Allow Claude (JIT)']
    assert state['packages'] == ['ChatGPT access', 'Claude access']
    assert {('Allow ChatGPT', 100, ('Allow ChatGPT',)), ('Allow Claude', 200, ('Allow Claude',))} <= set(state['profiles'])
    ca = admin.call('GET', '/identity/conditionalAccess/policies', api='beta')['value']
    assert [sorted(p['conditions']['signInRiskLevels']) for p in ca] == [['low', 'none']] * 2
    emulator.clear_log()
    assert playbook.run_file('playbooks/jit_ai_access.yml', variables, env=role_env).recap['changed'] == 0
    assert emulator.writes(tenant.tenant_id) == []
    torn = playbook.run_file('playbooks/teardown.yml', variables, env=role_env)
    assert torn.rc == 0, torn.stdout[-3000:]
    assert snapshot(admin) == empty


@pytest.mark.slow
@pytest.mark.converged
def test_stray_members_are_reported_and_removed_on_request(emulator, tenant, auth, playbook, role_env, role_vars):
    users = {upn.split('@')[0]: upn for upn in tenant.users}
    granted = run_module('access_package_assignment', dict(auth, access_package='ChatGPT access', catalog='AI apps',
                                                           target=users['michael.brown'], expires_in_hours=1))
    assert granted['changed'] is True, granted
    run_module('group', dict(auth, display_name='Allow ChatGPT Access', members=[users['sarah.jones']]))

    emulator.clear_log()
    reported = playbook.run_file('playbooks/jit_ai_access.yml', role_vars, check=True, env=role_env)
    assert reported.rc == 0
    assert 'static members without an active assignment' in reported.stdout and users['sarah.jones'] in reported.stdout
    assert users['michael.brown'] not in reported.stdout.split('static members without an active assignment')[1].split('\n')[0]
    assert emulator.writes(tenant.tenant_id) == []

    removed = playbook.run_file('playbooks/jit_ai_access.yml', dict(role_vars, jit_ai_access_remove_stray_members=True), env=role_env)
    assert removed.rc == 0, removed.stdout[-3000:]
    members = run_module('group_info', dict(auth, display_name='Allow ChatGPT Access', include_members=True))['groups'][0]['members']
    assert members == [users['michael.brown']]
