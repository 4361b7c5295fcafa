# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sections of an access package assignment policy, each a field type that carries its input rules, its view of
Graph's policy, its plan over the current section and the Graph properties it writes: requestors, approval (and its
stages), expiration and custom schedules (questions and access reviews have files of their own).

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_people import People, Section
from ansible_collections.jitaccess.entra.plugins.module_utils._durations import duration_from, duration_seconds, format_duration
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import canonical_datetime
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError

MAX_STAGES = 3
MAX_DEADLINE_DAYS = 14
MAX_EXPIRATION_DAYS = 3660
SCOPES = {'all_members': 'allMemberUsers', 'all_members_and_guests': 'allDirectoryUsers',
          'specific': 'specificDirectoryUsers', 'none': 'notSpecified'}
REQUESTOR_FLAGS = {'self_requests': 'enableTargetsToSelfAddAccess', 'self_extensions': 'enableTargetsToSelfUpdateAccess',
                   'self_removals': 'enableTargetsToSelfRemoveAccess', 'on_behalf_requests': 'enableOnBehalfRequestorsToAddAccess'}
APPROVAL_FLAGS = {'required': 'isApprovalRequiredForAdd', 'required_for_extension': 'isApprovalRequiredForUpdate',
                  'requestor_justification': 'isRequestorJustificationRequired'}


def overlay(current, declared, defaults):
    """Declared values over the current ones, over the defaults; a declared None keeps what is there."""
    out = dict(defaults)
    out.update(current or {})
    out.update({key: value for key, value in declared.items() if value is not None})
    return out


def days_view(duration):
    seconds = duration_seconds(duration) if duration else 0
    return seconds // 86400 if seconds % 86400 == 0 else round(seconds / 86400.0, 3)


def days_duration(days):
    return format_duration(int(round(days * 86400)))


class Requestors(Section):
    """Who may request the package (``allowedTargetScope``, ``specificAllowedTargets``) and what they may do."""

    people = People()

    def validate(self, value, option_path=None):
        if value is None:
            return
        specific = value['scope'] == 'specific'
        listed = bool(value.get('users') or value.get('groups'))
        if specific and not listed:
            raise ValidationError('requestors.scope', 'specific', 'needs at least one entry in requestors.users or requestors.groups')
        if listed and not specific:
            raise ValidationError('requestors.scope', value['scope'], 'takes no users or groups; use scope=specific to name them')
        self.people.validate(value, 'requestors')

    def subjects(self, policy):
        yield policy.get('specificAllowedTargets')

    def view(self, policy, labels):
        settings = policy.get('requestorSettings') or {}
        scopes = {graph: name for name, graph in SCOPES.items()}
        targets = self.people.view(policy.get('specificAllowedTargets'), labels)
        out = {'scope': scopes.get(policy.get('allowedTargetScope'), policy.get('allowedTargetScope'))}
        out.update({key: targets[key] for key in ('users', 'groups', 'other') if key in targets})
        out.update({name: bool(settings.get(prop)) for name, prop in REQUESTOR_FLAGS.items()})
        return out

    def declare(self, value, resolve):
        out = dict({'scope': value['scope']}, **self.people.declare(value, resolve, 'requestors'))
        out.update({name: value.get(name) for name in REQUESTOR_FLAGS})
        return out

    def merge(self, current, declared):
        open_to_requests = declared['scope'] != 'none'
        defaults = {'self_requests': open_to_requests, 'self_extensions': False, 'self_removals': open_to_requests,
                    'on_behalf_requests': False}
        kept = {key: value for key, value in (current or {}).items() if key in REQUESTOR_FLAGS}
        after = dict({'scope': declared['scope']}, **{key: declared[key] for key in ('users', 'groups') if key in declared})
        after.update(overlay(kept, {key: declared.get(key) for key in REQUESTOR_FLAGS}, defaults))
        return after

    def write(self, body, after, ids):
        settings = body['requestorSettings']
        body['allowedTargetScope'] = SCOPES.get(after['scope'], after['scope'])
        body['specificAllowedTargets'] = self.people.write(after, ids)
        settings.update({prop: after[name] for name, prop in REQUESTOR_FLAGS.items()})
        for prop in ('enableOnBehalfRequestorsToUpdateAccess', 'enableOnBehalfRequestorsToRemoveAccess'):
            settings.setdefault(prop, False)
        settings['onBehalfRequestors'] = self.people.write({'manager': True}, ids) if after['on_behalf_requests'] else []


class CustomSchedule(Section):
    """Whether requestors may pick their own start and end (``requestorSettings.allowCustomAssignmentSchedule``)."""

    def view(self, policy, labels):
        return bool((policy.get('requestorSettings') or {}).get('allowCustomAssignmentSchedule'))

    def write(self, body, after, ids):
        body['requestorSettings']['allowCustomAssignmentSchedule'] = after


class Stage:
    """One approval stage (stages are matched by position): approvers, a deadline, optional escalation."""

    approvers = People(('manager', 'sponsors'))
    fallback = People()
    GRAPH_PEOPLE = ('primaryApprovers', 'fallbackPrimaryApprovers', 'escalationApprovers', 'fallbackEscalationApprovers')

    def validate(self, number, stage):
        option = 'approval.stages[%d]' % number
        if not People.named(stage.get('approvers')):
            raise ValidationError(option + '.approvers', stage.get('approvers'), 'every stage needs at least one approver '
                                  '(manager, sponsors, users or groups)')
        self.approvers.validate(stage['approvers'], option + '.approvers')
        self.fallback.validate(stage.get('fallback_approvers'), option + '.fallback_approvers')
        deadline = stage.get('deadline_days')
        if deadline is not None and not 1 <= deadline <= MAX_DEADLINE_DAYS:
            raise ValidationError(option + '.deadline_days', deadline, 'must be 1 to %d days (a request not decided by then is '
                                  'denied automatically)' % MAX_DEADLINE_DAYS)
        if People.needs_fallback(stage['approvers']) and not People.named(stage.get('fallback_approvers')):
            raise ValidationError(option + '.fallback_approvers', stage.get('fallback_approvers'),
                                  'is required when approvers include the manager or sponsors (it handles requestors who have none)')
        escalation = stage.get('escalation') or {}
        if escalation.get('enabled', True) and stage.get('escalation'):
            if not People.named(escalation.get('approvers')):
                raise ValidationError(option + '.escalation.approvers', escalation.get('approvers'),
                                      'is required when escalation is enabled')
            self.approvers.validate(escalation['approvers'], option + '.escalation.approvers')
            self.fallback.validate(escalation.get('fallback_approvers'), option + '.escalation.fallback_approvers')
            after = escalation.get('after_days')
            if after is None or not 1 <= after < (deadline or MAX_DEADLINE_DAYS):
                raise ValidationError(option + '.escalation.after_days', after, 'must be at least 1 and less than deadline_days')
            if People.needs_fallback(escalation['approvers']) and not People.named(escalation.get('fallback_approvers')):
                raise ValidationError(option + '.escalation.fallback_approvers', escalation.get('fallback_approvers'),
                                      'is required when escalation approvers include the manager or sponsors')

    def view(self, stage, labels):
        out = {'approvers': People.view(stage.get('primaryApprovers'), labels),
               'approver_justification': bool(stage.get('isApproverJustificationRequired')),
               'deadline_days': days_view(stage.get('durationBeforeAutomaticDenial'))}
        _put(out, 'fallback_approvers', People.view(stage.get('fallbackPrimaryApprovers'), labels))
        if stage.get('isEscalationEnabled'):
            out['escalation'] = {'after_days': days_view(stage.get('durationBeforeEscalation')),
                                 'approvers': People.view(stage.get('escalationApprovers'), labels)}
            _put(out['escalation'], 'fallback_approvers', People.view(stage.get('fallbackEscalationApprovers'), labels))
        return out

    def declare(self, number, stage, resolve):
        option = 'approval.stages[%d]' % number
        out = {'approvers': self.approvers.declare(stage['approvers'], resolve, option + '.approvers'),
               'approver_justification': stage['approver_justification'], 'deadline_days': stage['deadline_days']}
        _put(out, 'fallback_approvers', self.fallback.declare(stage.get('fallback_approvers'), resolve, option + '.fallback_approvers'))
        escalation = stage.get('escalation')
        if escalation and escalation.get('enabled', True):
            out['escalation'] = {'after_days': escalation['after_days'],
                                 'approvers': self.approvers.declare(escalation['approvers'], resolve, option + '.escalation.approvers')}
            _put(out['escalation'], 'fallback_approvers', self.fallback.declare(
                escalation.get('fallback_approvers'), resolve, option + '.escalation.fallback_approvers'))
        return out

    @staticmethod
    def write(stage, ids, current=None):
        """The stage over the current Graph stage at its position (members the module does not manage are kept)."""
        escalation = stage.get('escalation')
        body = dict(current or {})
        body.update({
            'durationBeforeAutomaticDenial': days_duration(stage['deadline_days']),
            'isApproverJustificationRequired': stage['approver_justification'],
            'isEscalationEnabled': bool(escalation),
            'durationBeforeEscalation': days_duration(escalation['after_days']) if escalation else 'PT0S',
            'primaryApprovers': People.write(stage['approvers'], ids),
            'fallbackPrimaryApprovers': People.write(stage.get('fallback_approvers') or {}, ids),
            'escalationApprovers': People.write(escalation['approvers'], ids) if escalation else [],
            'fallbackEscalationApprovers': People.write(escalation.get('fallback_approvers') or {}, ids) if escalation else [],
        })
        return body


def _put(out, key, block):
    """Optional people (fallbacks) are shown only when there are some."""
    if block:
        out[key] = block


STAGE = Stage()


class Approval(Section):
    """Whether requests need approval (``requestApprovalSettings``) and by whom, in up to three stages."""

    def validate(self, value, option_path=None):
        stages = (value or {}).get('stages')
        if stages is None:
            return
        if len(stages) > MAX_STAGES:
            raise ValidationError('approval.stages', '%d stages' % len(stages), 'Entra allows 1 to %d approval stages' % MAX_STAGES)
        if value.get('required') and not stages:
            raise ValidationError('approval.stages', [], 'approval.required=true needs 1 to %d stages' % MAX_STAGES)
        for number, stage in enumerate(stages, 1):
            STAGE.validate(number, stage)

    def subjects(self, policy):
        for stage in (policy.get('requestApprovalSettings') or {}).get('stages') or []:
            for key in Stage.GRAPH_PEOPLE:
                yield stage.get(key)

    def view(self, policy, labels):
        settings = policy.get('requestApprovalSettings') or {}
        out = {name: bool(settings.get(prop)) for name, prop in APPROVAL_FLAGS.items()}
        out['stages'] = [STAGE.view(stage, labels) for stage in settings.get('stages') or []]
        return out

    def declare(self, value, resolve):
        out = {name: value.get(name) for name in APPROVAL_FLAGS}
        stages = value.get('stages')
        out['stages'] = None if stages is None else [STAGE.declare(number, stage, resolve) for number, stage in enumerate(stages, 1)]
        return out

    def merge(self, current, declared):
        defaults = {'required': bool(declared.get('stages')), 'required_for_extension': False, 'requestor_justification': False,
                    'stages': []}
        return overlay(current, declared, defaults)

    def check(self, after):
        if (after or {}).get('required') and not after.get('stages'):
            raise ValidationError('approval.required', True, 'needs approval.stages (the policy has none)')

    def write(self, body, after, ids):
        graph = dict(body.get('requestApprovalSettings') or {})
        graph.update({prop: after[name] for name, prop in APPROVAL_FLAGS.items()})
        old = graph.get('stages') or []
        graph['stages'] = [STAGE.write(stage, ids, old[i] if i < len(old) else None) for i, stage in enumerate(after['stages'])]
        body['requestApprovalSettings'] = graph


class Expiration(Section):
    """When assignments end (``expiration``): after a duration (compared by length), on a date, or never."""

    def validate(self, value, option_path=None):
        if value is not None:
            self.canonical(value)

    def declare(self, value, resolve):
        return self.canonical(value)

    @staticmethod
    def canonical(value):
        """``{'duration': 'PT2H'}``, ``{'end_date': ...}`` or ``{'never': True}`` for exactly one declared way."""
        given = {key: item for key, item in value.items() if item is not None and not (key == 'never' and item is False)}
        if len(given) != 1:
            raise ValidationError('expiration', given or value, 'give exactly one of hours, days, duration, end_date or never')
        key, item = next(iter(given.items()))
        if key == 'never':
            return {'never': True}
        if key == 'end_date':
            try:
                return {'end_date': canonical_datetime(item)}
            except ValueError as exc:
                raise ValidationError('expiration.end_date', item, str(exc)) from exc
        if key in ('hours', 'days') and item < 1:
            raise ValidationError('expiration.%s' % key, item, 'must be at least 1 (use never for assignments that do not expire)')
        try:
            canonical = duration_from(**{key: item})
        except ValueError as exc:
            raise ValidationError('expiration.%s' % key, item, str(exc)) from exc
        seconds = duration_seconds(canonical)
        if seconds <= 0:
            raise ValidationError('expiration.%s' % key, item, 'must be longer than zero')
        if seconds > MAX_EXPIRATION_DAYS * 86400:
            raise ValidationError('expiration.%s' % key, item, 'must be at most %d days' % MAX_EXPIRATION_DAYS)
        return {'duration': canonical}

    def view(self, policy, labels):
        return self.graph_view(policy.get('expiration'))

    @staticmethod
    def graph_view(expiration):
        expiration = expiration or {}
        if expiration.get('type') == 'afterDuration' and expiration.get('duration'):
            return {'duration': format_duration(duration_seconds(expiration['duration']))}
        if expiration.get('type') == 'afterDateTime' and expiration.get('endDateTime'):
            return {'end_date': canonical_datetime(expiration['endDateTime'])}
        return {'never': True}

    def write(self, body, after, ids):
        if 'duration' in after:
            body['expiration'] = {'type': 'afterDuration', 'duration': after['duration'], 'endDateTime': None}
        elif 'end_date' in after:
            body['expiration'] = {'type': 'afterDateTime', 'duration': None, 'endDateTime': after['end_date']}
        else:
            body['expiration'] = {'type': 'noExpiration', 'duration': None, 'endDateTime': None}
