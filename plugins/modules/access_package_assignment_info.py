#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: read access package assignments and the requests waiting for approval."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_assignment_info
short_description: Read who has an access package, until when, and which requests wait for approval
version_added: 0.1.0
description:
  - List the assignments of an access package, of a user, or all of them, with their state and end time
    (C(schedule.expiration.endDateTime)).
  - Also lists the requests still waiting for approval, with the stage they are at when the credential may read
    approvals (a delegated one; Graph shows approvals to users only).
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  access_package:
    description:
      - Only this access package, by display name or id. An unknown package gives empty lists.
    type: str
  catalog:
    description:
      - The catalog of O(access_package), by display name or id, to tell packages of the same name apart.
    type: str
  target:
    description:
      - Only this user's assignments and requests, by user principal name or object id.
    type: str
  include_expired:
    description:
      - Also return assignments that have ended.
    type: bool
    default: false
  include_pending_requests:
    description:
      - Return the requests waiting for approval in RV(requests).
    type: bool
    default: true
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes.info
notes:
  - Needs C(EntitlementManagement.Read.All) and C(User.Read.All). The current stage of a request needs a delegated token.
seealso:
  - module: jitaccess.entra.access_package_assignment
  - module: jitaccess.entra.access_package_assignment_request
'''

EXAMPLES = r'''
- name: Who has ChatGPT access right now, and until when
  jitaccess.entra.access_package_assignment_info:
    access_package: ChatGPT (2 hours)
  register: chatgpt

- name: Show it
  ansible.builtin.debug:
    msg: "{{ chatgpt.assignments | map(attribute='target') | zip(chatgpt.assignments | map(attribute='end_date_time')) | list }}"

- name: Everything of one user, ended assignments included
  jitaccess.entra.access_package_assignment_info:
    target: sarah.jones@contoso.onmicrosoft.com
    include_expired: true
'''

RETURN = r'''
assignments:
  description: Matching assignments; active ones only unless O(include_expired=true).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the assignment.
      type: str
    access_package:
      description: Display name of the access package.
      type: str
    assignment_policy:
      description: Display name of the policy it was made through.
      type: str
    target:
      description: User principal name of the user.
      type: str
    state:
      description: Graph's state (C(delivering), C(delivered), C(expired) ...).
      type: str
      sample: delivered
    status:
      description: Graph's status text.
      type: str
    start_date_time:
      description: When the assignment started (UTC).
      type: str
    end_date_time:
      description: When the assignment ends (UTC); null when it does not expire.
      type: str
      sample: "2026-05-04T16:00:00Z"
    expired_date_time:
      description: When the assignment ended, once it has.
      type: str
requests:
  description: Requests waiting for approval (empty when O(include_pending_requests=false)).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the request (and of its approval).
      type: str
    requestor:
      description: User principal name of the requestor.
      type: str
    access_package:
      description: Display name of the access package.
      type: str
    request_type:
      description: Graph's request type, for example C(userAdd).
      type: str
    state:
      description: Graph's state of the request (C(pendingApproval)).
      type: str
    justification:
      description: The requestor's justification.
      type: str
    created_date_time:
      description: When the request was made (UTC).
      type: str
    current_stage:
      description:
        - The stage waiting for a decision, as C(number), C(status) and C(assigned_to_me) (whether the signed-in user may
          decide it).
        - Null with application credentials, which may not read approvals.
      type: dict
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment import AssignmentInfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_info


def main():
    run_info(AssignmentInfoSpec())


if __name__ == '__main__':
    main()
