#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: export a tenant's just-in-time AI access setup as jit_ai_access role variables."""

from __future__ import annotations

DOCUMENTATION = r'''
module: jit_ai_access_export
short_description: Export a tenant's just-in-time AI access setup as variables of the jit_ai_access role
version_added: 0.1.0
description:
  - Reads the Global Secure Access filtering policies and security profiles, the Conditional Access policies that hand
    out a security profile, the groups they include, and the access packages and assignment policies that grant those
    groups, and returns variables for the role C(jitaccess.entra.jit_ai_access) that describe them. Applied to the same
    tenant with the role, the variables change nothing.
  - "The pattern: the block policy is a block policy with web category rules linked to the Baseline profile. Each app is a
    security profile (not the Baseline) that a Conditional Access policy hands out through its session control; the
    allow policy with FQDN rules that the profile links gives the app's FQDNs, the one group the Conditional Access
    policy includes is the just-in-time group, the access package that grants Member of that group is the app's package
    (its catalog is C(jit_ai_access_catalog_name)), and the package's assignment policy gives requestors, approval,
    expiry, questions and access reviews."
  - Names, not ids, are exported. A variable is written only where the tenant differs from the role's defaults, so
    a tenant set up like the role's defaults exports little more than each app's name and FQDNs. The app's name is
    chosen so that the role derives as many object names as possible; the others are exported as name variables.
  - Objects outside the pattern (a filtering policy linked nowhere, a security profile no Conditional Access policy hands
    out, a Conditional Access policy that does not include exactly one group, a second catalog, a second assignment
    policy of a package, ...) are returned in RV(unmatched); settings of exported objects the role cannot carry are
    returned in RV(unsupported). Each also becomes a warning.
  - Only reads. Writes the variables nowhere; the C(jitaccess.entra.export) playbook writes one file per tenant.
author:
  - jitaccess.entra maintainers (@jitaccess)
options: {}
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
notes:
  - Graph application permissions C(NetworkAccess.Read.All), C(Policy.Read.All), C(Group.Read.All), C(User.Read.All) and
    C(EntitlementManagement.Read.All) (or the matching ReadWrite permissions).
  - Reads every security profile, filtering policy, Conditional Access policy, catalog, access package and the assignment
    policies of the packages that grant a just-in-time group; about 10 calls plus two per access package.
seealso:
  - module: jitaccess.entra.filtering_profile_info
  - module: jitaccess.entra.conditional_access_policy_info
  - module: jitaccess.entra.access_package_assignment_policy_info
'''

EXAMPLES = r'''
- name: Read the tenant's setup
  jitaccess.entra.jit_ai_access_export:
  register: exported

- name: Keep it as variables for the role
  ansible.builtin.copy:
    content: "{{ exported.vars | to_nice_yaml(indent=2) }}"
    dest: "host_vars/{{ inventory_hostname }}.yml"
    mode: "0644"

- name: Objects the variables leave out
  ansible.builtin.debug:
    msg: "{{ exported.unmatched | map(attribute='name') | list }}"
'''

RETURN = r'''
vars:
  description:
    - Variables of the role C(jitaccess.entra.jit_ai_access), only those that differ from the role's defaults;
      C(jit_ai_access_apps) is always there (empty when no app fits the pattern).
    - Each app has C(name) and C(fqdns), and the keys of the role's per-app settings that differ from the defaults, for
      example C(group_name), C(profile_priority), C(expiration) or C(questions). Assignment policy settings have the shape
      of the options of M(jitaccess.entra.access_package_assignment_policy).
  returned: always
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
unmatched:
  description: Objects the variables do not describe, so applying them neither manages nor removes these.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: The kind of object, named as the module that manages it (C(filtering_policy), C(conditional_access_policy), ...).
      type: str
      sample: filtering_policy
    name:
      description: Its name or display name.
      type: str
      sample: Allow Perplexity
    id:
      description: Its id.
      type: str
    reason:
      description: Why it does not fit the role's model.
      type: str
      sample: is linked to no security profile
unsupported:
  description:
    - Settings of exported objects the role cannot express; applying the variables would change them.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: The kind of object.
      type: str
      sample: filtering_profile
    name:
      description: Its name or display name.
      type: str
    id:
      description: Its id.
      type: str
    reason:
      description: What the role would change.
      type: str
      sample: is disabled; the role enables it
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._export import export, messages, read_tenant
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import ResourceSpec, run_read


class ExportSpec(ResourceSpec):
    noun = 'jit_ai_access_export'


def read(ctx):
    result = export(read_tenant(ctx))
    for line in messages(result):
        ctx.warn(line)
    return result


def main():
    run_read(ExportSpec(), read)


if __name__ == '__main__':
    main()
