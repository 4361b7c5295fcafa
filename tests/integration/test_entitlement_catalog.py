"""access_package_catalog and _info against the HTTPS emulator: four steps, catalog_state, deletion rules, names."""

from __future__ import annotations

from tests.integration.harness import GraphAdmin, run_module

CATALOG = 'AI tools'
EM = '/identityGovernance/entitlementManagement'


def test_four_step_idempotency(emulator, tenant, auth):
    args = dict(auth, display_name=CATALOG, description='Time-limited access to approved AI apps', is_externally_visible=False)

    predicted = run_module('access_package_catalog', args, check=True)
    assert predicted['changed'] is True
    assert predicted['catalog'] == {'id': None, 'display_name': CATALOG, 'description': 'Time-limited access to approved AI apps',
                                    'is_externally_visible': False, 'catalog_state': 'published'}
    assert emulator.writes(tenant.tenant_id) == []

    applied = run_module('access_package_catalog', args)
    assert applied['changed'] is True and applied['catalog']['id']
    [post] = emulator.writes(tenant.tenant_id)
    assert (post['method'], post['path']) == ('POST', '/v1.0%s/catalogs' % EM)
    assert post['body'] == {'displayName': CATALOG, 'description': 'Time-limited access to approved AI apps',
                            'isExternallyVisible': False, 'state': 'published'}

    emulator.clear_log()
    assert run_module('access_package_catalog', args, check=True)['changed'] is False
    converged = run_module('access_package_catalog', args)
    assert converged['changed'] is False
    assert converged['catalog']['catalog_type'] == 'userManaged'
    assert emulator.writes(tenant.tenant_id) == []


def test_catalog_state_is_the_graph_state(emulator, tenant, auth):
    created = run_module('access_package_catalog', dict(auth, display_name=CATALOG))['catalog']
    emulator.clear_log()
    result = run_module('access_package_catalog', dict(auth, display_name=CATALOG, catalog_state='unpublished'))
    assert result['changed'] is True
    assert result['diff'] == {'before': {'id': created['id'], 'display_name': CATALOG, 'catalog_state': 'published'},
                              'after': {'id': created['id'], 'display_name': CATALOG, 'catalog_state': 'unpublished'}}
    assert [w['body'] for w in emulator.writes(tenant.tenant_id)] == [{'state': 'unpublished'}]
    renamed = run_module('access_package_catalog', dict(auth, id=created['id'], display_name='AI tools (pilot)'))
    assert renamed['changed'] is True and renamed['catalog']['display_name'] == 'AI tools (pilot)'


def test_delete_refuses_a_catalog_with_packages_and_the_built_in_one(emulator, tenant, auth):
    run_module('access_package_catalog', dict(auth, display_name=CATALOG))
    run_module('access_package', dict(auth, display_name='ChatGPT', catalog=CATALOG))
    emulator.clear_log()
    blocked = run_module('access_package_catalog', dict(auth, display_name=CATALOG, state='absent'))
    assert blocked['failed'] is True and "still holds 1 access package(s) (ChatGPT)" in blocked['msg']
    general = run_module('access_package_catalog', dict(auth, display_name='General', state='absent'))
    assert general['failed'] is True and 'built in' in general['msg']
    changed = run_module('access_package_catalog', dict(auth, display_name='General', description='mine'))
    assert changed['failed'] is True and 'built in' in changed['msg']
    assert emulator.writes(tenant.tenant_id) == []

    run_module('access_package', dict(auth, display_name='ChatGPT', catalog=CATALOG, state='absent'))
    predicted = run_module('access_package_catalog', dict(auth, display_name=CATALOG, state='absent'), check=True)
    assert predicted['changed'] is True and predicted['diff']['after'] == {}
    assert run_module('access_package_catalog', dict(auth, display_name=CATALOG, state='absent'))['changed'] is True
    emulator.clear_log()
    assert run_module('access_package_catalog', dict(auth, display_name=CATALOG, state='absent'))['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []


def test_duplicate_names_list_the_ids(emulator, tenant, auth):
    admin = GraphAdmin(emulator, tenant)
    ids = sorted(admin.call('POST', EM + '/catalogs', {'displayName': CATALOG}, expect=201)['id'] for _copy in range(2))
    emulator.clear_log()
    result = run_module('access_package_catalog', dict(auth, display_name=CATALOG, description='x'))
    assert result['failed'] is True and ids[0] in result['msg'] and ids[1] in result['msg']
    assert emulator.writes(tenant.tenant_id) == []


def test_blank_name_fails_before_any_call(emulator, tenant, auth):
    result = run_module('access_package_catalog', dict(auth, display_name='  '))
    assert result['failed'] is True and "display_name='  ': must not be blank" in result['msg']
    assert emulator.requests(tenant.tenant_id) == []


def test_catalog_info(emulator, tenant, auth):
    created = run_module('access_package_catalog', dict(auth, display_name=CATALOG, catalog_state='unpublished'))['catalog']
    everything = run_module('access_package_catalog_info', dict(auth), diff=False)
    assert everything['changed'] is False
    assert sorted(c['display_name'] for c in everything['catalogs']) == [CATALOG, 'General']
    [found] = run_module('access_package_catalog_info', dict(auth, display_name=CATALOG))['catalogs']
    assert found['id'] == created['id'] and found['catalog_state'] == 'unpublished'
    assert run_module('access_package_catalog_info', dict(auth, id=created['id']))['catalogs'] == [found]
    assert run_module('access_package_catalog_info', dict(auth, display_name='nope'))['catalogs'] == []
