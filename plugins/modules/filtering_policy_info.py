#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Global Secure Access web content filtering policies."""

from __future__ import annotations

DOCUMENTATION = r'''
module: filtering_policy_info
short_description: Read Global Secure Access web content filtering policies and their rules
version_added: 0.1.0
description:
  - Look up web content filtering policies by name or id, or list every policy, with their rules.
  - Uses the Microsoft Graph beta API, the only version that has Global Secure Access.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  name:
    description:
      - Only policies with this name, matched without regard to case (there may be several).
    type: str
  id:
    description:
      - Only the policy with this id.
    type: str
  include_rules:
    description:
      - Also return each policy's rules. They come in the same request, so this costs nothing extra.
    type: bool
    default: true
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
  - jitaccess.entra.gsa_permissions
notes:
  - Graph application permission C(NetworkAccess.Read.All), or delegated C(NetworkAccessPolicy.Read.All) for a
    Global Secure Access Administrator, Security Reader or Global Reader.
seealso:
  - module: jitaccess.entra.filtering_policy
'''

EXAMPLES = r'''
- name: What the block policy holds
  jitaccess.entra.filtering_policy_info:
    name: Block generative AI
  register: block_policy

- name: Show its rules
  ansible.builtin.debug:
    msg: "{{ block_policy.filtering_policies[0].rules | default([]) }}"
'''

RETURN = r'''
filtering_policies:
  description: Matching policies; empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the policy.
      type: str
    name:
      description: Name.
      type: str
    description:
      description: Description.
      type: str
    action:
      description: V(block) or V(allow) (Graph also knows other actions for policies made elsewhere).
      type: str
    rules:
      description: Rules, sorted by name, each with C(name), C(type) and sorted C(destinations).
      type: list
      elements: dict
      returned: when O(include_rules=true)
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import FilteringPolicyInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(FilteringPolicyInfoSpec())


if __name__ == '__main__':
    main()
