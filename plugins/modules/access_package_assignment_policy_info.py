#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read access package assignment policies."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_assignment_policy_info
short_description: Read access package assignment policies
version_added: 0.1.0
description:
  - Look up assignment policies by id, list the policies of an access package (optionally only those with a display
    name), or list every policy of the tenant.
  - Each policy comes in the shape of M(jitaccess.entra.access_package_assignment_policy)'s options, with its question ids.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Only policies with exactly this display name.
    type: str
  id:
    description:
      - Only the policy with this object id.
    type: str
  access_package:
    description:
      - Only policies of this access package, by display name or id. An unknown package gives an empty list.
    type: str
  catalog:
    description:
      - The catalog of O(access_package), by display name or id, when the package name alone is ambiguous.
    type: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
seealso:
  - module: jitaccess.entra.access_package_assignment_policy
'''

EXAMPLES = r'''
- name: The question ids a request must answer
  jitaccess.entra.access_package_assignment_policy_info:
    display_name: Finance JIT (2 hours)
    access_package: ChatGPT (2 hours)
  register: found

- name: Show them
  ansible.builtin.debug:
    msg: "{{ found.assignment_policies[0].questions | items2dict(key_name='text', value_name='id') }}"
'''

RETURN = r'''
assignment_policies:
  description:
    - Matching policies; empty when none match.
    - Each has the keys RV(jitaccess.entra.access_package_assignment_policy#module:assignment_policy) has.
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
    access_package:
      description: Display name of the access package.
      type: str
    catalog:
      description: Display name of the catalog.
      type: str
    requestors:
      description: Who may request.
      type: dict
    approval:
      description: Approval settings and stages.
      type: dict
    expiration:
      description: One of C(duration), C(end_date) or C(never).
      type: dict
    allow_custom_schedule:
      description: Whether requestors may ask for a specific timeline.
      type: bool
    questions:
      description: Questions with their ids.
      type: list
      elements: dict
    access_reviews:
      description: Access review settings.
      type: dict
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import AssignmentPolicyInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(AssignmentPolicyInfoSpec())


if __name__ == '__main__':
    main()
