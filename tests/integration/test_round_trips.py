"""Issue 8, "Fewer round trips": a converged task sends no write and reads each managed object once; references the
object already holds (by id, or by a name its own data carries) are not looked up again.

Each module test converges one object, clears the request log and runs the same task again, in check mode and for
real, first with names and then with the ids an earlier task returned; it asserts the exact reads. The role test
converges playbooks/jit_ai_access.yml and counts the reads of a second, converged run against what the role manages."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import pytest

from tests.emulator.graph import entitlement
from tests.integration.harness import run_module

GROUP = 'Allow ChatGPT Access'
POLICY = 'Allow ChatGPT'
BLOCK = 'Block Artificial Intelligence'
PROFILE = 'Allow ChatGPT'
CA_POLICY = 'GSA - Allow ChatGPT (JIT)'
CATALOG = 'AI apps'
PACKAGE = 'ChatGPT access'
ASSIGNMENT_POLICY = 'ChatGPT on request'
EM = '/v1.0/identityGovernance/entitlementManagement'


def reads(emulator, tenant):
    """The Graph reads since the log was cleared, as (path, query) without the version's query noise."""
    return [(entry['path'], entry['query']) for entry in emulator.requests(tenant.tenant_id) if entry['method'] == 'GET']


def converged(emulator, tenant, module, args):
    """Run the task in check mode and for real on a converged object: unchanged, no write; returns the reads of each."""
    seen = []
    for check in (True, False):
        emulator.clear_log()
        result = run_module(module, args, check=check)
        assert result.get('changed') is False and not result.get('failed'), result
        assert emulator.writes(tenant.tenant_id) == []
        seen.append(reads(emulator, tenant))
    assert seen[0] == seen[1], 'check mode reads what an enforcing run reads'
    return seen[1]


def upn(tenant, nickname):
    return next(name for name in tenant.users if name.startswith(nickname + '@'))


@pytest.fixture
def world(emulator, tenant, auth):
    """Every object of the role's app, made by the modules; returns their ids."""
    with emulator.lock:
        entitlement.set_replication_lag(emulator.state(tenant.tenant_id), 0)
    made = {}

    returned = {'access_package_catalog': 'catalog', 'access_package_assignment_policy': 'assignment_policy'}

    def make(module, key, **args):
        result = run_module(module, dict(auth, **args))
        assert result['changed'] is True, result
        made[key] = result[returned.get(module, module)]['id']

    make('group', 'group', display_name=GROUP)
    make('filtering_policy', 'policy', name=POLICY, action='allow', rules=[dict(name='ChatGPT', type='fqdn', destinations=['chatgpt.com'])])
    make('filtering_policy', 'block', name=BLOCK, action='block',
         rules=[dict(name=BLOCK, type='webCategory', destinations=['ArtificialIntelligence'])])
    make('filtering_profile', 'profile', name=PROFILE, priority=100, policies=[dict(name=POLICY, priority=100)])
    make('filtering_profile', 'baseline', baseline=True, policies=[dict(name=BLOCK, priority=100)])
    make('conditional_access_policy', 'ca', display_name=CA_POLICY, policy_state='enabled', include_groups=[GROUP],
         include_applications=['all_internet_resources_gsa'], session_controls=dict(gsa_security_profile=PROFILE))
    make('access_package_catalog', 'catalog', display_name=CATALOG)
    make('access_package', 'package', display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=GROUP)])
    make('access_package_assignment_policy', 'assignment_policy', **assignment_policy(tenant, PACKAGE, CATALOG, 'Finance Team',
                                                                                      upn(tenant, 'it.approvals')))
    made['finance'] = next(g['id'] for g in emulator.state(tenant.tenant_id).table('groups').values() if g['displayName'] == 'Finance Team')
    made['approver'] = tenant.users[upn(tenant, 'it.approvals')]['id']
    return made


def assignment_policy(tenant, package, catalog, requestor_group, approver):
    del tenant
    return dict(display_name=ASSIGNMENT_POLICY, access_package=package, catalog=catalog,
                requestors=dict(scope='specific', groups=[requestor_group]),
                approval=dict(required=True, requestor_justification=True, stages=[dict(
                    approvers=dict(manager=True), fallback_approvers=dict(users=[approver]), deadline_days=14)]),
                expiration=dict(hours=2), questions=[dict(text='What will you use the app for?', required=True)])


def test_filtering_profile_reads_only_itself(emulator, tenant, auth, world):
    for args in (dict(name=PROFILE, priority=100, purge_policies=True, policies=[dict(name=POLICY, priority=100)]),
                 dict(name=PROFILE, policies=[dict(name=world['policy'])]),
                 dict(baseline=True, policies=[dict(name=BLOCK, priority=100)])):
        # Before: the profiles, then every filtering policy to resolve a link the profile's own data already names.
        assert [path for path, dummy in converged(emulator, tenant, 'filtering_profile', dict(auth, **args))] == [
            '/beta/networkAccess/filteringProfiles'], args


def test_filtering_profile_lists_policies_only_for_a_new_link(emulator, tenant, auth, world):
    del world
    emulator.clear_log()
    result = run_module('filtering_profile', dict(auth, name=PROFILE, policies=[dict(name=BLOCK)]), check=True)
    assert result['changed'] is True and emulator.writes(tenant.tenant_id) == []
    assert [path for path, dummy in reads(emulator, tenant)] == ['/beta/networkAccess/filteringProfiles',
                                                                 '/beta/networkAccess/filteringPolicies']
    assert [link['name'] for link in result['diff']['after']['policies']] == [POLICY, BLOCK]


def test_conditional_access_policy(emulator, tenant, auth, world):
    base = dict(auth, display_name=CA_POLICY, policy_state='enabled', include_applications=['all_internet_resources_gsa'])
    # Names: the policy, one batched read naming the groups it holds (the declared name is among them, so no lookup by
    # name) and the profiles. Before: five (a GET per group id, the profiles twice, the group by name).
    by_name = converged(emulator, tenant, 'conditional_access_policy',
                        dict(base, include_groups=[GROUP], session_controls=dict(gsa_security_profile=PROFILE)))
    assert [path for path, dummy in by_name] == ['/beta/identity/conditionalAccess/policies', '/v1.0/groups',
                                                 '/beta/networkAccess/filteringProfiles']
    assert "id in ('%s')" % world['group'] in unquote_plus(by_name[1][1])
    # Ids the policy holds: nothing but the policy.
    by_id = converged(emulator, tenant, 'conditional_access_policy',
                      dict(base, include_groups=[world['group']], session_controls=dict(gsa_security_profile=world['profile'])))
    assert [path for path, dummy in by_id] == ['/beta/identity/conditionalAccess/policies']


def test_conditional_access_policy_names_stay_in_the_diff(emulator, tenant, auth, world):
    emulator.clear_log()
    result = run_module('conditional_access_policy', dict(auth, display_name=CA_POLICY, policy_state='report_only',
                                                          include_groups=[GROUP, 'Finance Team']), check=True)
    assert result['changed'] is True and emulator.writes(tenant.tenant_id) == []
    assert result['diff']['before']['include_groups'] == [GROUP]
    assert result['diff']['after']['include_groups'] == [GROUP, 'Finance Team']
    # One read names the held group, one looks up the group it does not hold yet; the profiles name the one it hands out.
    assert [path for path, dummy in reads(emulator, tenant)] == ['/beta/identity/conditionalAccess/policies', '/v1.0/groups', '/v1.0/groups',
                                                                 '/beta/networkAccess/filteringProfiles']
    assert world['group']


def test_access_package(emulator, tenant, auth, world):
    # Names: the package with its catalog and role scopes in one read, and one read naming the group it holds.
    # Before: five (catalog, package, role scopes, the group by id, the group by name).
    by_name = converged(emulator, tenant, 'access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG,
                                                                 resource_roles=[dict(group=GROUP)], purge_resource_roles=True))
    assert [path for path, dummy in by_name] == [EM + '/accessPackages', '/v1.0/groups']
    assert 'resourceRoleScopes' in by_name[0][1]
    by_id = converged(emulator, tenant, 'access_package', dict(auth, display_name=PACKAGE, catalog=world['catalog'],
                                                               resource_roles=[dict(group=world['group'])], purge_resource_roles=True))
    assert [path for path, dummy in by_id] == [EM + '/accessPackages']
    by_package_id = converged(emulator, tenant, 'access_package', dict(auth, id=world['package'], resource_roles=[dict(group=world['group'])]))
    assert [path for path, dummy in by_package_id] == [EM + '/accessPackages/' + world['package']]


def test_access_package_in_another_catalog_is_still_refused(emulator, tenant, auth, world):
    emulator.clear_log()
    result = run_module('access_package', dict(auth, id=world['package'], catalog='General'))
    assert result['failed'] is True and "is in catalog 'AI apps', not 'General'" in result['msg'], result
    assert emulator.writes(tenant.tenant_id) == []


def test_access_package_assignment_policy(emulator, tenant, auth, world):
    # Names: the policy (it names its package and catalog) and one read per kind naming the users and groups it holds.
    # Before: seven (catalog, package, policy, users by id, groups by id, the group by name, the user by UPN).
    by_name = converged(emulator, tenant, 'access_package_assignment_policy',
                        dict(auth, **assignment_policy(tenant, PACKAGE, CATALOG, 'Finance Team', upn(tenant, 'it.approvals'))))
    assert [path for path, dummy in by_name] == [EM + '/assignmentPolicies', '/v1.0/users', '/v1.0/groups']
    by_id = converged(emulator, tenant, 'access_package_assignment_policy',
                      dict(auth, **assignment_policy(tenant, world['package'], world['catalog'], world['finance'], world['approver'])))
    assert [path for path, dummy in by_id] == [EM + '/assignmentPolicies']


def test_assignment_policy_of_another_package_is_still_refused(emulator, tenant, auth, world):
    other = run_module('access_package', dict(auth, display_name='Other package', catalog=CATALOG))
    assert other['changed'] is True
    emulator.clear_log()
    args = dict(auth, id=world['assignment_policy'], access_package='Other package', catalog=CATALOG)
    result = run_module('access_package_assignment_policy', args)
    assert result['failed'] is True and "belongs to access package 'ChatGPT access', not 'Other package'" in result['msg'], result
    assert emulator.writes(tenant.tenant_id) == []


def test_filtering_policy_reads_the_category_list_only_for_a_category_its_rules_do_not_hold(emulator, tenant, auth):
    rule = {'name': 'AI', 'type': 'webCategory', 'destinations': ['Artificial Intelligence']}
    policy = dict(auth, name='Block AI', action='block', rules=[rule])
    assert run_module('filtering_policy', policy)['changed'] is True
    for check in (False, True):
        emulator.clear_log()
        assert run_module('filtering_policy', policy, check=check)['changed'] is False
        assert [path for path, dummy in reads(emulator, tenant)] == ['/beta/networkAccess/filteringPolicies']
    emulator.clear_log()
    grown = dict(policy, rules=[dict(rule, destinations=['ArtificialIntelligence', 'Gambling'])])
    assert run_module('filtering_policy', grown, check=True)['changed'] is True
    assert [path for path, dummy in reads(emulator, tenant)] == [
        '/beta/networkAccess/filteringPolicies', '/beta/networkAccess/connectivity/webCategories']
    unknown = run_module('filtering_policy', dict(policy, rules=[dict(rule, destinations=['ArtificialIntelligence', 'Chatbots'])]))
    assert unknown['failed'] is True and "rules[0].destinations" in unknown['msg'] and 'Chatbots' in unknown['msg'], unknown
    assert emulator.writes(tenant.tenant_id) == []


# ---- the role ------------------------------------------------------------------------------------------------------

# What one converged run of the role (one app) may read, and why. Before issue 8 such a run read 31 times.
#  - each object it manages, once: the block policy (its rules expanded), the Baseline profile (its links expanded),
#    the catalog, the allow policy, the app's security profile, the group, the Conditional Access policy, the access
#    package (catalog and role scopes expanded) and the assignment policy (package, catalog and questions expanded);
#  - the stray-member check, one read per collection it compares: the group and its members, the access package and
#    its assignments;
#  - references the role's variables give by name, once per kind: the users and the groups the assignment policy
#    names (one batched read each). The web categories of the block rule are the ones its rule already holds, so
#    the tenant's category list is not read.
# The catalog, profile, group and package are passed on by id, so no task looks them up. Nothing here pages.
MANAGED_OBJECTS = 9
STRAY_MEMBER_CHECK = 4
NAMED_REFERENCE_KINDS = 2
CONVERGED_ROLE_READS = [
    '/beta/networkAccess/filteringPolicies',  # block policy
    '/beta/networkAccess/filteringProfiles',  # Baseline link
    EM + '/catalogs',
    '/beta/networkAccess/filteringPolicies',  # allow policy
    '/beta/networkAccess/filteringProfiles',  # the app's profile
    '/v1.0/groups',  # the group
    '/beta/identity/conditionalAccess/policies',
    EM + '/accessPackages',
    EM + '/assignmentPolicies', '/v1.0/users', '/v1.0/groups',  # the policy and the people it names
    '/v1.0/groups', '/v1.0/groups/{id}/members',  # stray members: the group and its members
    EM + '/accessPackages', EM + '/assignments',  # stray members: active assignments
]


@pytest.fixture
def role_env(emulator, tenant):
    return dict(AZURE_TENANT_ID=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


@pytest.mark.slow
@pytest.mark.converged
def test_converged_role_run_reads_each_object_once(emulator, tenant, playbook, role_env):
    # The reads of the converge itself; the readiness check before it is tenant_readiness's own (test_readiness.py).
    variables = {'jit_ai_access_fallback_approvers': [upn(tenant, 'it.approvals')], 'jit_ai_access_readiness': 'skip'}
    budget = MANAGED_OBJECTS + STRAY_MEMBER_CHECK + NAMED_REFERENCE_KINDS
    for check in (False, True):
        emulator.clear_log()
        again = playbook.run_file('playbooks/jit_ai_access.yml', variables, check=check, env=role_env)
        assert again.rc == 0 and again.recap['changed'] == 0, again.stdout[-3000:]
        assert emulator.writes(tenant.tenant_id) == []
        seen = reads(emulator, tenant)
        assert len(seen) <= budget, '\n'.join('%s?%s' % read for read in seen)
        paths = [re.sub(r'/groups/[0-9a-f-]{36}/', '/groups/{id}/', path) for path, dummy in seen]
        assert paths == CONVERGED_ROLE_READS, '\n'.join('%s?%s' % read for read in seen)
