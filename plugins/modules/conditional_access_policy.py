#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Entra Conditional Access policy."""

from __future__ import annotations

DOCUMENTATION = r'''
module: conditional_access_policy
short_description: Manage an Entra Conditional Access policy, incl. the Global Secure Access security profile it hands out
version_added: 0.1.0
description:
  - Create, update or delete a Conditional Access policy in Microsoft Entra ID, found by display name or id.
  - Users, groups, roles, named locations and security profiles are given by name (user principal name for users) or
    by id. The policy stores ids; the module shows names and compares ids, as sets where order does not matter.
  - Values Graph fills in by itself (client app types V(all), empty lists, nulls) never count as a difference, so a
    converged policy shows no drift.
  - The policy is read and written through the Graph beta endpoint, because the Global Secure Access session control
    (O(session_controls.gsa_security_profile)) exists only there.
  - Lockout guard. The module refuses to write an enabled policy that targets O(include_users=All) without excluding at
    least one user or group, unless O(allow_all_users_without_exclusions=true). Excluded roles and the
    V(GuestsOrExternalUsers) keyword do not count as exclusions. Report-only and disabled policies are not guarded.
  - Break-glass accounts given in O(break_glass) are added to the exclusions of every policy the module writes.
  - A policy that changes who gets a security profile takes effect when users get a new access token, which can take
    an hour or more.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Display name of the policy; how the policy is found when O(id) is not given.
      - Display names are not unique. If several policies carry this name the module fails and lists their ids.
      - With O(id) set, a different O(display_name) renames the policy.
    type: str
  id:
    description:
      - Object id of the policy. Takes precedence over O(display_name) for finding it.
    type: str
  policy_state:
    description:
      - Whether the policy is enforced. V(report_only) evaluates and logs the policy without enforcing it (Graph
        C(enabledForReportingButNotEnforced)).
      - When omitted, an existing policy keeps its state and a new policy is created in V(report_only), as the Entra
        admin center does.
    type: str
    choices: [enabled, disabled, report_only]
  include_users:
    description:
      - Users the policy applies to, by user principal name or object id, or one of the keywords V(All), V(None) and
        V(GuestsOrExternalUsers).
      - Every list option of this module is the complete list when given (omitted lists are left as they are).
    type: list
    elements: str
  exclude_users:
    description:
      - Users the policy never applies to, by user principal name or object id, or V(GuestsOrExternalUsers).
    type: list
    elements: str
  include_groups:
    description:
      - Groups whose members the policy applies to, by display name or object id. A name that matches several groups
        is an error listing their ids.
    type: list
    elements: str
  exclude_groups:
    description:
      - Groups whose members the policy never applies to, by display name or object id.
    type: list
    elements: str
  include_roles:
    description:
      - Built-in directory roles whose holders the policy applies to, by display name (for example
        C(Global Administrator)) or role template id.
    type: list
    elements: str
  exclude_roles:
    description:
      - Built-in directory roles whose holders the policy never applies to, by display name or role template id.
    type: list
    elements: str
  include_applications:
    description:
      - Applications (cloud apps) the policy targets, by application id or friendly name.
      - V(all_internet_resources_gsa) is "All internet resources with Global Secure Access"
        (C(5dc48733-b5df-475c-a49b-fa307ef00853)), the target of a policy that hands out a security profile.
        V(microsoft_apps_gsa) is "Microsoft apps with Global Secure Access" and V(all_private_resources_gsa) "All private
        resources with Global Secure Access".
      - The keywords V(All), V(None), V(Office365) and V(MicrosoftAdminPortals) are passed to Graph as they are.
      - Required to create a policy.
    type: list
    elements: str
  exclude_applications:
    description:
      - Applications the policy does not target, by application id, friendly name, V(Office365) or
        V(MicrosoftAdminPortals).
    type: list
    elements: str
  include_locations:
    description:
      - Named locations the policy applies to, by display name or id, or V(All) or V(AllTrusted).
    type: list
    elements: str
  exclude_locations:
    description:
      - Named locations the policy does not apply to, by display name or id, or V(AllTrusted).
    type: list
    elements: str
  include_platforms:
    description:
      - Device platforms the policy applies to.
    type: list
    elements: str
    choices: [all, android, iOS, windows, windowsPhone, macOS, linux]
  exclude_platforms:
    description:
      - Device platforms the policy does not apply to.
    type: list
    elements: str
    choices: [all, android, iOS, windows, windowsPhone, macOS, linux]
  sign_in_risk_levels:
    description:
      - Sign-in risk levels the policy applies to (needs Microsoft Entra ID P2).
      - Each level matches only sign-ins evaluated at exactly that level. V(low) alone does not match sign-ins with no
        detected risk, which are V(none). To apply a policy at low risk or below, give V(none) and V(low).
      - A policy that hands out a security profile (O(session_controls.gsa_security_profile)) with V(low) but not V(none)
        draws a warning, since most sign-ins would not get the profile.
      - An empty list removes the condition.
    type: list
    elements: str
    choices: [low, medium, high, hidden, none]
  user_risk_levels:
    description:
      - User risk levels the policy applies to (needs Microsoft Entra ID P2). Same values and caveat as
        O(sign_in_risk_levels).
    type: list
    elements: str
    choices: [low, medium, high, hidden, none]
  client_app_types:
    description:
      - Client app types the policy applies to. An empty list means V(all), which is also what a new policy gets.
    type: list
    elements: str
    choices: [all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported, other]
  grant_controls:
    description:
      - Grant controls, complete when given. Without O(grant_controls.built_in_controls) the policy has no grant
        controls (terms of use and authentication strengths set elsewhere are left alone).
    type: dict
    suboptions:
      operator:
        description:
          - Whether a user must satisfy all (V(AND)) or one (V(OR)) of the controls.
        type: str
        choices: [OR, AND]
        default: OR
      built_in_controls:
        description:
          - The controls. V(block) cannot be combined with others.
        type: list
        elements: str
        choices: [block, mfa, compliantDevice, domainJoinedDevice, approvedApplication, compliantApplication, passwordChange]
  session_controls:
    description:
      - Session controls, complete when given. A control left out is turned off; omit the whole option to leave
        session controls alone. Controls the module does not model (Defender for Cloud Apps, continuous access
        evaluation, token protection) are never changed.
    type: dict
    suboptions:
      gsa_security_profile:
        description:
          - Global Secure Access security profile (filtering profile) the policy hands to its users, by name or id.
          - This is how a group gets the web content filtering policies linked to the profile, for example an allow
            rule for an approved AI app. Target V(all_internet_resources_gsa) in O(include_applications).
          - An empty string removes the control.
        type: str
      sign_in_frequency:
        description:
          - How often users must sign in again.
        type: dict
        suboptions:
          value:
            description:
              - Number of O(session_controls.sign_in_frequency.type) units (1..23 hours or 1..365 days).
            type: int
          type:
            description:
              - Unit of O(session_controls.sign_in_frequency.value).
            type: str
            choices: [hours, days]
          frequency_interval:
            description:
              - V(timeBased) uses O(session_controls.sign_in_frequency.value); V(everyTime) asks at every sign-in and
                takes no value.
            type: str
            choices: [timeBased, everyTime]
            default: timeBased
          authentication_type:
            description:
              - Which authentication the frequency applies to.
            type: str
            choices: [primaryAndSecondaryAuthentication, secondaryAuthentication]
            default: primaryAndSecondaryAuthentication
      persistent_browser:
        description:
          - Whether browser sessions persist after the browser is closed.
        type: str
        choices: [always, never]
      application_enforced_restrictions:
        description:
          - Pass device information to apps that enforce their own restrictions (Exchange Online, SharePoint Online).
        type: bool
      disable_resilience_defaults:
        description:
          - Do not extend existing sessions while the Conditional Access service is unavailable.
        type: bool
  allow_all_users_without_exclusions:
    description:
      - Allow an enabled policy that targets all users without any excluded user or group (see the lockout guard above).
    type: bool
    default: false
  break_glass:
    description:
      - Emergency-access accounts and groups added to O(exclude_users) and O(exclude_groups) of every policy the module
        writes, so that no policy can lock them out.
      - Set it once with C(module_defaults) for C(jitaccess.entra.conditional_access_policy). The action group
        C(group/jitaccess.entra.graph) is the wrong place, because other modules do not take this option.
    type: dict
    suboptions:
      users:
        description:
          - Users, by user principal name or object id.
        type: list
        elements: str
      groups:
        description:
          - Groups, by display name or object id.
        type: list
        elements: str
  state:
    description:
      - V(present) creates or updates the policy; V(absent) deletes it. The policy's own on/off state is O(policy_state).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
notes:
  - Needs the application permissions C(Policy.Read.All) and C(Policy.ReadWrite.ConditionalAccess) (Microsoft also lists
    C(Application.Read.All)), C(User.Read.All) and C(Group.Read.All) to resolve users and groups,
    C(RoleManagement.Read.Directory) or C(Directory.Read.All) for roles, and C(NetworkAccess.Read.All) to resolve
    security profiles.
seealso:
  - name: Graph conditionalAccessPolicy resource (beta)
    description: Properties of a Conditional Access policy, including the beta-only session controls.
    link: https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy?view=graph-rest-beta
  - name: Global Secure Access filtering profile session control
    description: The session control that links a policy to a security profile.
    link: https://learn.microsoft.com/graph/api/resources/globalsecureaccessfilteringprofilesessioncontrol?view=graph-rest-beta
  - module: jitaccess.entra.conditional_access_policy_info
  - module: jitaccess.entra.group
'''

EXAMPLES = r'''
- name: Members of the just-in-time group get the security profile that allows ChatGPT
  jitaccess.entra.conditional_access_policy:
    display_name: GSA - Allow ChatGPT (JIT)
    policy_state: enabled
    include_groups:
      - Allow ChatGPT Access
    include_applications:
      - all_internet_resources_gsa
    sign_in_risk_levels:
      - none
      - low
    session_controls:
      gsa_security_profile: Allow ChatGPT

- name: Require MFA for administrators, trying it in report-only mode first
  jitaccess.entra.conditional_access_policy:
    display_name: Require MFA for admins
    policy_state: report_only
    include_roles:
      - Global Administrator
      - Conditional Access Administrator
    include_applications:
      - All
    grant_controls:
      built_in_controls:
        - mfa

- name: Policies for everyone, with the break-glass account always excluded
  module_defaults:
    group/jitaccess.entra.graph:
      tenant_id: "{{ tenant_id }}"
      client_id: "{{ client_id }}"
      client_secret: "{{ client_secret }}"
    jitaccess.entra.conditional_access_policy:
      break_glass:
        users:
          - breakglass@contoso.onmicrosoft.com
  block:
    - name: Block legacy authentication
      jitaccess.entra.conditional_access_policy:
        display_name: Block legacy authentication
        policy_state: enabled
        include_users:
          - All
        include_applications:
          - All
        client_app_types:
          - exchangeActiveSync
          - other
        grant_controls:
          built_in_controls:
            - block

- name: Delete a policy
  jitaccess.entra.conditional_access_policy:
    display_name: Old AI pilot
    state: absent
'''

RETURN = r'''
conditional_access_policy:
  description:
    - The policy after the task, with names instead of ids; in check mode, the predicted policy (its O(id) is null when
      it would be created). An id that no longer names anything is shown as the id.
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Object id.
      type: str
      sample: 8c4d9b1e-7f0a-4a51-9a33-2f6f9f1e0c11
    display_name:
      description: Display name.
      type: str
      sample: GSA - Allow ChatGPT (JIT)
    policy_state:
      description: V(enabled), V(disabled) or V(report_only).
      type: str
      sample: enabled
    include_users:
      description: User principal names and keywords.
      type: list
      elements: str
      sample: []
    exclude_users:
      description: User principal names and keywords.
      type: list
      elements: str
    include_groups:
      description: Group display names (with the id in brackets when two listed groups share a name).
      type: list
      elements: str
      sample: [Allow ChatGPT Access]
    exclude_groups:
      description: Group display names.
      type: list
      elements: str
    include_roles:
      description: Directory role names.
      type: list
      elements: str
    exclude_roles:
      description: Directory role names.
      type: list
      elements: str
    include_applications:
      description: Friendly names, keywords and application ids.
      type: list
      elements: str
      sample: [all_internet_resources_gsa]
    exclude_applications:
      description: Friendly names, keywords and application ids.
      type: list
      elements: str
    include_locations:
      description: Named location names and keywords.
      type: list
      elements: str
    exclude_locations:
      description: Named location names and keywords.
      type: list
      elements: str
    include_platforms:
      description: Device platforms.
      type: list
      elements: str
    exclude_platforms:
      description: Device platforms.
      type: list
      elements: str
    sign_in_risk_levels:
      description: Sign-in risk levels.
      type: list
      elements: str
      sample: [low]
    user_risk_levels:
      description: User risk levels.
      type: list
      elements: str
    client_app_types:
      description: Client app types.
      type: list
      elements: str
      sample: [all]
    grant_controls:
      description: Operator and built-in controls; null when the policy has none.
      type: dict
      sample: {operator: OR, built_in_controls: [mfa]}
    session_controls:
      description: The session controls that are on (security profile by name); null when none are.
      type: dict
      sample: {gsa_security_profile: Allow ChatGPT, sign_in_frequency: null, persistent_browser: null,
               application_enforced_restrictions: null, disable_resilience_defaults: null}
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import ConditionalAccessPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(ConditionalAccessPolicySpec())


if __name__ == '__main__':
    main()
