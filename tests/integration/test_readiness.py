"""tenant_readiness against the HTTPS emulator: a ready tenant, a missing permission named per module, a missing
licence, the Internet Access traffic forwarding profile disabled (reported, fixed, then left alone), break-glass
exclusions, and unreadable parts reported as unknown."""

from __future__ import annotations

from tests.emulator.graph.gsa import forwarding_profile
from tests.emulator.graph.licensing import remove_service_plan
from tests.emulator.tenant import APP_ROLES, DELEGATED_SCOPES
from tests.integration.harness import GraphAdmin, auth_args, run_module
from tests.integration.test_permissions import grant_only, without

FORWARDING = '/beta/networkAccess/forwardingProfiles/'


def statuses(result):
    return {item['check']: item['status'] for item in result['checklist']}


def item(result, check):
    return next(entry for entry in result['checklist'] if entry['check'] == check)


def test_a_ready_tenant_passes_every_check(emulator, tenant, auth):
    emulator.clear_log()
    result = run_module('tenant_readiness', dict(auth, break_glass=dict(users=['admin@%s' % tenant.domain])))
    assert not result.get('failed'), result
    assert result['ready'] is True and result['changed'] is False
    assert set(statuses(result).values()) == {'pass'}, [i for i in result['checklist'] if i['status'] != 'pass']
    assert {'permissions_conditional_access_policy', 'licence_internet_access', 'licence_sign_in_risk', 'internet_forwarding_profile',
            'internet_forwarding_assignment', 'baseline_profile', 'web_category_ArtificialIntelligence',
            'break_glass_accounts'} <= set(statuses(result))
    assert result['credential']['kind'] == 'application' and 'Policy.ReadWrite.ConditionalAccess' in result['credential']['permissions']
    assert all(i['fix'] is None for i in result['checklist'])
    assert emulator.writes(tenant.tenant_id) == []


def test_a_missing_permission_is_named_per_module(emulator, tenant, auth):
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'Policy.ReadWrite.ConditionalAccess'))
    emulator.clear_log()
    result = run_module('tenant_readiness', auth)
    assert result['ready'] is False
    failing = item(result, 'permissions_conditional_access_policy')
    assert failing['status'] == 'fail' and failing['required'] is True
    assert failing['missing'] == ['Policy.ReadWrite.ConditionalAccess']
    assert 'conditional_access_policy is missing application permission Policy.ReadWrite.ConditionalAccess' == failing['reason']
    assert 'Policy.ReadWrite.ConditionalAccess' in failing['fix']
    # Only the module that needs it fails; the others pass.
    assert [check for check, status in statuses(result).items() if status == 'fail'] == ['permissions_conditional_access_policy']
    assert emulator.writes(tenant.tenant_id) == []


def test_a_delegated_token_needs_scopes_and_a_directory_role(emulator, tenant):
    token = emulator.token_for(tenant.tenant_id, upn='sarah.jones@%s' % tenant.domain)
    args = auth_args(emulator, tenant, client_id=None, client_secret=None, auth_source='access_token', access_token=token)
    result = run_module('tenant_readiness', dict(args, modules=['filtering_policy', 'group']))
    assert result['credential'] == {'kind': 'delegated', 'permissions': sorted(DELEGATED_SCOPES), 'roles': []}
    assert item(result, 'permissions_filtering_policy')['reason'] == (
        'filtering_policy is missing an Entra role of the signed-in user (Global Secure Access Administrator or Security Administrator)')
    assert item(result, 'permissions_group')['missing'] == ['Groups Administrator']
    admin = emulator.token_for(tenant.tenant_id, upn='admin@%s' % tenant.domain)
    result = run_module('tenant_readiness', dict(args, access_token=admin, modules=['filtering_policy', 'group']))
    assert result['credential']['roles'] == ['Global Administrator']
    assert item(result, 'permissions_filtering_policy')['status'] == 'pass'
    assert item(result, 'permissions_group')['status'] == 'pass'


def test_no_internet_access_licence(emulator, tenant, auth):
    with emulator.lock:
        remove_service_plan(emulator.state(tenant.tenant_id), 'Entra_Premium_Internet_Access')
    result = run_module('tenant_readiness', auth)
    assert result['ready'] is False
    licence = item(result, 'licence_internet_access')
    assert licence['status'] == 'fail' and 'Entra_Premium_Internet_Access' in licence['reason']
    assert item(result, 'licence_conditional_access')['status'] == 'pass'
    assert item(result, 'licence_entitlement_management')['status'] == 'pass'


def test_an_unreadable_sku_list_is_unknown_not_fail(emulator, tenant, auth):
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'Directory.Read.All'))
    result = run_module('tenant_readiness', dict(auth, modules=['group_info']))
    licences = [entry for entry in result['checklist'] if entry['check'].startswith('licence_')]
    assert {entry['status'] for entry in licences} == {'unknown'}
    assert 'Organization.Read.All' in licences[0]['fix']
    assert result['ready'] is True


def test_a_disabled_forwarding_profile_is_reported_fixed_and_then_left_alone(emulator, tenant, auth):
    with emulator.lock:
        profile = forwarding_profile(emulator.state(tenant.tenant_id), 'internet')
        profile['state'] = 'disabled'
    reported = run_module('tenant_readiness', auth)
    assert reported['ready'] is False and reported['changed'] is False
    assert item(reported, 'internet_forwarding_profile')['status'] == 'fail'
    assert 'fix_forwarding=true' in item(reported, 'internet_forwarding_profile')['fix']

    emulator.clear_log()
    predicted = run_module('tenant_readiness', dict(auth, fix_forwarding=True), check=True)
    assert predicted['changed'] is True and predicted['ready'] is True
    assert predicted['diff'] == {'before': {'internet_forwarding_profile': {'id': profile['id'], 'state': 'disabled'}},
                                 'after': {'internet_forwarding_profile': {'id': profile['id'], 'state': 'enabled'}}}
    assert 'would be enabled' in item(predicted, 'internet_forwarding_profile')['reason']
    assert emulator.writes(tenant.tenant_id) == []

    fixed = run_module('tenant_readiness', dict(auth, fix_forwarding=True))
    assert fixed['changed'] is True and fixed['ready'] is True
    writes = emulator.writes(tenant.tenant_id)
    assert [(w['method'], w['path']) for w in writes] == [('PATCH', FORWARDING + profile['id'])]
    assert emulator.state(tenant.tenant_id).table('forwardingProfiles').get(profile['id'])['state'] == 'enabled'

    emulator.clear_log()
    again = run_module('tenant_readiness', dict(auth, fix_forwarding=True))
    assert again['changed'] is False and again['ready'] is True
    assert again['diff'] == {'before': {}, 'after': {}}
    assert emulator.writes(tenant.tenant_id) == []


def test_forwarding_profile_assigned_to_selected_users_fails(emulator, tenant, auth):
    with emulator.lock:
        state = emulator.state(tenant.tenant_id)
        principal = state.table('servicePrincipals').get(forwarding_profile(state, 'internet')['servicePrincipalId'])
        principal['appRoleAssignmentRequired'] = True
    result = run_module('tenant_readiness', auth)
    assert item(result, 'internet_forwarding_assignment')['status'] == 'fail'
    assert 'Assign to all users' in item(result, 'internet_forwarding_assignment')['fix']


def test_break_glass_accounts_must_exist_and_be_excluded(emulator, tenant, auth):
    admin = GraphAdmin(emulator, tenant)
    breakglass = 'admin@%s' % tenant.domain
    admin.call('POST', '/identity/conditionalAccess/policies', api='beta', expect=201, body={
        'displayName': 'Require MFA', 'state': 'enabled', 'grantControls': {'operator': 'OR', 'builtInControls': ['mfa']},
        'conditions': {'users': {'includeUsers': ['All'], 'excludeUsers': [tenant.users[breakglass]['id']]},
                       'applications': {'includeApplications': ['All']}}})
    admin.call('POST', '/identity/conditionalAccess/policies', api='beta', expect=201, body={
        'displayName': 'Block legacy', 'state': 'enabledForReportingButNotEnforced', 'grantControls': {'operator': 'OR', 'builtInControls': ['block']},
        'conditions': {'users': {'includeUsers': ['All']}, 'applications': {'includeApplications': ['All']}, 'clientAppTypes': ['other']}})
    result = run_module('tenant_readiness', dict(auth, modules=['group_info'], break_glass=dict(users=[breakglass, 'nobody@%s' % tenant.domain])))
    assert item(result, 'break_glass_accounts')['status'] == 'fail'
    assert 'user nobody@' in item(result, 'break_glass_accounts')['reason']
    assert item(result, 'break_glass_excluded_Require MFA')['status'] == 'pass'
    blocked = item(result, 'break_glass_excluded_Block legacy')
    assert blocked['status'] == 'fail' and 'does not exclude user %s' % breakglass in blocked['reason']
    named = run_module('tenant_readiness', dict(auth, modules=['group_info'], break_glass=dict(users=[breakglass]),
                                                policies=['Require MFA', 'GSA - Allow ChatGPT (JIT)']))
    assert named['ready'] is True
    assert statuses(named)['break_glass_excluded_Require MFA'] == 'pass'
    assert statuses(named)['break_glass_excluded_GSA - Allow ChatGPT (JIT)'] == 'unknown'
    assert 'break_glass_excluded_Block legacy' not in statuses(named)


def test_without_break_glass_the_check_is_unknown_and_not_required(emulator, tenant, auth):
    result = run_module('tenant_readiness', dict(auth, modules=['group_info']))
    assert item(result, 'break_glass_accounts') == dict(item(result, 'break_glass_accounts'), status='unknown', required=False)
    assert result['ready'] is True


def test_missing_category_and_gsa_read_refused(emulator, tenant, auth):
    result = run_module('tenant_readiness', dict(auth, modules=['group_info'], web_categories=['ArtificialIntelligence', 'Astrology']))
    assert statuses(result)['web_category_ArtificialIntelligence'] == 'pass'
    assert statuses(result)['web_category_Astrology'] == 'fail'
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'NetworkAccess.ReadWrite.All', 'NetworkAccessPolicy.ReadWrite.All'))
    # A new token, not the one cached by the run above, carries the narrower grant.
    result = run_module('tenant_readiness', dict(auth, modules=['group_info'], token_cache=False))
    assert not result.get('failed'), result
    for check in ('internet_forwarding_profile', 'baseline_profile', 'web_category_ArtificialIntelligence'):
        assert statuses(result)[check] == 'unknown'
    assert 'NetworkAccess.Read.All' in item(result, 'baseline_profile')['fix']
