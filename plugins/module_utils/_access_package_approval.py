# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The approver's decision on a stage of an access package request: an action, not a resource.

Internal use only: this file is not part of the collection's public API and may change without notice.

Deciding needs the approver's delegated token (Graph refuses application credentials for approvals).
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._actions import ActionSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    APPROVALS, REQUESTS, latest, moment, require_delegated, signed_in_user)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError, is_guid, names_object

DECISIONS = {'approve': 'Approve', 'deny': 'Deny'}
# approvalstage-update.md takes Approve / Deny; resources/approvalstage.md says a read returns Approved / Denied.
REVIEW_RESULTS = {'Approve': 'approve', 'Approved': 'approve', 'Deny': 'deny', 'Denied': 'deny'}
DECIDED = {'approve': 'approved', 'deny': 'denied'}


# ---- pure helpers (unit-tested) -------------------------------------------------------------------------------------

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


# ---- access_package_approval: the approver's decision on the current stage -------------------------------------------

class ApprovalSpec(ActionSpec):
    """The signed-in approver's decision on a request's approval stage; reported, not repeated, once made."""

    noun = 'approval'
    slots = {'me': 'the signed-in approver', 'request': 'the request decided on', 'stage_number': 'its stage (from 1)',
             'stage': 'the approval stage decided'}
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
    diff_keys = ('id', 'requestor', 'access_package', 'stage', 'decision', 'justification', 'reviewed_by')

    def validate(self, params):
        require_delegated(params, 'deciding an approval')
        if params.get('requestor') and not params.get('access_package'):
            raise ValidationError('access_package', None, 'is required with requestor (the package the request is for)')
        if params.get('request_id') is not None and not is_guid(params['request_id']):
            raise ValidationError('request_id', params['request_id'], 'must be the id (a GUID) of an assignment request')

    def find(self, ctx):
        """The request's approval and the stage you act on (the running one when it is yours, else the one you decided)."""
        ctx.me = signed_in_user(ctx, 'access_package_approval')
        if ctx.params.get('request_id'):
            request_id = ctx.params['request_id']
            request = next((r for r in self._pending(ctx) if r['id'].lower() == request_id.lower()), None)
            request = request or self._request(ctx, request_id) or {'id': request_id}
        else:
            user = ctx.refs.resolve('user', ctx.params['requestor'].strip(), 'requestor')
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

    def act(self, ctx, found):
        before = self._view(ctx, found)
        after = self._decided_view(ctx, before)
        changed = before.get('decision') != after.get('decision')
        if changed and not ctx.check_mode:
            body = {'reviewResult': DECISIONS[after['decision']]}
            if after.get('justification'):
                body['justification'] = after['justification']
            ctx.client.patch('%s/%s/stages/%s' % (APPROVALS, found['id'], ctx.stage['id']), body,
                             action='deciding stage %d of request %s (%s)' % (ctx.stage_number, found['id'], after['decision']))
        return self.result(changed, before, after)

    @staticmethod
    def _view(ctx, found):
        stage = ctx.stage
        return {
            'id': found['id'],
            'requestor': (ctx.request.get('requestor') or {}).get('principalName'),
            'access_package': (ctx.request.get('accessPackage') or {}).get('displayName'),
            'stage': ctx.stage_number,
            'decision': decision_of(stage),
            'justification': stage.get('justification') or None,
            'reviewed_by': (stage.get('reviewedBy') or {}).get('displayName'),
            'reviewed_date_time': moment(stage.get('reviewedDateTime')),
            'request_state': ctx.request.get('state'),
        }

    @staticmethod
    def _decided_view(ctx, before):
        """The stage once decided as asked: as it is when it was decided that way already; an error when it cannot be
        (decided the other way, ended undecided, or, predicted in check mode, not yours to decide)."""
        stage, wanted_decision = ctx.stage, ctx.params['decision']
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
        return dict(before, decision=wanted_decision, justification=ctx.params.get('justification'),
                    reviewed_by=ctx.me.get('displayName'), reviewed_date_time=None)
