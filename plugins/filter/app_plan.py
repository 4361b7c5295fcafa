# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: every app's settings for the jit_ai_access role, and every problem with them, before any change."""

from __future__ import annotations

DOCUMENTATION = r'''
name: app_plan
short_description: Settings of every app of the jit_ai_access role, checked before any change
version_added: 0.2.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Fills in each app of O(_input) as the jitaccess.entra.jit_ai_access role declares it - the app's own entry, else
    O(defaults), else O(builtin), key by key; object names and descriptions derived from the app's name unless given.
  - Checks everything that can be checked without Microsoft Graph, so the role stops before its first change - each
    derived name (blank, control or invisible characters, the length Graph accepts for that object), the FQDNs, the
    priorities, the assignment policy settings as the access_package_assignment_policy module checks them, and names
    and profile priorities that two apps would share.
options:
  _input:
    description: The apps (O(jitaccess.entra.jit_ai_access#role:main:jit_ai_access_apps)).
    type: list
    elements: dict
    required: true
  defaults:
    description: The user's app defaults (O(jitaccess.entra.jit_ai_access#role:main:jit_ai_access_app_defaults)).
    type: dict
    required: true
  builtin:
    description: The role's built-in app settings.
    type: dict
    required: true
  state:
    description: With V(absent) only names are checked (a teardown declares no settings).
    type: str
    default: present
  block_policy_name:
    description: The block policy's name, which no allow policy may share.
    type: str
  catalog_name:
    description: The catalog's name.
    type: str
  baseline_link_priority:
    description: The priority of the block policy's link in the Baseline profile.
    type: int
'''

EXAMPLES = r'''
- name: Every app's settings
  ansible.builtin.set_fact:
    plan: "{{ [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}] | jitaccess.entra.app_plan({'expiration': {'hours': 4}}, builtin) }}"
'''

RETURN = r'''
_value:
  description: The apps and the problems.
  type: dict
  contains:
    apps:
      description: Each app's settings, names and descriptions filled in.
      type: list
      elements: dict
    problems:
      description: One message per problem, naming the variable, the app, the value and the rule; empty when all is well.
      type: list
      elements: str
'''

from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import plan_apps


class FilterModule:  # pylint: disable=too-few-public-methods
    """jitaccess.entra filters."""

    def filters(self):
        return {'app_plan': plan_apps}
