# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Microsoft Graph permission each call the modules make needs, so a 403 can say what to grant.

Internal use only: this file is not part of the collection's public API and may change without notice.

Graph's 403 (``Authorization_RequestDenied``) says "Insufficient privileges" and nothing more. The table below maps
a method and a path to the least privileged permissions that allow the call, as the Graph permission reference lists
them: application permissions (an app-only run) and delegated ones (a signed-in user's token). An entry that needs two
permissions together writes them as ``A + B``. Delegated calls also need an Entra role of the signed-in user.

MODULE_PERMISSIONS at the end sums this up per module, with those roles: it is what tenant_readiness checks a
credential against, and the README's least-privilege table shows the same (a test keeps the two in step).
"""

from __future__ import annotations

import fnmatch

READ = ('GET',)
WRITE = ('POST', 'PATCH', 'PUT', 'DELETE')
EM = '/identityGovernance/entitlementManagement'

# (methods, path pattern, application permissions, delegated permissions). A pattern is a Graph path below the
# version whose segments match with shell wildcards ('*' for an id); the longest pattern that is a prefix of the
# request path wins. An empty application tuple means Graph refuses app-only tokens for the call.
PERMISSIONS = (
    (READ, '/users', ('User.Read.All',), ('User.ReadBasic.All',)),
    (READ, '/users/*/memberOf', ('GroupMember.Read.All',), ('GroupMember.Read.All',)),
    (READ, '/me', (), ('User.Read',)),
    (READ, '/groups', ('Group.Read.All',), ('Group.Read.All',)),
    (('POST',), '/groups', ('Group.Create', 'Group.ReadWrite.All'), ('Group.ReadWrite.All',)),
    (('PATCH', 'DELETE'), '/groups', ('Group.ReadWrite.All',), ('Group.ReadWrite.All',)),
    (WRITE, '/groups/*/members', ('GroupMember.ReadWrite.All', 'Group.ReadWrite.All'), ('GroupMember.ReadWrite.All', 'Group.ReadWrite.All')),
    (WRITE, '/groups/*/owners', ('Group.ReadWrite.All',), ('Group.ReadWrite.All',)),
    # A read despite the POST (api-reference/v1.0/api/group-getmembergroups.md).
    (('POST',), '/groups/*/getMemberGroups', ('GroupMember.Read.All',), ('GroupMember.Read.All',)),
    (READ, '/directoryObjects', ('Directory.Read.All',), ('Directory.Read.All',)),
    (READ, '/subscribedSkus', ('Organization.Read.All',), ('Organization.Read.All',)),
    (READ, '/directoryRoleTemplates', ('RoleManagement.Read.Directory',), ('RoleManagement.Read.Directory',)),
    (READ, '/identity/conditionalAccess', ('Policy.Read.All',), ('Policy.Read.All',)),
    (WRITE, '/identity/conditionalAccess', ('Policy.ReadWrite.ConditionalAccess + Policy.Read.All',),
     ('Policy.ReadWrite.ConditionalAccess + Policy.Read.All',)),
    # What If reads the policies only (conditionalaccessroot-evaluate.md).
    (('POST',), '/identity/conditionalAccess/evaluate', ('Policy.Read.ConditionalAccess', 'Policy.Read.All'),
     ('Policy.Read.ConditionalAccess', 'Policy.Read.All')),
    # Global Secure Access: the pages disagree (GSA_PAGES_DISAGREE); both readings are listed.
    (READ, '/networkAccess', ('NetworkAccess.Read.All',), ('NetworkAccessPolicy.Read.All', 'NetworkAccess.Read.All')),
    (WRITE, '/networkAccess', ('NetworkAccess.ReadWrite.All',), ('NetworkAccessPolicy.ReadWrite.All', 'NetworkAccess.ReadWrite.All')),
    (READ, EM, ('EntitlementManagement.Read.All',), ('EntitlementManagement.Read.All',)),
    (WRITE, EM, ('EntitlementManagement.ReadWrite.All',), ('EntitlementManagement.ReadWrite.All',)),
    # Graph requires the group permission as well when an app adds a group to a catalog.
    (('POST',), EM + '/resourceRequests', ('EntitlementManagement.ReadWrite.All + Group.ReadWrite.All',),
     ('EntitlementManagement.ReadWrite.All',)),
    (('POST',), EM + '/assignmentRequests', ('EntitlementManagement.ReadWrite.All',),
     ('EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.ReadWrite.All')),
    (('POST',), EM + '/assignmentRequests/*/cancel', (), ('EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.ReadWrite.All')),
    (READ, EM + '/assignmentRequests/filterByCurrentUser(*', (), ('EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.Read.All')),
    (READ, EM + '/assignments/filterByCurrentUser(*', (), ('EntitlementMgmt-SubjectAccess.ReadWrite', 'EntitlementManagement.Read.All')),
    # The end user's reads of what they may request (accesspackage-filterbycurrentuser.md,
    # accesspackage-getapplicablepolicyrequirements.md: delegated only, a POST that reads).
    (READ, EM + '/accessPackages/filterByCurrentUser(*', (), ('EntitlementManagement.Read.All',)),
    (('POST',), EM + '/accessPackages/*/getApplicablePolicyRequirements', (), ('EntitlementManagement.Read.All',)),
    (READ, EM + '/accessPackageAssignmentApprovals', (), ('EntitlementManagement.Read.All',)),
    (WRITE, EM + '/accessPackageAssignmentApprovals', (), ('EntitlementManagement.ReadWrite.All',)),
)


# Microsoft's Global Secure Access pages disagree about application permissions (api-reference/beta/api/):
# networkaccess-networkaccessroot-post-filteringprofiles.md and networkaccess-networkaccessroot-post-filteringpolicies.md
# list application NetworkAccess.ReadWrite.All; networkaccess-filteringpolicy-post-policyrules.md,
# networkaccess-networkaccessroot-list-filteringpolicies.md, networkaccess-filteringprofile-get.md and
# networkaccess-filteringrule-update.md say application permissions are not supported and list delegated
# NetworkAccessPolicy.Read.All / NetworkAccessPolicy.ReadWrite.All.
GSA_PAGES_DISAGREE = (
    "Microsoft's pages disagree here: networkaccess-networkaccessroot-post-filteringprofiles.md and "
    "networkaccess-networkaccessroot-post-filteringpolicies.md list the application permission NetworkAccess.ReadWrite.All, "
    "while networkaccess-filteringpolicy-post-policyrules.md, networkaccess-networkaccessroot-list-filteringpolicies.md, "
    "networkaccess-filteringprofile-get.md and networkaccess-filteringrule-update.md say application permissions are not "
    "supported and list the delegated NetworkAccessPolicy.Read.All / NetworkAccessPolicy.ReadWrite.All; if the tenant "
    "refuses the application permission, run the task delegated (access_token, or auth_source=azure_cli) as a Global "
    "Secure Access Administrator with NetworkAccessPolicy.ReadWrite.All")
# path prefix -> what to add to the hint of a 403 below it
NOTES = (('/networkAccess', GSA_PAGES_DISAGREE),)


def _segments(path):
    return [segment for segment in path.split('?', 1)[0].split('/') if segment]


def _matches(pattern, segments):
    wanted = _segments(pattern)
    return len(wanted) <= len(segments) and all(
        fnmatch.fnmatchcase(actual.lower(), expected.lower()) for expected, actual in zip(wanted, segments))


def required_permissions(method, path):
    """``{'application': [...], 'delegated': [...]}`` for a Graph call (path below the version), or None if unknown."""
    segments = _segments(path)
    found = [(len(_segments(pattern)), application, delegated) for methods, pattern, application, delegated in PERMISSIONS
             if method.upper() in methods and _matches(pattern, segments)]
    if not found:
        return None
    dummy, application, delegated = max(found, key=lambda entry: entry[0])
    needed = {'application': list(application), 'delegated': list(delegated)}
    notes = [note for prefix, note in NOTES if _matches(prefix, segments)]
    if notes:
        needed['note'] = ' '.join(notes)
    return needed


def permission_hint(permissions):
    """One sentence naming what to grant, for the message of a 403."""
    def either(names):
        return ' or '.join(names)
    if not permissions['application']:
        return ('this call needs a delegated (user) token with %s; Graph does not support application permissions for it'
                % either(permissions['delegated']))
    hint = 'this call needs the Graph application permission %s (or, with a delegated token, %s)' % (
        either(permissions['application']), either(permissions['delegated']))
    return '%s. %s' % (hint, permissions['note']) if permissions.get('note') else hint


# ---- what each module needs as a whole (the README's least-privilege table; tenant_readiness checks a credential
# against it) -------------------------------------------------------------------------------------------------------

# Built-in directory roles by name -> role template id, the same in every tenant (entra-docs
# docs/identity/role-based-access-control/permissions-reference.md). Delegated tokens carry these ids as ``wids``.
ROLE_TEMPLATE_IDS = {
    'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
    'Groups Administrator': 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    'Identity Governance Administrator': '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e',
    'Global Secure Access Administrator': 'ac434307-12b9-4fa1-a708-88bf58caabc1',
    'Conditional Access Administrator': 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
    'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
    'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
    'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
}

# module -> {'application': requirements, 'delegated': requirements, 'roles': (directory roles, any one is enough)}.
# A requirement is one permission, ``A + B`` for two together, or ``A | B`` when either does; the first name of each
# is the one the README lists. An empty application tuple: the module runs with a delegated token only.
_EM_READ, _EM_WRITE = 'EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All'
_IGA = ('Identity Governance Administrator',)
_GSA_ADMINS = ('Global Secure Access Administrator', 'Security Administrator')
_ROLE_NAMES = 'RoleManagement.Read.Directory | Directory.Read.All'
MODULE_PERMISSIONS = {
    'group': dict(application=('Group.ReadWrite.All', 'User.Read.All'), delegated=('Group.ReadWrite.All', 'User.ReadBasic.All'),
                  roles=('Groups Administrator',)),
    'group_info': dict(application=('Group.Read.All',), delegated=('Group.Read.All',), roles=()),
    'access_package_catalog': dict(application=(_EM_WRITE,), delegated=(_EM_WRITE,), roles=_IGA),
    'access_package': dict(application=(_EM_WRITE, 'Group.ReadWrite.All'), delegated=(_EM_WRITE, 'Group.Read.All'), roles=_IGA),
    'access_package_assignment_policy': dict(application=(_EM_WRITE, 'User.Read.All', 'Group.Read.All'),
                                             delegated=(_EM_WRITE, 'User.ReadBasic.All', 'Group.Read.All'), roles=_IGA),
    'access_package_assignment': dict(application=(_EM_WRITE, 'User.Read.All'), delegated=(_EM_WRITE, 'User.ReadBasic.All'), roles=_IGA),
    'access_package_assignment_info': dict(application=(_EM_READ, 'User.Read.All'), delegated=(_EM_READ, 'User.ReadBasic.All'),
                                           roles=_IGA + ('Global Reader',)),
    'filtering_policy': dict(application=('NetworkAccess.ReadWrite.All',), delegated=('NetworkAccessPolicy.ReadWrite.All',), roles=_GSA_ADMINS),
    'filtering_profile': dict(application=('NetworkAccess.ReadWrite.All',), delegated=('NetworkAccessPolicy.ReadWrite.All',), roles=_GSA_ADMINS),
    'conditional_access_policy': dict(
        application=('Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'User.Read.All', 'Group.Read.All', _ROLE_NAMES,
                     'NetworkAccess.Read.All'),
        delegated=('Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'User.ReadBasic.All', 'Group.Read.All', _ROLE_NAMES,
                   'NetworkAccessPolicy.Read.All'),
        roles=('Conditional Access Administrator', 'Security Administrator')),
    'tenant_readiness': dict(
        application=('Organization.Read.All | Directory.Read.All', 'NetworkAccess.Read.All', 'Policy.Read.All', 'User.Read.All',
                     'Group.Read.All'),
        delegated=('Organization.Read.All | Directory.Read.All', 'NetworkAccessPolicy.Read.All', 'Policy.Read.All',
                   'User.ReadBasic.All', 'Group.Read.All'),
        roles=('Global Reader', 'Global Secure Access Administrator', 'Security Administrator')),
    'conditional_access_what_if': dict(
        application=('Policy.Read.All | Policy.Read.ConditionalAccess', 'User.Read.All', 'NetworkAccess.Read.All'),
        delegated=('Policy.Read.All | Policy.Read.ConditionalAccess', 'User.ReadBasic.All', 'NetworkAccessPolicy.Read.All'),
        roles=('Conditional Access Administrator', 'Security Reader', 'Global Reader')),
}

# The modules the role jit_ai_access runs (what tenant_readiness checks unless told otherwise).
ROLE_MODULES = ('group', 'group_info', 'filtering_policy', 'filtering_profile', 'conditional_access_policy',
                'access_package_catalog', 'access_package', 'access_package_assignment_policy', 'access_package_assignment',
                'access_package_assignment_info', 'tenant_readiness', 'conditional_access_what_if')


def _holds(granted, name):
    """A permission is held as such or through its ReadWrite sibling (``X.ReadWrite.Y`` includes ``X.Read.Y``)."""
    return name in granted or name.replace('.Read.', '.ReadWrite.') in granted


def missing_permissions(module, kind, granted):
    """The requirements of ``module`` for ``kind`` ('application' or 'delegated') that ``granted`` does not meet, as
    written in MODULE_PERMISSIONS; None when the module cannot run with that kind of token at all."""
    needed = MODULE_PERMISSIONS[module][kind]
    if not needed:
        return None
    granted = set(granted)
    return [requirement for requirement in needed
            if not any(all(_holds(granted, name.strip()) for name in alternative.split(' + '))
                       for alternative in requirement.split(' | '))]


def missing_role(module, role_template_ids):
    """The directory roles ``module`` accepts, when the signed-in user holds none of them (nor Global Administrator);
    [] when a role held is enough or none is needed."""
    accepted = MODULE_PERMISSIONS[module]['roles']
    held = {role_id.lower() for role_id in role_template_ids}
    if not accepted or any(ROLE_TEMPLATE_IDS[name] in held for name in accepted + ('Global Administrator',)):
        return []
    return list(accepted)
