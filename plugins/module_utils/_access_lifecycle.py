# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Access lifecycle specs: an admin's assignment (adminAdd / adminRemove), a user's own request (userAdd), the
approver's decision on a stage, and the reading of assignments and pending requests.

Internal use only: this file is not part of the collection's public API and may change without notice.

Assignments are never written directly: every change is an ``assignmentRequests`` POST that Entra processes. A user's
request and an approval need the user's delegated token (Graph refuses application credentials for both).
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._directory import is_guid, resolve_user
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    ACTIVE_ASSIGNMENT_STATES, ASSIGNMENTS, EM, PACKAGES, canonical_datetime, duration_seconds, find_package, names_object)
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphError, odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import ResourceError, ResourceSpec, ValidationError

REQUESTS = EM + '/assignmentRequests'
APPROVALS = EM + '/accessPackageAssignmentApprovals'
OPEN_REQUEST_STATES = ('submitted', 'pendingApproval', 'delivering', 'scheduled')
# accesspackageassignmentrequest-cancel.md: only requests that are accepted (state submitted), pendingApproval or
# pendingNotBefore (state scheduled) can be canceled; one being delivered cannot.
CANCELABLE_STATES = ('submitted', 'pendingApproval', 'scheduled')
ADD_REQUEST_TYPES = ('userAdd', 'adminAdd', 'onBehalfAdd', 'systemAdd')
DECISIONS = {'approve': 'Approve', 'deny': 'Deny'}
# approvalstage-update.md takes Approve / Deny; resources/approvalstage.md says a read returns Approved / Denied.
REVIEW_RESULTS = {'Approve': 'approve', 'Approved': 'approve', 'Deny': 'deny', 'Denied': 'deny'}
DECIDED = {'approve': 'approved', 'deny': 'denied'}
# Credentials that can stand for a signed-in user; the others are an application's own identity.
DELEGATED_SOURCES = ('access_token', 'azure_cli', 'cli', 'device_code', 'interactive_browser')
MAX_HOURS = 3660 * 24
ASSIGNMENT_EXPAND = 'target,accessPackage,assignmentPolicy'


# ---- pure helpers (unit-tested) -------------------------------------------------------------------------------------

def moment(text):
    """A Graph timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    return canonical_datetime(text) if text else None


def _parse(text):
    return datetime.datetime.strptime(canonical_datetime(text), '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def _stamp(when):
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def require_delegated(params, what):
    """ValidationError unless the credential options can stand for a user (a delegated token or the Azure CLI)."""
    source = params.get('auth_source') or 'auto'
    if source == 'auto':
        source = 'access_token' if params.get('access_token') else None
    if source not in DELEGATED_SOURCES:
        raise ValidationError('auth_source', params.get('auth_source'), '%s acts as a signed-in user and Graph refuses application '
                              'credentials for it: sign the user in with auth_source=device_code, or give their token in access_token' % what)


def policy_limit(policy, start):
    """The latest end an assignment starting at ``start`` may have under the policy, or None when it does not expire."""
    expiration = policy.get('expiration') or {}
    if expiration.get('type') == 'afterDuration' and expiration.get('duration'):
        return start + datetime.timedelta(seconds=duration_seconds(expiration['duration']))
    if expiration.get('type') == 'afterDateTime' and expiration.get('endDateTime'):
        return _parse(expiration['endDateTime'])
    return None


def requested_schedule(params, policy, now):
    """``(schedule body or None, predicted end)`` for expires_in_hours / end_date, checked against what the policy allows."""
    hours, end_date = params.get('expires_in_hours'), params.get('end_date')
    limit = policy_limit(policy, now)
    allowed = (policy.get('expiration') or {}).get('duration') or (policy.get('expiration') or {}).get('endDateTime')
    if hours is not None:
        end = now + datetime.timedelta(hours=hours)
        if limit is not None and end > limit:
            raise ValidationError('expires_in_hours', hours, 'policy %r allows at most %s' % (policy.get('displayName'), allowed))
        return {'startDateTime': _stamp(now), 'expiration': {'type': 'afterDuration', 'duration': 'PT%dH' % hours}}, end
    if end_date is not None:
        end = _parse(end_date)
        if end <= now:
            raise ValidationError('end_date', end_date, 'must be in the future')
        if limit is not None and end > limit:
            raise ValidationError('end_date', end_date, 'policy %r allows access until %s at the latest (%s)' % (
                policy.get('displayName'), _stamp(limit), allowed))
        return {'startDateTime': _stamp(now), 'expiration': {'type': 'afterDateTime', 'endDateTime': _stamp(end)}}, end
    return None, limit


def answers_body(policy, answers, justification):
    """The ``answers`` of a userAdd for answers given by question text; ValidationError for anything Graph would refuse."""
    approval = policy.get('requestApprovalSettings') or {}
    if approval.get('isRequestorJustificationRequired') and not (justification or '').strip():
        raise ValidationError('justification', justification, 'policy %r requires a justification' % policy.get('displayName'))
    questions = policy.get('questions') or []
    by_text = {(q.get('text') or '').strip().lower(): q for q in questions}
    body, answered = [], set()
    for index, item in enumerate(answers or [], 1):
        text = (item.get('question') or '').strip()
        question = by_text.get(text.lower())
        if question is None:
            raise ValidationError('answers[%d].question' % index, item.get('question'), 'policy %r has no such question; its questions are: %s' % (
                policy.get('displayName'), ', '.join(repr(q.get('text')) for q in questions) or 'none'))
        if question['id'] in answered:
            raise ValidationError('answers[%d].question' % index, item.get('question'), 'is answered twice')
        answered.add(question['id'])
        body.append(_answer(index, question, str(item.get('answer') if item.get('answer') is not None else '')))
    for question in questions:
        if question.get('isRequired') and question['id'] not in answered:
            raise ValidationError('answers', [item.get('question') for item in answers or []],
                                  'policy %r requires an answer to %r' % (policy.get('displayName'), question.get('text')))
    return body


def _answer(index, question, value):
    option = 'answers[%d].answer' % index
    display = value
    if question.get('@odata.type', '').endswith('MultipleChoiceQuestion'):
        choices = question.get('choices') or []
        choice = next((c for c in choices if value.lower() in (str(c.get('actualValue')).lower(), str(c.get('text')).lower())), None)
        if choice is None:
            raise ValidationError(option, value, 'must be one of the choices of %r: %s' % (
                question.get('text'), ', '.join('%s (%s)' % (c.get('text'), c.get('actualValue')) for c in choices)))
        value, display = choice['actualValue'], choice.get('text') or choice['actualValue']
    elif not value.strip() and question.get('isRequired'):
        raise ValidationError(option, value, 'the question %r requires an answer' % question.get('text'))
    elif question.get('regexPattern') and not _matches(question['regexPattern'], value):
        raise ValidationError(option, value, 'must match the pattern %s of question %r' % (question['regexPattern'], question.get('text')))
    return {'@odata.type': '#microsoft.graph.accessPackageAnswerString', 'value': value, 'displayValue': display,
            'answeredQuestion': {'@odata.type': question['@odata.type'], 'id': question['id']}}


def _matches(pattern, value):
    # A pattern Python cannot read is left to Graph to judge.
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True


def answers_view(answers, questions):
    """A request's answers as ``[{question: text, answer: value}]``; unknown question ids are shown as ids."""
    texts = {q['id'].lower(): q.get('text') for q in questions or []}
    out = []
    for answer in answers or []:
        question_id = ((answer.get('answeredQuestion') or {}).get('id') or '').lower()
        out.append({'question': texts.get(question_id, question_id), 'answer': answer.get('value')})
    return out


def latest(items):
    """The most recently created item (by createdDateTime), or None."""
    return max(items, key=lambda item: item.get('createdDateTime') or '') if items else None


def choose_stage(stages, me):
    """``(number, stage)`` the signed-in approver acts on: the running stage when it is theirs, else the stage they
    decided, else the running stage, else the last one. None when no stage has started."""
    numbered = list(enumerate(stages, 1))
    running = [(n, s) for n, s in numbered if s.get('status') != 'Completed']
    if running and running[0][1].get('assignedToMe'):
        return running[0]
    mine = [(n, s) for n, s in numbered if s.get('status') == 'Completed' and ((s.get('reviewedBy') or {}).get('id') or '').lower() == me.lower()]
    if mine:
        return mine[-1]
    if running:
        return running[0]
    return numbered[-1] if numbered else None


def decision_of(stage):
    """'approve', 'deny' or None for a stage's reviewResult (either spelling Graph uses)."""
    return REVIEW_RESULTS.get(stage.get('reviewResult'))


# ---- Graph look-ups ---------------------------------------------------------------------------------------------------

def resolve_package(ctx, required=True):
    """The access package of the access_package / catalog options; ValidationError (or None) when there is none."""
    reference, catalog = ctx.params['access_package'], ctx.params.get('catalog')
    package = find_package(ctx, reference, catalog)
    if package is None and required:
        where = ' in catalog %r' % catalog if catalog else ''
        raise ValidationError('access_package', reference, 'no access package has this %s%s' % ('id' if is_guid(reference) else 'display name', where))
    return package


def package_policies(ctx, package):
    # entitlementmanagement-list-assignmentpolicies.md documents no filter by package: a package's policies come with it.
    found = ctx.client.get('%s/%s' % (PACKAGES, package['id']), params={'$expand': 'assignmentPolicies'},
                           action='reading the assignment policies of access package %r' % package.get('displayName'))
    return found.get('assignmentPolicies') or []


def requestable_package(ctx, reference):
    """The package the signed-in user may request with this id or display name, or None (the end user's own call)."""
    packages = ctx.client.list("%s/filterByCurrentUser(on='allowedRequestor')" % PACKAGES,
                               action='reading the access packages you may request')
    matches = [p for p in packages if names_object(p, reference)]
    if len(matches) > 1:
        raise ResourceError('access_package=%r matches %d access packages you may request (ids: %s); give the id instead' % (
            reference, len(matches), ', '.join(sorted(p['id'] for p in matches))))
    return matches[0] if matches else None


def policy_requirements(ctx, package):
    """The policies through which the signed-in user may request the package, shaped like policies (the end user's call;
    v1.0 does not say whether a justification is required, so Graph judges that)."""
    found = ctx.client.post('%s/%s/getApplicablePolicyRequirements' % (PACKAGES, package['id']),
                            action='reading how you may request access package %r' % package.get('displayName'))
    return [{'id': r.get('policyId'), 'displayName': r.get('policyDisplayName'), 'questions': r.get('questions') or [],
             'expiration': (r.get('schedule') or {}).get('expiration'),
             'requestorSettings': {'enableTargetsToSelfAddAccess': True},
             'requestApprovalSettings': {'isApprovalRequiredForAdd': bool(r.get('isApprovalRequiredForAdd')),
                                         'isRequestorJustificationRequired': bool(r.get('isRequestorJustificationRequired'))}}
            for r in (found or {}).get('value') or []]


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


def assignment_view(assignment):
    """An assignment (expanded with target, accessPackage and assignmentPolicy) in option shape."""
    schedule = assignment.get('schedule') or {}
    return {
        'id': assignment.get('id'),
        'access_package': (assignment.get('accessPackage') or {}).get('displayName'),
        'assignment_policy': (assignment.get('assignmentPolicy') or {}).get('displayName'),
        'target': (assignment.get('target') or {}).get('principalName') or (assignment.get('target') or {}).get('objectId'),
        'state': assignment.get('state'),
        'status': assignment.get('status'),
        'start_date_time': moment(schedule.get('startDateTime')),
        'end_date_time': moment((schedule.get('expiration') or {}).get('endDateTime')),
        'expired_date_time': moment(assignment.get('expiredDateTime')),
    }


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


def read_request(ctx, request_id):
    return ctx.client.get('%s/%s' % (REQUESTS, request_id), params={'$expand': 'assignment'},
                          action='reading assignment request %s' % request_id)


# ---- access_package_assignment: an admin's direct assignment ---------------------------------------------------------

TARGET_OPTIONS = dict(
    access_package=dict(type='str', required=True),
    catalog=dict(type='str'),
    assignment_policy=dict(type='str'),
)


class RequestedSpec(ResourceSpec):
    """Something an assignment request makes: once there it is reported as it is, never edited (Graph cannot change a
    request, and access granted or on its way is not asked for again, whatever schedule this run would have set)."""

    view_keys = ()  # what the diff shows

    def plan(self, ctx, before, wanted):
        return dict(before) if before else dict(wanted)

    def differs(self, before, after):
        return False

    def managed_keys(self, wanted):
        return list(self.view_keys)

    def twins(self, ctx, created, after):
        # Graph itself refuses a second open request for the same access, so a create cannot race into a duplicate.
        return []


class AssignmentSpec(RequestedSpec):
    """One user's assignment of one package through one policy, made and ended with adminAdd / adminRemove requests."""

    noun = 'assignment'
    path = ASSIGNMENTS
    name_option = 'target'
    argument_spec = dict(
        TARGET_OPTIONS,
        target=dict(type='str', required=True),
        expires_in_hours=dict(type='int'),
        end_date=dict(type='str'),
        justification=dict(type='str'),
    )
    mutually_exclusive = (('expires_in_hours', 'end_date'),)
    view_keys = ('id', 'access_package', 'assignment_policy', 'target', 'state', 'end_date_time')

    def validate(self, params):
        hours = params.get('expires_in_hours')
        if hours is not None and not 1 <= hours <= MAX_HOURS:
            raise ValidationError('expires_in_hours', hours, 'must be between 1 and %d (3660 days)' % MAX_HOURS)
        if params.get('end_date') is not None:
            try:
                canonical_datetime(params['end_date'])
            except ValueError as exc:
                raise ValidationError('end_date', params['end_date'], str(exc)) from exc
        for option in ('access_package', 'target'):
            if not params[option].strip():
                raise ValidationError(option, params[option], 'must not be blank')

    def find(self, ctx):
        absent = ctx.params.get('state') == 'absent'
        ctx.package = resolve_package(ctx, required=not absent)
        ctx.user = resolve_user(ctx, ctx.params['target'].strip(), 'target')
        if ctx.package is None:
            return None
        ctx.policy = resolve_policy(ctx, ctx.package)
        active = [a for a in list_assignments(ctx, ctx.package['id'], ctx.user['id'], ctx.policy['id'])
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
        requests = ctx.client.list(REQUESTS, params={'$filter': 'accessPackage/id eq %s' % odata_quote(ctx.package['id']),
                                                     '$expand': 'requestor'},
                                   action='looking for open requests of %s' % ctx.params['target'])
        return [r for r in requests if r.get('state') in OPEN_REQUEST_STATES and r.get('requestType') in ADD_REQUEST_TYPES
                and ((r.get('requestor') or {}).get('objectId') or '').lower() == ctx.user['id'].lower()]

    def view(self, ctx, obj, relations=None):
        if obj.get('requestType'):
            return {'id': None, 'access_package': ctx.package.get('displayName'), 'assignment_policy': None,
                    'target': ctx.user.get('userPrincipalName'), 'state': obj.get('state'), 'end_date_time': None,
                    'request_id': obj['id']}
        return assignment_view(obj)

    def desired(self, ctx):
        return {'access_package': ctx.package.get('displayName'), 'assignment_policy': ctx.policy.get('displayName'),
                'target': ctx.user.get('userPrincipalName')}

    def defaults(self, ctx, wanted):
        now = datetime.datetime.now(datetime.timezone.utc)
        ctx.schedule, end = requested_schedule(ctx.params, ctx.policy, now)
        return {'state': 'delivered', 'status': 'Delivered', 'start_date_time': _stamp(now),
                'end_date_time': _stamp(end) if end else None, 'expired_date_time': None}

    def create(self, ctx, after):
        assignment = {'targetId': ctx.user['id'], 'assignmentPolicyId': ctx.policy['id'], 'accessPackageId': ctx.package['id']}
        body = {'requestType': 'adminAdd', 'assignment': assignment}
        if ctx.params.get('justification'):
            body['justification'] = ctx.params['justification']
        if ctx.schedule:
            body['schedule'] = ctx.schedule
        return ctx.client.create(REQUESTS, body, action='assigning access package %r to %s' % (
            ctx.package.get('displayName'), ctx.params['target']), recover=lambda: self._recover(ctx))

    def _recover(self, ctx):
        """After a lost answer: the assignment (or the request still on its way) the POST made, if it made one."""
        return self.find(ctx)

    def after_create(self, ctx, created, after):
        assignment_id = created['id']
        if created.get('requestType'):
            request = read_request(ctx, created['id'])
            assignment_id = (request.get('assignment') or {}).get('id')
            if not assignment_id:
                return dict(after, state=request.get('state'), status=request.get('status'), request_id=request['id'])
        assignment = ctx.client.get('%s/%s' % (ASSIGNMENTS, assignment_id), params={'$expand': ASSIGNMENT_EXPAND},
                                    action='reading the new assignment')
        return assignment_view(assignment)

    def delete(self, ctx, obj):
        body = {'requestType': 'adminRemove', 'assignment': {'id': obj['id']}}
        ctx.client.post(REQUESTS, body, action='removing the assignment of access package %r from %s' % (
            ctx.package.get('displayName'), ctx.params['target']), recover=lambda: {} if self.find(ctx) is None else None)


# ---- access_package_assignment_request: the signed-in user's own request ---------------------------------------------

class AssignmentRequestSpec(RequestedSpec):
    """The signed-in user's request for a package (userAdd); absent cancels it, or ends the access it gave (userRemove)."""

    noun = 'assignment_request'
    path = REQUESTS
    name_option = 'access_package'
    argument_spec = dict(
        TARGET_OPTIONS,
        justification=dict(type='str'),
        answers=dict(type='list', elements='dict', options=dict(
            question=dict(type='str', required=True),
            answer=dict(type='str', required=True),
        )),
    )
    view_keys = ('id', 'access_package', 'assignment_policy', 'justification', 'answers', 'state')

    def validate(self, params):
        require_delegated(params, 'requesting an access package')
        if not params['access_package'].strip():
            raise ValidationError('access_package', params['access_package'], 'must not be blank')

    def find(self, ctx):
        # Only the end user's calls (filterByCurrentUser, getApplicablePolicyRequirements): the administrators' list
        # APIs refuse a requestor who holds no Entitlement Management role.
        reference = ctx.params['access_package'].strip()
        ctx.me = signed_in_user(ctx, 'access_package_assignment_request')
        ctx.package = requestable_package(ctx, reference)
        ctx.policies = policy_requirements(ctx, ctx.package) if ctx.package else []
        found = self._mine(ctx, reference)
        if ctx.package is None and found is not None:
            ctx.package = found.get('accessPackage') or {'id': None, 'displayName': reference}
        if ctx.package is None and ctx.params.get('state') != 'absent':
            raise ValidationError('access_package', ctx.params['access_package'], 'is not an access package you may request '
                                  '(none of its policies lets you ask for it, or no access package has this %s)' % (
                                      'id' if is_guid(reference) else 'display name'))
        return found

    def _mine(self, ctx, reference):
        """Your latest open request for the package, or the delivered one whose access is still in force."""
        # The function documents no $filter: the package is matched here.
        mine = ctx.client.list("%s/filterByCurrentUser(on='target')" % REQUESTS, params={'$expand': 'assignment,accessPackage'},
                               action='reading your access package requests')
        package_id = (ctx.package or {}).get('id')
        return latest([r for r in mine if r.get('requestType') in ADD_REQUEST_TYPES
                       and (names_object(r.get('accessPackage') or {}, package_id or reference))
                       and (r.get('state') in OPEN_REQUEST_STATES
                            or (r.get('state') == 'delivered' and (r.get('assignment') or {}).get('state') in ACTIVE_ASSIGNMENT_STATES))])

    def view(self, ctx, obj, relations=None):
        questions = [q for policy in ctx.policies for q in policy.get('questions') or []]
        assignment = obj.get('assignment') or {}
        return {
            'id': obj.get('id'), 'access_package': ctx.package.get('displayName'), 'justification': obj.get('justification'),
            'answers': answers_view(obj.get('answers'), questions),
            'state': obj.get('state'), 'status': obj.get('status'), 'created_date_time': moment(obj.get('createdDateTime')),
            'assignment_id': assignment.get('id'),
            'end_date_time': moment(((assignment.get('schedule') or {}).get('expiration') or {}).get('endDateTime')),
        }

    def desired(self, ctx):
        ctx.policy = resolve_policy(ctx, ctx.package, purpose='request it yourself', policies=ctx.policies)
        ctx.answers = answers_body(ctx.policy, ctx.params.get('answers'), ctx.params.get('justification'))
        return {'access_package': ctx.package.get('displayName'), 'assignment_policy': ctx.policy.get('displayName'),
                'justification': ctx.params.get('justification'),
                'answers': answers_view(ctx.answers, ctx.policy.get('questions'))}

    def defaults(self, ctx, wanted):
        approval = ctx.policy.get('requestApprovalSettings') or {}
        now = datetime.datetime.now(datetime.timezone.utc)
        if approval.get('isApprovalRequiredForAdd'):
            return {'state': 'pendingApproval', 'status': 'PendingApproval', 'created_date_time': _stamp(now),
                    'assignment_id': None, 'end_date_time': None}
        end = policy_limit(ctx.policy, now)
        return {'state': 'delivered', 'status': 'Delivered', 'created_date_time': _stamp(now), 'assignment_id': None,
                'end_date_time': _stamp(end) if end else None}

    def create(self, ctx, after):
        body = {'requestType': 'userAdd', 'assignment': {
            'targetId': ctx.me['id'], 'assignmentPolicyId': ctx.policy['id'], 'accessPackageId': ctx.package['id']}}
        if ctx.params.get('justification'):
            body['justification'] = ctx.params['justification']
        if ctx.answers:
            body['answers'] = ctx.answers
        return ctx.client.create(REQUESTS, body, action='requesting access package %r' % ctx.package.get('displayName'),
                                 recover=lambda: self._mine(ctx, ctx.package['id']))

    def after_create(self, ctx, created, after):
        view = self.view(ctx, read_request(ctx, created['id']))
        return dict(view, assignment_policy=ctx.policy.get('displayName'))

    def check_delete(self, ctx, obj):
        if obj.get('state') in OPEN_REQUEST_STATES and obj.get('state') not in CANCELABLE_STATES:
            raise ResourceError('your request %s for access package %r is %s and Graph cancels only requests that are %s; run '
                                'again once it is delivered to give the access up' % (
                                    obj['id'], ctx.package.get('displayName'), obj['state'], ', '.join(CANCELABLE_STATES)))

    def delete(self, ctx, obj):
        name = ctx.package.get('displayName')
        reference = ctx.package.get('id') or ctx.params['access_package'].strip()
        if obj.get('state') in CANCELABLE_STATES:
            ctx.client.post('%s/%s/cancel' % (REQUESTS, obj['id']), action='canceling your request for access package %r' % name,
                            recover=lambda: {} if read_request(ctx, obj['id']).get('state') == 'canceled' else None)
            return
        body = {'requestType': 'userRemove', 'assignment': {'id': obj['assignment']['id']}}
        ctx.client.post(REQUESTS, body, action='giving up your access package %r' % name,
                        recover=lambda: {} if self._mine(ctx, reference) is None else None)


# ---- access_package_approval: the approver's decision on the current stage -------------------------------------------

class ApprovalSpec(ResourceSpec):
    """The signed-in approver's decision on a request's approval stage; reported, not repeated, once made."""

    noun = 'approval'
    path = APPROVALS
    has_state = False
    argument_spec = dict(
        request_id=dict(type='str'),
        requestor=dict(type='str'),
        access_package=dict(type='str'),
        catalog=dict(type='str'),
        decision=dict(type='str', required=True, choices=list(DECISIONS)),
        justification=dict(type='str'),
    )
    mutually_exclusive = (('request_id', 'requestor'),)
    required_one_of = (('request_id', 'requestor'),)
    view_keys = ('id', 'requestor', 'access_package', 'stage', 'decision', 'justification', 'reviewed_by')

    def validate(self, params):
        require_delegated(params, 'deciding an approval')
        if params.get('requestor') and not params.get('access_package'):
            raise ValidationError('access_package', None, 'is required with requestor (the package the request is for)')
        if params.get('request_id') is not None and not is_guid(params['request_id']):
            raise ValidationError('request_id', params['request_id'], 'must be the id (a GUID) of an assignment request')

    def find(self, ctx):
        ctx.me = signed_in_user(ctx, 'access_package_approval')
        if ctx.params.get('request_id'):
            request_id = ctx.params['request_id']
            request = next((r for r in self._pending(ctx) if r['id'].lower() == request_id.lower()), None)
            request = request or self._request(ctx, request_id) or {'id': request_id}
        else:
            user = resolve_user(ctx, ctx.params['requestor'].strip(), 'requestor')
            reference = ctx.params['access_package'].strip()

            def wanted(request):
                return (((request.get('requestor') or {}).get('objectId') or '').lower() == user['id'].lower()
                        and names_object(request.get('accessPackage') or {}, reference))
            pending = self._pending(ctx)
            request = latest([r for r in pending if wanted(r)])
            if request is None:
                seen = pending + self._decided(ctx)
                request = latest([r for r in seen if wanted(r)])
                if not any(names_object(r.get('accessPackage') or {}, reference) for r in seen):
                    raise ValidationError('access_package', ctx.params['access_package'], 'no request waiting for, or decided by, '
                                          'you (%s) is for an access package with this %s' % (
                                              ctx.me.get('userPrincipalName'), 'id' if is_guid(reference) else 'display name'))
            if request is None:
                raise ResourceError('no request of %s for access package %r is waiting for, or was decided by, you (%s)' % (
                    ctx.params['requestor'], reference, ctx.me.get('userPrincipalName')))
        try:
            approval = ctx.client.get('%s/%s' % (APPROVALS, request['id']), action='reading the approval of request %s' % request['id'])
        except GraphError as exc:
            if exc.status == 404:
                raise ValidationError('request_id', request['id'], 'no approval has this id: the request does not exist or needs '
                                      'no approval') from exc
            raise
        chosen = choose_stage(approval.get('stages') or [], ctx.me['id'])
        if chosen is None:
            raise ResourceError('request %s has no approval stage yet; try again once Entra has processed it' % request['id'])
        ctx.request, (ctx.stage_number, ctx.stage) = request, chosen
        return {'id': request['id'], 'approval': approval}

    @staticmethod
    def _pending(ctx):
        """Requests waiting for your decision (accesspackageassignmentrequest-filterbycurrentuser.md: only pending ones;
        the function documents no $filter, so they are matched here)."""
        return ctx.client.list("%s/filterByCurrentUser(on='approver')" % REQUESTS, params={'$expand': 'requestor,accessPackage'},
                               action='reading the requests waiting for your decision')

    @staticmethod
    def _request(ctx, request_id):
        try:
            return ctx.client.get('%s/%s' % (REQUESTS, request_id), params={'$expand': 'requestor,accessPackage'},
                                  action='reading assignment request %s' % request_id)
        except GraphError as exc:
            if exc.status in (403, 404):
                return None
            raise

    def _decided(self, ctx):
        """Requests of approvals you are in the scope of (approval-filterbycurrentuser.md: decided ones too), read one by one."""
        approvals = ctx.client.list("%s/filterByCurrentUser(on='approver')" % APPROVALS, action='reading the approvals in your scope')
        requests = (self._request(ctx, approval['id']) for approval in approvals if approval.get('id'))
        return [request for request in requests if request]

    def view(self, ctx, obj, relations=None):
        stage = ctx.stage
        return {
            'id': obj['id'],
            'requestor': (ctx.request.get('requestor') or {}).get('principalName'),
            'access_package': (ctx.request.get('accessPackage') or {}).get('displayName'),
            'stage': ctx.stage_number,
            'decision': decision_of(stage),
            'justification': stage.get('justification') or None,
            'reviewed_by': (stage.get('reviewedBy') or {}).get('displayName'),
            'reviewed_date_time': moment(stage.get('reviewedDateTime')),
            'request_state': ctx.request.get('state'),
        }

    def desired(self, ctx):
        return {'decision': ctx.params['decision'], 'justification': ctx.params.get('justification')}

    def plan(self, ctx, before, wanted):
        stage, wanted_decision = ctx.stage, wanted['decision']
        if stage.get('status') == 'Completed':
            if before['decision'] is None:
                raise ResourceError('request %s can no longer be decided: stage %d ended without a decision (request state %s; '
                                    'a request nobody decides in time is denied automatically)' % (
                                        before['id'], ctx.stage_number, before.get('request_state') or 'unknown'))
            if before['decision'] != wanted_decision:
                raise ResourceError('stage %d of request %s was already decided the other way: %s by %s on %s' % (
                    ctx.stage_number, before['id'], DECIDED[before['decision']], before['reviewed_by'] or 'an approver',
                    before['reviewed_date_time'] or 'an unknown date'))
            return dict(before)
        if not stage.get('assignedToMe') and ctx.check_mode:
            raise ResourceError('you (%s) are not an approver of stage %d of request %s; Graph would refuse the decision' % (
                ctx.me.get('userPrincipalName'), ctx.stage_number, before['id']))
        return dict(before, decision=wanted_decision, justification=wanted.get('justification'),
                    reviewed_by=ctx.me.get('displayName'), reviewed_date_time=None)

    def differs(self, before, after):
        return before.get('decision') != after.get('decision')

    def managed_keys(self, wanted):
        return list(self.view_keys)

    def update(self, ctx, obj, before, after):
        body = {'reviewResult': DECISIONS[after['decision']]}
        if after.get('justification'):
            body['justification'] = after['justification']
        ctx.client.patch('%s/%s/stages/%s' % (APPROVALS, obj['id'], ctx.stage['id']), body,
                         action='deciding stage %d of request %s (%s)' % (ctx.stage_number, obj['id'], after['decision']))


# ---- access_package_assignment_info -----------------------------------------------------------------------------------

class AssignmentInfoSpec(ResourceSpec):
    """Assignments of a package or a user, and the requests still waiting for approval."""

    noun = 'assignment'
    path = ASSIGNMENTS
    argument_spec = dict(
        access_package=dict(type='str'),
        catalog=dict(type='str'),
        target=dict(type='str'),
        include_expired=dict(type='bool', default=False),
        include_pending_requests=dict(type='bool', default=True),
    )

    def view(self, ctx, obj, relations=None):
        return assignment_view(obj)

    def select(self, ctx):
        ctx.package = resolve_package(ctx, required=False) if ctx.params.get('access_package') else None
        ctx.user = resolve_user(ctx, ctx.params['target'].strip(), 'target') if ctx.params.get('target') else None
        if ctx.params.get('access_package') and ctx.package is None:
            return []
        found = list_assignments(ctx, ctx.package and ctx.package['id'], ctx.user and ctx.user['id'])
        return [a for a in found if ctx.params['include_expired'] or a.get('state') in ACTIVE_ASSIGNMENT_STATES]

    def pending_requests(self, ctx):
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
