"""The what_if_verdict filter: which probes pass, and the reasons a verdict gives."""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.filter.what_if_verdict import FilterModule, what_if_verdict

POLICY, PROFILE = 'GSA - Allow ChatGPT (JIT)', 'Allow ChatGPT'


def evaluated(applies, reason=None, state='enabled', profile=PROFILE, name=POLICY):
    return {'display_name': name, 'applies': applies, 'analysis_reasons': reason, 'state': state,
            'report_only': state == 'enabledForReportingButNotEnforced', 'security_profile': {'id': 'p1', 'name': profile}}


def probe(role, risk, expect, *policies, failed=None):
    result = {'ansible_loop_var': 'jit_ai_access_probe', 'policies': list(policies),
              'jit_ai_access_probe': {'user': role + '@contoso', 'role': role, 'risk': risk, 'expect': expect}}
    if failed:
        result.update(failed=True, msg=failed)
    return result


def verdict(*results):
    return what_if_verdict({'results': list(results)}, 'ChatGPT', POLICY, PROFILE)


def test_every_probe_as_expected_is_verified():
    result = verdict(probe('member', 'none', True, evaluated(True)), probe('member', 'medium', False, evaluated(False, 'signInRisk')),
                     probe('non_member', 'none', False, evaluated(False, 'users')))
    assert result['verified'] is True and all(p['passed'] for p in result['probes'])
    assert result['reason'].startswith('member member@contoso at sign-in risk none gets %s with %s' % (POLICY, PROFILE))


def test_a_member_missed_at_risk_none_names_the_reason():
    result = verdict(probe('member', 'none', True, evaluated(False, 'signInRisk')), probe('member', 'low', True, evaluated(True)))
    assert result['verified'] is False
    assert result['reason'] == 'member member@contoso at sign-in risk none should get it: %s does not apply (signInRisk)' % POLICY


def test_report_only_wrong_profile_missing_policy_and_failed_call_are_not_proof():
    for result, why in (
            (probe('member', 'none', True, evaluated(True, state='enabledForReportingButNotEnforced')), 'report-only'),
            (probe('member', 'none', True, evaluated(True, profile='Other')), 'hands out Other'),
            (probe('member', 'none', True), 'does not exist'),
            (probe('member', 'none', True, failed='user not found'), 'What If failed: user not found')):
        outcome = verdict(result)
        assert outcome['verified'] is False and why in outcome['reason'], outcome


def test_a_non_member_getting_the_profile_through_another_policy_fails():
    result = verdict(probe('non_member', 'none', False, evaluated(False, 'users'), evaluated(True, name='Everyone gets ChatGPT')))
    assert result['verified'] is False and 'Everyone gets ChatGPT hands out Allow ChatGPT' in result['reason']


def test_skipped_probes_only_is_nothing_proven():
    assert verdict({'skipped': True})['verified'] is None
    assert FilterModule().filters()['what_if_verdict'] is what_if_verdict
