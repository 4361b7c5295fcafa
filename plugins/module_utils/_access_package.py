# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of an access package (v1.0 ``accessPackages``) and its resource role scopes (group Member / Owner roles).

Internal use only: this file is not part of the collection's public API and may change without notice.

A group must be a resource of the package's catalog before one of its roles can be attached. When it is not, the
module adds it with an adminAdd resource request and waits until the catalog lists it with its roles and Root scope.
"""

from __future__ import annotations

import datetime
import itertools
import time

from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    CATALOGS, PACKAGES, RESOURCE_REQUESTS, active_assignments, canonical_datetime)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import Reference
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Children
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

ROLES = ('member', 'owner')
# A package is read with its catalog and its role scopes: one read shows all the module compares.
EXPAND = 'catalog,resourceRoleScopes($expand=role,scope)'
# Seconds between looks at the catalog while a newly added group replicates into it.
REPLICATION_POLLS = (0.25, 0.5, 1.0, 2.0, 4.0, 5.0)


def role_of(role):
    """``(group id, 'member' | 'owner')`` for a group role of a catalog resource, else None."""
    if role.get('originSystem') != 'AadGroup':
        return None
    name, _sep, group_id = (role.get('originId') or '').partition('_')
    if name.lower() not in ROLES or not group_id:
        return None
    return group_id.lower(), name.lower()


def role_scope_item(role_scope, group_names):
    """A role scope (``$expand=role,scope``) in option shape: group name, group id and role for groups."""
    role = role_scope.get('role') or {}
    parsed = role_of(role)
    if parsed is None:
        return {'resource': role.get('originId') or role_scope['id'], 'origin_system': role.get('originSystem'),
                'role': role.get('displayName')}
    group_id, name = parsed
    return {'group': group_names.get(group_id, group_id), 'group_id': group_id, 'role': name}


def validate_resource_roles(items):
    """Input rules for resource_roles (pure)."""
    seen = set()
    for index, item in enumerate(items or [], 1):
        option = 'resource_roles[%d].group' % index
        if not (item.get('group') or '').strip():
            raise ValidationError(option, item.get('group'), 'every resource role needs a group (display name or id)')
        key = (item['group'].strip().lower(), item.get('role') or 'member')
        if key in seen:
            raise ValidationError(option, item['group'], 'the same group and role are listed twice')
        seen.add(key)


def held_groups(role_scopes):
    """Ids of the groups whose roles ``role_scopes`` (``$expand=role``) attach."""
    parsed = [role_of(role_scope.get('role') or {}) for role_scope in role_scopes]
    return [group[0] for group in parsed if group]


class ResourceRoles(Children):
    """The package's resource role scopes; a group role is identified by the group id and the role."""

    def __init__(self):
        super().__init__('resource_roles', 'purge_resource_roles')

    def same_item(self, before, after):
        # A role scope has nothing but its group and role, which are its key: it is attached or detached, never updated.
        return self.key_of(before) == self.key_of(after)

    def key_of(self, item):
        # A group only predicted by an earlier task in check mode has no id yet: its name stands in.
        return (item.get('group_id') or item.get('group') or item.get('resource'), item['role'])

    def read(self, ctx, obj):
        role_scopes = obj.get('resourceRoleScopes')
        if role_scopes is None:
            role_scopes = ctx.client.list('%s/%s/resourceRoleScopes' % (PACKAGES, obj['id']), params={'$expand': 'role,scope'},
                                          action='reading the resource roles of access package %r' % obj.get('displayName'))
        names = ctx.refs.labels('group', held_groups(role_scopes))
        return [(rs['id'], role_scope_item(rs, names)) for rs in role_scopes]

    def resolve(self, ctx, items):
        references = [(item['group'].strip(), 'resource_roles[%d].group' % index) for index, item in enumerate(items, 1)]
        held = held_groups((ctx.current or {}).get('resourceRoleScopes') or [])
        groups = ctx.refs.resolve_all('group', references, held=held) if references else []
        return [{'group': group['displayName'], 'group_id': (group['id'] or '').lower() or None, 'role': item.get('role') or 'member'}
                for item, group in zip(items, groups)]

    def add(self, ctx, obj, item):
        catalog = ctx.catalog
        resource = catalog_resource(ctx, catalog, item) or add_to_catalog(ctx, catalog, item)
        role = next((r for r in resource.get('roles') or [] if role_of(r) == (item['group_id'], item['role'])), None)
        scope = next((s for s in resource.get('scopes') or [] if s.get('isRootScope')), None)
        if role is None or scope is None:
            raise ResourceError('group %r is in catalog %r but has no %s role with a Root scope there' % (
                item['group'], catalog.get('displayName'), item['role']))
        body = {
            'role': {key: role.get(key) for key in ('id', 'displayName', 'originSystem', 'originId')},
            'scope': {key: scope.get(key) for key in ('id', 'displayName', 'originSystem', 'originId', 'isRootScope')},
        }
        body['role']['resource'] = {key: resource.get(key) for key in ('id', 'displayName', 'originSystem', 'originId')}
        path = '%s/%s/resourceRoleScopes' % (PACKAGES, obj['id'])
        ctx.client.create(path, body, action='attaching the %s role of group %r to access package %r' % (
            item['role'], item['group'], obj.get('displayName')),
            recover=lambda: self._attached(ctx, obj, role['id'], scope['id']))

    def _attached(self, ctx, obj, role_id, scope_id):
        for role_scope in ctx.client.list('%s/%s/resourceRoleScopes' % (PACKAGES, obj['id']), params={'$expand': 'role,scope'}):
            if (role_scope.get('role') or {}).get('id') == role_id and (role_scope.get('scope') or {}).get('id') == scope_id:
                return role_scope
        return None

    def remove(self, ctx, obj, child_id, item):
        ctx.client.delete('%s/%s/resourceRoleScopes/%s' % (PACKAGES, obj['id'], child_id),
                          action='detaching %s from access package %r' % (item.get('group') or item.get('resource'), obj.get('displayName')))


def catalog_resource(ctx, catalog, item):
    """The catalog resource of the item's group with its roles and scopes, or None while it is not in the catalog."""
    found = ctx.client.list('%s/%s/resources' % (CATALOGS, catalog['id']),
                            params={'$filter': 'originId eq %s' % odata_quote(item['group_id']), '$expand': 'roles,scopes'},
                            action='looking for group %r in catalog %r' % (item['group'], catalog.get('displayName')))
    return found[0] if found else None


def _added(ctx, catalog, item, since):
    """The adminAdd of the item's group into the catalog made since ``since`` (a write whose answer was lost or a 503 / 504:
    the catalog may not list the group yet), or None."""
    found = ctx.client.list(RESOURCE_REQUESTS, params={'$filter': 'catalog/id eq %s' % odata_quote(catalog['id']), '$expand': 'resource'},
                            action='looking for the request adding group %r to catalog %r' % (item['group'], catalog.get('displayName')))
    return next((r for r in found if r.get('requestType') == 'adminAdd' and r.get('state') not in ('denied', 'canceled')
                 and ((r.get('resource') or {}).get('originId') or '').lower() == item['group_id']
                 and canonical_datetime(r.get('createdDateTime') or '1970-01-01') >= since.strftime('%Y-%m-%dT%H:%M:%SZ')), None)


def add_to_catalog(ctx, catalog, item):
    """adminAdd the group to the catalog, then wait until the catalog lists it (Entra replicates it in a while)."""
    body = {'requestType': 'adminAdd', 'catalog': {'id': catalog['id']},
            'resource': {'displayName': item['group'], 'originId': item['group_id'], 'originSystem': 'AadGroup'}}
    sent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    ctx.client.post(RESOURCE_REQUESTS, body, action='adding group %r to catalog %r' % (item['group'], catalog.get('displayName')),
                    recover=lambda: catalog_resource(ctx, catalog, item) or _added(ctx, catalog, item, sent))
    deadline = time.monotonic() + ctx.params['consistency_timeout']
    for delay in itertools.chain(REPLICATION_POLLS, itertools.repeat(REPLICATION_POLLS[-1])):
        resource = catalog_resource(ctx, catalog, item)
        if resource is not None and resource.get('roles'):
            return resource
        if time.monotonic() + delay > deadline:
            break
        time.sleep(delay)
    raise ResourceError('group %r was added to catalog %r but the catalog did not list it within consistency_timeout=%s s; '
                        'run the task again once Entra has caught up' % (item['group'], catalog.get('displayName'),
                                                                         ctx.params['consistency_timeout']))


class AccessPackageSpec(ResourceSpec):
    noun = 'access_package'
    words = 'access package'
    path = PACKAGES
    expand = EXPAND
    slots = {}
    parent = Reference('catalog', 'catalog', 'catalog', required='is required to create an access package (the catalog name or id)')
    parent_mismatch = '%s %s is in %s %r, not %r; moving a package to another catalog is not supported'
    fields = (
        Field('display_name', 'displayName', max_length=256, required='is required to create an access package'),
        Field('description', 'description'),
        Field('is_hidden', 'isHidden', default=False),
    )
    relations = (ResourceRoles(),)
    argument_spec = dict(
        display_name=dict(type='str'),
        id=dict(type='str'),
        catalog=dict(type='str'),
        description=dict(type='str'),
        is_hidden=dict(type='bool'),
        resource_roles=dict(type='list', elements='dict', options=dict(
            group=dict(type='str'),
            role=dict(type='str', default='member', choices=list(ROLES)),
        )),
        purge_resource_roles=dict(type='bool', default=False),
    )
    required_one_of = (('display_name', 'id'),)

    def validate(self, params):
        validate_resource_roles(params.get('resource_roles'))

    def check_delete(self, ctx, obj):
        active = active_assignments(ctx, 'accessPackage/id', obj['id'], 'access package %r' % obj.get('displayName'))
        if active:
            raise ResourceError('access package %r has %d active assignment(s); Entra refuses to delete a package with '
                                'assignments: remove them (or let them expire) first' % (obj.get('displayName'), len(active)))


# ---- access_package_info: the listing --------------------------------------------------------------------------------

class AccessPackageInfoSpec(InfoSpec, AccessPackageSpec):
    plural = 'access_packages'
    filters = dict(
        catalog=dict(type='str'),
        include_resource_roles=dict(type='bool', default=False),
    )

    # ---- the query -----------------------------------------------------------------------------------------------

    def select(self, ctx):
        """The package with the id (when in the catalog), else those with the name (in it), else every package (in it)."""
        ctx.catalog = ctx.refs.find('catalog', ctx.params['catalog'], 'catalog') if ctx.params.get('catalog') else None
        if ctx.params.get('catalog') and ctx.catalog is None:
            return []
        if ctx.params.get('id'):
            found = self.get(ctx, ctx.params['id'])
            in_catalog = found and (ctx.catalog is None or found['catalog']['id'] == ctx.catalog['id'])
            return [found] if in_catalog else []
        if ctx.params.get('display_name'):
            return self.find_by_name(ctx, ctx.params['display_name'])
        packages = ctx.client.list(PACKAGES, params={'$expand': 'catalog'}, action='listing access packages')
        return [p for p in packages if ctx.catalog is None or p['catalog']['id'] == ctx.catalog['id']]
