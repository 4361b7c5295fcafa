#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Entitlement Management catalog."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_catalog
short_description: Manage an Entitlement Management catalog
version_added: 0.1.0
description:
  - Create, update or delete a catalog in Microsoft Entra ID Governance entitlement management, found by display name or id.
  - A catalog holds access packages and the resources (groups) they grant. M(jitaccess.entra.access_package) adds groups to
    the catalog when it needs them.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Display name of the catalog; how the catalog is found when O(id) is not given.
      - If several catalogs carry this name the module fails and lists their ids.
      - With O(id) set, a different O(display_name) renames the catalog.
    type: str
  id:
    description:
      - Object id of the catalog. Takes precedence over O(display_name) for finding it.
    type: str
  description:
    description:
      - Description of the catalog.
    type: str
  is_externally_visible:
    description:
      - Whether users outside the tenant (connected organizations) can request the catalog's access packages.
      - Entra makes a new catalog externally visible when this is not set.
    type: bool
  catalog_state:
    description:
      - V(published) makes the catalog's access packages available to request; V(unpublished) hides them all.
      - This is the catalog's own Graph C(state) property, named so because O(state) is whether the catalog exists.
      - Entra publishes a new catalog when this is not set.
    type: str
    choices: [published, unpublished]
  state:
    description:
      - V(present) creates or updates the catalog; V(absent) deletes it.
      - A catalog that still holds access packages is not deleted; the module fails and names them.
      - The built-in C(General) catalog can be neither changed nor deleted.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
seealso:
  - name: Graph accessPackageCatalog resource
    description: Properties of a catalog.
    link: https://learn.microsoft.com/graph/api/resources/accesspackagecatalog
  - module: jitaccess.entra.access_package_catalog_info
  - module: jitaccess.entra.access_package
'''

EXAMPLES = r'''
- name: The catalog that holds just-in-time access to AI tools
  jitaccess.entra.access_package_catalog:
    display_name: AI tools
    description: Time-limited access to approved AI applications
    is_externally_visible: false
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"

- name: Take every package of a catalog out of the My Access portal without deleting anything
  jitaccess.entra.access_package_catalog:
    display_name: AI tools
    catalog_state: unpublished

- name: Delete a catalog (its access packages must be deleted first)
  jitaccess.entra.access_package_catalog:
    display_name: Old AI pilot
    state: absent
'''

RETURN = r'''
catalog:
  description:
    - The catalog after the task; in check mode, the predicted catalog (its O(id) is null when it would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Object id.
      type: str
      sample: 3f5f2c0e-7a1b-4e4c-9a77-0e1f3c2b4d5a
    display_name:
      description: Display name.
      type: str
      sample: AI tools
    description:
      description: Description.
      type: str
    is_externally_visible:
      description: Whether users outside the tenant can request its access packages.
      type: bool
    catalog_state:
      description: V(published) or V(unpublished).
      type: str
      sample: published
    catalog_type:
      description: C(userManaged) for catalogs people create, C(serviceDefault) for the built-in General catalog.
      type: str
      returned: when the catalog existed before the task
      sample: userManaged
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_catalog import CatalogSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(CatalogSpec())


if __name__ == '__main__':
    main()
