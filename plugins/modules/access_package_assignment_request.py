#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: a user's own request for an access package."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_assignment_request
short_description: Request an access package as the signed-in user, or cancel the request
version_added: 0.1.0
description:
  - Ask for an access package for yourself, as the My Access portal does (a C(userAdd) assignment request), with a
    justification and answers to the policy's questions. Depending on the policy, Entra waits for the approvers or
    grants the access at once.
  - Runs as the user whose delegated token it gets (O(access_token), or O(auth_source=azure_cli)). Graph does not let an
    application request access for a user, so application credentials are refused before anything is sent.
  - Idempotent. While a request of yours for the package is open (submitted, waiting for approval, being delivered) or
    has given you an assignment that is still active, nothing new is requested and that request is returned.
    A request that was denied, canceled or whose access expired does not count, so the next run asks again.
  - O(state=absent) cancels an open request, or gives up the access an approved request gave (a C(userRemove)
    request, which the policy must allow). Graph cancels only requests that are submitted, waiting for approval or
    scheduled; a request being delivered is an error before any write (run again once it is delivered).
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  access_package:
    description:
      - The access package, by display name or id, among the packages you may request (Graph's
        C(accessPackages/filterByCurrentUser(on='allowedRequestor'))). Give the id when several of them share the name.
    type: str
    required: true
  catalog:
    description:
      - Accepted for symmetry with the other modules and not used, since the end user's list of packages does not say which
        catalog a package is in.
    type: str
  assignment_policy:
    description:
      - The policy to request through, by display name or id.
      - May be left out when exactly one policy of the package lets users request it for themselves.
    type: str
  justification:
    description:
      - Why you need the access; required when the policy asks for a requestor justification (Graph refuses the
        request without one; v1.0 does not tell the requestor beforehand).
    type: str
  answers:
    description:
      - Answers to the policy's questions, matched to a question by its text (ignoring case).
      - Every required question must be answered; for a multiple-choice question give the choice's text or value.
        Answers are checked before the request is sent.
    type: list
    elements: dict
    suboptions:
      question:
        description: The text of the question, as the policy shows it.
        type: str
        required: true
      answer:
        description: Your answer.
        type: str
        required: true
  state:
    description:
      - V(present) makes sure you have an open or granted request; V(absent) cancels or gives it up.
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
notes:
  - Needs a delegated token with C(EntitlementMgmt-SubjectAccess.ReadWrite) (or C(EntitlementManagement.ReadWrite.All)).
  - The request cannot be changed once made; a different O(justification) or O(answers) on a later run is not sent.
seealso:
  - name: Create accessPackageAssignmentRequest
    description: Graph's assignment requests (userAdd).
    link: https://learn.microsoft.com/graph/api/entitlementmanagement-post-assignmentrequests
  - module: jitaccess.entra.access_package_approval
  - module: jitaccess.entra.access_package_assignment_info
'''

EXAMPLES = r'''
- name: Sarah asks for two hours of ChatGPT
  jitaccess.entra.access_package_assignment_request:
    access_package: ChatGPT (2 hours)
    catalog: AI tools
    justification: Summarise the Q3 forecast
    answers:
      - question: Which business task needs ChatGPT?
        answer: Q3 forecast summary
    auth_source: access_token
    access_token: "{{ sarah_token }}"
  register: request

- name: Show where the request stands
  ansible.builtin.debug:
    msg: "{{ request.assignment_request.id }} is {{ request.assignment_request.state }}"

- name: Withdraw it
  jitaccess.entra.access_package_assignment_request:
    access_package: ChatGPT (2 hours)
    state: absent
    auth_source: azure_cli
'''

RETURN = r'''
assignment_request:
  description:
    - Your request after the task; in check mode, the predicted one (RV(assignment_request.id) is null when it would be made).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the request (also the id of its approval).
      type: str
    access_package:
      description: Display name of the access package.
      type: str
    assignment_policy:
      description: Display name of the policy requested through, when the request is made by this task.
      type: str
    justification:
      description: The justification sent with the request.
      type: str
    answers:
      description: The answers sent, as C(question) text and C(answer) value.
      type: list
      elements: dict
    state:
      description: Graph's state of the request (C(submitted), C(pendingApproval), C(delivered), C(denied), C(canceled) ...).
      type: str
      sample: pendingApproval
    status:
      description: Graph's status text of the request.
      type: str
    created_date_time:
      description: When the request was made (UTC).
      type: str
    assignment_id:
      description: Id of the assignment the request gave you, once delivered.
      type: str
    end_date_time:
      description: When that assignment ends (UTC), once delivered.
      type: str
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_request import AssignmentRequestSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._actions import run_action


def main():
    run_action(AssignmentRequestSpec())


if __name__ == '__main__':
    main()
