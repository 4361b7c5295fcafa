# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Access package assignments: an admin's assignment of a package to a user (adminAdd / adminRemove), and the reading
of assignments and of the requests still waiting for approval (access_package_assignment_info).

Internal use only: this file is not part of the collection's public API and may change without notice.

Assignments are never written directly: every change is an ``assignmentRequests`` POST that Entra processes.
"""

from __future__ import annotations

import datetime

from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    ACTIVE_ASSIGNMENT_STATES, ADD_REQUEST_TYPES, APPROVALS, ASSIGNMENTS, OPEN_REQUEST_STATES, PACKAGE_OPTIONS, PACKAGES, REQUESTS,
    canonical_datetime, format_moment, latest, missing_package, moment, parse_moment, policy_limit, read_request, resolve_policy)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import Reference
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

MAX_HOURS = 3660 * 24
ASSIGNMENT_EXPAND = 'target,accessPackage,assignmentPolicy'


# ---- pure helpers (unit-tested) -------------------------------------------------------------------------------------

def requested_schedule(params, policy, now):
    """``(schedule body or None, predicted end)`` for expires_in_hours / end_date, checked against what the policy allows."""
    hours, end_date = params.get('expires_in_hours'), params.get('end_date')
    limit = policy_limit(policy, now)
    allowed = (policy.get('expiration') or {}).get('duration') or (policy.get('expiration') or {}).get('endDateTime')
    if hours is not None:
        end = now + datetime.timedelta(hours=hours)
        if limit is not None and end > limit:
            raise ValidationError('expires_in_hours', hours, 'policy %r allows at most %s' % (policy.get('displayName'), allowed))
        return {'startDateTime': format_moment(now), 'expiration': {'type': 'afterDuration', 'duration': 'PT%dH' % hours}}, end
    if end_date is not None:
        end = parse_moment(end_date)
        if end <= now:
            raise ValidationError('end_date', end_date, 'must be in the future')
        if limit is not None and end > limit:
            raise ValidationError('end_date', end_date, 'policy %r allows access until %s at the latest (%s)' % (
                policy.get('displayName'), format_moment(limit), allowed))
        return {'startDateTime': format_moment(now), 'expiration': {'type': 'afterDateTime', 'endDateTime': format_moment(end)}}, end
    return None, limit


class Moment(Field):
    """A Graph timestamp, shown as ``YYYY-MM-DDTHH:MM:SSZ``; declared as an ISO 8601 date or date-time."""

    def show(self, ctx, value):
        return moment(value)

    def validate(self, value, option_path=None):
        try:
            canonical_datetime(value)
        except ValueError as exc:
            raise ValidationError(option_path or self.option, value, str(exc)) from exc


class Hours(Field):
    """A whole number of hours an assignment lasts, within what Graph accepts."""

    def validate(self, value, option_path=None):
        if not 1 <= value <= MAX_HOURS:
            raise ValidationError(option_path or self.option, value, 'must be between 1 and %d (3660 days)' % MAX_HOURS)


class Package(Reference):
    """The access package an assignment is of, shown by the display name of its expansion; within the declared catalog."""

    def validate(self, value, option_path=None):
        if not value.strip():
            raise ValidationError(option_path or self.option, value, 'must not be blank')

    def show(self, ctx, value):
        return (value or {}).get('displayName')


class Subject(Reference):
    """The user an assignment is for: Graph holds an accessPackageSubject (objectId, principalName); declared by UPN or id."""

    def show(self, ctx, value):
        return (value or {}).get('principalName') or (value or {}).get('objectId')

    def wanted(self, ctx, declared):
        return super().wanted(ctx, declared.strip())


class Policy(Reference):
    """The assignment policy of the package the assignment goes through: the one ``resolve`` finds among the package's
    policies (named, or the package's only one), kept in the context slot ``policy``."""

    def show(self, ctx, value):
        return (value or {}).get('displayName')

    def resolve(self, ctx):
        ctx.policy = resolve_policy(ctx, ctx.access_package)

    def wanted(self, ctx, declared):
        return ctx.policy.get('displayName')

    default_for = wanted


def planned_schedule(ctx):
    """``(start, end)`` of the assignment a create asks for, the schedule its request sends kept in ``ctx.schedule``
    (computed once per run: the prediction and the request share one start)."""
    if getattr(ctx, 'schedule', None) is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        body, end = requested_schedule(ctx.params, ctx.policy, now)
        ctx.schedule = {'body': body, 'start': format_moment(now), 'end': format_moment(end) if end else None}
    return ctx.schedule['start'], ctx.schedule['end']


PACKAGE = Package('access_package', 'accessPackage', 'access_package', within=('catalog', 'catalog'), missing=missing_package)
TARGET = Subject('target', 'target', 'user')
POLICY = Policy('assignment_policy', 'assignmentPolicy', None)
# What an assignment (expanded with target, accessPackage and assignmentPolicy) shows besides its id and its package;
# Graph sets all but the target and the policy (a new assignment as predicted), so they are never written or compared.
FIELDS = (
    POLICY,
    TARGET,
    Field('state', 'state', read_only=True, predicted=True, default='delivered'),
    Field('status', 'status', read_only=True, predicted=True, default='Delivered'),
    Moment('start_date_time', 'schedule.startDateTime', read_only=True, predicted=True, default=lambda ctx, wanted: planned_schedule(ctx)[0]),
    Moment('end_date_time', 'schedule.expiration.endDateTime', read_only=True, predicted=True,
           default=lambda ctx, wanted: planned_schedule(ctx)[1]),
    Moment('expired_date_time', 'expiredDateTime', read_only=True, predicted=True),
)


# The listing shows the package as a field: it is a filter there, not a parent that must be named.
LISTED_FIELDS = (Field('access_package', 'accessPackage.displayName', read_only=True),) + FIELDS


def assignment_view(assignment):
    """An assignment (expanded with target, accessPackage and assignmentPolicy) in option shape."""
    return dict({'id': assignment.get('id')}, **{field.option: field.read(None, assignment) for field in LISTED_FIELDS})


def list_assignments(ctx, package_id=None, target_id=None, policy_id=None):
    """Assignments matching the ids given. Without a package, a caller with only catalog roles is refused
    (entitlementmanagement-list-assignments.md: it must filter by accessPackage/id), so it reads package by package."""
    clauses = [('accessPackage/id', package_id), ('target/objectId', target_id), ('assignmentPolicy/id', policy_id)]
    condition = ' and '.join('%s eq %s' % (path, odata_quote(value)) for path, value in clauses if value)
    params = {'$expand': ASSIGNMENT_EXPAND}
    if condition:
        params['$filter'] = condition
    try:
        return ctx.client.list(ASSIGNMENTS, params=params, action='reading access package assignments')
    except GraphError as exc:
        if package_id or exc.status not in (400, 403):
            raise
    packages = ctx.client.list(PACKAGES, params={'$select': 'id'}, action='listing the access packages you manage')
    return [assignment for package in packages for assignment in list_assignments(ctx, package['id'], target_id, policy_id)]


# ---- access_package_assignment: an admin's direct assignment ---------------------------------------------------------

class AssignmentSpec(ResourceSpec):
    """One user's assignment of one package through one policy, made and ended with adminAdd / adminRemove requests.

    Once there it is reported as it is, never edited (Graph cannot change a request, and access granted or on its way
    is not asked for again, whatever schedule this run would have set). Graph itself refuses a second open request for
    the same access, so a create cannot race into a duplicate."""

    noun = 'assignment'
    path = ASSIGNMENTS
    name_option = 'target'
    parent = PACKAGE
    fields = FIELDS
    slots = {'user': 'the target user (id, userPrincipalName)', 'policy': 'the assignment policy it goes through',
             'schedule': 'the schedule the adminAdd request sends (None: the policy\'s)'}
    editable = False
    races = False
    reports_created = True
    diff_keys = ('id', 'access_package', 'assignment_policy', 'target', 'state', 'end_date_time')
    argument_spec = dict(
        PACKAGE_OPTIONS,
        target=dict(type='str', required=True),
        expires_in_hours=dict(type='int'),
        end_date=dict(type='str'),
        justification=dict(type='str'),
    )
    mutually_exclusive = (('expires_in_hours', 'end_date'),)
    inputs = (Hours('expires_in_hours', None), Moment('end_date', None))

    def find(self, ctx):
        absent = ctx.params.get('state') == 'absent'
        ctx.access_package = self._declared_parent(ctx, ctx.params['access_package'], in_play=False)
        ctx.user = ctx.refs.resolve(TARGET.kind, ctx.params['target'].strip(), TARGET.option)
        if ctx.access_package is None:
            return None
        POLICY.resolve(ctx)
        active = [a for a in list_assignments(ctx, ctx.access_package['id'], ctx.user['id'], ctx.policy['id'])
                  if a.get('state') in ACTIVE_ASSIGNMENT_STATES]
        if active:
            return latest(active)
        if absent:
            return None
        # A request of the user still on its way (e.g. waiting for approval) counts: asking again would be refused.
        return latest(self._open_requests(ctx))

    @staticmethod
    def _open_requests(ctx):
        # entitlementmanagement-list-assignmentrequests.md documents the accessPackage/id filter; the requestor is
        # matched here (no page documents a filter on it).
        requests = ctx.client.list(REQUESTS, params={'$filter': 'accessPackage/id eq %s' % odata_quote(ctx.access_package['id']),
                                                     '$expand': 'requestor'},
                                   action='looking for open requests of %s' % ctx.params['target'])
        return [r for r in requests if r.get('state') in OPEN_REQUEST_STATES and r.get('requestType') in ADD_REQUEST_TYPES
                and ((r.get('requestor') or {}).get('objectId') or '').lower() == ctx.user['id'].lower()]

    def view(self, ctx, obj, relations=None):
        if not obj.get('requestType'):
            return super().view(ctx, obj, relations)
        # A request of the user still on its way stands in for the assignment it will make: found, it shows what it
        # is for; just made by this run, the prediction with the request's state.
        if 'predicted' in obj:
            return dict(obj['predicted'], state=obj.get('state'), status=obj.get('status'), request_id=obj['id'])
        return {'id': None, 'access_package': ctx.access_package.get('displayName'), 'assignment_policy': None,
                'target': ctx.user.get('userPrincipalName'), 'state': obj.get('state'), 'end_date_time': None,
                'request_id': obj['id']}

    def create(self, ctx, after):
        assignment = {'targetId': ctx.user['id'], 'assignmentPolicyId': ctx.policy['id'], 'accessPackageId': ctx.access_package['id']}
        body = {'requestType': 'adminAdd', 'assignment': assignment}
        if ctx.params.get('justification'):
            body['justification'] = ctx.params['justification']
        if ctx.schedule['body']:
            body['schedule'] = ctx.schedule['body']
        made = ctx.client.create(REQUESTS, body, action='assigning access package %r to %s' % (
            ctx.access_package.get('displayName'), ctx.params['target']), recover=lambda: self.find(ctx))
        # What Graph made (the request, or after a lost answer what find sees), read back as an assignment.
        assignment_id = made['id']
        if made.get('requestType'):
            request = read_request(ctx, made['id'])
            assignment_id = (request.get('assignment') or {}).get('id')
            if not assignment_id:
                # Entra has not made the assignment yet: the request stands in for it, with what this run predicted.
                return dict(request, predicted=after)
        return ctx.client.get('%s/%s' % (ASSIGNMENTS, assignment_id), params={'$expand': ASSIGNMENT_EXPAND},
                              action='reading the new assignment')

    def delete(self, ctx, obj):
        body = {'requestType': 'adminRemove', 'assignment': {'id': obj['id']}}
        ctx.client.post(REQUESTS, body, action='removing the assignment of access package %r from %s' % (
            ctx.access_package.get('displayName'), ctx.params['target']), recover=lambda: {} if self.find(ctx) is None else None)


# ---- access_package_assignment_info: the listing ---------------------------------------------------------------------

class AssignmentInfoSpec(InfoSpec, ResourceSpec):
    """Assignments of a package or a user, and the requests still waiting for approval."""

    noun = 'assignment'
    plural = 'assignments'
    path = ASSIGNMENTS
    fields = LISTED_FIELDS
    slots = {'package': 'the package whose assignments are listed (None: any)', 'user': 'the target whose are listed (None: any)'}
    argument_spec = dict(
        access_package=dict(type='str'),
        catalog=dict(type='str'),
        target=dict(type='str'),
        include_expired=dict(type='bool', default=False),
        include_pending_requests=dict(type='bool', default=True),
    )

    # ---- the query -----------------------------------------------------------------------------------------------

    def select(self, ctx):
        """Assignments of the package and / or the user (in force only, unless include_expired)."""
        catalog = ctx.params.get('catalog')
        ctx.package = ctx.refs.find('access_package', ctx.params['access_package'], 'access_package',
                                    ('catalog', catalog) if catalog else None) if ctx.params.get('access_package') else None
        ctx.user = ctx.refs.resolve(TARGET.kind, ctx.params['target'].strip(), TARGET.option) if ctx.params.get('target') else None
        if ctx.params.get('access_package') and ctx.package is None:
            return []
        found = list_assignments(ctx, ctx.package and ctx.package['id'], ctx.user and ctx.user['id'])
        return [a for a in found if ctx.params['include_expired'] or a.get('state') in ACTIVE_ASSIGNMENT_STATES]

    def extra(self, ctx):
        """The ``requests`` result: requests waiting for approval, with their current stage when it can be read."""
        if not ctx.params['include_pending_requests'] or (ctx.params.get('access_package') and ctx.package is None):
            return {'requests': []}
        # state and accessPackage/id are documented filters (resources/accesspackageassignmentrequest.md,
        # entitlementmanagement-list-assignmentrequests.md); the requestor is matched here.
        clauses = ["state eq 'pendingApproval'"]
        if ctx.package:
            clauses.append('accessPackage/id eq %s' % odata_quote(ctx.package['id']))
        requests = ctx.client.list(REQUESTS, params={'$filter': ' and '.join(clauses), '$expand': 'requestor,accessPackage'},
                                   action='reading requests waiting for approval')
        if ctx.user:
            requests = [r for r in requests if ((r.get('requestor') or {}).get('objectId') or '').lower() == ctx.user['id'].lower()]
        readable = True
        out = []
        for request in requests:
            stage = None
            if readable:
                stage, readable = self._current_stage(ctx, request['id'])
            out.append({'id': request['id'], 'requestor': (request.get('requestor') or {}).get('principalName'),
                        'access_package': (request.get('accessPackage') or {}).get('displayName'),
                        'request_type': request.get('requestType'), 'state': request.get('state'),
                        'justification': request.get('justification'), 'created_date_time': moment(request.get('createdDateTime')),
                        'current_stage': stage})
        if requests and not readable:
            ctx.warn('current_stage is null: Graph shows approval stages only to delegated (user) credentials')
        return {'requests': out}

    @staticmethod
    def _current_stage(ctx, request_id):
        """``(stage or None, whether approvals can be read with this credential)``."""
        try:
            approval = ctx.client.get('%s/%s' % (APPROVALS, request_id), action='reading the approval of request %s' % request_id)
        except GraphError as exc:
            if exc.status == 403:
                return None, False
            if exc.status == 404:
                return None, True
            raise
        stages = approval.get('stages') or []
        number = next((n for n, s in enumerate(stages, 1) if s.get('status') != 'Completed'), len(stages))
        if not number:
            return None, True
        stage = stages[number - 1]
        return {'number': number, 'status': stage.get('status'), 'assigned_to_me': bool(stage.get('assignedToMe'))}, True
