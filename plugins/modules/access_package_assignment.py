#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: an administrator's direct assignment of an access package."""

from __future__ import annotations

DOCUMENTATION = r'''
module: access_package_assignment
short_description: Assign an access package to a user directly, or remove the assignment
version_added: 0.1.0
description:
  - Grant a user an access package through one of its assignment policies, as an administrator does with a direct
    assignment (an C(adminAdd) assignment request), or take it away (C(adminRemove)).
  - Entra then adds the user to the groups of the package's resource roles, and removes them when the assignment ends.
  - O(state=present) asks only when the user has no active assignment of the package through the policy and no request
    of theirs for the package is still on its way (for example waiting for approval). An existing assignment is
    reported as it is, whatever O(expires_in_hours) or O(end_date) say; remove it first to assign it again.
  - Works with application credentials (no approval is involved in a direct assignment).
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  access_package:
    description:
      - The access package, by display name or id. A name held by several packages is an error listing their ids;
        set O(catalog) to narrow it.
    type: str
    required: true
  catalog:
    description:
      - The catalog of the access package, by display name or id, to tell packages of the same name apart.
    type: str
  assignment_policy:
    description:
      - The assignment policy of the package the assignment is made through, by display name or id.
      - May be left out when the package has exactly one policy.
    type: str
  target:
    description:
      - The user who gets the access package, by user principal name or object id.
    type: str
    required: true
  expires_in_hours:
    description:
      - End the assignment this many hours after it is made (sent as an ISO 8601 duration, for example C(PT2H)).
      - Must not reach beyond what the policy allows (for a policy of 2 hours, at most 2).
      - Without O(expires_in_hours) and O(end_date) the policy's expiry applies.
      - Used only when the assignment is made.
    type: int
  end_date:
    description:
      - End the assignment at this date (midnight UTC) or date-time, in ISO 8601, for example C(2026-12-31) or
        C(2026-12-31T17:00:00Z).
      - Must be in the future and not later than the policy allows. Used only when the assignment is made.
    type: str
  justification:
    description:
      - Why the assignment is made; recorded with the assignment request.
    type: str
  state:
    description:
      - V(present) makes the assignment; V(absent) removes the user's active assignment of the package through the policy.
      - V(absent) leaves a request that is still waiting for approval alone; cancel it with
        M(jitaccess.entra.access_package_assignment_request) or deny it with M(jitaccess.entra.access_package_approval).
    type: str
    default: present
    choices: [present, absent]
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
notes:
  - Needs the Graph application permission C(EntitlementManagement.ReadWrite.All) and C(User.Read.All) to resolve O(target).
seealso:
  - name: Create accessPackageAssignmentRequest
    description: Graph's assignment requests, which make and end every assignment.
    link: https://learn.microsoft.com/graph/api/entitlementmanagement-post-assignmentrequests
  - module: jitaccess.entra.access_package_assignment_info
  - module: jitaccess.entra.access_package_assignment_request
'''

EXAMPLES = r'''
- name: Give David two hours of ChatGPT access
  jitaccess.entra.access_package_assignment:
    access_package: ChatGPT (2 hours)
    catalog: AI tools
    assignment_policy: Finance JIT
    target: david.miller@contoso.onmicrosoft.com
    expires_in_hours: 2
    justification: On call for the month-end close
    tenant_id: "{{ tenant_id }}"
    client_id: "{{ client_id }}"
    client_secret: "{{ client_secret }}"

- name: Access until the end of the year
  jitaccess.entra.access_package_assignment:
    access_package: ChatGPT (2 hours)
    target: olivia.davis@contoso.onmicrosoft.com
    end_date: "2026-12-31"

- name: Take the access away again
  jitaccess.entra.access_package_assignment:
    access_package: ChatGPT (2 hours)
    target: david.miller@contoso.onmicrosoft.com
    state: absent
'''

RETURN = r'''
assignment:
  description:
    - The assignment after the task; in check mode, the predicted one (its RV(assignment.id) is null when it would be made).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the assignment; null while only a request of the user is waiting (see RV(assignment.request_id)).
      type: str
      sample: 2a353749-3749-2a35-4937-352a4937352a
    access_package:
      description: Display name of the access package.
      type: str
      sample: ChatGPT (2 hours)
    assignment_policy:
      description: Display name of the policy the assignment was made through.
      type: str
      sample: Finance JIT
    target:
      description: User principal name of the user.
      type: str
    state:
      description: Graph's state of the assignment (C(delivering), C(delivered), C(expired)), or of the waiting request.
      type: str
      sample: delivered
    status:
      description: Graph's status text of the assignment.
      type: str
      sample: Delivered
    start_date_time:
      description: When the assignment started (UTC).
      type: str
    end_date_time:
      description: When the assignment ends (UTC, C(schedule.expiration.endDateTime)); null when it does not expire.
      type: str
      sample: "2026-05-04T16:00:00Z"
    expired_date_time:
      description: When the assignment ended, once it has.
      type: str
    request_id:
      description: Id of the request still on its way, when there is no assignment yet.
      type: str
      returned: when a request of the user is waiting
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment import AssignmentSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_resource


def main():
    run_resource(AssignmentSpec())


if __name__ == '__main__':
    main()
