#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Entitlement Management access packages."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_info
short_description: Read access packages and the group roles they grant
version_added: 0.1.0
description:
  - Look up access packages by display name or id, list those of one catalog, or list every package of the tenant,
    optionally with the group roles each one grants.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Only packages with exactly this display name (there may be several).
    type: str
  id:
    description:
      - Only the package with this object id.
    type: str
  catalog:
    description:
      - Only packages of this catalog, by display name or id. An unknown catalog gives an empty list.
    type: str
  include_resource_roles:
    description:
      - Also return each package's resource roles (one extra request per package).
    type: bool
    default: false
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
seealso:
  - module: jitaccess.entra.access_package
'''

EXAMPLES = r'''
- name: Which groups does the ChatGPT package grant
  jitaccess.entra.access_package_info:
    display_name: ChatGPT (2 hours)
    catalog: AI tools
    include_resource_roles: true
  register: found

- name: Show them
  ansible.builtin.debug:
    msg: "{{ found.access_packages[0].resource_roles | map(attribute='group') | list }}"
'''

RETURN = r'''
access_packages:
  description: Matching access packages; empty when none match.
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
    catalog:
      description: Display name of the package's catalog.
      type: str
    description:
      description: Description.
      type: str
    is_hidden:
      description: Whether the package is hidden from the My Access portal.
      type: bool
    resource_roles:
      description: Group roles granted (C(group), C(group_id), C(role)); other resources show C(resource), C(origin_system) and C(role).
      type: list
      elements: dict
      returned: when O(include_resource_roles=true)
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import AccessPackageInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(AccessPackageInfoSpec())


if __name__ == '__main__':
    main()
