"""The conditional_access_policy modules against the HTTPS emulator: the seed policy, state toggles, the lockout guard,
break-glass exclusions, names vs ids, and bad input."""

from __future__ import annotations

import pytest

from tests.emulator.graph.odata import new_id
from tests.integration.harness import GraphAdmin, run_module

JIT = 'Allow ChatGPT Access'
POLICY = 'GSA - Allow ChatGPT (JIT)'
PROFILE = 'Allow ChatGPT'
INTERNET = '5dc48733-b5df-475c-a49b-fa307ef00853'
GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10'
POLICIES = '/identity/conditionalAccess/policies'
REPORT_ONLY = 'enabledForReportingButNotEnforced'


def writes(emulator, tenant):
    return emulator.writes(tenant.tenant_id)


def add_profile(emulator, tenant, name=PROFILE):
    """A security profile stored as the GSA area stores them."""
    profile = {'id': new_id(), 'name': name, 'description': None, 'state': 'enabled', 'priority': 100, 'version': '1.0.0',
               'createdDateTime': '2025-01-01T00:00:00Z', 'lastModifiedDateTime': '2025-01-01T00:00:00Z'}
    with emulator.lock:
        emulator.state(tenant.tenant_id).table('filteringProfiles').add(profile)
    return profile


def upn(tenant, name):
    return next(user for user in tenant.users if user.startswith(name + '@'))


@pytest.fixture
def admin(emulator, tenant):
    return GraphAdmin(emulator, tenant)


@pytest.fixture
def seed(emulator, tenant, admin):
    """The seed scenario's group and allow profile; returns their ids (the request log starts empty)."""
    ids = {'group': admin.create_group(JIT, 'allowchatgpt')['id'], 'profile': add_profile(emulator, tenant)['id']}
    emulator.clear_log()
    return ids


def seed_args(auth, **extra):
    args = dict(auth, display_name=POLICY, policy_state='enabled', include_groups=[JIT],
                include_applications=['all_internet_resources_gsa'], sign_in_risk_levels=['none', 'low'],
                session_controls={'gsa_security_profile': PROFILE})
    args.update(extra)
    return args


def stored(admin, policy_id):
    return admin.call('GET', '%s/%s' % (POLICIES, policy_id), api='beta')


def test_seed_policy_four_step_idempotency(emulator, tenant, auth, admin, seed):
    predicted = run_module('conditional_access_policy', seed_args(auth), check=True)
    assert predicted['changed'] is True, predicted
    policy = predicted['conditional_access_policy']
    assert policy['id'] is None
    assert policy['include_groups'] == [JIT] and policy['include_applications'] == ['all_internet_resources_gsa']
    assert policy['policy_state'] == 'enabled' and policy['sign_in_risk_levels'] == ['low', 'none']
    assert policy['session_controls']['gsa_security_profile'] == PROFILE
    assert predicted['diff']['before'] == {}
    assert writes(emulator, tenant) == []

    applied = run_module('conditional_access_policy', seed_args(auth))
    assert applied['changed'] is True, applied
    assert dict(applied['conditional_access_policy'], id=None) == policy
    posts = writes(emulator, tenant)
    assert [(w['method'], w['path']) for w in posts] == [('POST', '/beta/identity/conditionalAccess/policies')]
    assert posts[0]['body'] == {
        'displayName': POLICY, 'state': 'enabled',
        'conditions': {'users': {'includeGroups': [seed['group']]}, 'applications': {'includeApplications': [INTERNET]},
                       'signInRiskLevels': ['low', 'none'], 'clientAppTypes': ['all']},
        'sessionControls': {'globalSecureAccessFilteringProfile': {'profileId': seed['profile'], 'isEnabled': True},
                            'signInFrequency': None, 'persistentBrowser': None, 'applicationEnforcedRestrictions': None,
                            'disableResilienceDefaults': None},
    }
    graph = stored(admin, applied['conditional_access_policy']['id'])
    assert graph['sessionControls']['globalSecureAccessFilteringProfile']['profileId'] == seed['profile']

    emulator.clear_log()
    again = run_module('conditional_access_policy', seed_args(auth), check=True)
    assert again['changed'] is False, again['diff']
    shown = again['conditional_access_policy']
    assert {key: shown[key] for key in applied['conditional_access_policy']} == applied['conditional_access_policy']
    assert shown['exclude_groups'] == [] and shown['grant_controls'] is None
    converged = run_module('conditional_access_policy', seed_args(auth))
    assert converged['changed'] is False
    assert writes(emulator, tenant) == []
    assert [r['version'] for r in emulator.requests(tenant.tenant_id) if 'conditionalAccess' in r['path']] == ['beta'] * 2


def test_second_playbook_run_sends_zero_writes(emulator, tenant, auth, playbook):
    add_profile(emulator, tenant)
    defaults = dict(auth)
    break_glass = {'jitaccess.entra.conditional_access_policy': {'break_glass': {'users': [upn(tenant, 'admin')]}}}
    tasks = [
        {'name': 'JIT group', 'jitaccess.entra.group': {'display_name': JIT, 'members': [], 'purge_members': True}},
        {'name': 'Seed policy', 'jitaccess.entra.conditional_access_policy': {
            'display_name': POLICY, 'policy_state': 'enabled', 'include_groups': [JIT],
            'include_applications': ['all_internet_resources_gsa'], 'sign_in_risk_levels': ['none', 'low'],
            'session_controls': {'gsa_security_profile': PROFILE}}},
        {'name': 'MFA for everyone', 'module_defaults': break_glass, 'jitaccess.entra.conditional_access_policy': {
            'display_name': 'Require MFA', 'policy_state': 'enabled', 'include_users': ['All'],
            'include_applications': ['All'], 'grant_controls': {'built_in_controls': ['mfa']}}},
    ]
    first = playbook.run(tasks, module_defaults=defaults, diff=True)
    assert first.rc == 0, first.stdout + first.stderr
    assert [result['changed'] for result in first.results] == [True, True, True], first.stdout
    assert first.results[2]['conditional_access_policy']['exclude_users'] == [upn(tenant, 'admin')]
    assert 'exclude_users' in first.stdout  # --diff shows the break-glass exclusion
    emulator.clear_log()
    second = playbook.run(tasks, module_defaults=defaults)
    assert second.rc == 0, second.stdout + second.stderr
    assert [result['changed'] for result in second.results] == [False, False, False], second.stdout
    assert writes(emulator, tenant) == []


def test_report_only_toggle_patches_only_the_state(emulator, tenant, auth, seed):
    created = run_module('conditional_access_policy', seed_args(auth))['conditional_access_policy']
    for wanted, graph in (('report_only', REPORT_ONLY), ('enabled', 'enabled')):
        emulator.clear_log()
        toggled = run_module('conditional_access_policy', seed_args(auth, policy_state=wanted))
        assert toggled['changed'] is True
        sent = writes(emulator, tenant)
        assert [(w['method'], w['path'], w['body']) for w in sent] == [
            ('PATCH', '/beta/identity/conditionalAccess/policies/%s' % created['id'], {'state': graph})]
        before, after = toggled['diff']['before'], toggled['diff']['after']
        assert {key for key in after if before.get(key) != after[key]} == {'policy_state'}
        assert after['policy_state'] == wanted
        emulator.clear_log()
        assert run_module('conditional_access_policy', seed_args(auth, policy_state=wanted))['changed'] is False
        assert writes(emulator, tenant) == []


def test_lockout_guard(emulator, tenant, auth):
    everyone = dict(auth, display_name='Require MFA', include_users=['all'], include_applications=['All'],
                    grant_controls={'built_in_controls': ['mfa']})
    for check in (True, False):
        refused = run_module('conditional_access_policy', dict(everyone, policy_state='enabled'), check=check)
        assert refused.get('failed') is True
        assert "include_users=['All']" in refused['msg'] and 'allow_all_users_without_exclusions' in refused['msg']
    assert writes(emulator, tenant) == []

    trial = run_module('conditional_access_policy', everyone)
    assert trial['changed'] is True and trial['conditional_access_policy']['policy_state'] == 'report_only'
    emulator.clear_log()
    assert run_module('conditional_access_policy', dict(everyone, policy_state='enabled')).get('failed') is True
    assert writes(emulator, tenant) == []

    admin_upn = upn(tenant, 'admin')
    guarded = run_module('conditional_access_policy', dict(everyone, policy_state='enabled', exclude_users=[admin_upn]))
    assert guarded['changed'] is True and guarded['conditional_access_policy']['exclude_users'] == [admin_upn]
    emulator.clear_log()
    unguarded = run_module('conditional_access_policy', dict(everyone, policy_state='enabled', exclude_users=[]))
    assert unguarded.get('failed') is True
    guests = run_module('conditional_access_policy', dict(everyone, exclude_users=['GuestsOrExternalUsers']))
    assert guests.get('failed') is True
    assert writes(emulator, tenant) == []

    accepted = run_module('conditional_access_policy', dict(everyone, policy_state='enabled', exclude_users=[],
                                                            allow_all_users_without_exclusions=True))
    assert accepted['changed'] is True and accepted['conditional_access_policy']['exclude_users'] == []


def test_break_glass_joins_existing_exclusions(emulator, tenant, auth, admin, seed):
    admin.create_group('Break Glass', 'breakglass')
    run_module('conditional_access_policy', seed_args(auth, exclude_groups=['Finance Team']))
    emulator.clear_log()
    result = run_module('conditional_access_policy', seed_args(auth, break_glass={'groups': ['Break Glass']}))
    assert result['changed'] is True
    assert result['conditional_access_policy']['exclude_groups'] == ['Break Glass', 'Finance Team']
    assert result['diff']['before']['exclude_groups'] == ['Finance Team']
    body = writes(emulator, tenant)[0]['body']
    assert list(body) == ['conditions'] and list(body['conditions']) == ['users']
    assert body['conditions']['users']['includeGroups'] == [seed['group']]
    assert len(body['conditions']['users']['excludeGroups']) == 2
    declared = run_module('conditional_access_policy', seed_args(auth, exclude_groups=[], break_glass={'groups': ['Break Glass']}))
    assert declared['conditional_access_policy']['exclude_groups'] == ['Break Glass']


def test_names_and_ids_compare_as_sets_over_server_defaults(emulator, tenant, auth, admin, seed):
    office = admin.call('POST', '/identity/conditionalAccess/namedLocations', {
        '@odata.type': '#microsoft.graph.ipNamedLocation', 'displayName': 'Head office', 'isTrusted': True,
        'ipRanges': [{'@odata.type': '#microsoft.graph.iPv4CidrRange', 'cidrAddress': '203.0.113.0/24'}]}, expect=201)
    finance = admin.groups_named('Finance Team')[0]['id']
    sarah, david = (tenant.users[upn(tenant, name)]['id'] for name in ('sarah.jones', 'david.miller'))
    # Made out of band (as in the portal), ids in another order than the playbook gives the names.
    made = admin.call('POST', POLICIES, api='beta', expect=201, body={
        'displayName': 'Portal policy', 'state': 'enabled',
        'conditions': {'users': {'includeGroups': [finance, seed['group']], 'excludeUsers': [david, sarah],
                                 'excludeRoles': [GLOBAL_ADMIN]},
                       'applications': {'includeApplications': [INTERNET.upper()]},
                       'locations': {'includeLocations': ['All'], 'excludeLocations': [office['id']]}},
        'grantControls': {'operator': 'OR', 'builtInControls': ['mfa', 'compliantDevice']}})
    emulator.clear_log()
    args = dict(auth, display_name='Portal policy', policy_state='enabled', include_groups=[JIT, seed['group'], 'Finance Team'],
                exclude_users=[upn(tenant, 'sarah.jones'), david], exclude_roles=['global administrator'],
                include_applications=['all_internet_resources_gsa'], include_locations=['all'],
                exclude_locations=['Head office'], client_app_types=[], sign_in_risk_levels=[], include_platforms=[],
                grant_controls={'built_in_controls': ['compliantDevice', 'mfa']})
    result = run_module('conditional_access_policy', args)
    assert result['changed'] is False, result['diff']
    assert writes(emulator, tenant) == []
    policy = result['conditional_access_policy']
    assert policy['id'] == made['id']
    assert policy['include_groups'] == ['Allow ChatGPT Access', 'Finance Team']
    assert policy['exclude_users'] == sorted([upn(tenant, 'sarah.jones'), upn(tenant, 'david.miller')])
    assert policy['exclude_roles'] == ['Global Administrator']
    assert policy['exclude_locations'] == ['Head office'] and policy['client_app_types'] == ['all']
    assert policy['grant_controls'] == {'operator': 'OR', 'built_in_controls': ['compliantDevice', 'mfa']}


def test_groups_that_share_a_name_stay_two_groups(emulator, tenant, auth, admin, seed):
    """A name two groups share tells them apart by id in the view, and swapping one for the other is a change."""
    first, second = (admin.create_group('Twin', 'twin%d' % n)['id'] for n in (1, 2))
    created = run_module('conditional_access_policy', seed_args(auth, include_groups=[JIT, first]))
    assert created['conditional_access_policy']['include_groups'] == [JIT, 'Twin']
    emulator.clear_log()
    swapped = run_module('conditional_access_policy', seed_args(auth, include_groups=[JIT, second]))
    assert swapped['changed'] is True, swapped['diff']
    assert swapped['diff']['before']['include_groups'] == swapped['diff']['after']['include_groups'] == [JIT, 'Twin']
    assert sorted(writes(emulator, tenant)[0]['body']['conditions']['users']['includeGroups']) == sorted([seed['group'], second])
    both = run_module('conditional_access_policy', seed_args(auth, include_groups=[JIT, first, second]))
    assert both['changed'] is True
    assert both['conditional_access_policy']['include_groups'] == [JIT] + sorted('Twin (%s)' % group for group in (first, second))


def test_changing_one_list_sends_its_whole_section(emulator, tenant, auth, admin, seed):
    created = run_module('conditional_access_policy', seed_args(auth, exclude_users=[upn(tenant, 'admin')]))
    emulator.clear_log()
    result = run_module('conditional_access_policy', seed_args(auth, include_groups=[JIT, 'Finance Team']))
    assert result['changed'] is True
    assert set(result['diff']['after']) - {'id', 'display_name'} == {
        'policy_state', 'include_groups', 'include_applications', 'sign_in_risk_levels', 'session_controls'}
    body = writes(emulator, tenant)[0]['body']
    users = body['conditions']['users']
    assert users['excludeUsers'] == [tenant.users[upn(tenant, 'admin')]['id']] and len(users['includeGroups']) == 2
    graph = stored(admin, created['conditional_access_policy']['id'])
    assert graph['conditions']['signInRiskLevels'] == ['low', 'none']
    assert graph['conditions']['users']['excludeUsers'] == users['excludeUsers']


def test_a_create_race_adopts_the_older_policy_with_what_it_holds(emulator, tenant, auth, admin, seed, monkeypatch):
    """A run that loses a create race updates the older policy as Graph holds it: a changed list is sent with the rest
    of its member as the adopted policy has it (its exclusions are not dropped)."""
    from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import (  # pylint: disable=import-outside-toplevel
        ConditionalAccessPolicySpec)

    guard = tenant.users[upn(tenant, 'admin')]['id']
    create = ConditionalAccessPolicySpec.create
    others = []

    def other_run_first(self, ctx, after):
        others.append(admin.call('POST', POLICIES, {
            'displayName': POLICY, 'state': REPORT_ONLY,
            'conditions': {'users': {'includeGroups': [seed['group']], 'excludeUsers': [guard]},
                           'applications': {'includeApplications': [INTERNET]}, 'clientAppTypes': ['all']},
            'grantControls': None}, api='beta', expect=201))
        return create(self, ctx, after)

    monkeypatch.setattr(ConditionalAccessPolicySpec, 'create', other_run_first)
    result = run_module('conditional_access_policy', seed_args(auth, include_users=[upn(tenant, 'sarah.jones')]))
    assert result['changed'] is True, result
    assert result['conditional_access_policy']['id'] == others[0]['id']
    assert any('deleted its own' in warning for warning in result['warnings'])
    assert result['conditional_access_policy']['exclude_users'] == [upn(tenant, 'admin')]
    graph = stored(admin, others[0]['id'])
    assert graph['conditions']['users']['excludeUsers'] == [guard]
    assert graph['conditions']['users']['includeUsers'] == [tenant.users[upn(tenant, 'sarah.jones')]['id']]
    assert graph['conditions']['users']['includeGroups'] == [seed['group']]


def test_unmanaged_session_controls_survive_a_profile_change(emulator, tenant, auth, admin, seed):
    """A session control set out of band (here Defender for Cloud Apps) is sent back when the module changes the profile."""
    other = add_profile(emulator, tenant, 'Allow Claude')
    created = run_module('conditional_access_policy', seed_args(auth))['conditional_access_policy']
    admin.call('PATCH', '%s/%s' % (POLICIES, created['id']), {'sessionControls': {
        'globalSecureAccessFilteringProfile': {'profileId': seed['profile'], 'isEnabled': True},
        'cloudAppSecurity': {'isEnabled': True, 'cloudAppSecurityType': 'monitorOnly'}}}, api='beta', expect=204)
    emulator.clear_log()
    switched = run_module('conditional_access_policy', seed_args(auth, session_controls={'gsa_security_profile': other['name']}))
    assert switched['changed'] is True, switched
    session = stored(admin, created['id'])['sessionControls']
    assert session['globalSecureAccessFilteringProfile']['profileId'] == other['id']
    assert session['cloudAppSecurity'] == {'isEnabled': True, 'cloudAppSecurityType': 'monitorOnly'}
    assert writes(emulator, tenant)[0]['body']['sessionControls']['cloudAppSecurity'] == session['cloudAppSecurity']


@pytest.mark.parametrize('levels, warned', [(['low'], True), (['none', 'low'], False), (['medium'], False)])
def test_low_risk_without_none_warns_when_a_profile_is_handed_out(emulator, tenant, auth, seed, levels, warned):
    """conditionalaccessconditionset.md: none is its own risk level, so [low] misses sign-ins without detected risk."""
    for check in (True, False):
        result = run_module('conditional_access_policy', seed_args(auth, sign_in_risk_levels=levels), check=check)
        assert not result.get('failed'), result
        found = [w for w in result['warnings'] if 'none is a level of its own' in w]
        assert bool(found) is warned, result['warnings']
    without_profile = run_module('conditional_access_policy', dict(auth, display_name='Risky sign-ins', include_groups=[JIT],
                                                                   include_applications=['All'], sign_in_risk_levels=['low'],
                                                                   grant_controls={'built_in_controls': ['mfa']}))
    assert not [w for w in without_profile['warnings'] if 'none is a level of its own' in w]


def test_security_profile_switch_and_removal(emulator, tenant, auth, admin, seed):
    other = add_profile(emulator, tenant, 'Allow Claude')
    created = run_module('conditional_access_policy', seed_args(auth))['conditional_access_policy']
    switched = run_module('conditional_access_policy', seed_args(auth, session_controls={'gsa_security_profile': other['id']}))
    assert switched['changed'] is True
    assert switched['conditional_access_policy']['session_controls']['gsa_security_profile'] == 'Allow Claude'
    assert stored(admin, created['id'])['sessionControls']['globalSecureAccessFilteringProfile']['profileId'] == other['id']
    assert run_module('conditional_access_policy', seed_args(auth, session_controls={'gsa_security_profile': 'Allow Claude'}))[
        'changed'] is False
    removed = run_module('conditional_access_policy', seed_args(auth, session_controls={
        'gsa_security_profile': '', 'sign_in_frequency': {'value': 8, 'type': 'hours'}}))
    assert removed['changed'] is True
    assert removed['conditional_access_policy']['session_controls'] == {
        'gsa_security_profile': None, 'persistent_browser': None, 'application_enforced_restrictions': None,
        'disable_resilience_defaults': None, 'sign_in_frequency': {
            'value': 8, 'type': 'hours', 'frequency_interval': 'timeBased', 'authentication_type': 'primaryAndSecondaryAuthentication'}}
    session = stored(admin, created['id'])['sessionControls']
    assert session['globalSecureAccessFilteringProfile'] is None and session['signInFrequency']['value'] == 8
    emulator.clear_log()
    assert run_module('conditional_access_policy', seed_args(auth, session_controls={
        'sign_in_frequency': {'value': 8, 'type': 'hours'}}))['changed'] is False
    assert writes(emulator, tenant) == []


@pytest.mark.parametrize('options, fragment', [
    ({'include_groups': ['No Such Group']}, "include_groups='No Such Group': no group has this display name"),
    ({'session_controls': {'gsa_security_profile': 'No Such Profile'}},
     "session_controls.gsa_security_profile='No Such Profile': no security profile has this name"),
    ({'session_controls': {'gsa_security_profile': new_id()}}, 'no security profile has this id'),
    ({'sign_in_risk_levels': ['low', 'extreme']}, 'sign_in_risk_levels must be one or more of: low, medium, high, hidden, none. Got no '
     'match for: extreme'),
    ({'include_roles': ['Chief Wizard']}, "include_roles='Chief Wizard': no built-in directory role has this name"),
    ({'include_applications': ['chatgpt']}, "include_applications='chatgpt': must be an application id"),
    ({'exclude_users': ['All']}, "exclude_users='All': this keyword only makes sense in include_users"),
    ({'exclude_users': ['nobody@example.com']}, "exclude_users='nobody@example.com': no such user"),
    ({'include_locations': ['Moon base']}, "include_locations='Moon base': no named location has this name"),
    ({'break_glass': {'groups': ['No Such Group']}}, "break_glass.groups='No Such Group'"),
    ({'session_controls': {'sign_in_frequency': {'value': 30, 'type': 'hours'}}}, 'value must be 1..23 hours'),
    ({'session_controls': {'sign_in_frequency': {'frequency_interval': 'everyTime', 'value': 1, 'type': 'hours'}}},
     'takes no value or type'),
])
def test_bad_input_fails_before_any_write(emulator, tenant, auth, seed, options, fragment):
    result = run_module('conditional_access_policy', seed_args(auth, **options))
    assert result.get('failed') is True
    assert fragment in result['msg']
    assert writes(emulator, tenant) == []


def test_new_policy_needs_users_and_applications(emulator, tenant, auth, seed):
    result = run_module('conditional_access_policy', dict(auth, display_name='Empty', include_groups=[JIT]))
    assert result.get('failed') is True and 'include_applications' in result['msg']
    result = run_module('conditional_access_policy', dict(auth, display_name='Empty', include_applications=['All']))
    assert result.get('failed') is True and 'include_users' in result['msg']
    assert writes(emulator, tenant) == []


def test_duplicate_display_names_list_both_ids(emulator, tenant, auth, admin, seed):
    body = {'displayName': POLICY, 'state': 'disabled', 'conditions': {
        'users': {'includeGroups': [seed['group']]}, 'applications': {'includeApplications': ['All']}}}
    ids = sorted(admin.call('POST', POLICIES, body, api='beta', expect=201)['id'] for dummy in range(2))
    emulator.clear_log()
    result = run_module('conditional_access_policy', seed_args(auth))
    assert result.get('failed') is True
    assert ids[0] in result['msg'] and ids[1] in result['msg']
    assert writes(emulator, tenant) == []
    assert run_module('conditional_access_policy', seed_args(auth, id=ids[0]))['changed'] is True


def test_name_match_ignores_case_and_renames(emulator, tenant, auth, admin, seed):
    created = run_module('conditional_access_policy', seed_args(auth))['conditional_access_policy']
    emulator.clear_log()
    renamed = run_module('conditional_access_policy', seed_args(auth, display_name=POLICY.upper()))
    assert renamed['changed'] is True and renamed['conditional_access_policy']['id'] == created['id']
    assert [w['body'] for w in writes(emulator, tenant)] == [{'displayName': POLICY.upper()}]
    assert stored(admin, created['id'])['displayName'] == POLICY.upper()


def test_absent_is_idempotent(emulator, tenant, auth, seed):
    run_module('conditional_access_policy', seed_args(auth))
    predicted = run_module('conditional_access_policy', dict(auth, display_name=POLICY, state='absent'), check=True)
    assert predicted['changed'] is True and predicted['diff']['after'] == {}
    assert predicted['diff']['before']['session_controls']['gsa_security_profile'] == PROFILE
    assert run_module('conditional_access_policy', dict(auth, display_name=POLICY, state='absent'))['changed'] is True
    emulator.clear_log()
    assert run_module('conditional_access_policy', dict(auth, display_name=POLICY, state='absent'))['changed'] is False
    assert writes(emulator, tenant) == []


def test_info_names_each_kind_in_one_read(emulator, tenant, auth, admin, seed):
    """The users a policy includes and excludes are named in one read, as are its groups."""
    sarah, david = (tenant.users[upn(tenant, name)]['id'] for name in ('sarah.jones', 'david.miller'))
    finance = admin.groups_named('Finance Team')[0]['id']
    admin.call('POST', POLICIES, api='beta', expect=201, body={
        'displayName': 'Two kinds', 'state': 'disabled',
        'conditions': {'users': {'includeUsers': [sarah], 'excludeUsers': [david], 'includeGroups': [seed['group']],
                                 'excludeGroups': [finance]},
                       'applications': {'includeApplications': ['All']}}})
    emulator.clear_log()
    found = run_module('conditional_access_policy_info', dict(auth, display_name='Two kinds'))['conditional_access_policies']
    assert [(p['include_users'], p['exclude_users'], p['include_groups'], p['exclude_groups']) for p in found] == [
        ([upn(tenant, 'sarah.jones')], [upn(tenant, 'david.miller')], [JIT], ['Finance Team'])]
    assert [r['path'] for r in emulator.requests(tenant.tenant_id)] == [
        '/beta/identity/conditionalAccess/policies', '/v1.0/users', '/v1.0/groups']


def test_info_shows_names(emulator, tenant, auth, seed):
    run_module('conditional_access_policy', seed_args(auth))
    run_module('conditional_access_policy', dict(auth, display_name='Admins MFA', include_roles=['Global Administrator'],
                                                 include_applications=['All'], grant_controls={'built_in_controls': ['mfa']}))
    listed = run_module('conditional_access_policy_info', auth)
    assert listed['changed'] is False
    assert sorted(p['display_name'] for p in listed['conditional_access_policies']) == ['Admins MFA', POLICY]
    found = run_module('conditional_access_policy_info', dict(auth, display_name=POLICY))['conditional_access_policies']
    assert [(p['include_groups'], p['session_controls']['gsa_security_profile']) for p in found] == [([JIT], PROFILE)]
    by_id = run_module('conditional_access_policy_info', dict(auth, id=found[0]['id']))['conditional_access_policies']
    assert by_id == found
    assert run_module('conditional_access_policy_info', dict(auth, display_name='nope'))['conditional_access_policies'] == []
