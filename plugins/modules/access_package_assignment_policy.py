#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: Entitlement Management access package assignment policy."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_assignment_policy
short_description: Manage who may request an access package, who approves, and for how long access lasts
version_added: 0.1.0
description:
  - Create, update or delete an assignment policy of an access package in Microsoft Entra ID Governance entitlement
    management, found by display name within the package, or by id.
  - Covers the portal's policy pages in the words an admin uses, with O(requestors), O(approval), O(expiration),
    O(allow_custom_schedule), O(questions) and O(access_reviews).
  - Each of those options is a section. A section left out is not managed and stays as it is. Inside a declared
    section, an option left unset keeps its current value (or gets the documented default on a new policy), except that
    lists of people, O(approval.stages) and O(questions) always describe the whole set.
  - Graph replaces a policy as a whole, so the module sends the current policy with the declared sections written over
    it, and only when something differs. Durations are compared by length (C(PT48H) equals C(P2D)), so a converged
    policy shows no change.
  - Questions are matched to the existing ones by their text and keep their ids, so answers already given stay linked.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  display_name:
    description:
      - Display name of the policy; how it is found within O(access_package) when O(id) is not given.
      - With O(id) set, a different O(display_name) renames the policy.
      - At most 256 characters.
    type: str
  id:
    description:
      - Object id of the policy. Takes precedence over O(display_name) for finding it.
    type: str
  access_package:
    description:
      - The access package the policy belongs to, by display name or id. Required unless O(id) is given.
    type: str
  catalog:
    description:
      - The catalog of O(access_package), by display name or id, when the package name alone is ambiguous.
    type: str
  description:
    description:
      - Description of the policy, shown to requestors.
    type: str
  requestors:
    description:
      - Who can request the access package through this policy. Required to create a policy.
    type: dict
    suboptions:
      scope:
        description:
          - V(all_members) is every member user of the tenant (no guests); V(all_members_and_guests) adds guests.
          - V(specific) is the users and groups listed in O(requestors.users) and O(requestors.groups).
          - V(none) lets nobody request; administrators assign the package directly.
        type: str
        required: true
        choices: [all_members, all_members_and_guests, specific, none]
      users:
        description:
          - With O(requestors.scope=specific), users who may request, by user principal name or object id.
        type: list
        elements: str
      groups:
        description:
          - With O(requestors.scope=specific), groups whose members may request, by display name or object id.
        type: list
        elements: str
      self_requests:
        description:
          - Whether users can request the package for themselves. On a new policy this is true unless
            O(requestors.scope=none).
        type: bool
      self_extensions:
        description:
          - Whether users can ask to extend their own assignment. False on a new policy.
        type: bool
      self_removals:
        description:
          - Whether users can remove their own assignment. On a new policy this is true unless O(requestors.scope=none).
        type: bool
      on_behalf_requests:
        description:
          - Whether a requestor's manager can request on the requestor's behalf. False on a new policy.
        type: bool
  approval:
    description:
      - Whether requests need approval, and by whom.
      - A new policy without this section needs no approval.
    type: dict
    suboptions:
      required:
        description:
          - Whether a request needs approval. On a new policy this is true when O(approval.stages) lists any.
        type: bool
      required_for_extension:
        description:
          - Whether a request to extend an assignment needs approval too. False on a new policy.
        type: bool
      requestor_justification:
        description:
          - Whether the requestor must give a business justification. False on a new policy.
        type: bool
      stages:
        description:
          - The approval stages, 1 to 3, in order. Each stage is decided by any one of its approvers; a denial or a
            timeout ends the request.
          - Omit to keep the current stages.
        type: list
        elements: dict
        suboptions:
          approvers:
            description:
              - Who approves in this stage. Required.
            type: dict
            suboptions:
              manager:
                description:
                  - The requestor's manager. Needs O(approval.stages[].fallback_approvers).
                type: bool
              sponsors:
                description:
                  - The requestor's sponsors. Needs O(approval.stages[].fallback_approvers).
                type: bool
              users:
                description:
                  - Users, by user principal name or object id.
                type: list
                elements: str
              groups:
                description:
                  - Groups whose members approve, by display name or object id.
                type: list
                elements: str
          fallback_approvers:
            description:
              - Who approves when the requestor has no manager or sponsor.
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
          escalation:
            description:
              - Forward the request to alternate approvers when nobody decides in O(approval.stages[].escalation.after_days).
            type: dict
            suboptions:
              enabled:
                description:
                  - Set to false to turn escalation off.
                type: bool
                default: true
              after_days:
                description:
                  - Days without a decision before the request is forwarded; less than O(approval.stages[].deadline_days).
                type: int
              approvers:
                description:
                  - The alternate approvers.
                type: dict
                suboptions:
                  manager:
                    description:
                      - The requestor's manager.
                    type: bool
                  sponsors:
                    description:
                      - The requestor's sponsors.
                    type: bool
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
              fallback_approvers:
                description:
                  - Alternate approvers used when the requestor has no manager or sponsor.
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
          approver_justification:
            description:
              - Whether the approver must give a justification.
            type: bool
            default: true
          deadline_days:
            description:
              - Days the approvers have to decide, 1 to 14; a request still pending then is denied automatically.
            type: int
            default: 14
  expiration:
    description:
      - When an assignment made through this policy ends. Give exactly one of the suboptions.
      - Sent to Graph as an ISO 8601 duration (C(hours=2) becomes C(PT2H)) or an end date.
      - A new policy without this option gives assignments that never expire.
    type: dict
    suboptions:
      hours:
        description:
          - Assignments end this many hours after they start (at least 1).
        type: int
      days:
        description:
          - Assignments end this many days after they start (1 to 3660).
        type: int
      duration:
        description:
          - Assignments end after this ISO 8601 duration of weeks, days, hours, minutes and seconds, such as C(PT2H) or
            C(P1DT12H). Months and years are refused because their length varies.
        type: str
      end_date:
        description:
          - Assignments end on this date (C(2026-12-31), midnight UTC) or date-time (C(2026-12-31T17:00:00Z)).
        type: str
      never:
        description:
          - Set to true for assignments that do not expire.
        type: bool
  allow_custom_schedule:
    description:
      - Whether requestors may ask for a specific timeline (the portal's "Users can request specific timeline").
      - False on a new policy.
    type: bool
  questions:
    description:
      - Questions the requestor answers, in the order shown. The list is the whole set; C([]) removes every question.
      - Questions are matched to the current ones by O(questions[].text), so changing a question's text makes it a new
        question with a new id.
    type: list
    elements: dict
    suboptions:
      text:
        description:
          - The question. Required, and unique within the policy.
        type: str
      type:
        description:
          - V(text) for a free-text answer, V(multiple_choice) for a choice from O(questions[].choices).
        type: str
        default: text
        choices: [text, multiple_choice]
      required:
        description:
          - Whether an answer is required.
        type: bool
        default: false
      answer_editable:
        description:
          - Whether the requestor can change the answer later.
        type: bool
        default: false
      multiline:
        description:
          - For text questions, a multi-line answer box.
        type: bool
        default: false
      regex:
        description:
          - For text questions, a regular expression the answer must match.
        type: str
      localizations:
        description:
          - The question in other languages.
        type: list
        elements: dict
        suboptions:
          language:
            description:
              - Language code, such as C(fr-FR).
            type: str
          text:
            description:
              - The question in that language.
            type: str
      choices:
        description:
          - For multiple-choice questions, the answers offered.
        type: list
        elements: dict
        suboptions:
          value:
            description:
              - The value recorded when this answer is chosen. Required.
            type: str
          text:
            description:
              - The text shown; defaults to O(questions[].choices[].value).
            type: str
          localizations:
            description:
              - The text in other languages.
            type: list
            elements: dict
            suboptions:
              language:
                description:
                  - Language code.
                type: str
              text:
                description:
                  - The text in that language.
                type: str
      allow_multiple:
        description:
          - For multiple-choice questions, whether several answers may be chosen.
        type: bool
        default: false
  access_reviews:
    description:
      - Recurring reviews of the assignments made through this policy.
      - The other suboptions apply only while O(access_reviews.enabled=true). Unset ones get the documented defaults
        when reviews are turned on.
    type: dict
    suboptions:
      enabled:
        description:
          - Whether assignments are reviewed.
        type: bool
      recurrence:
        description:
          - How often reviews start. Default V(quarterly).
        type: str
        choices: [weekly, monthly, quarterly, semi_annually, annually]
      duration_days:
        description:
          - How many days each review stays open, 1 to 180. Default 14.
        type: int
      starts:
        description:
          - When the first review starts (ISO 8601 date or date-time). Left to Entra when unset.
        type: str
      self_review:
        description:
          - Users review their own access. Default false.
        type: bool
      reviewers:
        description:
          - Who reviews, unless O(access_reviews.self_review=true).
        type: dict
        suboptions:
          manager:
            description:
              - The user's manager. Needs O(access_reviews.fallback_reviewers).
            type: bool
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
      fallback_reviewers:
        description:
          - Who reviews users that have no manager.
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
      decision_default:
        description:
          - What happens to access nobody reviewed. Default V(keep_access).
        type: str
        choices: [keep_access, remove_access, accept_recommendation]
      recommendations:
        description:
          - Whether reviewers see recommendations. Default true.
        type: bool
      reviewer_justification:
        description:
          - Whether reviewers must justify an approval. Default true.
        type: bool
  state:
    description:
      - V(present) creates or updates the policy; V(absent) deletes it.
      - Entra refuses to delete a policy with active assignments; the module then fails before any change and reports how
        many there are.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
seealso:
  - name: Graph accessPackageAssignmentPolicy resource
    description: Properties of an assignment policy.
    link: https://learn.microsoft.com/graph/api/resources/accesspackageassignmentpolicy
  - name: Update an assignment policy
    description: Graph replaces the whole policy on update.
    link: https://learn.microsoft.com/graph/api/accesspackageassignmentpolicy-update
  - module: jitaccess.entra.access_package_assignment_policy_info
  - module: jitaccess.entra.access_package
'''

EXAMPLES = r'''
- name: The Finance Team may ask for two hours of ChatGPT; their manager approves
  jitaccess.entra.access_package_assignment_policy:
    display_name: Finance JIT (2 hours)
    access_package: ChatGPT (2 hours)
    catalog: AI tools
    description: Two hours of ChatGPT after your manager approves
    requestors:
      scope: specific
      groups:
        - Finance Team
    approval:
      required: true
      requestor_justification: true
      stages:
        - approvers:
            manager: true
          fallback_approvers:
            users:
              - it.approvals@contoso.onmicrosoft.com
          approver_justification: true
          deadline_days: 14
    expiration:
      hours: 2
    allow_custom_schedule: false
    questions:
      - text: Which business task needs ChatGPT?
        required: true
      - text: Will you paste customer data?
        type: multiple_choice
        required: true
        choices:
          - value: "no"
            text: No customer data
          - value: anonymised
            text: Only anonymised data
    access_reviews:
      enabled: false
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"

- name: Two stages and a quarterly review by the manager
  jitaccess.entra.access_package_assignment_policy:
    display_name: Contractors
    access_package: Finance reports
    requestors:
      scope: all_members_and_guests
    approval:
      stages:
        - approvers:
            manager: true
          fallback_approvers:
            groups:
              - Finance Approvers
        - approvers:
            users:
              - emily.clark@contoso.onmicrosoft.com
          deadline_days: 7
          escalation:
            after_days: 3
            approvers:
              groups:
                - Finance Approvers
    expiration:
      days: 30
    access_reviews:
      enabled: true
      recurrence: quarterly
      reviewers:
        manager: true
      fallback_reviewers:
        users:
          - emily.clark@contoso.onmicrosoft.com

- name: Change only the expiry (everything else stays as it is)
  jitaccess.entra.access_package_assignment_policy:
    display_name: Finance JIT (2 hours)
    access_package: ChatGPT (2 hours)
    expiration:
      duration: PT4H

- name: Delete a policy
  jitaccess.entra.access_package_assignment_policy:
    display_name: Contractors
    access_package: Finance reports
    state: absent
'''

RETURN = r'''
assignment_policy:
  description:
    - The policy after the task; in check mode, the predicted policy (its O(id) is null when it would be created, and so
      are the ids of questions it would add).
    - Sections in the shape of the options; people by user principal name or group display name, durations in canonical
      ISO 8601.
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Object id.
      type: str
      sample: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
    display_name:
      description: Display name.
      type: str
      sample: Finance JIT (2 hours)
    description:
      description: Description.
      type: str
    access_package:
      description: Display name of the access package.
      type: str
      sample: ChatGPT (2 hours)
    catalog:
      description: Display name of the package's catalog.
      type: str
      returned: when the policy existed before the task
    requestors:
      description: Who may request (O(requestors)); C(scope) shows Graph's value when it is none of the module's choices.
      type: dict
      sample: {scope: specific, groups: [Finance Team], self_requests: true, self_extensions: false, self_removals: true,
               on_behalf_requests: false}
    approval:
      description: Approval settings and stages (O(approval)).
      type: dict
      sample: {required: true, required_for_extension: false, requestor_justification: true, stages: [
               {approvers: {manager: true}, fallback_approvers: {users: [it.approvals@contoso.onmicrosoft.com]},
                approver_justification: true, deadline_days: 14}]}
    expiration:
      description: One of C(duration) (canonical ISO 8601), C(end_date) or C(never).
      type: dict
      sample: {duration: PT2H}
    allow_custom_schedule:
      description: Whether requestors may ask for a specific timeline.
      type: bool
    questions:
      description: Questions with their ids (O(questions)); answers in assignment requests refer to these ids.
      type: list
      elements: dict
      sample: [{id: 1d2c3b4a-0f9e-4d8c-b7a6-5f4e3d2c1b0a, text: "Which business task needs ChatGPT?", type: text,
                required: true, answer_editable: false, multiline: false, regex: null, localizations: []}]
    access_reviews:
      description: Access review settings (O(access_reviews)); only C(enabled) while reviews are off.
      type: dict
      sample: {enabled: false}
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import AssignmentPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(AssignmentPolicySpec())


if __name__ == '__main__':
    main()
