#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Global Secure Access security profile."""

from __future__ import annotations

DOCUMENTATION = r'''
module: filtering_profile
short_description: Manage a Global Secure Access security profile and the filtering policies linked to it
version_added: 0.1.0
description:
  - Create, update or delete a security profile (filtering profile) of Microsoft Entra Internet Access
    (Global Secure Access), found by name or id, and link web content filtering policies to it.
  - Links are added, updated and removed one by one; the profile is never recreated, so its id stays the same
    and Conditional Access policies that point at it keep working.
  - O(baseline=true) selects the tenant's Baseline profile, which applies to all traffic. It is only linked and
    unlinked, never created, renamed, re-prioritised or deleted.
  - A profile other than the Baseline takes effect when a Conditional Access policy hands it out through its
    Global Secure Access session control.
  - Uses the Microsoft Graph beta API, the only version that has Global Secure Access.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  name:
    description:
      - Name of the profile; how the profile is found when O(id) is not given.
      - Names are matched without regard to case. If several profiles carry this name the module fails and lists their ids.
      - With O(id) set, a different O(name) renames the profile.
    type: str
  id:
    description:
      - Id of the profile. Takes precedence over O(name) for finding it.
    type: str
  baseline:
    description:
      - Manage the links of the tenant's Baseline profile (the profile with priority 65000) instead of a named one.
      - Cannot be combined with O(name), O(id), O(description), O(profile_state), O(state=absent), or a O(priority)
        other than 65000. A tenant without a Baseline profile is an error.
    type: bool
    default: false
  description:
    description:
      - Description of the profile.
    type: str
  profile_state:
    description:
      - Whether the profile is in force (Graph's C(state) property of the profile).
      - Defaults to V(enabled) when the profile is created; left alone otherwise.
    type: str
    choices: [enabled, disabled]
  priority:
    description:
      - Order in which profiles are evaluated, 100 to 64999; lower numbers come first. 65000 is the Baseline profile's.
      - Required to create a profile.
      - Unique in the tenant. A priority another profile has is an error naming that profile, raised before any change
        (in check mode too).
    type: int
  policies:
    description:
      - Web content filtering policies linked to the profile, each identified by the policy's O(policies[].name).
      - Omit to leave the links unmanaged. Links not listed stay unless O(purge_policies=true).
      - Links to other kinds of policy (threat intelligence, TLS inspection) are neither shown nor changed.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name (or id) of the filtering policy, as managed by M(jitaccess.entra.filtering_policy).
        type: str
        required: true
      priority:
        description:
          - Order of the policy within the profile, 100 to 65000; lower numbers come first.
          - For a new link it defaults to the next hundred above the highest link priority in the profile.
        type: int
      state:
        description:
          - Whether the link is in force. Defaults to V(enabled) for a new link.
        type: str
        choices: [enabled, disabled]
      logging_state:
        description:
          - Whether traffic matched by the policy is logged. Defaults to V(enabled) for a new link.
        type: str
        choices: [enabled, disabled]
  purge_policies:
    description:
      - Unlink policies that are not listed in O(policies). The policies themselves stay.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the profile even when Conditional Access policies still point at it.
      - Without it such a delete fails and names those policies.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the profile; V(absent) deletes it with its links (the linked policies stay).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
  - jitaccess.entra.gsa_permissions
notes:
  - A new or changed profile can take 60 to 90 minutes to reach users, because it travels in their access tokens.
  - Graph application permission C(NetworkAccess.ReadWrite.All), or delegated C(NetworkAccessPolicy.ReadWrite.All) for a
    Global Secure Access Administrator.
seealso:
  - name: Graph filteringProfile resource (beta)
    description: Properties and relationships of a security profile.
    link: https://learn.microsoft.com/graph/api/resources/networkaccess-filteringprofile?view=graph-rest-beta
  - name: Graph filteringPolicyLink resource (beta)
    description: A link between a profile and a filtering policy.
    link: https://learn.microsoft.com/graph/api/resources/networkaccess-filteringpolicylink?view=graph-rest-beta
  - module: jitaccess.entra.filtering_profile_info
  - module: jitaccess.entra.filtering_policy
'''

EXAMPLES = r'''
- name: Block generative AI for all traffic through the Baseline profile
  jitaccess.entra.filtering_profile:
    baseline: true
    policies:
      - name: Block generative AI
        priority: 100

- name: A profile that allows ChatGPT, for a Conditional Access policy to hand to the JIT group
  jitaccess.entra.filtering_profile:
    name: Allow ChatGPT
    description: Handed out by Conditional Access to members of Allow ChatGPT Access
    priority: 100
    policies:
      - name: Allow ChatGPT
        priority: 100
    purge_policies: true

- name: Delete a profile no Conditional Access policy uses any more
  jitaccess.entra.filtering_profile:
    name: Old AI pilot
    state: absent
'''

RETURN = r'''
filtering_profile:
  description:
    - The profile after the task; in check mode, the predicted profile (its RV(filtering_profile.id) is null when it would be created).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the profile (what a Conditional Access session control points at).
      type: str
      sample: dddddddd-3333-4444-5555-eeeeeeeeeeee
    name:
      description: Name.
      type: str
      sample: Allow ChatGPT
    description:
      description: Description.
      type: str
    profile_state:
      description: V(enabled) or V(disabled).
      type: str
      sample: enabled
    priority:
      description: Evaluation order of the profile.
      type: int
      sample: 100
    policies:
      description: Links to web content filtering policies, sorted by policy name, when O(policies) is managed.
      type: list
      elements: dict
      returned: when O(policies) is set
      contains:
        name:
          description: Name of the linked policy.
          type: str
          sample: Allow ChatGPT
        priority:
          description: Order of the policy within the profile.
          type: int
          sample: 100
        state:
          description: V(enabled) or V(disabled).
          type: str
        logging_state:
          description: V(enabled) or V(disabled).
          type: str
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import FilteringProfileSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(FilteringProfileSpec())


if __name__ == '__main__':
    main()
