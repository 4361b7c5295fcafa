# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter plugin: a tenant snapshot from jit_ai_access_export as variables of the jit_ai_access role."""

from __future__ import annotations

DOCUMENTATION = r'''
name: role_variables
short_description: A tenant's just-in-time AI access setup as variables of the jit_ai_access role
version_added: 0.3.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Maps the RV(jitaccess.entra.jit_ai_access_export#module:snapshot) of a tenant onto variables of the role
    C(jitaccess.entra.jit_ai_access) that, applied to the same tenant, change nothing.
  - Names, not ids. A variable is written only where the tenant differs from the role's defaults as O(builtin) and
    O(defaults) give them, so a tenant set up like the defaults exports little more than each app's name and FQDNs.
    The app's name is chosen so that the role derives as many object names as possible; the others are exported as
    name variables. C(jit_ai_access_fallback_approvers) is set to the fallback approvers most apps share, so their
    approval stays the default.
  - The role's defaults are arguments, not copies, so the export follows the role. The C(jitaccess.entra.export)
    playbook reads them from the role's own files.
options:
  _input:
    description: The RV(jitaccess.entra.jit_ai_access_export#module:snapshot) returned by the module.
    type: dict
    required: true
  builtin:
    description:
      - The role's built-in app settings, C(jit_ai_access_app_builtin) of the role's C(vars/main.yml).
      - As the file writes them, a value that is only a variable's template (V({{ jit_ai_access_fallback_approvers }}))
        stands for that variable, so the filter can choose its value. Already templated, the settings are taken as
        they are, and C(jit_ai_access_fallback_approvers) is never exported.
    type: dict
    required: true
  defaults:
    description:
      - The role's variable defaults, the role's C(defaults/main.yml) (C(jit_ai_access_block_policy_name),
        C(jit_ai_access_catalog_name), C(jit_ai_access_fallback_approvers), C(jit_ai_access_app_defaults), ...).
      - Its C(jit_ai_access_app_defaults) applies over O(builtin) key by key, as in the role.
    type: dict
    required: true
seealso:
  - module: jitaccess.entra.jit_ai_access_export
'''

EXAMPLES = r'''
- name: Read the tenant
  jitaccess.entra.jit_ai_access_export:
  register: exported

- name: The role's variables for it
  vars:
    role_dir: "{{ playbook_dir }}/../roles/jit_ai_access"
  ansible.builtin.set_fact:
    exported_vars: >-
      {{ exported.snapshot | jitaccess.entra.role_variables(
           (lookup('ansible.builtin.file', role_dir ~ '/vars/main.yml') | ansible.builtin.from_yaml).jit_ai_access_app_builtin,
           lookup('ansible.builtin.file', role_dir ~ '/defaults/main.yml') | ansible.builtin.from_yaml) }}
'''

RETURN = r'''
_value:
  description:
    - Variables of the role C(jitaccess.entra.jit_ai_access), only those that differ from the role's defaults;
      C(jit_ai_access_apps) is always there (empty when no app fits the pattern).
    - Each app has C(name) and C(fqdns), and the keys of the role's per-app settings that differ from the defaults, for
      example C(group_name), C(profile_priority), C(expiration) or C(questions). Assignment policy settings have the shape
      of the options of M(jitaccess.entra.access_package_assignment_policy).
  type: dict
  sample:
    jit_ai_access_catalog_name: AI tools
    jit_ai_access_fallback_approvers: [it.approvals@contoso.onmicrosoft.com]
    jit_ai_access_apps:
      - name: ChatGPT
        fqdns: [chatgpt.com]
        group_name: ChatGPT users
        expiration:
          hours: 4
'''

from ansible_collections.jitaccess.entra.plugins.module_utils._role_variables import role_variables


class FilterModule:  # pylint: disable=too-few-public-methods
    """jitaccess.entra filters."""

    def filters(self):
        return {'role_variables': role_variables}
