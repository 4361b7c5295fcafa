# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a tenant for the export: every object the jit_ai_access pattern may be made of, as the views of the specs
the modules use, plus the ids that link them. Reads only.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import AccessPackageSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment import assignment_view, list_assignments
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import AssignmentPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_catalog import CatalogSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import FIELDS as CA_FIELDS
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import ConditionalAccessPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access_rules import session_view
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import ACTIVE_ASSIGNMENT_STATES, CATALOGS, PACKAGES, POLICIES
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import FilteringPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import POLICY_IDS, FilteringProfileSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec

# Keys read_tenant adds to the views so the objects can be linked; a view handed back to the user drops them.
LINK_KEYS = ('policy_id', 'profile_id', 'group_ids', 'catalog_id', 'access_package_id', 'assignees')

_INCLUDE_GROUPS = next(field for field in CA_FIELDS if field.option == 'include_groups')


def lower_id(value):
    """An id in lower case: an object that refers to another may spell its GUID in another case."""
    return (value or '').lower()


def read_tenant(ctx):
    """Every object the pattern is made of, as the views of their specs plus the ids that link them (reads only)."""
    snapshot = _read_filtering(ctx)
    snapshot.update(_read_conditional_access(ctx))
    snapshot.update(_read_entitlement(ctx, snapshot['groups']))
    return snapshot


def _read_filtering(ctx):
    profile_spec = FilteringProfileSpec()
    profiles = []
    for obj in profile_spec.list_all(ctx):
        view = profile_spec.view(ctx, obj, relations=['policies'])
        # Reading the links just mapped each link's label (the policy name) to the policy id.
        policy_ids = ctx.ids.get(POLICY_IDS, {})
        view['policies'] = [dict(link, policy_id=lower_id(policy_ids.get(link['name']))) for link in view['policies']]
        profiles.append(view)
    policy_spec = FilteringPolicySpec()
    return {'profiles': profiles, 'policies': [policy_spec.view(ctx, obj, relations=['rules']) for obj in policy_spec.list_all(ctx)]}


def _read_conditional_access(ctx):
    """The Conditional Access policies that hand out a security profile, and the groups they include."""
    ca_spec = ConditionalAccessPolicySpec()
    ca_policies = []
    for obj in ctx.client.list(ca_spec.path, api=ca_spec.api, action='listing conditional access policies'):
        profile_id = (session_view(obj.get('sessionControls')) or {}).get('gsa_security_profile')
        if profile_id:
            view = ca_spec.view(ctx, obj)
            view.update(profile_id=profile_id.lower(), group_ids=[lower_id(group) for group in _INCLUDE_GROUPS.read(obj)])
            ca_policies.append(view)
    group_spec = GroupSpec()
    groups = {}
    for group_id in sorted({group_id for ca in ca_policies for group_id in ca['group_ids']}):
        obj = group_spec.get(ctx, group_id)
        if obj is not None:
            groups[group_id] = group_spec.view(ctx, obj, relations=['members'])
    return {'ca_policies': ca_policies, 'groups': groups}


def _read_entitlement(ctx, groups):
    """Catalogs, every access package with its resource roles, and for the packages that grant one of ``groups`` their
    active assignees and assignment policies."""
    catalog_spec = CatalogSpec()
    catalogs = [catalog_spec.view(ctx, obj) for obj in ctx.client.list(CATALOGS, action='listing catalogs')]
    package_spec = AccessPackageSpec()
    packages = []
    for obj in ctx.client.list(PACKAGES, params={'$expand': 'catalog'}, action='listing access packages'):
        view = package_spec.view(ctx, obj, relations=['resource_roles'])
        view['catalog_id'] = lower_id((obj.get('catalog') or {}).get('id'))
        if any(role.get('group_id') in groups for role in view['resource_roles']):
            view['assignees'] = sorted(assignment_view(item)['target'] for item in list_assignments(ctx, package_id=obj['id'])
                                       if item.get('state') in ACTIVE_ASSIGNMENT_STATES)
        packages.append(view)
    policy_spec = AssignmentPolicySpec()
    granting = {lower_id(package['id']) for package in packages if 'assignees' in package}
    assignment_policies = []
    for obj in ctx.client.list(POLICIES, params={'$expand': policy_spec.expand}, action='listing assignment policies'):
        package_id = lower_id((obj.get('accessPackage') or {}).get('id'))
        if package_id in granting:
            view = policy_spec.view(ctx, obj)
            view['access_package_id'] = package_id
            assignment_policies.append(view)
    return {'catalogs': catalogs, 'packages': packages, 'assignment_policies': assignment_policies}


def as_read(view):
    """``view`` as the object's _info module shows it: without the keys that link it to the others."""
    if view is None:
        return None
    shown = {key: value for key, value in view.items() if key not in LINK_KEYS}
    if 'policies' in shown:
        shown['policies'] = [as_read(link) for link in shown['policies']]
    return shown
