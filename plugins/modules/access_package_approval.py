#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: an approver's decision on an access package request."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_approval
short_description: Approve or deny a pending access package request as the signed-in approver
version_added: 0.1.0
description:
  - Decide the current approval stage of an access package request, as an approver does in the My Access portal.
  - The request is named by its id, or by the requestor and the access package (the most recent request of that user for
    that package that you approve).
  - Runs as the approver whose delegated token it gets (O(access_token), or O(auth_source=azure_cli)); Graph refuses
    application credentials for approvals, so they are refused before anything is sent.
  - Idempotent. A stage you (or another approver) already decided the same way is reported with C(changed=false) and the
    existing decision; a stage decided the other way, or ended without a decision at its deadline, is an error naming who
    decided. When you are not an approver of the stage, Graph's refusal is returned.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  request_id:
    description:
      - Id of the assignment request (the approval has the same id).
    type: str
  requestor:
    description:
      - The user who made the request, by user principal name or object id. Needs O(access_package).
    type: str
  access_package:
    description:
      - The access package of the request, by display name or id; used with O(requestor).
    type: str
  catalog:
    description:
      - Accepted for symmetry with the other modules and not used, since the requests an approver can read name their
        access package but not its catalog.
    type: str
  decision:
    description:
      - V(approve) or V(deny) the stage.
    type: str
    required: true
    choices: [approve, deny]
  justification:
    description:
      - Why you decided so; the policy may require one.
    type: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
notes:
  - Needs a delegated token with C(EntitlementManagement.ReadWrite.All) of a user who is an approver of the stage.
  - In a request with several stages the next stage starts only once the previous one is approved; run the module again
    with the next approver's token for it.
seealso:
  - name: Update approvalStage
    description: Graph's approval decision.
    link: https://learn.microsoft.com/graph/api/approvalstage-update
  - module: jitaccess.entra.access_package_assignment_request
  - module: jitaccess.entra.access_package_assignment_info
'''

EXAMPLES = r'''
- name: Michael approves Sarah's request
  jitaccess.entra.access_package_approval:
    requestor: sarah.jones@contoso.onmicrosoft.com
    access_package: ChatGPT (2 hours)
    decision: approve
    justification: Q3 forecast, fine for two hours
    auth_source: access_token
    access_token: "{{ michael_token }}"

- name: Deny a request by id
  jitaccess.entra.access_package_approval:
    request_id: "{{ request.assignment_request.id }}"
    decision: deny
    justification: Use the internal assistant instead
    auth_source: azure_cli
'''

RETURN = r'''
approval:
  description: The decided stage after the task; in check mode, the predicted decision.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the request (and of its approval).
      type: str
    requestor:
      description: User principal name of the requestor, when Graph shows the request to you.
      type: str
    access_package:
      description: Display name of the access package, when Graph shows the request to you.
      type: str
    stage:
      description: Number of the stage decided (1 to 3).
      type: int
      sample: 1
    decision:
      description: C(approve) or C(deny).
      type: str
      sample: approve
    justification:
      description: The approver's justification.
      type: str
    reviewed_by:
      description: Display name of who decided.
      type: str
      sample: Michael Brown
    reviewed_date_time:
      description: When the stage was decided (UTC), for a decision already recorded.
      type: str
    request_state:
      description: Graph's state of the request before this task's decision.
      type: str
      sample: pendingApproval
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_approval import ApprovalSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._actions import run_action


def main():
    run_action(ApprovalSpec())


if __name__ == '__main__':
    main()
