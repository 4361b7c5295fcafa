# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Microsoft Graph permission each call the modules make needs, so a 403 can say what to grant.

Internal use only: this file is not part of the collection's public API and may change without notice.

Graph's 403 (``Authorization_RequestDenied``) says "Insufficient privileges" and nothing more. The table below maps
a method and a path to the least privileged permissions that allow the call, as the Graph permission reference lists
them: application permissions (an app-only run) and delegated ones (a signed-in user's token). An entry that needs two
permissions together writes them as ``A + B``. Delegated calls also need an Entra role of the signed-in user; the
README lists those per module.
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
    (READ, '/directoryObjects', ('Directory.Read.All',), ('Directory.Read.All',)),
    (READ, '/directoryRoleTemplates', ('RoleManagement.Read.Directory',), ('RoleManagement.Read.Directory',)),
    (READ, '/identity/conditionalAccess', ('Policy.Read.All',), ('Policy.Read.All',)),
    (WRITE, '/identity/conditionalAccess', ('Policy.ReadWrite.ConditionalAccess + Policy.Read.All',),
     ('Policy.ReadWrite.ConditionalAccess + Policy.Read.All',)),
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
    (READ, EM + '/accessPackageAssignmentApprovals', (), ('EntitlementManagement.Read.All',)),
    (WRITE, EM + '/accessPackageAssignmentApprovals', (), ('EntitlementManagement.ReadWrite.All',)),
)


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
    return {'application': list(application), 'delegated': list(delegated)}


def permission_hint(permissions):
    """One sentence naming what to grant, for the message of a 403."""
    def either(names):
        return ' or '.join(names)
    if not permissions['application']:
        return ('this call needs a delegated (user) token with %s; Graph does not support application permissions for it'
                % either(permissions['delegated']))
    return 'this call needs the Graph application permission %s (or, with a delegated token, %s)' % (
        either(permissions['application']), either(permissions['delegated']))
