"""The jit_ai_access role checks the tenant before its first write (jit_ai_access_readiness) and proves its effect
with Conditional Access What If after its last (jit_ai_access_verify), through playbooks/jit_ai_access.yml."""

from __future__ import annotations

import json

import pytest

from tests.emulator.tenant import APP_ROLES
from tests.integration.harness import GraphAdmin, role_env, role_vars, run_module
from tests.integration.test_permissions import grant_only, without

POLICY = 'GSA - Allow ChatGPT (JIT)'


def upn(tenant, name):
    return next(user for user in tenant.users if user.startswith(name + '@'))


def run_role(playbook, emulator, tenant, tmp_path, check=False, **variables):
    summary = tmp_path / 'summary.json'
    summary.unlink(missing_ok=True)
    process = playbook.run_file('playbooks/jit_ai_access.yml', dict(role_vars(tenant), jit_ai_access_summary_path=str(summary), **variables),
                                check=check, env=role_env(emulator, tenant))
    return process, json.loads(summary.read_text())['localhost'] if summary.exists() else None


def changes(emulator, tenant):
    """Writes in the request log, leaving out What If's evaluate (a POST that changes nothing)."""
    return [(w['method'], w['path']) for w in emulator.writes(tenant.tenant_id) if not w['path'].endswith('/evaluate')]


@pytest.mark.slow
def test_a_missing_permission_stops_the_role_before_any_write_and_warn_goes_on(emulator, tenant, playbook, tmp_path):
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'Policy.ReadWrite.ConditionalAccess'))
    emulator.clear_log()
    stopped, summary = run_role(playbook, emulator, tenant, tmp_path)
    assert stopped.rc != 0
    assert emulator.writes(tenant.tenant_id) == []
    assert summary['failed'] is True and summary['readiness']['ready'] is False
    failing = [i for i in summary['readiness']['checklist'] if i['status'] == 'fail']
    assert [i['check'] for i in failing] == ['permissions_conditional_access_policy'], failing
    assert 'Policy.ReadWrite.ConditionalAccess' in failing[0]['missing']
    assert 'Policy.ReadWrite.ConditionalAccess' in summary['objects'][-1]['message']
    assert 'nothing was changed' in summary['objects'][-1]['message']

    warned, summary = run_role(playbook, emulator, tenant, tmp_path, jit_ai_access_readiness='warn')
    assert 'WARNING: localhost is not ready' in warned.stdout
    # It went on, wrote the objects before Conditional Access and failed there, as it would have without the check.
    assert changes(emulator, tenant), 'warn must go on to the writes'
    assert warned.rc != 0 and summary['failed'] is True and summary['readiness']['mode'] == 'warn'
    assert summary['objects'][-1]['object'] == 'jitaccess.entra.conditional_access_policy', summary['objects'][-1]
    assert summary['objects'][-1]['status'] == 'failed'


@pytest.mark.slow
def test_check_mode_on_an_empty_tenant_says_what_it_will_verify_and_skip_reads_no_readiness(emulator, tenant, playbook, tmp_path):
    emulator.clear_log()
    dry, summary = run_role(playbook, emulator, tenant, tmp_path, check=True, jit_ai_access_verify=True, jit_ai_access_readiness='skip',
                            jit_ai_access_apps=[{'name': 'ChatGPT', 'fqdns': ['chatgpt.com'], 'canary_user': upn(tenant, 'sarah.jones')}])
    assert dry.rc == 0, dry.stdout[-3000:]
    assert emulator.writes(tenant.tenant_id) == []
    assert summary['readiness'] is None
    paths = [entry['path'] for entry in emulator.requests(tenant.tenant_id)]
    assert not any('subscribedSkus' in path or 'forwardingProfiles' in path for path in paths), paths
    [verdict] = summary['verification']
    assert verdict['verified'] is None and verdict['probes'] == []
    assert verdict['reason'].startswith('check mode: %s does not exist yet; a run will verify that %s' % (POLICY, upn(tenant, 'sarah.jones')))


@pytest.mark.slow
@pytest.mark.converged
def test_a_converged_tenant_is_verified_and_an_out_of_band_low_only_policy_is_not(emulator, tenant, auth, playbook, tmp_path):
    sarah, james = upn(tenant, 'sarah.jones'), upn(tenant, 'james.wilson')
    granted = run_module('access_package_assignment', dict(auth, access_package='ChatGPT access', catalog='AI apps', target=sarah,
                                                           expires_in_hours=1))
    assert granted['changed'] is True, granted
    apps = [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com'], 'canary_non_member': james}]
    emulator.clear_log()
    # The member is the holder of the active assignment: no canary_user is declared.
    proven, summary = run_role(playbook, emulator, tenant, tmp_path, jit_ai_access_verify=True, jit_ai_access_apps=apps)
    assert proven.rc == 0, proven.stdout[-3000:]
    assert summary['readiness']['ready'] is True and summary['drift'] is False
    [verdict] = summary['verification']
    assert verdict['verified'] is True, verdict
    assert [(p['user'], p['risk'], p['expect'], p['passed']) for p in verdict['probes']] == [
        (sarah, 'none', True, True), (sarah, 'low', True, True), (sarah, 'medium', False, True), (james, 'none', False, True)]
    assert 'does not apply (signInRisk)' in verdict['probes'][2]['reason']
    assert 'does not apply (users)' in verdict['probes'][3]['reason']
    assert changes(emulator, tenant) == []

    admin = GraphAdmin(emulator, tenant)
    policy = next(p for p in admin.call('GET', '/identity/conditionalAccess/policies', api='beta')['value'] if p['displayName'] == POLICY)
    conditions = dict(policy['conditions'], signInRiskLevels=['low'])
    admin.call('PATCH', '/identity/conditionalAccess/policies/%s' % policy['id'], {'conditions': conditions}, api='beta', expect=204)
    emulator.clear_log()
    gate, summary = run_role(playbook, emulator, tenant, tmp_path, check=True, jit_ai_access_verify=True, jit_ai_access_apps=apps,
                             jit_ai_access_fail_on_drift=True)
    assert gate.rc != 0
    assert changes(emulator, tenant) == []
    [verdict] = summary['verification']
    assert verdict['verified'] is False and summary['drift'] is True
    assert verdict['reason'] == 'member %s at sign-in risk none should get it: %s does not apply (signInRisk)' % (sarah, POLICY)
    assert 'ChatGPT not verified: member %s at sign-in risk none' % sarah in gate.stdout
