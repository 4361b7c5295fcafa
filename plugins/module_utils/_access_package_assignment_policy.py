# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of an access package assignment policy (v1.0 ``assignmentPolicies``): who may request, approval stages,
expiry, requestor questions and access reviews, in the words an admin uses.

Internal use only: this file is not part of the collection's public API and may change without notice.

Graph replaces a policy as a whole (PUT), so the body is the current policy with each section the task changes
written over it. Sections are compared in a canonical view (durations by length, people by name, sorted), so a
converged policy never shows drift. Questions are matched to the current ones by text and keep their ids, which
keeps earlier answers linked to them.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._directory import directory_names, is_guid
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    POLICIES, active_assignments, canonical_datetime, duration_from, duration_seconds, find_package, format_duration, names_object)
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphError, odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import (
    Field, InfoSpec, ResourceError, ResourceSpec, ValidationError, assume_created_earlier, check_name)

GRAPH = '#microsoft.graph.'
MAX_STAGES = 3
MAX_DEADLINE_DAYS = 14
MAX_EXPIRATION_DAYS = 3660
SECTIONS = ('requestors', 'approval', 'expiration', 'allow_custom_schedule', 'questions', 'access_reviews')

SCOPES = {'all_members': 'allMemberUsers', 'all_members_and_guests': 'allDirectoryUsers',
          'specific': 'specificDirectoryUsers', 'none': 'notSpecified'}
REQUESTOR_FLAGS = {'self_requests': 'enableTargetsToSelfAddAccess', 'self_extensions': 'enableTargetsToSelfUpdateAccess',
                   'self_removals': 'enableTargetsToSelfRemoveAccess', 'on_behalf_requests': 'enableOnBehalfRequestorsToAddAccess'}
APPROVAL_FLAGS = {'required': 'isApprovalRequiredForAdd', 'required_for_extension': 'isApprovalRequiredForUpdate',
                  'requestor_justification': 'isRequestorJustificationRequired'}
RECURRENCES = {'weekly': ('weekly', 1), 'monthly': ('absoluteMonthly', 1), 'quarterly': ('absoluteMonthly', 3),
               'semi_annually': ('absoluteMonthly', 6), 'annually': ('absoluteMonthly', 12)}
DECISIONS = {'keep_access': 'keepAccess', 'remove_access': 'removeAccess', 'accept_recommendation': 'acceptAccessRecommendation'}
REVIEW_FLAGS = {'self_review': 'isSelfReview', 'recommendations': 'isRecommendationEnabled',
                'reviewer_justification': 'isReviewerJustificationRequired'}
# What a new policy gets for sections left unset.
NEW_POLICY = {'approval': {'required': False, 'required_for_extension': False, 'requestor_justification': False, 'stages': []},
              'expiration': {'never': True}, 'allow_custom_schedule': False, 'questions': [], 'access_reviews': {'enabled': False}}
# What access reviews get for options left unset when they are turned on.
REVIEW_DEFAULTS = {'recurrence': 'quarterly', 'duration_days': 14, 'self_review': False, 'decision_default': 'keep_access',
                   'recommendations': True, 'reviewer_justification': True}

_PEOPLE = dict(users=dict(type='list', elements='str'), groups=dict(type='list', elements='str'))
_APPROVERS = dict(manager=dict(type='bool'), sponsors=dict(type='bool'), **_PEOPLE)
_LOCALIZATIONS = dict(type='list', elements='dict', options=dict(language=dict(type='str'), text=dict(type='str')))
ARGUMENT_SPEC = dict(
    display_name=dict(type='str'),
    id=dict(type='str'),
    access_package=dict(type='str'),
    catalog=dict(type='str'),
    description=dict(type='str'),
    requestors=dict(type='dict', options=dict(
        scope=dict(type='str', required=True, choices=list(SCOPES)),
        users=dict(type='list', elements='str'),
        groups=dict(type='list', elements='str'),
        self_requests=dict(type='bool'),
        self_extensions=dict(type='bool'),
        self_removals=dict(type='bool'),
        on_behalf_requests=dict(type='bool'),
    )),
    approval=dict(type='dict', options=dict(
        required=dict(type='bool'),
        required_for_extension=dict(type='bool'),
        requestor_justification=dict(type='bool'),
        stages=dict(type='list', elements='dict', options=dict(
            approvers=dict(type='dict', options=_APPROVERS),
            fallback_approvers=dict(type='dict', options=_PEOPLE),
            escalation=dict(type='dict', options=dict(
                enabled=dict(type='bool', default=True),
                after_days=dict(type='int'),
                approvers=dict(type='dict', options=_APPROVERS),
                fallback_approvers=dict(type='dict', options=_PEOPLE),
            )),
            approver_justification=dict(type='bool', default=True),
            deadline_days=dict(type='int', default=MAX_DEADLINE_DAYS),
        )),
    )),
    expiration=dict(type='dict', options=dict(
        hours=dict(type='int'), days=dict(type='int'), duration=dict(type='str'), end_date=dict(type='str'),
        never=dict(type='bool'),
    )),
    allow_custom_schedule=dict(type='bool'),
    questions=dict(type='list', elements='dict', options=dict(
        text=dict(type='str'),
        type=dict(type='str', default='text', choices=['text', 'multiple_choice']),
        required=dict(type='bool', default=False),
        answer_editable=dict(type='bool', default=False),
        multiline=dict(type='bool', default=False),
        regex=dict(type='str'),
        localizations=_LOCALIZATIONS,
        choices=dict(type='list', elements='dict', options=dict(
            value=dict(type='str'), text=dict(type='str'), localizations=_LOCALIZATIONS)),
        allow_multiple=dict(type='bool', default=False),
    )),
    access_reviews=dict(type='dict', options=dict(
        enabled=dict(type='bool'),
        recurrence=dict(type='str', choices=list(RECURRENCES)),
        duration_days=dict(type='int'),
        starts=dict(type='str'),
        self_review=dict(type='bool'),
        reviewers=dict(type='dict', options=dict(manager=dict(type='bool'), **_PEOPLE)),
        fallback_reviewers=dict(type='dict', options=_PEOPLE),
        decision_default=dict(type='str', choices=list(DECISIONS)),
        recommendations=dict(type='bool'),
        reviewer_justification=dict(type='bool'),
    )),
)


# ---- input rules (pure) ------------------------------------------------------------------------------------------

def _check_people(option, block, allow_manager=True, allow_sponsors=True):
    if not block:
        return
    for key, allowed in (('manager', allow_manager), ('sponsors', allow_sponsors)):
        if block.get(key) and not allowed:
            raise ValidationError('%s.%s' % (option, key), True, 'is not allowed here; list users or groups')
    for key in ('users', 'groups'):
        for reference in block.get(key) or []:
            if not (reference or '').strip():
                raise ValidationError('%s.%s' % (option, key), reference, 'must not be blank')


def _has_people(block):
    block = block or {}
    return bool(block.get('manager') or block.get('sponsors') or block.get('users') or block.get('groups'))


def _needs_fallback(block):
    return bool((block or {}).get('manager') or (block or {}).get('sponsors'))


def validate_requestors(requestors):
    if requestors is None:
        return
    specific = requestors['scope'] == 'specific'
    listed = bool(requestors.get('users') or requestors.get('groups'))
    if specific and not listed:
        raise ValidationError('requestors.scope', 'specific', 'needs at least one entry in requestors.users or requestors.groups')
    if listed and not specific:
        raise ValidationError('requestors.scope', requestors['scope'], 'takes no users or groups; use scope=specific to name them')
    _check_people('requestors', requestors, allow_manager=False, allow_sponsors=False)


def validate_stage(number, stage):
    option = 'approval.stages[%d]' % number
    if not _has_people(stage.get('approvers')):
        raise ValidationError(option + '.approvers', stage.get('approvers'), 'every stage needs at least one approver '
                              '(manager, sponsors, users or groups)')
    _check_people(option + '.approvers', stage['approvers'])
    _check_people(option + '.fallback_approvers', stage.get('fallback_approvers'))
    deadline = stage.get('deadline_days')
    if deadline is not None and not 1 <= deadline <= MAX_DEADLINE_DAYS:
        raise ValidationError(option + '.deadline_days', deadline, 'must be 1 to %d days (a request not decided by then is '
                              'denied automatically)' % MAX_DEADLINE_DAYS)
    if _needs_fallback(stage['approvers']) and not _has_people(stage.get('fallback_approvers')):
        raise ValidationError(option + '.fallback_approvers', stage.get('fallback_approvers'),
                              'is required when approvers include the manager or sponsors (it handles requestors who have none)')
    escalation = stage.get('escalation') or {}
    if escalation.get('enabled', True) and stage.get('escalation'):
        if not _has_people(escalation.get('approvers')):
            raise ValidationError(option + '.escalation.approvers', escalation.get('approvers'),
                                  'is required when escalation is enabled')
        _check_people(option + '.escalation.approvers', escalation['approvers'])
        _check_people(option + '.escalation.fallback_approvers', escalation.get('fallback_approvers'))
        after = escalation.get('after_days')
        if after is None or not 1 <= after < (deadline or MAX_DEADLINE_DAYS):
            raise ValidationError(option + '.escalation.after_days', after, 'must be at least 1 and less than deadline_days')
        if _needs_fallback(escalation['approvers']) and not _has_people(escalation.get('fallback_approvers')):
            raise ValidationError(option + '.escalation.fallback_approvers', escalation.get('fallback_approvers'),
                                  'is required when escalation approvers include the manager or sponsors')


def validate_approval(approval):
    if approval is None:
        return
    stages = approval.get('stages')
    if stages is not None:
        if len(stages) > MAX_STAGES:
            raise ValidationError('approval.stages', '%d stages' % len(stages), 'Entra allows 1 to %d approval stages' % MAX_STAGES)
        if approval.get('required') and not stages:
            raise ValidationError('approval.stages', [], 'approval.required=true needs 1 to %d stages' % MAX_STAGES)
        for number, stage in enumerate(stages, 1):
            validate_stage(number, stage)


def expiration_view(expiration):
    """The declared expiry in canonical form: ``{'duration': 'PT2H'}``, ``{'end_date': ...}`` or ``{'never': True}``."""
    given = {key: value for key, value in expiration.items() if value is not None and not (key == 'never' and value is False)}
    if len(given) != 1:
        raise ValidationError('expiration', given or expiration, 'give exactly one of hours, days, duration, end_date or never')
    key, value = next(iter(given.items()))
    if key == 'never':
        return {'never': True}
    if key == 'end_date':
        try:
            return {'end_date': canonical_datetime(value)}
        except ValueError as exc:
            raise ValidationError('expiration.end_date', value, str(exc)) from exc
    if key in ('hours', 'days') and value < 1:
        raise ValidationError('expiration.%s' % key, value, 'must be at least 1 (use never for assignments that do not expire)')
    try:
        canonical = duration_from(**{key: value})
    except ValueError as exc:
        raise ValidationError('expiration.%s' % key, value, str(exc)) from exc
    seconds = duration_seconds(canonical)
    if seconds <= 0:
        raise ValidationError('expiration.%s' % key, value, 'must be longer than zero')
    if seconds > MAX_EXPIRATION_DAYS * 86400:
        raise ValidationError('expiration.%s' % key, value, 'must be at most %d days' % MAX_EXPIRATION_DAYS)
    return {'duration': canonical}


def validate_questions(questions):
    seen = set()
    for number, question in enumerate(questions or [], 1):
        option = 'questions[%d]' % number
        text = question.get('text')
        if not (text or '').strip():
            raise ValidationError(option + '.text', text, 'every question needs text')
        check_name(option + '.text', text)
        if text.strip() in seen:
            raise ValidationError(option + '.text', text, 'two questions have this text; texts identify questions')
        seen.add(text.strip())
        choice = question.get('type') == 'multiple_choice'
        if choice and not question.get('choices'):
            raise ValidationError(option + '.choices', question.get('choices'), 'a multiple_choice question needs choices')
        if not choice and (question.get('choices') or question.get('allow_multiple')):
            raise ValidationError(option + '.choices', question.get('choices'), 'only multiple_choice questions take choices')
        if choice and (question.get('regex') or question.get('multiline')):
            raise ValidationError(option + '.regex', question.get('regex'), 'only text questions take regex and multiline')
        if question.get('regex'):
            try:
                re.compile(question['regex'])
            except re.error as exc:
                raise ValidationError(option + '.regex', question['regex'], 'is not a valid regular expression: %s' % exc) from exc
        values = set()
        for index, item in enumerate(question.get('choices') or [], 1):
            if not (item.get('value') or '').strip():
                raise ValidationError('%s.choices[%d].value' % (option, index), item.get('value'), 'every choice needs a value')
            check_name('%s.choices[%d].value' % (option, index), item['value'])
            check_name('%s.choices[%d].text' % (option, index), item.get('text'))
            if item['value'] in values:
                raise ValidationError('%s.choices[%d].value' % (option, index), item['value'], 'two choices have this value')
            values.add(item['value'])
        for place, localized in [(option, question)] + [('%s.choices[%d]' % (option, i), c) for i, c in enumerate(question.get('choices') or [], 1)]:
            for index, item in enumerate(localized.get('localizations') or [], 1):
                if not (item.get('language') or '').strip() or not (item.get('text') or '').strip():
                    raise ValidationError('%s.localizations[%d]' % (place, index), item, 'needs both language and text')


def validate_reviews(reviews):
    if reviews is None:
        return
    if reviews.get('duration_days') is not None and not 1 <= reviews['duration_days'] <= 180:
        raise ValidationError('access_reviews.duration_days', reviews['duration_days'], 'must be 1 to 180 days')
    if reviews.get('starts') is not None:
        try:
            canonical_datetime(reviews['starts'])
        except ValueError as exc:
            raise ValidationError('access_reviews.starts', reviews['starts'], str(exc)) from exc
    _check_people('access_reviews.reviewers', reviews.get('reviewers'), allow_sponsors=False)
    _check_people('access_reviews.fallback_reviewers', reviews.get('fallback_reviewers'))
    if _needs_fallback(reviews.get('reviewers')) and not _has_people(reviews.get('fallback_reviewers')):
        raise ValidationError('access_reviews.fallback_reviewers', reviews.get('fallback_reviewers'),
                              'is required when reviewers include the manager (it handles users who have none)')


def validate_policy(params):
    """Every input rule that needs no Graph call; raises ValidationError."""
    check_name('display_name', params.get('display_name'))
    if not params.get('id') and not params.get('access_package'):
        raise ValidationError('access_package', None, 'is required to find a policy by display_name (give the package name or id)')
    validate_requestors(params.get('requestors'))
    validate_approval(params.get('approval'))
    if params.get('expiration') is not None:
        expiration_view(params['expiration'])
    validate_questions(params.get('questions'))
    validate_reviews(params.get('access_reviews'))


# ---- Graph -> view (pure) ----------------------------------------------------------------------------------------

def subject_ids(policy):
    """``(user ids, group ids)`` that the policy's subject sets name."""
    users, groups = set(), set()
    for subjects in _subject_lists(policy):
        for subject in subjects or []:
            if subject.get('userId'):
                users.add(subject['userId'].lower())
            if subject.get('groupId'):
                groups.add(subject['groupId'].lower())
    return users, groups


def _subject_lists(policy):
    yield policy.get('specificAllowedTargets')
    for stage in (policy.get('requestApprovalSettings') or {}).get('stages') or []:
        for key in ('primaryApprovers', 'fallbackPrimaryApprovers', 'escalationApprovers', 'fallbackEscalationApprovers'):
            yield stage.get(key)
    reviews = policy.get('reviewSettings') or {}
    yield reviews.get('primaryReviewers')
    yield reviews.get('fallbackReviewers')


def people_view(subjects, labels):
    """Subject sets as ``{manager, sponsors, users, groups, other}``, each key only when it holds something."""
    users_by_id, groups_by_id = labels
    out = {}
    for subject in subjects or []:
        kind = (subject.get('@odata.type') or '').lstrip('#').rsplit('.', 1)[-1]
        if kind == 'requestorManager':
            out['manager'] = True
        elif kind == 'targetUserSponsors':
            out['sponsors'] = True
        elif kind == 'singleUser':
            out.setdefault('users', []).append(users_by_id.get(subject['userId'].lower(), subject['userId']))
        elif kind == 'groupMembers':
            out.setdefault('groups', []).append(groups_by_id.get(subject['groupId'].lower(), subject['groupId']))
        else:
            out.setdefault('other', []).append(kind)
    return {key: sorted(value, key=str.lower) if isinstance(value, list) else value for key, value in out.items()}


def _days(duration):
    seconds = duration_seconds(duration) if duration else 0
    return seconds // 86400 if seconds % 86400 == 0 else round(seconds / 86400.0, 3)


def stage_view(stage, labels):
    out = {'approvers': people_view(stage.get('primaryApprovers'), labels),
           'approver_justification': bool(stage.get('isApproverJustificationRequired')),
           'deadline_days': _days(stage.get('durationBeforeAutomaticDenial'))}
    fallback = people_view(stage.get('fallbackPrimaryApprovers'), labels)
    if fallback:
        out['fallback_approvers'] = fallback
    if stage.get('isEscalationEnabled'):
        escalation = {'after_days': _days(stage.get('durationBeforeEscalation')),
                      'approvers': people_view(stage.get('escalationApprovers'), labels)}
        fallback = people_view(stage.get('fallbackEscalationApprovers'), labels)
        if fallback:
            escalation['fallback_approvers'] = fallback
        out['escalation'] = escalation
    return out


def _localizations_view(items):
    return sorted(({'language': item.get('languageCode'), 'text': item.get('text')} for item in items or []),
                  key=lambda item: item['language'] or '')


def question_view(question):
    choice = (question.get('@odata.type') or '').endswith('MultipleChoiceQuestion')
    out = {'id': question.get('id'), 'text': question.get('text'), 'type': 'multiple_choice' if choice else 'text',
           'required': bool(question.get('isRequired')), 'answer_editable': bool(question.get('isAnswerEditable')),
           'localizations': _localizations_view(question.get('localizations'))}
    if choice:
        out['allow_multiple'] = bool(question.get('isMultipleSelectionAllowed'))
        out['choices'] = [{'value': c.get('actualValue'), 'text': c.get('text') or c.get('actualValue'),
                           'localizations': _localizations_view(c.get('localizations'))} for c in question.get('choices') or []]
    else:
        out['multiline'] = question.get('isSingleLineQuestion') is False
        out['regex'] = question.get('regexPattern') or None
    return out


def _recurrence_view(recurrence):
    pattern = (recurrence or {}).get('pattern') or {}
    found = (pattern.get('type'), pattern.get('interval') or 1)
    if found == ('absoluteYearly', 1):
        return 'annually'
    name = next((name for name, shape in RECURRENCES.items() if shape == found), None)
    return name or ('%s every %s' % found if found[0] else None)


def reviews_view(reviews, labels):
    # The other settings mean nothing while reviews are off, so they are neither shown nor compared.
    if not (reviews or {}).get('isEnabled'):
        return {'enabled': False}
    schedule = reviews.get('schedule') or {}
    expiration = schedule.get('expiration') or {}
    out = {'enabled': True, 'recurrence': _recurrence_view(schedule.get('recurrence')),
           'duration_days': _days(expiration.get('duration')) if expiration.get('duration') else None,
           'starts': canonical_datetime(schedule['startDateTime']) if schedule.get('startDateTime') else None,
           'reviewers': people_view(reviews.get('primaryReviewers'), labels),
           'fallback_reviewers': people_view(reviews.get('fallbackReviewers'), labels)}
    decisions = {graph: name for name, graph in DECISIONS.items()}
    out['decision_default'] = decisions.get(reviews.get('expirationBehavior'), reviews.get('expirationBehavior'))
    out.update({name: bool(reviews.get(prop)) for name, prop in REVIEW_FLAGS.items()})
    return out


def expiration_graph_view(expiration):
    expiration = expiration or {}
    if expiration.get('type') == 'afterDuration' and expiration.get('duration'):
        return {'duration': format_duration(duration_seconds(expiration['duration']))}
    if expiration.get('type') == 'afterDateTime' and expiration.get('endDateTime'):
        return {'end_date': canonical_datetime(expiration['endDateTime'])}
    return {'never': True}


def policy_view(policy, labels):
    """The policy's managed sections in option shape (canonical: compare with ==)."""
    settings = policy.get('requestorSettings') or {}
    scopes = {graph: name for name, graph in SCOPES.items()}
    targets = people_view(policy.get('specificAllowedTargets'), labels)
    requestors = {'scope': scopes.get(policy.get('allowedTargetScope'), policy.get('allowedTargetScope'))}
    requestors.update({key: targets[key] for key in ('users', 'groups', 'other') if key in targets})
    requestors.update({name: bool(settings.get(prop)) for name, prop in REQUESTOR_FLAGS.items()})
    approval_settings = policy.get('requestApprovalSettings') or {}
    approval = {name: bool(approval_settings.get(prop)) for name, prop in APPROVAL_FLAGS.items()}
    approval['stages'] = [stage_view(stage, labels) for stage in approval_settings.get('stages') or []]
    questions = sorted(policy.get('questions') or [], key=lambda q: q.get('sequence') or 0)
    return {
        'requestors': requestors,
        'approval': approval,
        'expiration': expiration_graph_view(policy.get('expiration')),
        'allow_custom_schedule': bool(settings.get('allowCustomAssignmentSchedule')),
        'questions': [question_view(question) for question in questions],
        'access_reviews': reviews_view(policy.get('reviewSettings'), labels),
    }


# ---- declared -> view and planning (pure once references are resolved) ------------------------------------------

def declared_people(block, resolve, option, keys=('manager', 'sponsors')):
    """A declared subject block in canonical form; ``resolve(kind, reference, option)`` gives the label."""
    out = {key: True for key in keys if (block or {}).get(key)}
    for kind in ('users', 'groups'):
        labels = [resolve(kind, reference.strip(), '%s.%s' % (option, kind)) for reference in (block or {}).get(kind) or []]
        if labels:
            out[kind] = sorted(set(labels), key=str.lower)
    return out


def declared_stage(number, stage, resolve):
    option = 'approval.stages[%d]' % number
    out = {'approvers': declared_people(stage['approvers'], resolve, option + '.approvers'),
           'approver_justification': stage['approver_justification'], 'deadline_days': stage['deadline_days']}
    fallback = declared_people(stage.get('fallback_approvers'), resolve, option + '.fallback_approvers', keys=())
    if fallback:
        out['fallback_approvers'] = fallback
    escalation = stage.get('escalation')
    if escalation and escalation.get('enabled', True):
        out['escalation'] = {'after_days': escalation['after_days'],
                             'approvers': declared_people(escalation['approvers'], resolve, option + '.escalation.approvers')}
        fallback = declared_people(escalation.get('fallback_approvers'), resolve, option + '.escalation.fallback_approvers', keys=())
        if fallback:
            out['escalation']['fallback_approvers'] = fallback
    return out


def _declared_localizations(items):
    return sorted(({'language': item['language'].strip(), 'text': item['text']} for item in items or []),
                  key=lambda item: item['language'])


def declared_question(question):
    choice = question['type'] == 'multiple_choice'
    out = {'id': None, 'text': question['text'].strip(), 'type': question['type'], 'required': question['required'],
           'answer_editable': question['answer_editable'], 'localizations': _declared_localizations(question.get('localizations'))}
    if choice:
        out['allow_multiple'] = question['allow_multiple']
        out['choices'] = [{'value': c['value'], 'text': c.get('text') or c['value'],
                           'localizations': _declared_localizations(c.get('localizations'))} for c in question['choices']]
    else:
        out['multiline'] = question['multiline']
        out['regex'] = question.get('regex') or None
    return out


def declared_reviews(reviews, resolve):
    out = {key: value for key, value in reviews.items() if value is not None and key not in ('reviewers', 'fallback_reviewers')}
    if 'starts' in out:
        out['starts'] = canonical_datetime(out['starts'])
    for key in ('reviewers', 'fallback_reviewers'):
        if reviews.get(key) is not None:
            out[key] = declared_people(reviews[key], resolve, 'access_reviews.' + key,
                                       keys=('manager',) if key == 'reviewers' else ())
    return out


def declared_sections(params, resolve):
    """The sections the task declares, in canonical form; section keys left unset are None (keep the current value)."""
    wanted = {}
    requestors = params.get('requestors')
    if requestors is not None:
        people = declared_people(requestors, resolve, 'requestors', keys=())
        wanted['requestors'] = dict({'scope': requestors['scope']}, **people)
        wanted['requestors'].update({name: requestors.get(name) for name in REQUESTOR_FLAGS})
    approval = params.get('approval')
    if approval is not None:
        wanted['approval'] = {name: approval.get(name) for name in APPROVAL_FLAGS}
        if approval.get('stages') is not None:
            wanted['approval']['stages'] = [declared_stage(n, s, resolve) for n, s in enumerate(approval['stages'], 1)]
        else:
            wanted['approval']['stages'] = None
    if params.get('expiration') is not None:
        wanted['expiration'] = expiration_view(params['expiration'])
    if params.get('allow_custom_schedule') is not None:
        wanted['allow_custom_schedule'] = params['allow_custom_schedule']
    if params.get('questions') is not None:
        wanted['questions'] = [declared_question(question) for question in params['questions']]
    if params.get('access_reviews') is not None:
        wanted['access_reviews'] = declared_reviews(params['access_reviews'], resolve)
    return wanted


def _requestor_defaults(scope):
    open_to_requests = scope != 'none'
    return {'self_requests': open_to_requests, 'self_extensions': False, 'self_removals': open_to_requests,
            'on_behalf_requests': False}


def _overlay(current, declared, defaults):
    """Declared values over the current ones, over the defaults; a declared None keeps what is there."""
    out = dict(defaults)
    out.update(current or {})
    out.update({key: value for key, value in declared.items() if value is not None})
    return out


def match_question_ids(current, declared):
    """Declared questions with the id of the current question of the same text (first unmatched one), else None."""
    pool = list(current or [])
    out = []
    for question in declared:
        found = next((q for q in pool if q.get('text') == question['text']), None)
        if found is not None:
            pool.remove(found)
        out.append(dict(question, id=found.get('id') if found else None))
    return out


def plan_sections(before, wanted):
    """The policy after the task: each declared section laid over the current one (or the defaults for a new one)."""
    after = {}
    for section in SECTIONS:
        current = before.get(section)
        if section not in wanted:
            if current is not None:
                after[section] = current
            continue
        declared = wanted[section]
        if section == 'requestors':
            people = {key: declared[key] for key in ('users', 'groups') if key in declared}
            flags = {key: declared.get(key) for key in REQUESTOR_FLAGS}
            kept = {key: value for key, value in (current or {}).items() if key in REQUESTOR_FLAGS}
            after[section] = dict({'scope': declared['scope']}, **people)
            after[section].update(_overlay(kept, flags, _requestor_defaults(declared['scope'])))
        elif section == 'approval':
            defaults = {'required': bool(declared.get('stages')), 'required_for_extension': False,
                        'requestor_justification': False, 'stages': []}
            after[section] = _overlay(current, declared, defaults)
        elif section == 'questions':
            after[section] = match_question_ids((current or []), declared)
        elif section == 'access_reviews':
            after[section] = _plan_reviews(current, declared)
        else:
            after[section] = declared
    for section, default in NEW_POLICY.items():
        if section not in after:
            after[section] = copy.deepcopy(default)
    return after


def _plan_reviews(current, declared):
    current = current or {'enabled': False}
    enabled = declared.get('enabled')
    if enabled is None:
        enabled = current.get('enabled')
    if not enabled:
        return {'enabled': False}
    defaults = dict(REVIEW_DEFAULTS, starts=None, reviewers={}, fallback_reviewers={})
    return _overlay({key: value for key, value in current.items() if value is not None}, declared, defaults)


def check_plan(after):
    """Rules on the merged result (declared + current), checked before any write."""
    approval = after.get('approval') or {}
    if approval.get('required') and not approval.get('stages'):
        raise ValidationError('approval.required', True, 'needs approval.stages (the policy has none)')
    reviews = after.get('access_reviews') or {}
    if reviews.get('enabled') and not reviews.get('self_review') and not reviews.get('reviewers'):
        raise ValidationError('access_reviews.reviewers', reviews.get('reviewers'), 'access reviews need reviewers or self_review=true')
    if (reviews.get('reviewers') or {}).get('manager') and not reviews.get('fallback_reviewers'):
        raise ValidationError('access_reviews.fallback_reviewers', None, 'is required when reviewers include the manager')


# ---- view -> Graph body (pure) -------------------------------------------------------------------------------------

def people_body(view, ids):
    """Subject sets for Graph from a canonical block; ``ids`` maps ``('users' | 'groups', label)`` to object ids."""
    out = []
    if view.get('manager'):
        out.append({'@odata.type': GRAPH + 'requestorManager', 'managerLevel': 1})
    if view.get('sponsors'):
        out.append({'@odata.type': GRAPH + 'targetUserSponsors'})
    for label in view.get('users') or []:
        out.append({'@odata.type': GRAPH + 'singleUser', 'userId': ids[('users', label)], 'description': label})
    for label in view.get('groups') or []:
        out.append({'@odata.type': GRAPH + 'groupMembers', 'groupId': ids[('groups', label)], 'description': label})
    return out


def _days_duration(days):
    return format_duration(int(round(days * 86400)))


def stage_body(stage, ids, current=None):
    escalation = stage.get('escalation')
    body = dict(current or {})
    body.update({
        'durationBeforeAutomaticDenial': _days_duration(stage['deadline_days']),
        'isApproverJustificationRequired': stage['approver_justification'],
        'isEscalationEnabled': bool(escalation),
        'durationBeforeEscalation': _days_duration(escalation['after_days']) if escalation else 'PT0S',
        'primaryApprovers': people_body(stage['approvers'], ids),
        'fallbackPrimaryApprovers': people_body(stage.get('fallback_approvers') or {}, ids),
        'escalationApprovers': people_body(escalation['approvers'], ids) if escalation else [],
        'fallbackEscalationApprovers': people_body(escalation.get('fallback_approvers') or {}, ids) if escalation else [],
    })
    return body


def _localizations_body(items):
    return [{'languageCode': item['language'], 'text': item['text']} for item in items or []]


def question_body(question, sequence):
    choice = question['type'] == 'multiple_choice'
    body = {'@odata.type': GRAPH + ('accessPackageMultipleChoiceQuestion' if choice else 'accessPackageTextInputQuestion'),
            'sequence': sequence, 'isRequired': question['required'], 'isAnswerEditable': question['answer_editable'],
            'text': question['text'], 'localizations': _localizations_body(question.get('localizations'))}
    if question.get('id'):
        body['id'] = question['id']
    if choice:
        body['isMultipleSelectionAllowed'] = question['allow_multiple']
        body['choices'] = [{'actualValue': c['value'], 'text': c['text'], 'localizations': _localizations_body(c.get('localizations'))}
                           for c in question['choices']]
    else:
        body['isSingleLineQuestion'] = not question['multiline']
        body['regexPattern'] = question.get('regex')
    return body


def reviews_body(reviews, ids, current=None):
    if not reviews.get('enabled'):
        # Turning reviews off keeps their settings for when they are turned on again.
        return dict(current, isEnabled=False) if current else None
    body = copy.deepcopy(current or {})
    body['isEnabled'] = True
    if reviews.get('decision_default'):
        body['expirationBehavior'] = DECISIONS.get(reviews['decision_default'], reviews['decision_default'])
    body.update({prop: reviews[name] for name, prop in REVIEW_FLAGS.items() if reviews.get(name) is not None})
    for name, prop in (('reviewers', 'primaryReviewers'), ('fallback_reviewers', 'fallbackReviewers')):
        if reviews.get(name) is not None:
            body[prop] = people_body(reviews[name], ids)
    schedule = body.setdefault('schedule', {}) or {}
    body['schedule'] = schedule
    if reviews.get('starts'):
        schedule['startDateTime'] = reviews['starts']
    if reviews.get('duration_days'):
        schedule['expiration'] = {'type': 'afterDuration', 'duration': _days_duration(reviews['duration_days']), 'endDateTime': None}
    if reviews.get('recurrence') in RECURRENCES:
        kind, interval = RECURRENCES[reviews['recurrence']]
        recurrence = schedule.setdefault('recurrence', {}) or {}
        schedule['recurrence'] = recurrence
        recurrence['pattern'] = dict(recurrence.get('pattern') or {}, type=kind, interval=interval)
        recurrence.setdefault('range', {'type': 'noEnd', 'numberOfOccurrences': 0})
    return body


def expiration_body(view):
    if 'duration' in view:
        return {'type': 'afterDuration', 'duration': view['duration'], 'endDateTime': None}
    if 'end_date' in view:
        return {'type': 'afterDateTime', 'duration': None, 'endDateTime': view['end_date']}
    return {'type': 'noExpiration', 'duration': None, 'endDateTime': None}


READ_ONLY = ('id', 'createdDateTime', 'modifiedDateTime', 'catalog', 'accessPackage')


def policy_body(after, current, ids, package_id, sections):
    """The whole policy for POST / PUT: the current policy with ``sections`` of ``after`` written over it."""
    body = {key: copy.deepcopy(value) for key, value in (current or {}).items()
            if key not in READ_ONLY and not key.startswith('@odata.') and '@odata.' not in key}
    body['displayName'] = after['display_name']
    if 'description' in after:
        body['description'] = after['description']
    settings = body.setdefault('requestorSettings', {}) or {}
    body['requestorSettings'] = settings
    if 'requestors' in sections:
        requestors = after['requestors']
        body['allowedTargetScope'] = SCOPES.get(requestors['scope'], requestors['scope'])
        body['specificAllowedTargets'] = people_body(requestors, ids)
        settings.update({prop: requestors[name] for name, prop in REQUESTOR_FLAGS.items()})
        for prop in ('enableOnBehalfRequestorsToUpdateAccess', 'enableOnBehalfRequestorsToRemoveAccess'):
            settings.setdefault(prop, False)
        settings['onBehalfRequestors'] = people_body({'manager': True}, ids) if requestors['on_behalf_requests'] else []
    if 'allow_custom_schedule' in sections:
        settings['allowCustomAssignmentSchedule'] = after['allow_custom_schedule']
    if 'approval' in sections:
        approval = after['approval']
        graph = dict(body.get('requestApprovalSettings') or {})
        graph.update({prop: approval[name] for name, prop in APPROVAL_FLAGS.items()})
        old_stages = graph.get('stages') or []
        graph['stages'] = [stage_body(stage, ids, old_stages[i] if i < len(old_stages) else None)
                           for i, stage in enumerate(approval['stages'])]
        body['requestApprovalSettings'] = graph
    if 'expiration' in sections:
        body['expiration'] = expiration_body(after['expiration'])
    if 'questions' in sections:
        body['questions'] = [question_body(question, n) for n, question in enumerate(after['questions'], 1)]
    if 'access_reviews' in sections:
        body['reviewSettings'] = reviews_body(after['access_reviews'], ids, body.get('reviewSettings'))
    body['accessPackage'] = {'id': package_id}
    return body


# ---- the spec ----------------------------------------------------------------------------------------------------

class AssignmentPolicySpec(ResourceSpec):
    noun = 'assignment_policy'
    path = POLICIES
    fields = (
        Field('display_name', 'displayName', max_length=256),
        Field('description', 'description'),
    )
    argument_spec = ARGUMENT_SPEC
    required_one_of = (('display_name', 'id'),)
    expand = 'accessPackage,catalog,questions'

    def validate(self, params):
        validate_policy(params)

    # ---- reading ----

    def get(self, ctx, object_id):
        try:
            policy = ctx.client.get(self.item_path(object_id), params={'$expand': self.expand},
                                    action='reading assignment policy %s' % object_id)
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise
        ctx.package = policy.get('accessPackage')
        return policy

    def find_by_name(self, ctx, name):
        matches = ctx.client.list(self.path, params={'$filter': 'displayName eq %s' % odata_quote(name), '$expand': self.expand},
                                  action='looking up assignment policy %r' % name)
        return [m for m in matches if self._in_declared_package(ctx, m)]

    @staticmethod
    def _in_declared_package(ctx, policy):
        """The policy's (expanded) package and catalog are those the access_package and catalog options name."""
        package, catalog = ctx.params.get('access_package'), ctx.params.get('catalog')
        return (not package or names_object(policy.get('accessPackage') or {}, package)) and (
            not catalog or names_object(policy.get('catalog') or {}, catalog))

    def find(self, ctx):
        # The policy names its package and catalog: the package is looked up only when the policy is not found (to
        # create it) or is given by id and belongs to another package than the declared one.
        ctx.package = None
        reference, catalog = ctx.params.get('access_package'), ctx.params.get('catalog')
        policy = super().find(ctx)
        if policy is not None:
            ctx.package = policy.get('accessPackage')
            if not self._in_declared_package(ctx, policy):
                declared = find_package(ctx, reference, catalog)
                if declared is None:
                    if ctx.params['state'] == 'absent':
                        return None
                    raise self._missing_package(reference, catalog)
                raise ResourceError('assignment policy %s belongs to access package %r, not %r' % (
                    policy['id'], (ctx.package or {}).get('displayName'), declared.get('displayName')))
            return policy
        if reference:
            ctx.package = find_package(ctx, reference, catalog)
            if ctx.package is None and ctx.params['state'] != 'absent':
                missing = self._missing_package(reference, catalog)
                if ctx.params.get('id'):
                    raise missing
                ctx.package = assume_created_earlier(ctx, reference, 'access package', missing)
        return None

    @staticmethod
    def _missing_package(reference, catalog):
        return ValidationError('access_package', reference, 'no access package has this %s%s' % (
            'id' if is_guid(reference) else 'name', ' in catalog %r' % catalog if catalog else ''))

    def view(self, ctx, obj, relations=None):
        user_ids, group_ids = subject_ids(obj)
        names = directory_names(ctx)
        labels = (names.labels(ctx, 'user', user_ids), names.labels(ctx, 'group', group_ids))
        for kind, found in zip(('users', 'groups'), labels):
            ctx.ids.update({(kind, label): object_id for object_id, label in found.items()})
        result = super().view(ctx, obj, relations)
        result['access_package'] = (obj.get('accessPackage') or {}).get('displayName')
        result['catalog'] = (obj.get('catalog') or {}).get('displayName')
        result.update(policy_view(obj, labels))
        return result

    # ---- desired state ----

    @staticmethod
    def _people(ctx):
        """Every user and group the task names, resolved with one read per kind: ``{(kind, reference): object}``."""
        references = {'users': [], 'groups': []}

        def collect(kind, reference, option):
            references[kind].append((reference, option))
            return reference
        declared_sections(ctx.params, collect)
        held = dict(zip(('users', 'groups'), subject_ids(ctx.current) if ctx.current else ((), ())))
        found = {}
        for kind, directory_kind in (('users', 'user'), ('groups', 'group')):
            if references[kind]:
                objects = directory_names(ctx).resolve(ctx, directory_kind, references[kind], held=held[kind], in_play=kind == 'groups')
                found.update(((kind, reference), obj) for (reference, dummy), obj in zip(references[kind], objects))
        return found

    def desired(self, ctx):
        wanted = super().desired(ctx)
        found = self._people(ctx)

        def resolve(kind, reference, dummy):
            obj = found[(kind, reference)]
            label = obj.get('userPrincipalName' if kind == 'users' else 'displayName') or obj['id']
            ctx.ids[(kind, label)] = obj['id']
            return label
        wanted.update(declared_sections(ctx.params, resolve))
        return wanted

    def defaults(self, ctx, wanted):
        if not wanted.get('display_name'):
            raise ValidationError('display_name', None, 'is required to create an assignment policy')
        if 'requestors' not in wanted:
            raise ValidationError('requestors', None, 'is required to create an assignment policy (who may request it)')
        return {'access_package': ctx.package.get('displayName')}

    def plan(self, ctx, before, wanted):
        after = super().plan(ctx, before, wanted)
        after.update(plan_sections(before, wanted))
        after.setdefault('access_package', (ctx.package or {}).get('displayName'))
        check_plan(after)
        return after

    def differs(self, before, after):
        return super().differs(before, after) or any(before.get(s) != after.get(s) for s in SECTIONS)

    # ---- writing ----

    def create(self, ctx, after):
        body = policy_body(after, {}, ctx.ids, ctx.package['id'], SECTIONS)
        name = after['display_name']
        created = ctx.client.create(self.path, body, action='creating assignment policy %r' % name,
                                    recover=lambda: self._recover_created(ctx, name))
        self._take_question_ids(after, created)
        return created

    def update(self, ctx, obj, before, after):
        sections = [section for section in SECTIONS if before.get(section) != after.get(section)]
        body = policy_body(after, obj, ctx.ids, ctx.package['id'], sections)
        replaced = ctx.client.put(self.item_path(obj['id']), body, action='replacing assignment policy %r' % after['display_name'])
        self._take_question_ids(after, replaced)

    @staticmethod
    def _take_question_ids(after, answer):
        """New questions get their ids from Graph's answer (matched by position, which the sequence fixes)."""
        graph = sorted((answer or {}).get('questions') or [], key=lambda q: q.get('sequence') or 0)
        if len(graph) == len(after.get('questions') or []):
            for question, created in zip(after['questions'], graph):
                question['id'] = created.get('id') or question['id']

    def check_delete(self, ctx, obj):
        active = active_assignments(ctx, 'assignmentPolicy/id', obj['id'], 'assignment policy %r' % obj.get('displayName'),
                                    package_id=(obj.get('accessPackage') or {}).get('id'))
        if active:
            raise ResourceError('assignment policy %r has %d active assignment(s); Entra refuses to delete it until they '
                                'are removed or expire' % (obj.get('displayName'), len(active)))


# ---- access_package_assignment_policy_info: the listing --------------------------------------------------------------

class AssignmentPolicyInfoSpec(InfoSpec, AssignmentPolicySpec):
    plural = 'assignment_policies'
    filters = dict(
        access_package=dict(type='str'),
        catalog=dict(type='str'),
    )

    def validate(self, params):
        """Nothing to check: every filter is optional."""

    # ---- the query -----------------------------------------------------------------------------------------------

    def select(self, ctx):
        """The policy with the id, else those with the name, else every policy; of the package when one is named."""
        if ctx.params.get('id'):
            found = self.get(ctx, ctx.params['id'])
            return [found] if found else []
        package = None
        if ctx.params.get('access_package'):
            package = find_package(ctx, ctx.params['access_package'], ctx.params.get('catalog'))
            if package is None:
                return []
        params = {'$expand': self.expand}
        if ctx.params.get('display_name'):
            params['$filter'] = 'displayName eq %s' % odata_quote(ctx.params['display_name'])
        policies = ctx.client.list(self.path, params=params, action='listing assignment policies')
        return [p for p in policies if package is None or (p.get('accessPackage') or {}).get('id') == package['id']]
