"""conditional_access_what_if against the HTTPS emulator: the pattern's allow policy for members and non-members at
sign-in risk none, low and medium, the low-only trap, report-only policies, names of security profiles, bad input and
what a 403 says."""

from __future__ import annotations

import pytest

from tests.emulator.graph.licensing import remove_service_plan
from tests.emulator.tenant import APP_ROLES
from tests.integration.harness import run_module
from tests.integration.test_conditional_access import JIT, POLICY, PROFILE, admin, seed, seed_args, upn  # noqa: F401  pylint: disable=unused-import
from tests.integration.test_permissions import grant_only, without


@pytest.fixture
def pattern(emulator, tenant, auth, seed):  # noqa: F811  pylint: disable=redefined-outer-name
    """The pattern's allow policy (sign-in risk none and low) with Sarah in the just-in-time group."""
    created = run_module('conditional_access_policy', seed_args(auth, sign_in_risk_levels=['none', 'low']))
    assert created['changed'], created
    run_module('group', dict(auth, id=seed['group'], members=[upn(tenant, 'sarah.jones')]))
    emulator.clear_log()
    return seed


def ask(auth, tenant, who, **options):
    result = run_module('conditional_access_what_if', dict(auth, user=upn(tenant, who), policies=[POLICY], **options))
    assert not result.get('failed'), result
    assert result['changed'] is False
    return result


@pytest.mark.parametrize('risk', ['none', 'low'])
def test_a_member_gets_the_allow_profile_at_risk_none_and_low(emulator, tenant, auth, pattern, risk):
    result = ask(auth, tenant, 'sarah.jones', sign_in_risk_level=risk)
    assert result['applied'] == [POLICY] and result['not_applied'] == {}
    policy = result['policies'][0]
    assert policy['applies'] is True and policy['analysis_reasons'] is None and policy['report_only'] is False
    assert policy['security_profile'] == {'id': pattern['profile'], 'name': PROFILE}
    assert result['sign_in']['conditions']['signInRiskLevel'] == risk
    assert result['sign_in']['application'] == '5dc48733-b5df-475c-a49b-fa307ef00853'
    # The evaluation is a POST that changes nothing: it is the only request the log counts as a write.
    assert [(w['method'], w['path']) for w in emulator.writes(tenant.tenant_id)] == [('POST', '/beta/identity/conditionalAccess/evaluate')]


def test_a_non_member_does_not_get_it(tenant, auth, pattern):
    result = ask(auth, tenant, 'james.wilson', sign_in_risk_level='none')
    assert result['applied'] == [] and result['not_applied'] == {POLICY: 'users'}


def test_medium_risk_does_not_get_it(tenant, auth, pattern):
    result = ask(auth, tenant, 'sarah.jones', sign_in_risk_level='medium')
    assert result['not_applied'] == {POLICY: 'signInRisk'}


def test_a_low_only_policy_misses_ordinary_sign_ins(tenant, auth, pattern):
    """The trap: signInRiskLevels [low] alone leaves out every sign-in evaluated at risk none."""
    run_module('conditional_access_policy', seed_args(auth, sign_in_risk_levels=['low']))
    none = ask(auth, tenant, 'sarah.jones', sign_in_risk_level='none')
    assert none['applied'] == [] and none['not_applied'] == {POLICY: 'signInRisk'}
    assert none['policies'][0]['analysis_reasons'] == 'signInRisk'
    assert ask(auth, tenant, 'sarah.jones', sign_in_risk_level='low')['applied'] == [POLICY]


def test_report_only_and_applied_only(tenant, auth, pattern):
    run_module('conditional_access_policy', seed_args(auth, policy_state='report_only', sign_in_risk_levels=['none', 'low']))
    result = ask(auth, tenant, 'sarah.jones')
    assert result['applied'] == [] and result['report_only_applied'] == [POLICY]
    assert result['policies'][0]['report_only'] is True and result['policies'][0]['state'] == 'enabledForReportingButNotEnforced'
    everything = run_module('conditional_access_what_if', dict(auth, user=upn(tenant, 'james.wilson'), applied_only=True))
    assert everything['policies'] == []


def test_bad_input_is_refused_before_any_call(emulator, tenant, auth):
    emulator.clear_log()
    for options, text in ((dict(application='chatgpt'), "application='chatgpt': must be an application id"),
                          (dict(country='USA'), "country='USA': must be a two-letter"),
                          (dict(ip_address='300.1.1.1'), "ip_address='300.1.1.1': must be an IPv4 or IPv6 address")):
        result = run_module('conditional_access_what_if', dict(auth, user=upn(tenant, 'sarah.jones'), **options))
        assert result['failed'] and text in result['msg'], result['msg']
    assert emulator.requests(tenant.tenant_id) == []
    result = run_module('conditional_access_what_if', dict(auth, user='nobody@%s' % tenant.domain))
    assert result['failed'] and "user='nobody@" in result['msg'] and 'no such user' in result['msg']


def test_a_403_names_the_licence_and_the_permission(emulator, tenant, auth):
    with emulator.lock:
        state = emulator.state(tenant.tenant_id)
        remove_service_plan(state, 'AAD_PREMIUM')
        remove_service_plan(state, 'AAD_PREMIUM_P2')
    result = run_module('conditional_access_what_if', dict(auth, user=upn(tenant, 'sarah.jones')))
    assert result['failed'] and result['status'] == 403
    assert 'Microsoft Entra ID P1 or P2 licence' in result['msg'] and 'Policy.Read.ConditionalAccess' in result['msg']


def test_without_permission_to_read_policies(emulator, tenant, auth):
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'))
    result = run_module('conditional_access_what_if', dict(auth, user=upn(tenant, 'sarah.jones')))
    assert result['failed'] and result['status'] == 403
    assert 'application permission Policy.Read.ConditionalAccess or Policy.Read.All' in result['msg']
