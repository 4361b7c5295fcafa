#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Global Secure Access web content filtering policy."""

from __future__ import annotations

DOCUMENTATION = r'''
module: filtering_policy
short_description: Manage a Global Secure Access web content filtering policy and its rules
version_added: 0.1.0
description:
  - Create, update or delete a web content filtering policy of Microsoft Entra Internet Access (Global Secure Access),
    found by name or id.
  - A policy has one O(action) for all its rules, so blocking a web category and allowing a site are two policies.
  - Rules are reconciled one by one (added, updated with one request each, or removed); the policy itself is never
    recreated, so its id and its links to security profiles stay.
  - Link the policy to a security profile with M(jitaccess.entra.filtering_profile).
  - Uses the Microsoft Graph beta API, the only version that has Global Secure Access.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  name:
    description:
      - Name of the policy; how the policy is found when O(id) is not given.
      - Names are matched without regard to case. If several policies carry this name the module fails and lists their ids.
      - With O(id) set, a different O(name) renames the policy.
    type: str
  id:
    description:
      - Id of the policy. Takes precedence over O(name) for finding it.
    type: str
  description:
    description:
      - Description of the policy.
    type: str
  action:
    description:
      - What happens to traffic that matches a rule of the policy.
      - Required to create a policy.
    type: str
    choices: [block, allow]
  rules:
    description:
      - Rules of the policy, each identified by its O(rules[].name).
      - Omit to leave the rules unmanaged. Rules not listed stay unless O(purge_rules=true).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the rule, unique within the policy.
        type: str
        required: true
      type:
        description:
          - V(webCategory) matches web categories; V(fqdn) matches host names.
          - Changing the type of an existing rule replaces that rule (Graph cannot change it in place).
        type: str
        required: true
        choices: [webCategory, fqdn]
        aliases: [rule_type]
      destinations:
        description:
          - For O(rules[].type=webCategory), category names as the API spells them (V(ArtificialIntelligence)) or as the
            portal shows them (V(Artificial Intelligence)); either is checked against the tenant's category list and
            stored as the API name.
          - For O(rules[].type=fqdn), host names such as V(chatgpt.com); a leading V(*.) matches every subdomain
            (V(*.chatgpt.com)). Host names are compared in lower case.
          - Compared as a set; order and duplicates do not matter.
        type: list
        elements: str
        required: true
  purge_rules:
    description:
      - Remove rules that are not listed in O(rules).
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), also delete a policy that security profiles still link, unlinking it from them first.
      - Without it such a delete fails and names the profiles.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the policy; V(absent) deletes it.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
  - jitaccess.entra.gsa_permissions
notes:
  - Changes take a few minutes to reach the Global Secure Access clients.
  - Graph application permission C(NetworkAccess.ReadWrite.All), or delegated C(NetworkAccessPolicy.ReadWrite.All) for a
    Global Secure Access Administrator.
seealso:
  - name: Graph filteringPolicy resource (beta)
    description: Properties and relationships of a web content filtering policy.
    link: https://learn.microsoft.com/graph/api/resources/networkaccess-filteringpolicy?view=graph-rest-beta
  - name: Web content filtering categories
    description: The categories a web category rule can name.
    link: https://learn.microsoft.com/entra/global-secure-access/reference-web-content-filtering-categories
  - module: jitaccess.entra.filtering_policy_info
  - module: jitaccess.entra.filtering_profile
'''

EXAMPLES = r'''
- name: Block generative AI sites for everyone (link it to the Baseline profile)
  jitaccess.entra.filtering_policy:
    name: Block generative AI
    description: Managed by Ansible
    action: block
    rules:
      - name: Artificial Intelligence
        type: webCategory
        destinations:
          - ArtificialIntelligence
    purge_rules: true

- name: Allow ChatGPT (link it to a profile that a Conditional Access policy hands to the JIT group)
  jitaccess.entra.filtering_policy:
    name: Allow ChatGPT
    action: allow
    rules:
      - name: chatgpt.com
        type: fqdn
        destinations:
          - chatgpt.com
          - "*.chatgpt.com"

- name: Delete a policy, unlinking it from any profile first
  jitaccess.entra.filtering_policy:
    name: Old AI pilot
    state: absent
    force: true
'''

RETURN = r'''
filtering_policy:
  description:
    - The policy after the task; in check mode, the predicted policy (its RV(filtering_policy.id) is null when it would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the policy.
      type: str
      sample: 9f875dd1-c1d4-484a-a967-b428e4e1cafe
    name:
      description: Name.
      type: str
      sample: Allow ChatGPT
    description:
      description: Description.
      type: str
    action:
      description: V(block) or V(allow).
      type: str
      sample: allow
    rules:
      description: The rules, sorted by name, when O(rules) is managed.
      type: list
      elements: dict
      returned: when O(rules) is set
      contains:
        name:
          description: Rule name.
          type: str
          sample: chatgpt.com
        type:
          description: V(webCategory) or V(fqdn).
          type: str
          sample: fqdn
        destinations:
          description: Category API names or host names, sorted.
          type: list
          elements: str
          sample: ["*.chatgpt.com", "chatgpt.com"]
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import FilteringPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(FilteringPolicySpec())


if __name__ == '__main__':
    main()
