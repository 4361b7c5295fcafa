#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible module: check that a tenant is ready for just-in-time AI access before anything is written."""

from __future__ import annotations

DOCUMENTATION = r'''
module: tenant_readiness
short_description: Check a tenant's permissions, licences, Global Secure Access setup and break-glass exclusions
version_added: 0.1.0
description:
  - Returns a checklist that says, before the first write, whether the role C(jitaccess.entra.jit_ai_access) can work
    in the tenant. Each item is C(pass), C(fail) or C(unknown) (the tenant would not say, for example a read Graph
    refused) with a one-line reason and the fix; RV(ready) is true when no required item fails.
  - "Permissions: what the credential holds (an app-only token's C(roles) claim; a user token's C(scp) claim and the
    user's directory roles from its C(wids) claim) against what each module in O(modules) needs. Missing permissions and
    roles are named per module."
  - "Licences, from the subscribed SKUs (service plan names from Microsoft's licensing service plan reference):
    Microsoft Entra ID P1 (C(AAD_PREMIUM)) for Conditional Access, P2 (C(AAD_PREMIUM_P2)) for sign-in risk conditions,
    Microsoft Entra ID Governance (C(Entra_Identity_Governance)) or P2 for Entitlement Management, and Microsoft Entra
    Internet Access (C(Entra_Premium_Internet_Access)) for web content filtering. A SKU list Graph refuses to show makes
    these C(unknown), not C(fail)."
  - "Global Secure Access: the Internet Access traffic forwarding profile exists, is enabled and is assigned to all users;
    the Baseline security profile exists; each of O(web_categories) is in the tenant's web category list. With
    O(fix_forwarding=true) a disabled Internet Access profile is enabled (the only write this module makes)."
  - "Conditional Access safety: the break-glass accounts in O(break_glass) exist and every policy in O(policies) (by
    default: every policy that includes all users) excludes them."
  - Check mode runs the same reads; with O(fix_forwarding=true) it predicts the fix without sending it.
author:
  - jitaccess.entra maintainers (@jitaccess)
options:
  modules:
    description:
      - The modules whose permissions are checked. The default is the modules the role C(jitaccess.entra.jit_ai_access) runs.
    type: list
    elements: str
    choices: [group, group_info, access_package_catalog, access_package, access_package_assignment_policy,
              access_package_assignment, access_package_assignment_info, filtering_policy, filtering_profile,
              conditional_access_policy, tenant_readiness, conditional_access_what_if]
    default: [group, group_info, filtering_policy, filtering_profile, conditional_access_policy, access_package_catalog,
              access_package, access_package_assignment_policy, access_package_assignment, access_package_assignment_info,
              tenant_readiness, conditional_access_what_if]
  web_categories:
    description:
      - Web categories that must be in the tenant's list (API names such as C(ArtificialIntelligence), or display names).
    type: list
    elements: str
    default: [ArtificialIntelligence]
  fix_forwarding:
    description:
      - Enable the Internet Access traffic forwarding profile when it is disabled. Needs C(NetworkAccess.ReadWrite.All)
        (delegated C(NetworkAccessPolicy.ReadWrite.All)). A profile already enabled is left alone, so a second run
        reports C(changed=false) and sends no write.
    type: bool
    default: false
  break_glass:
    description:
      - Emergency access accounts that must exist and that the Conditional Access policies must exclude (the same shape
        as the C(break_glass) option of M(jitaccess.entra.conditional_access_policy)).
      - When not set, the C(break_glass_accounts) item is C(unknown) and not required.
    type: dict
    suboptions:
      users:
        description: User principal names or object ids.
        type: list
        elements: str
        default: []
      groups:
        description: Group display names or object ids.
        type: list
        elements: str
        default: []
  policies:
    description:
      - Display names of the Conditional Access policies that must exclude O(break_glass) (the pattern's policies).
        A named policy that does not exist yet is C(unknown), not a failure.
      - When not set, every policy that includes all users is checked.
    type: list
    elements: str
extends_documentation_fragment:
  - jitaccess.entra.auth
  - jitaccess.entra.attributes
notes:
  - Graph application permissions C(Organization.Read.All) (or C(Directory.Read.All)), C(NetworkAccess.Read.All),
    C(Policy.Read.All), C(User.Read.All) and C(Group.Read.All); C(NetworkAccess.ReadWrite.All) for O(fix_forwarding).
  - The token is acquired once more to read what it holds; nothing of it is returned.
  - About 8 calls, plus one per break-glass account.
seealso:
  - module: jitaccess.entra.conditional_access_what_if
  - name: Product names and service plan identifiers for licensing
    description: Where the service plan names come from.
    link: https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference
  - name: Global Secure Access traffic forwarding profiles
    description: Enabling the Internet Access profile and assigning it to users.
    link: https://learn.microsoft.com/entra/global-secure-access/concept-traffic-forwarding
'''

EXAMPLES = r'''
- name: Is the tenant ready for the role?
  jitaccess.entra.tenant_readiness:
    break_glass:
      users: [breakglass1@contoso.onmicrosoft.com]
  register: readiness

- name: Stop before any write when it is not
  ansible.builtin.assert:
    that: readiness.ready
    fail_msg: "{{ readiness.checklist | selectattr('status', 'eq', 'fail') | map(attribute='reason') | list }}"

- name: Enable the Internet Access traffic forwarding profile if it is off
  jitaccess.entra.tenant_readiness:
    fix_forwarding: true
    modules: [filtering_policy, filtering_profile]
'''

RETURN = r'''
ready:
  description: True when no required item of the checklist fails (C(unknown) items do not count against it).
  returned: always
  type: bool
  sample: false
checklist:
  description: The checks, in order (permissions per module, licences, Global Secure Access, Conditional Access safety).
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description:
        - What was checked, for example C(permissions_conditional_access_policy), C(licence_internet_access),
          C(internet_forwarding_profile), C(internet_forwarding_assignment), C(baseline_profile),
          C(web_category_ArtificialIntelligence), C(break_glass_accounts), C(break_glass_excluded_<policy name>).
      type: str
      sample: permissions_conditional_access_policy
    status:
      description: C(pass), C(fail) or C(unknown).
      type: str
      sample: fail
    reason:
      description: One line saying what was found.
      type: str
      sample: conditional_access_policy is missing application permission Policy.ReadWrite.ConditionalAccess
    fix:
      description: What to do about it; null for an item that passes.
      type: str
      sample: grant the app registration the Microsoft Graph application permission Policy.ReadWrite.ConditionalAccess and give admin consent
    required:
      description: Whether a failure makes RV(ready) false.
      type: bool
    missing:
      description: For permission items, the missing permissions and roles (a requirement C(A | B) is met by either).
      type: list
      elements: str
      returned: for permission items
summary:
  description: How many items have each status.
  returned: always
  type: dict
  sample: {pass: 17, fail: 1, unknown: 1}
credential:
  description: What the token holds (never the token itself).
  returned: always
  type: dict
  contains:
    kind:
      description: C(application) for an app-only token, C(delegated) for a user's.
      type: str
    permissions:
      description: The permissions the token carries.
      type: list
      elements: str
    roles:
      description: The signed-in user's directory roles by name (role template id when the name is not known).
      type: list
      elements: str
'''

from ansible_collections.jitaccess.entra.plugins.module_utils import _compile_once  # noqa: F401  pylint: disable=unused-import
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import run_read
from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import MODULE_PERMISSIONS, ROLE_MODULES
from ansible_collections.jitaccess.entra.plugins.module_utils._readiness import checklist
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec


class TenantReadinessSpec(ResourceSpec):
    noun = 'tenant_readiness'
    argument_spec = dict(
        modules=dict(type='list', elements='str', choices=list(MODULE_PERMISSIONS), default=list(ROLE_MODULES)),
        web_categories=dict(type='list', elements='str', default=['ArtificialIntelligence']),
        fix_forwarding=dict(type='bool', default=False),
        break_glass=dict(type='dict', options=dict(users=dict(type='list', elements='str', default=[]),
                                                   groups=dict(type='list', elements='str', default=[]))),
        policies=dict(type='list', elements='str'),
    )


def main():
    run_read(TenantReadinessSpec(), checklist)


if __name__ == '__main__':
    main()
