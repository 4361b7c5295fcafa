"""Conditional Access spec rules that need no Graph: keywords, labels, the lockout guard, input checks, and the
translation between Graph's controls and the module's options."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import FIELDS, ConditionalAccessPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access_rules import (
    grant_view, grant_wanted, keyword, lockout_problem, session_body, session_view, session_wanted, sign_in_frequency_problem)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import labels, union_pairs

A, B, C = ('aaaaaaaa-0000-0000-0000-00000000000%d' % n for n in (1, 2, 3))
FIELD = {field.option: field for field in FIELDS}


@pytest.mark.parametrize('option, value, expected', [
    ('include_users', 'all', 'All'),
    ('include_users', 'GUESTSOREXTERNALUSERS', 'GuestsOrExternalUsers'),
    ('exclude_users', 'All', None),
    ('include_applications', 'office365', 'Office365'),
    ('include_locations', 'alltrusted', 'AllTrusted'),
    ('include_groups', 'All', None),
])
def test_keyword(option, value, expected):
    assert keyword(option, value) == expected


@pytest.mark.parametrize('pairs, expected', [
    ([], []),
    ([(B, 'Sales'), (A, 'Finance')], ['Finance', 'Sales']),
    ([(A, 'Team'), (B, 'Team'), (C, 'Other')], ['Other', 'Team (%s)' % A, 'Team (%s)' % B]),
])
def test_labels_stay_unique(pairs, expected):
    assert labels(pairs) == expected


def test_union_pairs_keeps_first_and_ignores_id_case():
    assert union_pairs([(A, 'a')], [(A.upper(), 'A'), (B, 'b')]) == [(A, 'a'), (B, 'b')]


@pytest.mark.parametrize('state, include, exclude_users, exclude_groups, guarded', [
    ('enabled', ['All'], [], [], True),
    ('enabled', ['All'], ['GuestsOrExternalUsers'], [], True),
    ('enabled', ['All'], [A], [], False),
    ('enabled', ['All'], [], [B], False),
    ('report_only', ['All'], [], [], False),
    ('disabled', ['All'], [], [], False),
    ('enabled', [A], [], [], False),
    ('enabled', ['GuestsOrExternalUsers'], [], [], False),
])
def test_lockout_problem(state, include, exclude_users, exclude_groups, guarded):
    problem = lockout_problem(state, include, exclude_users, exclude_groups)
    assert (problem is not None) is guarded
    if guarded:
        assert 'allow_all_users_without_exclusions' in problem and 'break_glass' in problem


@pytest.mark.parametrize('frequency, problem', [
    ({'value': 4, 'type': 'hours', 'frequency_interval': 'timeBased'}, None),
    ({'value': 365, 'type': 'days', 'frequency_interval': 'timeBased'}, None),
    ({'value': 24, 'type': 'hours', 'frequency_interval': 'timeBased'}, '1..23 hours'),
    ({'value': 0, 'type': 'days', 'frequency_interval': 'timeBased'}, '1..365 days'),
    ({'value': None, 'type': 'hours', 'frequency_interval': 'timeBased'}, 'value and type are required'),
    ({'value': None, 'type': None, 'frequency_interval': 'everyTime'}, None),
    ({'value': 1, 'type': None, 'frequency_interval': 'everyTime'}, 'takes no value or type'),
])
def test_sign_in_frequency_problem(frequency, problem):
    found = sign_in_frequency_problem(frequency)
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize('graph, view', [
    (None, None),
    ({'operator': 'OR', 'builtInControls': [], 'termsOfUse': ['x']}, None),
    ({'operator': 'AND', 'builtInControls': ['mfa', 'compliantDevice']}, {'operator': 'AND', 'built_in_controls': ['compliantDevice', 'mfa']}),
])
def test_grant_view(graph, view):
    assert grant_view(graph) == view


@pytest.mark.parametrize('declared, wanted', [
    (None, None),
    ({'operator': 'OR', 'built_in_controls': None}, None),
    ({'operator': 'OR', 'built_in_controls': []}, None),
    ({'operator': None, 'built_in_controls': ['mfa', 'mfa', 'block']}, {'operator': 'OR', 'built_in_controls': ['block', 'mfa']}),
])
def test_grant_wanted(declared, wanted):
    assert grant_wanted(declared) == wanted


FREQUENCY = {'value': 8, 'type': 'hours', 'frequency_interval': 'timeBased', 'authentication_type': 'primaryAndSecondaryAuthentication'}


@pytest.mark.parametrize('graph, view', [
    (None, None),
    ({'signInFrequency': None, 'disableResilienceDefaults': False, 'applicationEnforcedRestrictions': None}, None),
    ({'globalSecureAccessFilteringProfile': {'profileId': A, 'isEnabled': False}}, None),
    ({'globalSecureAccessFilteringProfile': {'profileId': A, 'isEnabled': True}, 'persistentBrowser': {'isEnabled': True, 'mode': 'never'}},
     {'gsa_security_profile': A, 'sign_in_frequency': None, 'persistent_browser': 'never',
      'application_enforced_restrictions': None, 'disable_resilience_defaults': None}),
    ({'signInFrequency': {'isEnabled': True, 'value': 8, 'type': 'hours', 'frequencyInterval': None, 'authenticationType': None},
      'applicationEnforcedRestrictions': {'isEnabled': True}, 'disableResilienceDefaults': True},
     {'gsa_security_profile': None, 'sign_in_frequency': FREQUENCY, 'persistent_browser': None,
      'application_enforced_restrictions': True, 'disable_resilience_defaults': True}),
])
def test_session_view(graph, view):
    assert session_view(graph) == view


def test_session_wanted_treats_off_as_absent_and_round_trips():
    off = {'gsa_security_profile': '', 'sign_in_frequency': None, 'persistent_browser': None,
           'application_enforced_restrictions': False, 'disable_resilience_defaults': False}
    assert session_wanted(off) is None
    assert session_wanted(None) is None
    declared = dict(off, gsa_security_profile=A, sign_in_frequency=dict(FREQUENCY), application_enforced_restrictions=True)
    wanted = session_wanted(declared)
    body = session_body(wanted, A)
    assert body['globalSecureAccessFilteringProfile'] == {'profileId': A, 'isEnabled': True}
    assert body['persistentBrowser'] is None and body['disableResilienceDefaults'] is None
    assert session_view(body) == wanted
    assert session_body(None, None) == dict.fromkeys(body)


@pytest.mark.parametrize('option, graph, value', [
    ('include_groups', {'conditions': {'users': {'includeGroups': [A, B]}}}, [A, B]),
    ('include_groups', {'conditions': {'users': None}}, []),
    ('sign_in_risk_levels', {'conditions': {'signInRiskLevels': ['low']}}, ['low']),
    ('include_platforms', {'conditions': {'platforms': None}}, []),
    ('policy_state', {'state': 'enabledForReportingButNotEnforced'}, 'report_only'),
    ('policy_state', {'state': 'enabled'}, 'enabled'),
])
def test_fields_read_graph_objects(option, graph, value):
    assert FIELD[option].read(graph) == value


def test_state_field_writes_graph_values():
    assert [FIELD['policy_state'].write(v) for v in ('enabled', 'disabled', 'report_only')] == [
        'enabled', 'disabled', 'enabledForReportingButNotEnforced']


def _params(**values):
    params = dict.fromkeys(ConditionalAccessPolicySpec.argument_spec)
    params.update(values)
    return params


@pytest.mark.parametrize('values, option, fragment', [
    ({'display_name': ' '}, 'display_name', 'blank'),
    ({'display_name': 'x' * 257}, 'display_name', '256'),
    ({'include_applications': ['ChatGPT']}, 'include_applications', 'all_internet_resources_gsa'),
    ({'exclude_applications': ['All']}, 'exclude_applications', 'include_applications'),
    ({'exclude_users': ['none']}, 'exclude_users', 'include_users'),
    ({'exclude_locations': ['All']}, 'exclude_locations', 'include_locations'),
    ({'session_controls': {'sign_in_frequency': {'value': 0, 'type': 'days', 'frequency_interval': 'timeBased'}}},
     'session_controls.sign_in_frequency', '1..365'),
])
def test_validate_rejects(values, option, fragment):
    spec, params = ConditionalAccessPolicySpec(), _params(**dict({'display_name': 'p'}, **values))
    with pytest.raises(ValidationError) as info:
        spec.validate_fields(params)  # the name, as the lifecycle checks it first
        spec.validate(params)
    assert info.value.option == option and fragment in str(info.value)


def test_validate_accepts_aliases_keywords_and_ids():
    ConditionalAccessPolicySpec().validate(_params(
        display_name='p', include_applications=['ALL_INTERNET_RESOURCES_GSA', 'office365', A], exclude_applications=['Office365'],
        include_users=['All'], exclude_users=['GuestsOrExternalUsers'], include_locations=['All'], exclude_locations=['AllTrusted']))


def test_differs_compares_ids_not_names():
    """Two groups named alike are still two groups; the same groups in another order are no change. The labels a view
    shows carry the ids behind them, so the spec keeps no state between the lifecycle's steps."""
    spec = ConditionalAccessPolicySpec()
    before = {'include_groups': labels([(A, 'Team'), (B, 'Other')])}
    reordered = labels([(B.upper(), 'Other'), (A, 'Team')])
    assert reordered == before['include_groups'] == ['Other', 'Team']
    assert spec.differs(before, {'include_groups': reordered}) is False
    namesake = labels([(B, 'Other'), (C, 'Team')])
    assert namesake == ['Other', 'Team']
    assert spec.differs(before, {'include_groups': namesake}) is True
    assert not vars(spec)


def test_labels_survive_a_copy():
    """A label keeps its id through the copies a result goes through."""
    label = labels([(A, 'Team')])[0]
    copied = copy.deepcopy({'include_groups': [label]})['include_groups'][0]
    assert (copied, copied.id, copied.name) == ('Team', A, 'Team')


def test_client_app_types_all_is_the_default():
    assert same(['all'], ['all'], as_set=True)
    spec = ConditionalAccessPolicySpec()
    view = spec.view(None, {'id': A, 'displayName': 'p', 'state': 'disabled', 'conditions': {'clientAppTypes': []}})
    assert view['client_app_types'] == ['all'] and view['grant_controls'] is None and view['session_controls'] is None
