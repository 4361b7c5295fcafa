#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Entra security group."""

from __future__ import annotations

DOCUMENTATION = r'''
module: group
short_description: Manage an Entra security group and its static members
version_added: 0.1.0
description:
  - Create, update or delete an assigned (non-dynamic) security group in Microsoft Entra ID, found by display name or id.
  - Reconciles static members and owners, given as user principal names or object ids.
  - For just-in-time access the group starts empty; an access package adds and removes members.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Display name of the group; how the group is found when O(id) is not given.
      - Display names are not unique in Entra. If several groups carry this name the module fails and lists their ids.
      - With O(id) set, a different O(display_name) renames the group.
    type: str
  id:
    description:
      - Object id of the group. Takes precedence over O(display_name) for finding it.
    type: str
  description:
    description:
      - Description of the group, at most 1024 characters.
    type: str
  mail_nickname:
    description:
      - Mail alias of the group (Entra requires one even for security groups).
      - '1 to 64 ASCII characters with no spaces and none of these characters: @ ( ) \ [ ] " ; : < > ,'
      - When omitted on create, it is derived from O(display_name) (its letters, digits, dots, dashes and underscores).
        When omitted on an existing group, it is left alone.
    type: str
  members:
    description:
      - Users who are static members, by user principal name or object id.
      - Omit to leave membership unmanaged. Members not listed stay unless O(purge_members=true).
    type: list
    elements: str
  purge_members:
    description:
      - Remove members that are not listed in O(members). Use O(members=[]) with this to empty the group.
    type: bool
    default: false
  owners:
    description:
      - Users who own the group, by user principal name or object id. Omit to leave owners unmanaged.
    type: list
    elements: str
  purge_owners:
    description:
      - Remove owners that are not listed in O(owners).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
seealso:
  - name: Graph group resource
    description: Properties and relationships of a group.
    link: https://learn.microsoft.com/graph/api/resources/group
  - module: jitaccess.entra.group_info
'''

EXAMPLES = r'''
- name: The empty group that just-in-time access fills
  jitaccess.entra.group:
    display_name: Allow ChatGPT Access
    description: Members may use ChatGPT; membership is granted by the access package only
    members: []
    purge_members: true
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"

- name: A group with static members and an owner, connection set once for the play
  module_defaults:
    group/jitaccess.entra.graph:
      tenant_id: "{{ tenant_id }}"
      client_id: "{{ client_id }}"
      client_secret: "{{ client_secret }}"
  block:
    - name: Finance approvers
      jitaccess.entra.group:
        display_name: Finance Approvers
        mail_nickname: finance-approvers
        members:
          - michael.brown@contoso.onmicrosoft.com
        owners:
          - it.approvals@contoso.onmicrosoft.com

- name: Delete a group
  jitaccess.entra.group:
    display_name: Old AI pilot
    state: absent
'''

RETURN = r'''
group:
  description:
    - The group after the task; in check mode, the predicted group (its O(id) is null when it would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Object id.
      type: str
      sample: 0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11
    display_name:
      description: Display name.
      type: str
      sample: Allow ChatGPT Access
    description:
      description: Description.
      type: str
    mail_nickname:
      description: Mail alias.
      type: str
      sample: AllowChatGPTAccess
    members:
      description: Static members (user principal names; ids for members that are not users), when O(members) is managed.
      type: list
      elements: str
      returned: when O(members) is set
    owners:
      description: Owners, when O(owners) is managed.
      type: list
      elements: str
      returned: when O(owners) is set
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(GroupSpec())


if __name__ == '__main__':
    main()
