#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read Global Secure Access security profiles."""

from __future__ import annotations

DOCUMENTATION = r'''
module: filtering_profile_info
short_description: Read Global Secure Access security profiles, their policy links and who uses them
version_added: 0.1.0
description:
  - Look up security profiles by name or id, the Baseline profile, or list every profile, with the web content
    filtering policies linked to each and the Conditional Access policies that hand it out.
  - Uses the Microsoft Graph beta API, the only version that has Global Secure Access.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  name:
    description:
      - Only profiles with this name, matched without regard to case (there may be several).
    type: str
  id:
    description:
      - Only the profile with this id.
    type: str
  baseline:
    description:
      - Only the tenant's Baseline profile (priority 65000); an empty list when the tenant has none.
    type: bool
    default: false
  include_policies:
    description:
      - Also return each profile's links to filtering policies. They come in the same request, so this costs nothing extra.
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
  - module: jitaccess.entra.filtering_profile
'''

EXAMPLES = r'''
- name: The profile a Conditional Access policy should hand out
  jitaccess.entra.filtering_profile_info:
    name: Allow ChatGPT
  register: allow_profile

- name: Its id, for the session control
  ansible.builtin.debug:
    msg: "{{ allow_profile.filtering_profiles[0].id }}"

- name: What the Baseline profile blocks for everyone
  jitaccess.entra.filtering_profile_info:
    baseline: true
'''

RETURN = r'''
filtering_profiles:
  description: Matching profiles; empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the profile.
      type: str
    name:
      description: Name.
      type: str
    description:
      description: Description.
      type: str
    profile_state:
      description: V(enabled) or V(disabled).
      type: str
    priority:
      description: Evaluation order; 65000 is the Baseline profile.
      type: int
    conditional_access_policies:
      description: Conditional Access policies whose session control hands out this profile, each with C(id) and C(display_name).
      type: list
      elements: dict
    policies:
      description: Links to filtering policies, sorted by policy name, each with C(name), C(priority), C(state) and C(logging_state).
      type: list
      elements: dict
      returned: when O(include_policies=true)
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import FilteringProfileInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(FilteringProfileInfoSpec())


if __name__ == '__main__':
    main()
