#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Entitlement Management access package."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package
short_description: Manage an access package and the group roles it grants
version_added: 0.1.0
description:
  - Create, update or delete an access package in Microsoft Entra ID Governance entitlement management, found by display
    name within a catalog, or by id.
  - Reconciles the package's resource roles (which groups' Member or Owner role an assignment grants). A group that is not
    yet a resource of the catalog is added to it first (an C(adminAdd) resource request), and the module waits until
    Entra lists it in the catalog.
  - Who may request the package, approvals and expiry live in its assignment policies; see
    M(jitaccess.entra.access_package_assignment_policy).
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Display name of the access package; how it is found when O(id) is not given.
      - Looked up within O(catalog) when that is set, else in every catalog. If several packages match the module fails
        and lists their ids.
      - With O(id) set, a different O(display_name) renames the package.
      - At most 256 characters.
    type: str
  id:
    description:
      - Object id of the access package. Takes precedence over O(display_name) for finding it.
    type: str
  catalog:
    description:
      - The catalog the package belongs to, by display name or id. Required to create a package.
      - Moving an existing package to another catalog is not supported; the module fails instead.
    type: str
  description:
    description:
      - Description shown to requestors in the My Access portal.
    type: str
  is_hidden:
    description:
      - Hide the package from the My Access portal; users then need the direct link to request it.
      - A new package is visible when this is not set.
    type: bool
  resource_roles:
    description:
      - The group roles an assignment of this package grants.
      - Omit to leave the package's resource roles unmanaged. Roles not listed stay unless O(purge_resource_roles=true).
    type: list
    elements: dict
    suboptions:
      group:
        description:
          - The group, by display name or object id. A name that matches several groups is an error listing their ids.
          - Required.
        type: str
      role:
        description:
          - The group role granted.
        type: str
        default: member
        choices: [member, owner]
  purge_resource_roles:
    description:
      - Detach resource roles that are not listed in O(resource_roles), including roles of resources other than groups.
      - Groups stay in the catalog; only the package stops granting their roles.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the package; V(absent) deletes it together with its assignment policies.
      - Entra refuses to delete a package that still has active assignments; the module then fails before any change and
        reports how many there are.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Adding a group to a catalog with application permissions needs C(Group.ReadWrite.All) besides
    C(EntitlementManagement.ReadWrite.All).
  - How long the module waits for a newly added group to replicate into the catalog is O(consistency_timeout).
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
seealso:
  - name: Graph accessPackage resource
    description: Properties of an access package.
    link: https://learn.microsoft.com/graph/api/resources/accesspackage
  - name: Add a resource role to an access package
    description: How a group's Member role is attached to a package.
    link: https://learn.microsoft.com/graph/api/accesspackage-post-resourcerolescopes
  - module: jitaccess.entra.access_package_info
  - module: jitaccess.entra.access_package_catalog
  - module: jitaccess.entra.access_package_assignment_policy
'''

EXAMPLES = r'''
- name: Membership of the ChatGPT group, granted by an access package
  jitaccess.entra.access_package:
    display_name: ChatGPT (2 hours)
    catalog: AI tools
    description: Use ChatGPT for two hours after your manager approves
    resource_roles:
      - group: Allow ChatGPT Access
        role: member
    purge_resource_roles: true
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"

- name: Hide a package from the My Access portal
  jitaccess.entra.access_package:
    display_name: ChatGPT (2 hours)
    catalog: AI tools
    is_hidden: true

- name: Delete a package (fails while users still hold assignments)
  jitaccess.entra.access_package:
    display_name: Old AI pilot
    catalog: AI tools
    state: absent
'''

RETURN = r'''
access_package:
  description:
    - The access package after the task; in check mode, the predicted package (its O(id) is null when it would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Object id.
      type: str
      sample: 5b1f4c3e-2d6a-4f8b-9c0d-1e2f3a4b5c6d
    display_name:
      description: Display name.
      type: str
      sample: ChatGPT (2 hours)
    catalog:
      description: Display name of the catalog the package belongs to.
      type: str
      sample: AI tools
    description:
      description: Description.
      type: str
    is_hidden:
      description: Whether the package is hidden from the My Access portal.
      type: bool
    resource_roles:
      description:
        - Resource roles the package grants, when O(resource_roles) is managed.
        - Group roles have C(group) (display name), C(group_id) and C(role); roles of other resources show the role's
          origin id as C(resource), C(origin_system) and the role's name as C(role).
      type: list
      elements: dict
      returned: when O(resource_roles) is set
      sample: [{group: Allow ChatGPT Access, group_id: 0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11, role: member}]
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import AccessPackageSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(AccessPackageSpec())


if __name__ == '__main__':
    main()
