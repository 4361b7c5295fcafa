#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: ask Conditional Access What If which policies a sign-in would get."""

from __future__ import annotations

DOCUMENTATION = r'''
module: conditional_access_what_if
short_description: Ask Conditional Access What If which policies a user's sign-in would get, and why others would not
version_added: 0.1.0
description:
  - Describes a sign-in (a user, the application signed in to, and conditions such as sign-in risk, platform, client app,
    country and IP address) to Microsoft Entra Conditional Access What If and returns, for each policy of the tenant,
    whether it applies with its grant and session controls (the Global Secure Access security profile by name), and
    for a policy that does not apply the reason Graph gives in C(analysisReasons), such as C(users) or C(signInRisk).
  - Proves the effect of the pattern the role C(jitaccess.entra.jit_ai_access) writes, for example that a member of the
    just-in-time group signing in at sign-in risk C(none) gets the allow profile, and a non-member does not.
  - Only reads; check mode runs the same evaluation.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  user:
    description: The user signing in, by user principal name or object id.
    type: str
    required: true
  application:
    description:
      - The application signed in to, by application (client) id, or C(all_internet_resources_gsa),
        C(microsoft_apps_gsa) or C(all_private_resources_gsa) for the Global Secure Access traffic.
    type: str
    default: all_internet_resources_gsa
  sign_in_risk_level:
    description:
      - The sign-in risk. Graph evaluates an omitted level as C(low), so the module always sends one; C(none) is an
        ordinary sign-in.
    type: str
    choices: [none, low, medium, high, hidden]
    default: none
  user_risk_level:
    description: The user risk, sent always for the same reason as O(sign_in_risk_level).
    type: str
    choices: [none, low, medium, high, hidden]
    default: none
  client_app_type:
    description: The client app. Not sent when unset (Graph then evaluates C(all)).
    type: str
    choices: [all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other]
  device_platform:
    description:
      - The device platform. Not sent when unset; a policy with a platform condition is then evaluated as Graph
        defaults it.
    type: str
    choices: [all, android, iOS, windows, windowsPhone, macOS, linux]
  country:
    description: The two-letter country code the sign-in comes from (named locations by country).
    type: str
  ip_address:
    description: The IP address the sign-in comes from (named locations by IP range).
    type: str
  applied_only:
    description: Return only the policies that apply (Graph's C(appliedPoliciesOnly)).
    type: bool
    default: false
  policies:
    description: Return only the policies with these display names.
    type: list
    elements: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
notes:
  - Graph application permission C(Policy.Read.All) (or C(Policy.Read.ConditionalAccess)), C(User.Read.All) to find the
    user and C(NetworkAccess.Read.All) to name security profiles; without the last, profiles are shown by id with a
    warning.
  - What If needs Microsoft Entra ID P1 in the tenant; a 403 says so and names the permission.
  - Calls C(POST /identity/conditionalAccess/evaluate) in beta (it is in v1.0 too), because only beta's policies carry
    the Global Secure Access security profile session control.
seealso:
  - module: jitaccess.entra.conditional_access_policy
  - module: jitaccess.entra.tenant_readiness
  - name: "conditionalAccessRoot: evaluate"
    description: The Graph action this module calls.
    link: https://learn.microsoft.com/graph/api/conditionalaccessroot-evaluate
'''

EXAMPLES = r'''
- name: Does Sarah get the ChatGPT allow profile on an ordinary sign-in?
  jitaccess.entra.conditional_access_what_if:
    user: sarah.jones@contoso.onmicrosoft.com
    application: all_internet_resources_gsa
    sign_in_risk_level: none
    policies: [GSA - Allow ChatGPT (JIT)]
  register: what_if

- name: Show the verdict
  ansible.builtin.debug:
    msg: "{{ what_if.applied }} / not applied: {{ what_if.not_applied }}"
'''

RETURN = r'''
policies:
  description: Each policy evaluated (or only those named in O(policies)), in Graph's order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Policy id.
      type: str
    display_name:
      description: Policy name.
      type: str
    state:
      description: C(enabled), C(disabled) or C(enabledForReportingButNotEnforced).
      type: str
    report_only:
      description: True for a report-only policy, which applies in the evaluation but is not enforced.
      type: bool
    applies:
      description: Whether the policy applies to the sign-in.
      type: bool
    analysis_reasons:
      description:
        - Why the policy does not apply (Graph's whatIfAnalysisReasons, for example C(users), C(application),
          C(signInRisk), C(devicePlatform), C(clientApps), C(location), C(policyNotEnabled), C(notEnoughInformation)).
          Null when it applies.
      type: str
      sample: signInRisk
    grant_controls:
      description: Grant controls (C(operator), C(built_in_controls)); null when there are none.
      type: dict
    session_controls:
      description: Session controls in the shape of the C(session_controls) option of M(jitaccess.entra.conditional_access_policy).
      type: dict
    security_profile:
      description: The Global Secure Access security profile the policy hands out (C(id) and C(name)); null when none.
      type: dict
      sample: {id: 6a0f5e3c-1b7e-4bb2-9a51-3d1c55f0e2aa, name: Allow ChatGPT}
applied:
  description: Names of the enforced (enabled) policies that apply.
  returned: always
  type: list
  elements: str
report_only_applied:
  description: Names of the report-only policies that would apply.
  returned: always
  type: list
  elements: str
not_applied:
  description: Policy name -> the reason it does not apply.
  returned: always
  type: dict
  sample: {"GSA - Allow ChatGPT (JIT)": signInRisk}
sign_in:
  description: The sign-in that was evaluated (user, user id, application id and the conditions sent).
  returned: always
  type: dict
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_read
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._what_if import validate, what_if

RISK_LEVELS = ['none', 'low', 'medium', 'high', 'hidden']


class WhatIfSpec(ResourceSpec):
    noun = 'conditional_access_what_if'
    argument_spec = dict(
        user=dict(type='str', required=True),
        application=dict(type='str', default='all_internet_resources_gsa'),
        sign_in_risk_level=dict(type='str', choices=RISK_LEVELS, default='none'),
        user_risk_level=dict(type='str', choices=RISK_LEVELS, default='none'),
        client_app_type=dict(type='str', choices=['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other']),
        device_platform=dict(type='str', choices=['all', 'android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux']),
        country=dict(type='str'),
        ip_address=dict(type='str'),
        applied_only=dict(type='bool', default=False),
        policies=dict(type='list', elements='str'),
    )

    def validate(self, params):
        validate(params)


def main():
    run_read(WhatIfSpec(), what_if)


if __name__ == '__main__':
    main()
