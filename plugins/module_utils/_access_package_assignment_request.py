# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The signed-in user's own request for an access package (userAdd), and giving it up (cancel, or userRemove once
delivered): an action, not a resource.

Internal use only: this file is not part of the collection's public API and may change without notice.

A request needs the user's delegated token (Graph refuses application credentials for it) and uses only the end
user's calls: the administrators' list APIs refuse a requestor who holds no Entitlement Management role.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._actions import ActionSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    ACTIVE_ASSIGNMENT_STATES, ADD_REQUEST_TYPES, OPEN_REQUEST_STATES, PACKAGE_OPTIONS, PACKAGES, REQUESTS, format_moment, latest, moment,
    policy_limit, read_request, require_delegated, resolve_policy, signed_in_user)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import STATE_OPTION
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError, is_guid, names_object
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import check_name

# accesspackageassignmentrequest-cancel.md: only requests that are accepted (state submitted), pendingApproval or
# pendingNotBefore (state scheduled) can be canceled; one being delivered cannot.
CANCELABLE_STATES = ('submitted', 'pendingApproval', 'scheduled')


# ---- pure helpers (unit-tested) -------------------------------------------------------------------------------------

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


# ---- Graph look-ups (the end user's own calls) -----------------------------------------------------------------------

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


# ---- access_package_assignment_request ------------------------------------------------------------------------------

class AssignmentRequestSpec(ActionSpec):
    """The signed-in user's request for a package (userAdd); absent cancels it, or ends the access it gave (userRemove).

    A request is made once and then reported as it is, never edited: Graph cannot change a request, and access granted
    or on its way is not asked for again, whatever this run would have asked."""

    noun = 'assignment_request'
    slots = {'me': 'the signed-in requestor', 'package': 'the package requested (None: none found)',
             'policies': 'the package\'s policies the requestor may request through', 'policy': 'the policy a request goes through',
             'answers': 'the answers and justification a request sends'}
    argument_spec = dict(
        PACKAGE_OPTIONS,
        justification=dict(type='str'),
        answers=dict(type='list', elements='dict', options=dict(
            question=dict(type='str', required=True),
            answer=dict(type='str', required=True),
        )),
        state=STATE_OPTION,
    )
    diff_keys = ('id', 'access_package', 'assignment_policy', 'justification', 'answers', 'state')

    def validate(self, params):
        check_name('access_package', params['access_package'])
        require_delegated(params, 'requesting an access package')

    def find(self, ctx):
        """Your open request for the package, or the delivered one whose access is in force; None when there is none."""
        reference = ctx.params['access_package'].strip()
        ctx.me = signed_in_user(ctx, 'access_package_assignment_request')
        ctx.package = requestable_package(ctx, reference)
        ctx.policies = policy_requirements(ctx, ctx.package) if ctx.package else []
        found = self._mine(ctx, reference)
        if ctx.package is None and found is not None:
            ctx.package = found.get('accessPackage') or {'id': None, 'displayName': reference}
        if ctx.package is None and ctx.params['state'] != 'absent':
            raise ValidationError('access_package', ctx.params['access_package'], 'is not an access package you may request '
                                  '(none of its policies lets you ask for it, or no access package has this %s)' % (
                                      'id' if is_guid(reference) else 'display name'))
        return found

    def act(self, ctx, found):
        if ctx.params['state'] == 'absent':
            return self._give_up(ctx, found)
        # The declared policy and answers are checked even when the request exists: a mistake in them is reported.
        wanted = self._wanted(ctx)
        if found is not None:
            before = self._view(ctx, found)
            return self.result(False, before, dict(before))
        after = dict(self._predicted(ctx), **wanted, id=None)
        if not ctx.check_mode:
            created = self._request(ctx)
            after = dict(self._view(ctx, read_request(ctx, created['id'])), assignment_policy=ctx.policy.get('displayName'))
        return self.result(True, {}, after)

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

    @staticmethod
    def _view(ctx, request):
        questions = [q for policy in ctx.policies for q in policy.get('questions') or []]
        assignment = request.get('assignment') or {}
        return {
            'id': request.get('id'), 'access_package': ctx.package.get('displayName'), 'justification': request.get('justification'),
            'answers': answers_view(request.get('answers'), questions),
            'state': request.get('state'), 'status': request.get('status'), 'created_date_time': moment(request.get('createdDateTime')),
            'assignment_id': assignment.get('id'),
            'end_date_time': moment(((assignment.get('schedule') or {}).get('expiration') or {}).get('endDateTime')),
        }

    @staticmethod
    def _wanted(ctx):
        """The request the options ask for, in view shape; the policy and the answers are checked here."""
        ctx.policy = resolve_policy(ctx, ctx.package, purpose='request it yourself', policies=ctx.policies)
        ctx.answers = answers_body(ctx.policy, ctx.params.get('answers'), ctx.params.get('justification'))
        return {'access_package': ctx.package.get('displayName'), 'assignment_policy': ctx.policy.get('displayName'),
                'justification': ctx.params.get('justification'),
                'answers': answers_view(ctx.answers, ctx.policy.get('questions'))}

    @staticmethod
    def _predicted(ctx):
        """What Entra makes of a new request under the policy: waiting for approval, or delivered until the policy's end."""
        approval = ctx.policy.get('requestApprovalSettings') or {}
        now = datetime.datetime.now(datetime.timezone.utc)
        if approval.get('isApprovalRequiredForAdd'):
            return {'state': 'pendingApproval', 'status': 'PendingApproval', 'created_date_time': format_moment(now),
                    'assignment_id': None, 'end_date_time': None}
        end = policy_limit(ctx.policy, now)
        return {'state': 'delivered', 'status': 'Delivered', 'created_date_time': format_moment(now), 'assignment_id': None,
                'end_date_time': format_moment(end) if end else None}

    def _request(self, ctx):
        body = {'requestType': 'userAdd', 'assignment': {
            'targetId': ctx.me['id'], 'assignmentPolicyId': ctx.policy['id'], 'accessPackageId': ctx.package['id']}}
        if ctx.params.get('justification'):
            body['justification'] = ctx.params['justification']
        if ctx.answers:
            body['answers'] = ctx.answers
        return ctx.client.create(REQUESTS, body, action='requesting access package %r' % ctx.package.get('displayName'),
                                 recover=lambda: self._mine(ctx, ctx.package['id']))

    def _give_up(self, ctx, found):
        """state=absent: cancel the open request, or end the access it delivered (userRemove)."""
        if found is None:
            return self.result(False, {}, {})
        before = self._view(ctx, found)
        name = ctx.package.get('displayName')
        if found.get('state') in OPEN_REQUEST_STATES and found.get('state') not in CANCELABLE_STATES:
            raise ResourceError('your request %s for access package %r is %s and Graph cancels only requests that are %s; run '
                                'again once it is delivered to give the access up' % (
                                    found['id'], name, found['state'], ', '.join(CANCELABLE_STATES)))
        if not ctx.check_mode:
            self._cancel(ctx, found)
        return self.result(True, before, {}, keys=list(before))

    def _cancel(self, ctx, found):
        name = ctx.package.get('displayName')
        reference = ctx.package.get('id') or ctx.params['access_package'].strip()
        if found.get('state') in CANCELABLE_STATES:
            ctx.client.post('%s/%s/cancel' % (REQUESTS, found['id']), action='canceling your request for access package %r' % name,
                            recover=lambda: {} if read_request(ctx, found['id']).get('state') == 'canceled' else None)
            return
        body = {'requestType': 'userRemove', 'assignment': {'id': found['assignment']['id']}}
        ctx.client.post(REQUESTS, body, action='giving up your access package %r' % name,
                        recover=lambda: {} if self._mine(ctx, reference) is None else None)
