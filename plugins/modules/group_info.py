#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Entra security groups."""

from __future__ import annotations

DOCUMENTATION = r'''
module: group_info
short_description: Read Entra groups, their members and owners
version_added: 0.1.0
description:
  - Look up groups by display name or id, or list every group, optionally with members and owners.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Only groups with exactly this display name (there may be several).
    type: str
  id:
    description:
      - Only the group with this object id.
    type: str
  include_members:
    description:
      - Also return each group's members (one extra request per group).
    type: bool
    default: false
  include_owners:
    description:
      - Also return each group's owners (one extra request per group).
    type: bool
    default: false
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
seealso:
  - module: jitaccess.entra.group
'''

EXAMPLES = r'''
- name: Who is in the just-in-time group right now
  jitaccess.entra.group_info:
    display_name: Allow ChatGPT Access
    include_members: true
  register: jit_group

- name: Show them
  ansible.builtin.debug:
    msg: "{{ jit_group.groups[0].members | default([]) }}"
'''

RETURN = r'''
groups:
  description: Matching groups; empty when none match.
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
    mail_nickname:
      description: Mail alias.
      type: str
    members:
      description: Members (user principal names, or ids for members that are not users).
      type: list
      elements: str
      returned: when O(include_members=true)
    owners:
      description: Owners.
      type: list
      elements: str
      returned: when O(include_owners=true)
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(GroupInfoSpec())


if __name__ == '__main__':
    main()
