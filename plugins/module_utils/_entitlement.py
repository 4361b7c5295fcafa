# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Entitlement Management pieces shared by the catalog, access package, policy, assignment, request and approval specs:
paths, the assignment policy a request goes through (catalogs, packages and users are the run's resolver's, ``ctx.refs``),
dates and schedules (pure functions; durations are in _durations.py), and acting as the signed-in user.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import EM, ResourceError, is_guid

CATALOGS = EM + '/catalogs'
PACKAGES = EM + '/accessPackages'
POLICIES = EM + '/assignmentPolicies'
RESOURCE_REQUESTS = EM + '/resourceRequests'
ASSIGNMENTS = EM + '/assignments'
REQUESTS = EM + '/assignmentRequests'
APPROVALS = EM + '/accessPackageAssignmentApprovals'
ACTIVE_ASSIGNMENT_STATES = ('delivering', 'partiallyDelivered', 'delivered')
OPEN_REQUEST_STATES = ('submitted', 'pendingApproval', 'delivering', 'scheduled')
ADD_REQUEST_TYPES = ('userAdd', 'adminAdd', 'onBehalfAdd', 'systemAdd')
# Credentials that can stand for a signed-in user; the others are an application's own identity.
DELEGATED_SOURCES = ('access_token', 'azure_cli', 'cli', 'device_code', 'interactive_browser')
# The options that name what an assignment or a request is for.
PACKAGE_OPTIONS = dict(
    access_package=dict(type='str', required=True),
    catalog=dict(type='str'),
    assignment_policy=dict(type='str'),
)


def canonical_datetime(text):
    """An ISO 8601 date or date-time as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (a date alone means midnight UTC)."""
    value = text.strip() if isinstance(text, str) else ''
    try:
        if re.fullmatch(r'\d{4}-\d{2}-\d{2}', value):
            when = datetime.datetime.strptime(value, '%Y-%m-%d').replace(tzinfo=datetime.timezone.utc)
        else:
            when = datetime.datetime.fromisoformat(re.sub(r'(\.\d{6})\d+', r'\1', value.replace('Z', '+00:00')))
    except ValueError as exc:
        raise ValueError('%r is not an ISO 8601 date or date-time (e.g. 2026-12-31 or 2026-12-31T17:00:00Z)' % (text,)) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return format_moment(when.astimezone(datetime.timezone.utc))


def moment(text):
    """A Graph timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    return canonical_datetime(text) if text else None


def parse_moment(text):
    """An ISO 8601 date or date-time as an aware UTC datetime (whole seconds)."""
    return datetime.datetime.strptime(canonical_datetime(text), '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def format_moment(when):
    """An aware UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def policy_limit(policy, start):
    """The latest end an assignment starting at ``start`` may have under the policy, or None when it does not expire."""
    expiration = policy.get('expiration') or {}
    if expiration.get('type') == 'afterDuration' and expiration.get('duration'):
        # Durations are loaded where they are read: a catalog or package task never needs them.
        from ansible_collections.jitaccess.entra.plugins.module_utils._durations import duration_seconds  # pylint: disable=import-outside-toplevel

        return start + datetime.timedelta(seconds=duration_seconds(expiration['duration']))
    if expiration.get('type') == 'afterDateTime' and expiration.get('endDateTime'):
        return parse_moment(expiration['endDateTime'])
    return None


def latest(items):
    """The most recently created item (by createdDateTime), or None."""
    return max(items, key=lambda item: item.get('createdDateTime') or '') if items else None


def active_assignments(ctx, filter_path, object_id, what, package_id=None):
    """Assignments still in force (delivering or delivered) whose ``filter_path`` (e.g. accessPackage/id) is the id.

    ``package_id`` narrows the listing to one access package: a caller with only catalog roles must filter by it
    (entitlementmanagement-list-assignments.md)."""
    condition = '%s eq %s' % (filter_path, odata_quote(object_id))
    if package_id and filter_path != 'accessPackage/id':
        condition = 'accessPackage/id eq %s and %s' % (odata_quote(package_id), condition)
    items = ctx.client.list(ASSIGNMENTS, params={'$filter': condition}, action='counting the assignments of %s' % what)
    return [item for item in items if item.get('state') in ACTIVE_ASSIGNMENT_STATES]


def missing_package(reference, within=None):
    """The rule when no access package has the declared id or display name (in the declared catalog, ``within``)."""
    return 'no access package has this %s%s' % ('id' if is_guid(reference) else 'display name', ' in catalog %r' % within[1] if within else '')


def package_policies(ctx, package):
    # entitlementmanagement-list-assignmentpolicies.md documents no filter by package: a package's policies come with it.
    found = ctx.client.get('%s/%s' % (PACKAGES, package['id']), params={'$expand': 'assignmentPolicies'},
                           action='reading the assignment policies of access package %r' % package.get('displayName'))
    return found.get('assignmentPolicies') or []


def resolve_policy(ctx, package, usable=None, purpose='assign it', policies=None):
    """The policy named by assignment_policy (name or id), or the package's only policy ``usable`` accepts."""
    policies = package_policies(ctx, package) if policies is None else policies
    reference = ctx.params.get('assignment_policy')
    names = ', '.join(sorted(repr(p.get('displayName')) for p in policies)) or 'none'
    if reference:
        matches = [p for p in policies if p['id'].lower() == reference.lower() or p.get('displayName') == reference]
        if not matches:
            raise ValidationError('assignment_policy', reference, 'access package %r has no assignment policy with this name or id '
                                  '(its policies: %s)' % (package.get('displayName'), names))
        if len(matches) > 1:
            raise ResourceError('assignment_policy=%r matches %d policies of access package %r (ids: %s); give the id instead' % (
                reference, len(matches), package.get('displayName'), ', '.join(sorted(p['id'] for p in matches))))
        return matches[0]
    candidates = [p for p in policies if usable is None or usable(p)]
    if len(candidates) != 1:
        raise ValidationError('assignment_policy', None, 'is required: access package %r has %d policies through which to %s '
                              '(its policies: %s)' % (package.get('displayName'), len(candidates), purpose, names))
    return candidates[0]


def read_request(ctx, request_id):
    return ctx.client.get('%s/%s' % (REQUESTS, request_id), params={'$expand': 'assignment'},
                          action='reading assignment request %s' % request_id)


# ---- acting as the signed-in user (a request, an approval) -----------------------------------------------------

def require_delegated(params, what):
    """ValidationError unless the credential options can stand for a user (a delegated token or the Azure CLI)."""
    source = params.get('auth_source') or 'auto'
    if source == 'auto':
        source = 'access_token' if params.get('access_token') else None
    if source not in DELEGATED_SOURCES:
        raise ValidationError('auth_source', params.get('auth_source'), '%s acts as a signed-in user and Graph refuses application '
                              'credentials for it: sign the user in with auth_source=device_code, or give their token in access_token' % what)


def signed_in_user(ctx, what):
    """The user the token speaks for; a clear error for application tokens, which Graph refuses here."""
    try:
        me = ctx.client.get('/me', params={'$select': 'id,userPrincipalName,displayName'}, action='reading the signed-in user')
    except GraphError as exc:
        if exc.status in (400, 403):
            raise ResourceError('%s acts as a signed-in user, but the credential is an application\'s (Graph answered %s: %s); sign the '
                                'user in with auth_source=device_code, or give a delegated token in access_token' % (what, exc.status, exc.message)) from exc
        raise
    return me
