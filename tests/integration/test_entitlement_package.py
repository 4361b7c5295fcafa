"""access_package and _info against the HTTPS emulator: four steps with the group added to the catalog and its
replication waited out, resource roles with purge, deletion blocked by assignments, bad input before any write."""

from __future__ import annotations

import copy

import pytest

from tests.emulator.graph import entitlement
from tests.integration.harness import GraphAdmin, run_module

JIT = 'Allow ChatGPT Access'
CATALOG = 'AI tools'
PACKAGE = 'ChatGPT (2 hours)'
EM = '/v1.0/identityGovernance/entitlementManagement'


@pytest.fixture
def catalog(emulator, tenant, auth):
    """The JIT group and an empty catalog; the request log starts empty."""
    run_module('group', dict(auth, display_name=JIT))
    created = run_module('access_package_catalog', dict(auth, display_name=CATALOG))['catalog']
    emulator.clear_log()
    return created


def no_lag(emulator, tenant):
    with emulator.lock:
        entitlement.set_replication_lag(emulator.state(tenant.tenant_id), 0)


def group_id(emulator, tenant, name):
    return GraphAdmin(emulator, tenant).groups_named(name)[0]['id']


def writes(emulator, tenant):
    return [(w['method'], w['path']) for w in emulator.writes(tenant.tenant_id)]


def test_four_steps_add_the_group_to_the_catalog_and_wait_for_it(emulator, tenant, auth, catalog):
    args = dict(auth, display_name=PACKAGE, catalog=CATALOG, description='Two hours of ChatGPT',
                resource_roles=[dict(group=JIT, role='member')])
    jit = group_id(emulator, tenant, JIT)
    role = {'group': JIT, 'group_id': jit, 'role': 'member'}

    predicted = run_module('access_package', args, check=True)
    assert predicted['changed'] is True
    assert predicted['access_package'] == {'id': None, 'display_name': PACKAGE, 'catalog': CATALOG, 'description': 'Two hours of ChatGPT',
                                           'is_hidden': False, 'resource_roles': [role]}
    assert predicted['diff']['before'] == {} and predicted['diff']['after']['resource_roles'] == [role]
    assert emulator.writes(tenant.tenant_id) == []

    applied = run_module('access_package', args)
    assert applied['changed'] is True and applied['access_package']['id']
    package_id = applied['access_package']['id']
    assert writes(emulator, tenant) == [('POST', EM + '/accessPackages'), ('POST', EM + '/resourceRequests'),
                                        ('POST', '%s/accessPackages/%s/resourceRoleScopes' % (EM, package_id))]
    posts = emulator.writes(tenant.tenant_id)
    assert posts[0]['body'] == {'displayName': PACKAGE, 'description': 'Two hours of ChatGPT', 'isHidden': False,
                                'catalog': {'id': catalog['id']}}
    assert posts[1]['body'] == {'requestType': 'adminAdd', 'catalog': {'id': catalog['id']},
                                'resource': {'displayName': JIT, 'originId': jit, 'originSystem': 'AadGroup'}}
    assert posts[2]['body']['role']['originId'] == 'Member_%s' % jit and posts[2]['body']['scope']['isRootScope'] is True
    looks = [r for r in emulator.requests(tenant.tenant_id) if r['path'].endswith('/catalogs/%s/resources' % catalog['id'])]
    assert len(looks) >= 3, 'the group was found before replication could have finished'
    with emulator.lock:
        assert entitlement.granted_roles(emulator.state(tenant.tenant_id), package_id) == [(jit, 'Member')]

    emulator.clear_log()
    assert run_module('access_package', args, check=True)['changed'] is False
    converged = run_module('access_package', args)
    assert converged['changed'] is False and converged['access_package']['resource_roles'] == [role]
    assert emulator.writes(tenant.tenant_id) == []


def test_group_already_in_the_catalog_is_not_added_again(emulator, tenant, auth, catalog):
    no_lag(emulator, tenant)
    run_module('access_package', dict(auth, display_name='First', catalog=CATALOG, resource_roles=[dict(group=JIT)]))
    emulator.clear_log()
    second = run_module('access_package', dict(auth, display_name='Second', catalog=catalog['id'],
                                               resource_roles=[dict(group=group_id(emulator, tenant, JIT))]))
    assert second['changed'] is True and second['access_package']['resource_roles'][0]['group'] == JIT
    assert [path for _method, path in writes(emulator, tenant)] == [
        EM + '/accessPackages', '%s/accessPackages/%s/resourceRoleScopes' % (EM, second['access_package']['id'])]


def test_resource_roles_with_and_without_purge(emulator, tenant, auth, catalog):
    no_lag(emulator, tenant)
    finance = 'Finance Team'
    base = dict(auth, display_name=PACKAGE, catalog=CATALOG)
    run_module('access_package', dict(base, resource_roles=[dict(group=JIT)]))
    added = run_module('access_package', dict(base, resource_roles=[dict(group=finance, role='owner')]))
    assert added['changed'] is True
    assert sorted((r['group'], r['role']) for r in added['access_package']['resource_roles']) == [(JIT, 'member'), (finance, 'owner')]

    emulator.clear_log()
    purge = dict(base, resource_roles=[dict(group=JIT)], purge_resource_roles=True)
    predicted = run_module('access_package', purge, check=True)
    assert sorted(r['group'] for r in predicted['diff']['before']['resource_roles']) == [JIT, finance]
    assert [r['group'] for r in predicted['diff']['after']['resource_roles']] == [JIT]
    assert [(r['group'], r['role']) for r in predicted['access_package']['resource_roles']] == [(JIT, 'member')]
    assert emulator.writes(tenant.tenant_id) == []
    purged = run_module('access_package', purge)
    assert purged['changed'] is True
    [(method, path)] = writes(emulator, tenant)
    assert method == 'DELETE' and '/resourceRoleScopes/' in path
    emulator.clear_log()
    assert run_module('access_package', purge)['changed'] is False
    emptied = run_module('access_package', dict(base, resource_roles=[], purge_resource_roles=True))
    assert emptied['access_package']['resource_roles'] == []


def test_delete_is_blocked_by_active_assignments(emulator, tenant, auth, catalog):
    no_lag(emulator, tenant)
    package = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG))['access_package']
    with emulator.lock:
        state = emulator.state(tenant.tenant_id)
        users = [u['id'] for u in state.table('users').values()][:2]
        assignments = [entitlement.add_assignment(state, package['id'], None, user) for user in users]
    emulator.clear_log()
    absent = dict(auth, display_name=PACKAGE, catalog=CATALOG, state='absent')
    for check in (True, False):
        blocked = run_module('access_package', absent, check=check)
        assert blocked['failed'] is True and 'has 2 active assignment(s)' in blocked['msg']
    assert emulator.writes(tenant.tenant_id) == []
    with emulator.lock:
        for assignment in assignments:
            assignment['state'] = 'expired'
    deleted = run_module('access_package', absent)
    assert deleted['changed'] is True and deleted['access_package'] == {}
    assert writes(emulator, tenant) == [('DELETE', '%s/accessPackages/%s' % (EM, package['id']))]
    emulator.clear_log()
    assert run_module('access_package', absent)['changed'] is False
    assert run_module('access_package', dict(absent, catalog='No such catalog'))['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []


@pytest.mark.parametrize('fault', [
    pytest.param(dict(kind='drop'), id='answer_lost'),
    pytest.param(dict(kind='status', status=503, after_commit=True), id='answered_503_after_commit'),
])
def test_resource_request_whose_answer_is_lost_or_503_is_looked_up_not_resent(emulator, tenant, auth, catalog, fault):
    fault = dict(fault)
    emulator.inject(fault.pop('kind'), tenant=tenant.tenant_id, method='POST', path='/resourceRequests$', count=1, **fault)
    result = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT)]))
    assert result['changed'] is True, result
    assert [m for m, p in writes(emulator, tenant) if p.endswith('/resourceRequests')] == ['POST']
    with emulator.lock:
        resources = [r for r in emulator.state(tenant.tenant_id).table(entitlement.RESOURCES).values() if r['_catalogId'] == catalog['id']]
    assert len(resources) == 1


def test_replication_that_never_arrives_is_a_clear_error(emulator, tenant, auth, catalog):
    with emulator.lock:
        entitlement.set_replication_lag(emulator.state(tenant.tenant_id), 3600)
    result = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG, consistency_timeout=0.5,
                                               resource_roles=[dict(group=JIT)]))
    assert result['failed'] is True
    assert "group 'Allow ChatGPT Access' was added to catalog 'AI tools' but the catalog did not list it" in result['msg']


@pytest.mark.parametrize('options, fragment', [
    ({'resource_roles': [dict(group='No Such Group')]}, "resource_roles[1].group='No Such Group': no group has this display name"),
    ({'resource_roles': [dict(group=' ')]}, "resource_roles[1].group=' ': every resource role needs a group"),
    ({'resource_roles': [dict(group=JIT), dict(group=JIT.upper())]}, 'the same group and role are listed twice'),
    ({'catalog': 'No such catalog'}, "catalog='No such catalog': no access package catalog has this name or id"),
    ({'catalog': None}, 'catalog=None: is required to create an access package'),
    ({'display_name': ''}, "display_name='': must not be blank"),
])
def test_bad_input_fails_before_any_write(emulator, tenant, auth, catalog, options, fragment):
    args = dict(auth, display_name=PACKAGE, catalog=CATALOG)
    args.update(options)
    if args['display_name'] == '':
        args['id'] = '00000000-0000-0000-0000-000000000001'
    result = run_module('access_package', {key: value for key, value in args.items() if value is not None})
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    assert emulator.writes(tenant.tenant_id) == []


def test_names_shared_by_packages_in_two_catalogs(emulator, tenant, auth, catalog):
    run_module('access_package_catalog', dict(auth, display_name='Other'))
    first = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG))['access_package']
    second = run_module('access_package', dict(auth, display_name=PACKAGE, catalog='Other'))['access_package']
    emulator.clear_log()
    ambiguous = run_module('access_package', dict(auth, display_name=PACKAGE, description='x'))
    assert ambiguous['failed'] is True and first['id'] in ambiguous['msg'] and second['id'] in ambiguous['msg']
    moved = run_module('access_package', dict(auth, id=first['id'], catalog='Other'))
    assert moved['failed'] is True and 'moving a package to another catalog is not supported' in moved['msg']
    assert emulator.writes(tenant.tenant_id) == []
    assert run_module('access_package', dict(auth, display_name=PACKAGE, catalog='Other', is_hidden=True))['changed'] is True


def test_package_info(emulator, tenant, auth, catalog):
    no_lag(emulator, tenant)
    created = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT)]))
    found = run_module('access_package_info', dict(auth, catalog=CATALOG, include_resource_roles=True), diff=False)
    assert found['changed'] is False
    expected = dict(copy.deepcopy(created['access_package']), description=None)
    assert found['access_packages'] == [expected]
    plain = run_module('access_package_info', dict(auth, display_name=PACKAGE))['access_packages']
    assert [p['id'] for p in plain] == [expected['id']] and 'resource_roles' not in plain[0]
    assert run_module('access_package_info', dict(auth, id=expected['id']))['access_packages'][0]['catalog'] == CATALOG
    assert run_module('access_package_info', dict(auth, catalog='General'))['access_packages'] == []
    assert run_module('access_package_info', dict(auth, catalog='nope'))['access_packages'] == []
