#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Entra Conditional Access policies."""

from __future__ import annotations

DOCUMENTATION = r'''
module: conditional_access_policy_info
short_description: Read Entra Conditional Access policies, with names instead of ids
version_added: 0.1.0
description:
  - Look up Conditional Access policies by display name or id, or list every policy.
  - Users, groups, roles, named locations and Global Secure Access security profiles are shown by name, the way
    M(jitaccess.entra.conditional_access_policy) takes them. Each distinct object costs one lookup.
  - Reads through the Graph beta endpoint, so the Global Secure Access session control is included.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Only policies with exactly this display name (there may be several).
    type: str
  id:
    description:
      - Only the policy with this object id.
    type: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
notes:
  - Needs the application permission C(Policy.Read.All), plus C(User.Read.All), C(Group.Read.All),
    C(Directory.Read.All) and C(NetworkAccess.Read.All) to show names.
seealso:
  - module: jitaccess.entra.conditional_access_policy
'''

EXAMPLES = r'''
- name: Which policies hand out a security profile
  jitaccess.entra.conditional_access_policy_info:
  register: ca

- name: Show them
  ansible.builtin.debug:
    msg: "{{ ca.conditional_access_policies | selectattr('session_controls') | map(attribute='display_name') }}"

- name: One policy by name
  jitaccess.entra.conditional_access_policy_info:
    display_name: GSA - Allow ChatGPT (JIT)
  register: jit_policy
'''

RETURN = r'''
conditional_access_policies:
  description:
    - Matching policies, in the shape M(jitaccess.entra.conditional_access_policy) takes; empty when none match.
    - See the return value of M(jitaccess.entra.conditional_access_policy) for every key.
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
    policy_state:
      description: V(enabled), V(disabled) or V(report_only).
      type: str
    include_users:
      description: User principal names and keywords.
      type: list
      elements: str
    exclude_users:
      description: User principal names and keywords.
      type: list
      elements: str
    include_groups:
      description: Group display names.
      type: list
      elements: str
    exclude_groups:
      description: Group display names.
      type: list
      elements: str
    include_roles:
      description: Directory role names.
      type: list
      elements: str
    exclude_roles:
      description: Directory role names.
      type: list
      elements: str
    include_applications:
      description: Friendly names, keywords and application ids.
      type: list
      elements: str
    exclude_applications:
      description: Friendly names, keywords and application ids.
      type: list
      elements: str
    include_locations:
      description: Named location names and keywords.
      type: list
      elements: str
    exclude_locations:
      description: Named location names and keywords.
      type: list
      elements: str
    include_platforms:
      description: Device platforms.
      type: list
      elements: str
    exclude_platforms:
      description: Device platforms.
      type: list
      elements: str
    sign_in_risk_levels:
      description: Sign-in risk levels.
      type: list
      elements: str
    user_risk_levels:
      description: User risk levels.
      type: list
      elements: str
    client_app_types:
      description: Client app types.
      type: list
      elements: str
    grant_controls:
      description: Operator and built-in controls; null when the policy has none.
      type: dict
    session_controls:
      description: The session controls that are on (security profile by name); null when none are.
      type: dict
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import ConditionalAccessPolicyInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(ConditionalAccessPolicyInfoSpec())


if __name__ == '__main__':
    main()
