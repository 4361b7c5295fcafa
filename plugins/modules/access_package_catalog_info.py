#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Entitlement Management catalogs."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_catalog_info
short_description: Read Entitlement Management catalogs
version_added: 0.1.0
description:
  - Look up catalogs by display name or id, or list every catalog of the tenant (the built-in C(General) catalog included).
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Only catalogs with exactly this display name (there may be several).
    type: str
  id:
    description:
      - Only the catalog with this object id.
    type: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
seealso:
  - module: jitaccess.entra.access_package_catalog
'''

EXAMPLES = r'''
- name: Find the AI tools catalog
  jitaccess.entra.access_package_catalog_info:
    display_name: AI tools
  register: found

- name: Show whether it is published
  ansible.builtin.debug:
    msg: "{{ found.catalogs[0].catalog_state | default('no such catalog') }}"
'''

RETURN = r'''
catalogs:
  description: Matching catalogs; empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Object id.
      type: str
    display_name:
      description: Display name.
      type: str
    description:
      description: Description.
      type: str
    is_externally_visible:
      description: Whether users outside the tenant can request its access packages.
      type: bool
    catalog_state:
      description: V(published) or V(unpublished).
      type: str
    catalog_type:
      description: C(userManaged), or C(serviceDefault) for the built-in General catalog.
      type: str
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_catalog import CatalogInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(CatalogInfoSpec())


if __name__ == '__main__':
    main()
