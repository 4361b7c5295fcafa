#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read a tenant's just-in-time AI access setup as the jit_ai_access role's pattern."""

from __future__ import annotations

DOCUMENTATION = r'''
module: jit_ai_access_export
short_description: Read a tenant's just-in-time AI access setup for the jit_ai_access role
version_added: 0.1.0
description:
  - Reads the Global Secure Access filtering policies and security profiles, the Conditional Access policies that hand
    out a security profile, the groups they include, and the access packages and assignment policies that grant those
    groups, and returns the objects that make up the pattern of the role C(jitaccess.entra.jit_ai_access) as RV(snapshot).
  - "The pattern: the block policy is a block policy with web category rules linked to the Baseline profile. Each app is a
    security profile (not the Baseline) that a Conditional Access policy hands out through its session control; the
    allow policy with FQDN rules that the profile links gives the app's FQDNs, the one group the Conditional Access
    policy includes is the just-in-time group, the access package that grants Member of that group is the app's package
    (its catalog is C(jit_ai_access_catalog_name)), and the package's assignment policy gives requestors, approval,
    expiry, questions and access reviews."
  - The filter P(jitaccess.entra.role_variables#filter) turns RV(snapshot) into variables of the role, given the role's
    defaults; applied to the same tenant with the role, they change nothing. The C(jitaccess.entra.export) playbook does
    both and writes one file per tenant.
  - Objects outside the pattern (a filtering policy linked nowhere, a security profile no Conditional Access policy hands
    out, a Conditional Access policy that does not include exactly one group, a second catalog, a second assignment
    policy of a package, ...) are returned in RV(unmatched); settings of exported objects the role cannot carry are
    returned in RV(unsupported). Each also becomes a warning.
  - Only reads.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  block_policy_name:
    description:
      - The name of the role's block policy (the role's C(jit_ai_access_block_policy_name)). Of several block policies
        with web category rules linked to the Baseline profile, the one of this name is the role's; without it, or
        when none has this name, the first by name.
    type: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
notes:
  - Graph application permissions C(NetworkAccess.Read.All), C(Policy.Read.All), C(Group.Read.All), C(User.Read.All) and
    C(EntitlementManagement.Read.All) (or the matching ReadWrite permissions).
  - Reads every security profile, filtering policy, Conditional Access policy, catalog, access package and the assignment
    policies of the packages that grant a just-in-time group; about 10 calls plus two per access package.
seealso:
  - plugin: jitaccess.entra.role_variables
    plugin_type: filter
  - module: jitaccess.entra.filtering_profile_info
  - module: jitaccess.entra.conditional_access_policy_info
  - module: jitaccess.entra.access_package_assignment_policy_info
'''

EXAMPLES = r'''
- name: Read the tenant's setup
  jitaccess.entra.jit_ai_access_export:
    block_policy_name: Block Artificial Intelligence
  register: exported

# role_builtin and role_defaults: the role's vars/main.yml and defaults/main.yml (see the filter's examples).
- name: Keep it as variables for the role
  ansible.builtin.copy:
    content: "{{ exported.snapshot | jitaccess.entra.role_variables(role_builtin, role_defaults) | ansible.builtin.to_nice_yaml(indent=2) }}"
    dest: "host_vars/{{ inventory_hostname }}.yml"
    mode: "0644"

- name: Objects the variables leave out
  ansible.builtin.debug:
    msg: "{{ exported.unmatched | map(attribute='name') | list }}"
'''

RETURN = r'''
snapshot:
  description:
    - The objects of the role's pattern, as read, in the shapes their C(_info) modules return (names, not the ids of
      the objects they refer to). The input of the filter P(jitaccess.entra.role_variables#filter).
  returned: always
  type: dict
  contains:
    block:
      description:
        - The block policy (C(filtering_policy), as M(jitaccess.entra.filtering_policy_info) shows it with its rules) and
          its link in the Baseline profile (C(policy_link)).
        - None when the tenant has no such policy.
      type: dict
    catalog:
      description: The catalog of the apps' access packages, as M(jitaccess.entra.access_package_catalog_info) shows it; None without apps.
      type: dict
    apps:
      description:
        - One per app, ordered by security profile priority; each object as its C(_info) module shows it, keyed by the
          module that manages it - C(conditional_access_policy), C(filtering_profile) (with its policy links),
          C(policy_link) (the link to the allow policy), C(filtering_policy) (with its rules), C(group) (with its
          members), C(access_package) (with its resource roles) and C(assignment_policy).
        - C(access_package) and C(assignment_policy) are None where the tenant has none.
      type: list
      elements: dict
  sample:
    block:
      filtering_policy: {id: 3f2a..., name: Block AI sites, action: block, rules: [{name: AI, type: webCategory, destinations: [ArtificialIntelligence]}]}
      policy_link: {name: Block AI sites, priority: 200, state: enabled, logging_state: enabled}
    catalog: {id: 9c1e..., display_name: AI tools, description: Approved AI tools}
    apps:
      - conditional_access_policy: {display_name: ChatGPT for JIT users, policy_state: enabled, include_groups: [ChatGPT users]}
        filtering_profile: {name: ChatGPT profile, priority: 300}
        policy_link: {name: Allow ChatGPT, priority: 150}
        filtering_policy: {name: Allow ChatGPT, action: allow, rules: [{name: ChatGPT, type: fqdn, destinations: [chatgpt.com]}]}
        group: {display_name: ChatGPT users, members: []}
        access_package: {display_name: ChatGPT JIT, catalog: AI tools}
        assignment_policy: {display_name: ChatGPT requests, expiration: {duration: PT4H}}
unmatched:
  description: Objects the snapshot does not hold, so applying the role's variables neither manages nor removes these.
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
    - Settings of exported objects the role cannot express; applying the role's variables would change them.
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
from ansible_collections.jitaccess.entra.plugins.module_utils._export_pattern import find_pattern, messages
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_read
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._tenant_snapshot import read_tenant


class ExportSpec(ResourceSpec):
    noun = 'jit_ai_access_export'
    argument_spec = {'block_policy_name': dict(type='str')}


def read(ctx):
    result = find_pattern(read_tenant(ctx), ctx.params.get('block_policy_name'))
    for line in messages(result):
        ctx.warn(line)
    return result


def main():
    run_read(ExportSpec(), read)


if __name__ == '__main__':
    main()
