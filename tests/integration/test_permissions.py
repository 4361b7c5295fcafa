"""Least privilege: a 403 from Graph names the permission the call needs, for every module, and the permission table
agrees with what the emulator (modelled on Graph's permission reference) demands of each endpoint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import MODULE_PERMISSIONS, ROLE_TEMPLATE_IDS, required_permissions
from tests.emulator.graph.router import router
from tests.emulator.tenant import APP_ROLES, DELEGATED_SCOPES
from tests.integration.harness import GraphAdmin, auth_args, run_module
from tests.integration.test_bad_input_matrix import GSA_POLICY, POLICY, PROFILE, World

JIT = 'Allow ChatGPT Access'
# Endpoints about the signed-in user that Graph refuses to app-only tokens with a 400 rather than a 403.
USER_ONLY = ('/me',)


def grant_only(emulator, tenant, roles=None, scopes=None):
    """Change what the test's app registration is granted; tokens issued afterwards carry exactly this."""
    with emulator.lock:
        app = emulator.state(tenant.tenant_id).apps[tenant.client_id]
        if roles is not None:
            app['roles'] = list(roles)
        if scopes is not None:
            app['scopes'] = list(scopes)


def without(names, *dropped):
    return [name for name in names if name not in dropped]


def _concrete(pattern):
    return pattern.replace('{', '').replace('}', '')


@pytest.mark.parametrize('route', router.routes, ids=lambda r: '%s %s' % (r.method, r.pattern))
def test_every_emulated_endpoint_has_permissions_that_graph_accepts(route):
    """Granting any one alternative the table names for a call is enough for the emulator to allow it."""
    needed = required_permissions(route.method, _concrete(route.pattern))
    assert needed is not None, 'no permission entry for %s %s' % (route.method, route.pattern)
    if route.delegated_only or route.pattern in USER_ONLY:
        assert needed['application'] == [], 'Graph refuses app-only tokens here; the table must not offer an application permission'
    else:
        assert needed['application'], 'the table offers no application permission for an endpoint that accepts one'
    for alternative in needed['application'] + needed['delegated']:
        granted = set(alternative.split(' + '))
        assert route.permissions is None or granted & set(route.permissions), (
            '%s %s: %s would not be enough (the emulator accepts %s)' % (route.method, route.pattern, alternative, route.permissions))


@pytest.mark.parametrize('dropped, added, module, args, permission', [
    (('Group.ReadWrite.All',), (), 'group', dict(display_name=JIT), 'application permission Group.Create or Group.ReadWrite.All'),
    (('NetworkAccess.ReadWrite.All', 'NetworkAccessPolicy.ReadWrite.All'), (), 'filtering_policy_info', {},
     'application permission NetworkAccess.Read.All'),
    (('Policy.ReadWrite.ConditionalAccess',), (), 'conditional_access_policy',
     dict(display_name='Require MFA', include_users=['All'], include_applications=['All']),
     'application permission Policy.ReadWrite.ConditionalAccess + Policy.Read.All'),
    # Read access stays: the module finds out the catalog does not exist, and only the create is refused.
    (('EntitlementManagement.ReadWrite.All',), ('EntitlementManagement.Read.All',), 'access_package_catalog',
     dict(display_name='AI tools'), 'application permission EntitlementManagement.ReadWrite.All'),
])
def test_missing_application_permission_is_named(emulator, tenant, dropped, added, module, args, permission):
    grant_only(emulator, tenant, roles=without(APP_ROLES, *dropped) + list(added))
    result = run_module(module, dict(auth_args(emulator, tenant), **args))
    assert result['failed'] is True, result
    assert 'Graph answered 403 Authorization_RequestDenied' in result['msg']
    assert permission in result['msg'], result['msg']
    assert result['status'] == 403 and result['required_permissions']['application']
    assert [w['status'] for w in emulator.writes(tenant.tenant_id)] in ([], [403])


def test_missing_member_permission_names_the_member_permission(emulator, tenant):
    group = GraphAdmin(emulator, tenant).create_group(JIT)
    grant_only(emulator, tenant, roles=without(APP_ROLES, 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'))
    sarah = next(name for name in tenant.users if name.startswith('sarah.jones@'))
    result = run_module('group', dict(auth_args(emulator, tenant), id=group['id'], members=[sarah]))
    assert result['failed'] is True
    assert "adding %s to members of group 'Allow ChatGPT Access'" % tenant.users[sarah]['id'] in result['msg']
    assert 'application permission GroupMember.ReadWrite.All' in result['msg']


def test_missing_delegated_scope_is_named(emulator, tenant):
    grant_only(emulator, tenant, scopes=without(DELEGATED_SCOPES, 'Group.ReadWrite.All'))
    token = emulator.token_for(tenant.tenant_id, upn='admin@%s' % tenant.domain)
    args = auth_args(emulator, tenant, client_id=None, client_secret=None, auth_source='access_token', access_token=token)
    result = run_module('group', dict(args, display_name=JIT))
    assert result['failed'] is True
    assert 'with a delegated token, Group.ReadWrite.All' in result['msg']
    assert result['required_permissions'] == {'application': ['Group.Create', 'Group.ReadWrite.All'], 'delegated': ['Group.ReadWrite.All']}


def test_injected_403_on_a_read_names_the_read_permission(emulator, tenant, auth):
    emulator.inject('status', tenant=tenant.tenant_id, method='GET', path='^/v1.0/groups$', status=403,
                    code='Authorization_RequestDenied', message='Insufficient privileges to complete the operation.')
    result = run_module('group_info', dict(auth, display_name=JIT))
    assert result['failed'] is True
    assert result['msg'].startswith("while looking up group 'Allow ChatGPT Access', Graph answered 403 Authorization_RequestDenied")
    assert result['msg'].endswith('this call needs the Graph application permission Group.Read.All (or, with a delegated token, '
                                  'Group.Read.All)')


# -- the README's table against the calls every module makes -----------------------------------------------------------

README = Path(__file__).resolve().parents[2] / 'README.md'
# Each module with arguments that reach every kind of call it makes (group members and owners, a group new to the
# catalog, people, categories, roles and a security profile by name).
RUNS = [
    ('group', dict(members=[lambda w: w.upn('sarah.jones')], owners=[lambda w: w.upn('it.approvals')])),
    ('group_info', dict(include_members=True, include_owners=True)),
    ('access_package_catalog', {}),
    ('access_package_catalog_info', {}),
    ('access_package', dict(resource_roles=[dict(group='Matrix group')])),
    ('access_package_info', dict(include_resource_roles=True)),
    ('access_package_assignment_policy', dict(requestors=dict(scope='specific', users=[lambda w: w.upn('sarah.jones')],
                                                              groups=['Finance Team']))),
    ('access_package_assignment_policy_info', {}),
    ('access_package_assignment', dict(assignment_policy=POLICY)),
    ('access_package_assignment_info', dict(target=lambda w: w.upn('sarah.jones'))),
    ('access_package_assignment_request', dict(assignment_policy=POLICY,
                                               access_token=lambda w: w.emulator.token_for(w.tenant.tenant_id, upn=w.upn('david.miller')))),
    ('access_package_approval', {}),
    ('filtering_policy', dict(rules=[dict(name='ai', type='webCategory', destinations=['ArtificialIntelligence'])])),
    ('filtering_policy_info', {}),
    ('filtering_profile', dict(policies=[dict(name=GSA_POLICY)])),
    ('filtering_profile_info', {}),
    ('conditional_access_policy', dict(include_users=[lambda w: w.upn('sarah.jones')], include_roles=['Global Administrator'],
                                       session_controls=dict(gsa_security_profile=PROFILE))),
    ('conditional_access_policy_info', {}),
    ('tenant_readiness', dict(modules=['group_info'], break_glass=dict(users=[lambda w: w.upn('it.approvals')], groups=['Finance Team']))),
    # After conditional_access_policy above: a policy hands out a security profile, whose name What If reads.
    ('conditional_access_what_if', dict(user=lambda w: w.upn('sarah.jones'))),
]


def readme_rows():
    """{module: (application names, delegated names)} from the README table; names in parentheses are commentary."""
    rows = {}
    for line in README.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip('|').split('|')]
        if len(cells) != 4 or not cells[0].startswith('`'):
            continue
        listed = [set(re.findall(r'`([\w.-]+\.[\w.-]+)`', re.sub(r'\([^)]*\)', '', cell))) for cell in cells[1:3]]
        for module in re.findall(r'`(\w+)`', cells[0]):
            rows[module] = tuple(listed)
    return rows


def satisfied(listed, alternative):
    """The names granted cover one alternative (``A + B``: both); a ReadWrite permission includes its Read one."""
    return all(name in listed or name.replace('.Read.', '.ReadWrite.') in listed for name in alternative.split(' + '))


def used(name, alternatives):
    return any(name in alternative.split(' + ') or name.replace('.ReadWrite.', '.Read.') in alternative.split(' + ')
               for alternative in alternatives)


def test_readme_lists_exactly_what_each_module_needs(emulator):
    world = World(emulator).arrange()
    rows = readme_rows()
    for module, changes in RUNS:
        emulator.clear_log()
        result = run_module(module, world.args(module, changes))
        assert not result.get('failed'), (module, result.get('msg'))
        calls = {(r['method'], r['path'].split('/', 2)[2]) for r in emulator.requests(world.tenant.tenant_id)}
        needed = [required_permissions(method, '/' + path) for method, path in sorted(calls)]
        assert None not in needed, (module, calls)
        application, delegated = rows[module]
        delegated_run = 'access_token' in world.args(module, changes)
        for kind, listed in (('delegated', delegated),) + ((('application', application),) if not delegated_run else ()):
            # A call without an application permission is one the module skips for application credentials.
            options = [entry[kind] for entry in needed if entry[kind]]
            missing = [alternatives for alternatives in options if not any(satisfied(listed, a) for a in alternatives)]
            assert not missing, '%s: README %s permissions %s do not cover %s' % (module, kind, sorted(listed), missing)
            unneeded = [name for name in listed if not used(name, [a for alternatives in options for a in alternatives])]
            assert not unneeded, '%s: README lists %s permissions no call needs: %s' % (module, kind, unneeded)
        if delegated_run:
            assert not application, '%s runs with a user token only; the README must not list application permissions' % module


def readme_roles():
    """{module: the Entra role cell of the README table}."""
    cells = [[cell.strip() for cell in line.strip().strip('|').split('|')] for line in README.read_text().splitlines()]
    return {module: row[3] for row in cells if len(row) == 4 and row[0].startswith('`') for module in re.findall(r'`(\w+)`', row[0])}


@pytest.mark.parametrize('module', sorted(MODULE_PERMISSIONS))
def test_the_module_table_and_the_readme_agree(module):
    """_permissions.MODULE_PERMISSIONS (what tenant_readiness checks) lists per module the names the README lists; the
    first name of each requirement is the README's, the others are alternatives Graph accepts as well."""
    application, delegated = readme_rows()[module]
    for kind, listed in (('application', application), ('delegated', delegated)):
        first = {name.strip() for requirement in MODULE_PERMISSIONS[module][kind]
                 for name in requirement.split(' | ')[0].split(' + ')}
        assert first == listed, '%s %s: table %s, README %s' % (module, kind, sorted(first), sorted(listed))
    for role in MODULE_PERMISSIONS[module]['roles']:
        assert role in readme_roles()[module] and role in ROLE_TEMPLATE_IDS
