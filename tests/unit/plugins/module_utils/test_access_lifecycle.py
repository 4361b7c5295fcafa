"""Pure pieces of the access lifecycle: expiry within the policy, answers by question text, which approval stage an
approver acts on, and the delegated-credential rule."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_approval import choose_stage, decision_of
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment import AssignmentSpec, assignment_view, requested_schedule
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_request import answers_body, answers_view
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import latest, policy_limit, require_delegated
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError

NOW = datetime.datetime(2026, 5, 4, 14, 0, tzinfo=datetime.timezone.utc)
TWO_HOURS = {'displayName': 'JIT', 'expiration': {'type': 'afterDuration', 'duration': 'PT2H'}}
UNTIL_JUNE = {'displayName': 'Pilot', 'expiration': {'type': 'afterDateTime', 'endDateTime': '2026-06-01T00:00:00.0000000Z'}}
FOREVER = {'displayName': 'Open', 'expiration': {'type': 'noExpiration'}}


@pytest.mark.parametrize('policy, limit', [
    (TWO_HOURS, '2026-05-04T16:00:00'),
    ({'expiration': {'type': 'afterDuration', 'duration': 'P14D'}}, '2026-05-18T14:00:00'),
    (UNTIL_JUNE, '2026-06-01T00:00:00'),
    (FOREVER, None),
    ({}, None),
])
def test_policy_limit(policy, limit):
    found = policy_limit(policy, NOW)
    assert (found.strftime('%Y-%m-%dT%H:%M:%S') if found else None) == limit


# Every documented schedule carries its start (entitlementmanagement-post-assignmentrequests.md).
START = '2026-05-04T14:00:00Z'


@pytest.mark.parametrize('params, policy, schedule, end', [
    ({'expires_in_hours': 2}, TWO_HOURS, {'startDateTime': START, 'expiration': {'type': 'afterDuration', 'duration': 'PT2H'}},
     '2026-05-04T16:00:00Z'),
    ({'expires_in_hours': 1}, TWO_HOURS, {'startDateTime': START, 'expiration': {'type': 'afterDuration', 'duration': 'PT1H'}},
     '2026-05-04T15:00:00Z'),
    ({'end_date': '2026-05-04T15:30:00+00:00'}, TWO_HOURS,
     {'startDateTime': START, 'expiration': {'type': 'afterDateTime', 'endDateTime': '2026-05-04T15:30:00Z'}}, '2026-05-04T15:30:00Z'),
    ({'end_date': '2026-05-31'}, UNTIL_JUNE,
     {'startDateTime': START, 'expiration': {'type': 'afterDateTime', 'endDateTime': '2026-05-31T00:00:00Z'}}, '2026-05-31T00:00:00Z'),
    ({'expires_in_hours': 5000}, FOREVER,
     {'startDateTime': START, 'expiration': {'type': 'afterDuration', 'duration': 'PT5000H'}}, '2026-11-28T22:00:00Z'),
    ({}, TWO_HOURS, None, '2026-05-04T16:00:00Z'),
    ({}, FOREVER, None, None),
])
def test_requested_schedule(params, policy, schedule, end):
    body, predicted = requested_schedule(params, policy, NOW)
    assert body == schedule
    assert (predicted.strftime('%Y-%m-%dT%H:%M:%SZ') if predicted else None) == end


@pytest.mark.parametrize('params, policy, fragment', [
    ({'expires_in_hours': 3}, TWO_HOURS, "expires_in_hours=3: policy 'JIT' allows at most PT2H"),
    ({'end_date': '2026-05-04T17:00:00Z'}, TWO_HOURS, "end_date='2026-05-04T17:00:00Z': policy 'JIT' allows access until 2026-05-04T16:00:00Z"),
    ({'end_date': '2026-06-02'}, UNTIL_JUNE, 'allows access until 2026-06-01T00:00:00Z'),
    ({'end_date': '2026-05-04T13:00:00Z'}, FOREVER, 'must be in the future'),
])
def test_requested_schedule_beyond_the_policy(params, policy, fragment):
    with pytest.raises(ValidationError) as error:
        requested_schedule(params, policy, NOW)
    assert fragment in str(error.value)


TEXT = {'@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', 'id': 'q1', 'text': 'Which task?',
        'isRequired': True, 'regexPattern': '[A-Za-z0-9 ]+'}
CHOICE = {'@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', 'id': 'q2', 'text': 'Customer data?',
          'isRequired': True, 'choices': [{'actualValue': 'no', 'text': 'No customer data'}, {'actualValue': 'anonymised', 'text': None}]}
OPTIONAL = {'@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', 'id': 'q3', 'text': 'Anything else?', 'isRequired': False}
POLICY = {'displayName': 'JIT', 'questions': [TEXT, CHOICE, OPTIONAL],
          'requestApprovalSettings': {'isRequestorJustificationRequired': True}}


def _answers(*pairs):
    return [{'question': question, 'answer': answer} for question, answer in pairs]


@pytest.mark.parametrize('given, values', [
    (_answers(('Which task?', 'Q3 summary'), ('Customer data?', 'No customer data')), [('q1', 'Q3 summary', 'Q3 summary'), ('q2', 'no', 'No customer data')]),
    (_answers(('  which TASK? ', 'Q3'), ('customer data?', 'ANONYMISED')), [('q1', 'Q3', 'Q3'), ('q2', 'anonymised', 'anonymised')]),
    (_answers(('Which task?', 'Q3'), ('Customer data?', 'no'), ('Anything else?', '')),
     [('q1', 'Q3', 'Q3'), ('q2', 'no', 'No customer data'), ('q3', '', '')]),
])
def test_answers_body(given, values):
    body = answers_body(POLICY, given, 'Board pack')
    assert [(a['answeredQuestion']['id'], a['value'], a['displayValue']) for a in body] == values
    assert all(a['@odata.type'] == '#microsoft.graph.accessPackageAnswerString' for a in body)
    assert body[0]['answeredQuestion']['@odata.type'] == TEXT['@odata.type']


@pytest.mark.parametrize('given, justification, fragment', [
    (_answers(('Which task?', 'Q3'), ('Customer data?', 'no')), '  ', "justification='  ': policy 'JIT' requires a justification"),
    (_answers(('Which task?', 'Q3')), 'x', "requires an answer to 'Customer data?'"),
    (_answers(('Colour?', 'red')), 'x', "answers[1].question='Colour?': policy 'JIT' has no such question; its questions are: "
                                        "'Which task?', 'Customer data?', 'Anything else?'"),
    (_answers(('Which task?', 'Q3'), ('which task?', 'Q4')), 'x', "answers[2].question='which task?': is answered twice"),
    (_answers(('Which task?', 'Q3!'), ('Customer data?', 'no')), 'x', "answers[1].answer='Q3!': must match the pattern"),
    (_answers(('Which task?', ''), ('Customer data?', 'no')), 'x', "the question 'Which task?' requires an answer"),
    (_answers(('Which task?', 'Q3'), ('Customer data?', 'lots')), 'x',
     "answers[2].answer='lots': must be one of the choices of 'Customer data?': No customer data (no), None (anonymised)"),
])
def test_answers_body_refuses_what_graph_would(given, justification, fragment):
    with pytest.raises(ValidationError) as error:
        answers_body(POLICY, given, justification)
    assert fragment in str(error.value)


def test_answers_view_maps_question_ids_to_text():
    answers = [{'value': 'no', 'answeredQuestion': {'id': 'Q2'}}, {'value': 'x', 'answeredQuestion': {'id': 'gone'}}]
    assert answers_view(answers, [TEXT, CHOICE]) == [{'question': 'Customer data?', 'answer': 'no'},
                                                     {'question': 'gone', 'answer': 'x'}]
    assert answers_view(None, [TEXT]) == []


ME = 'a1'


def _stage(status, result='NotReviewed', by=None, mine=False):
    return {'status': status, 'reviewResult': result, 'reviewedBy': {'id': by} if by else None, 'assignedToMe': mine}


@pytest.mark.parametrize('stages, number', [
    ([_stage('InProgress', mine=True)], 1),
    ([_stage('Completed', 'Approve', by='A1'), _stage('InProgress')], 1),
    ([_stage('Completed', 'Approve', by='m'), _stage('InProgress', mine=True)], 2),
    ([_stage('Completed', 'Approve', by='m'), _stage('InProgress')], 2),
    ([_stage('Completed', 'Deny', by='m')], 1),
    ([_stage('Completed', 'Approve', by='m'), _stage('Completed', 'NotReviewed')], 2),
    ([], None),
])
def test_choose_stage(stages, number):
    chosen = choose_stage(stages, ME)
    assert (chosen[0] if chosen else None) == number


# approvalstage-update.md takes Approve / Deny; resources/approvalstage.md says a read returns Approved / Denied.
@pytest.mark.parametrize('result, decision', [('Approve', 'approve'), ('Deny', 'deny'), ('Approved', 'approve'), ('Denied', 'deny'),
                                              ('NotReviewed', None), (None, None)])
def test_decision_of(result, decision):
    assert decision_of({'reviewResult': result}) == decision


def test_latest_by_creation_time():
    items = [{'id': 'a', 'createdDateTime': '2026-05-04T10:00:00Z'}, {'id': 'b', 'createdDateTime': '2026-05-04T11:00:00Z'}]
    assert latest(items)['id'] == 'b' and latest([]) is None


@pytest.mark.parametrize('params, allowed', [
    ({'auth_source': 'access_token', 'access_token': 't'}, True),
    ({'auth_source': 'auto', 'access_token': 't'}, True),
    ({'auth_source': 'azure_cli'}, True),
    ({'auth_source': 'auto', 'client_secret': 's'}, False),
    ({'auth_source': 'client_secret'}, False),
    ({'auth_source': 'managed_identity'}, False),
    ({'auth_source': 'certificate'}, False),
])
def test_require_delegated(params, allowed):
    if allowed:
        require_delegated(params, 'requesting')
    else:
        with pytest.raises(ValidationError) as error:
            require_delegated(params, 'requesting')
        assert "auth_source=%r: requesting acts as a signed-in user" % params['auth_source'] in str(error.value)


ASSIGNMENT = {'id': 'a1', 'state': 'delivered', 'status': 'Delivered', 'expiredDateTime': None,
              'accessPackage': {'id': 'p1', 'displayName': 'ChatGPT'}, 'assignmentPolicy': {'id': 'q1', 'displayName': 'JIT'},
              'target': {'objectId': 'u1', 'principalName': 'sarah@contoso.com'},
              'schedule': {'startDateTime': '2026-05-04T14:00:00.0000000Z', 'expiration': {'endDateTime': '2026-05-04T16:00:00Z'}}}
PREDICTED = {'id': None, 'access_package': 'ChatGPT', 'assignment_policy': 'JIT', 'target': 'sarah@contoso.com', 'state': 'delivered',
             'status': 'Delivered', 'start_date_time': START, 'end_date_time': '2026-05-04T16:00:00Z', 'expired_date_time': None}


def test_assignment_view_shows_the_declared_fields():
    assert assignment_view(ASSIGNMENT) == dict(PREDICTED, id='a1')
    assert assignment_view({'id': 'a2', 'target': {'objectId': 'u2'}})['target'] == 'u2'


def test_a_create_reports_what_graph_made():
    spec = AssignmentSpec()
    # The assignment the request made, as Graph shows it.
    made = dict(ASSIGNMENT, state='delivering', status='Delivering')
    assert spec.after_create(None, made, PREDICTED) == dict(PREDICTED, id='a1', state='delivering', status='Delivering')
    # A request Entra has not turned into an assignment yet: the prediction, with the request's state and id.
    request = {'id': 'r1', 'requestType': 'adminAdd', 'state': 'submitted', 'status': 'Accepted', 'predicted': PREDICTED}
    assert spec.after_create(None, request, PREDICTED) == dict(PREDICTED, state='submitted', status='Accepted', request_id='r1')
