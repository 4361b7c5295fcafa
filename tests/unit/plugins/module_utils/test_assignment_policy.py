"""Assignment policy pure functions: input rules, Graph <-> option views, planning over the current policy, PUT body."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils import _access_package_assignment_policy as policy
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_reviews import REVIEW_DEFAULTS, AccessReviews
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_sections import STAGE, Expiration, Stage
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError

FALLBACK = '11111111-1111-1111-1111-111111111111'
FINANCE = '22222222-2222-2222-2222-222222222222'
LABELS = ({FALLBACK: 'it.approvals@contoso.com'}, {FINANCE: 'Finance Team'})
IDS = {('users', 'it.approvals@contoso.com'): FALLBACK, ('groups', 'Finance Team'): FINANCE}


# The whole-policy view and PUT body the spec's section fields make, composed here as the spec composes them.

def policy_view(graph, labels):
    return {section.option: section.view(graph, labels) for section in policy.SECTION_FIELDS}


def policy_body(after, current, ids, package_id, sections):
    body = {key: copy.deepcopy(value) for key, value in (current or {}).items()
            if key not in policy.READ_ONLY and not key.startswith('@odata.') and '@odata.' not in key}
    body['displayName'] = after['display_name']
    if 'description' in after:
        body['description'] = after['description']
    body['requestorSettings'] = body.get('requestorSettings') or {}
    for section in policy.SECTION_FIELDS:
        if section.option in sections:
            section.write(body, after[section.option], ids)
    body['accessPackage'] = {'id': package_id}
    return body


GRAPH_POLICY = {
    '@odata.context': 'https://graph/v1.0/$metadata#assignmentPolicies/$entity',
    'id': 'p1', 'displayName': 'Finance JIT', 'description': 'd', 'createdDateTime': 't', 'modifiedDateTime': 't',
    'allowedTargetScope': 'specificDirectoryUsers',
    'specificAllowedTargets': [{'@odata.type': '#microsoft.graph.groupMembers', 'groupId': FINANCE.upper(), 'description': 'x'}],
    'automaticRequestSettings': None,
    'expiration': {'type': 'afterDuration', 'duration': 'PT2H', 'endDateTime': None},
    'requestorSettings': {'enableTargetsToSelfAddAccess': True, 'enableTargetsToSelfUpdateAccess': False,
                          'enableTargetsToSelfRemoveAccess': True, 'allowCustomAssignmentSchedule': False,
                          'enableOnBehalfRequestorsToAddAccess': False, 'enableOnBehalfRequestorsToUpdateAccess': False,
                          'enableOnBehalfRequestorsToRemoveAccess': False, 'onBehalfRequestors': []},
    'requestApprovalSettings': {'isApprovalRequiredForAdd': True, 'isApprovalRequiredForUpdate': False,
                                'isRequestorJustificationRequired': True, 'stages': [{
                                    'durationBeforeAutomaticDenial': 'P14D', 'isApproverJustificationRequired': True,
                                    'isEscalationEnabled': False, 'durationBeforeEscalation': 'PT0S',
                                    'primaryApprovers': [{'@odata.type': '#microsoft.graph.requestorManager', 'managerLevel': 1}],
                                    'fallbackPrimaryApprovers': [{'@odata.type': '#microsoft.graph.singleUser', 'userId': FALLBACK}],
                                    'escalationApprovers': [], 'fallbackEscalationApprovers': [],
                                    'approverInformationVisibility': 'visible'}]},
    'reviewSettings': None,
    'notificationSettings': {'isAssignmentNotificationDisabled': True},
    'questions': [
        {'@odata.type': '#microsoft.graph.accessPackageTextInputQuestion', 'id': 'q1', 'sequence': 1, 'isRequired': True,
         'isAnswerEditable': False, 'text': 'Which task?', 'localizations': [], 'isSingleLineQuestion': True, 'regexPattern': None},
        {'@odata.type': '#microsoft.graph.accessPackageMultipleChoiceQuestion', 'id': 'q2', 'sequence': 2, 'isRequired': False,
         'isAnswerEditable': False, 'text': 'Data?', 'localizations': [{'languageCode': 'fr-FR', 'text': 'Données ?'}],
         'isMultipleSelectionAllowed': False, 'choices': [{'actualValue': 'no', 'text': 'No', 'localizations': []}]},
    ],
    'accessPackage': {'id': 'ap1', 'displayName': 'ChatGPT'},
    'catalog': {'id': 'c1', 'displayName': 'AI tools'},
}


def params(**changes):
    """Module parameters as AnsibleModule hands them over: every suboption present, unset ones None or default."""
    stage = dict(approvers=dict(manager=True, sponsors=None, users=None, groups=None),
                 fallback_approvers=dict(users=['it.approvals@contoso.com'], groups=None),
                 escalation=None, approver_justification=True, deadline_days=14)
    base = dict(
        display_name='Finance JIT', id=None, access_package='ChatGPT', catalog=None, description='d',
        requestors=dict(scope='specific', users=None, groups=['Finance Team'], self_requests=None, self_extensions=None,
                        self_removals=None, on_behalf_requests=None),
        approval=dict(required=True, required_for_extension=None, requestor_justification=True, stages=[stage]),
        expiration=dict(hours=2, days=None, duration=None, end_date=None, never=None),
        allow_custom_schedule=False,
        questions=[dict(text='Which task?', type='text', required=True, answer_editable=False, multiline=False, regex=None,
                        localizations=None, choices=None, allow_multiple=False),
                   dict(text='Data?', type='multiple_choice', required=False, answer_editable=False, multiline=False,
                        regex=None, localizations=[dict(language='fr-FR', text='Données ?')],
                        choices=[dict(value='no', text='No', localizations=None)], allow_multiple=False)],
        access_reviews=dict(enabled=False, recurrence=None, duration_days=None, starts=None, self_review=None,
                            reviewers=None, fallback_reviewers=None, decision_default=None, recommendations=None,
                            reviewer_justification=None),
    )
    base.update(changes)
    return base


def validate_policy(params):
    """Every input rule the module checks before any Graph call: the fields' own (sections included), then the spec's."""
    spec = policy.AssignmentPolicySpec()
    spec.validate_fields(params)
    spec.validate(params)


def resolve(kind, reference, option):
    """Stands in for the directory: references are labels already."""
    del kind, option
    return reference


def stage_with(**changes):
    stage = copy.deepcopy(params()['approval']['stages'][0])
    stage.update(changes)
    return stage


@pytest.mark.parametrize('changes, fragment', [
    ({'display_name': ' '}, "display_name=' ': must not be blank"),
    ({'access_package': None}, 'access_package=None: is required'),
    ({'approval': dict(required=True, stages=[stage_with()] * 4)}, "approval.stages='4 stages': Entra allows 1 to 3"),
    ({'approval': dict(required=True, stages=[])}, 'approval.stages=[]: approval.required=true needs 1 to 3 stages'),
    ({'approval': dict(stages=[stage_with(deadline_days=15)])}, 'approval.stages[1].deadline_days=15: must be 1 to 14'),
    ({'approval': dict(stages=[stage_with(deadline_days=0)])}, 'approval.stages[1].deadline_days=0'),
    ({'approval': dict(stages=[stage_with(fallback_approvers=None)])}, 'approval.stages[1].fallback_approvers=None: is required'),
    ({'approval': dict(stages=[stage_with(approvers=dict(sponsors=True), fallback_approvers=dict(users=[]))])},
     'approval.stages[1].fallback_approvers'),
    ({'approval': dict(stages=[stage_with(approvers=None)])}, 'approval.stages[1].approvers=None: every stage needs'),
    ({'approval': dict(stages=[stage_with(approvers=dict(users=[' ']))])}, "approval.stages[1].approvers.users=' ': must not be blank"),
    ({'approval': dict(stages=[stage_with(escalation=dict(enabled=True, after_days=3, approvers=None))])},
     'approval.stages[1].escalation.approvers=None: is required when escalation is enabled'),
    ({'approval': dict(stages=[stage_with(escalation=dict(enabled=True, after_days=14, approvers=dict(users=['a@b.c'])))])},
     'approval.stages[1].escalation.after_days=14: must be at least 1 and less than deadline_days'),
    ({'expiration': dict(hours=0)}, 'expiration.hours=0: must be at least 1'),
    ({'expiration': dict(days=-1)}, 'expiration.days=-1'),
    ({'expiration': dict(days=3661)}, 'expiration.days=3661: must be at most 3660 days'),
    ({'expiration': dict(hours=2, days=1)}, "expiration={'hours': 2, 'days': 1}: give exactly one of"),
    ({'expiration': dict(never=False)}, 'give exactly one of'),
    ({'expiration': dict(duration='PT0S')}, "expiration.duration='PT0S': must be longer than zero"),
    ({'expiration': dict(end_date='soon')}, "expiration.end_date='soon'"),
    ({'requestors': dict(scope='specific')}, "requestors.scope='specific': needs at least one entry"),
    ({'requestors': dict(scope='none', users=['a@b.c'])}, "requestors.scope='none': takes no users or groups"),
    ({'questions': [dict(text=None)]}, 'questions[1].text=None: every question needs text'),
    ({'questions': [dict(text='A'), dict(text='A ')]}, "questions[2].text='A ': two questions have this text"),
    ({'questions': [dict(text='A', type='multiple_choice')]}, 'questions[1].choices=None: a multiple_choice question needs choices'),
    ({'questions': [dict(text='A', choices=[dict(value='x')])]}, 'only multiple_choice questions take choices'),
    ({'questions': [dict(text='A', type='multiple_choice', regex='x', choices=[dict(value='x')])]}, 'only text questions take regex'),
    ({'questions': [dict(text='A', regex='(')]}, "questions[1].regex='(': is not a valid regular expression"),
    ({'questions': [dict(text='A', type='multiple_choice', choices=[dict(value='x'), dict(value='x')])]},
     "questions[1].choices[2].value='x': two choices have this value"),
    ({'questions': [dict(text='A', localizations=[dict(language='fr', text=None)])]}, 'questions[1].localizations[1]'),
    ({'access_reviews': dict(duration_days=0)}, 'access_reviews.duration_days=0: must be 1 to 180 days'),
    ({'access_reviews': dict(reviewers=dict(manager=True))}, 'access_reviews.fallback_reviewers=None: is required'),
    ({'access_reviews': dict(starts='later')}, "access_reviews.starts='later'"),
])
def test_validate_policy_names_option_value_and_rule(changes, fragment):
    with pytest.raises(ValidationError) as info:
        validate_policy(params(**changes))
    assert fragment in str(info.value)


def test_validate_policy_accepts_the_seed_and_no_sections():
    validate_policy(params())
    validate_policy(dict(display_name='x', access_package='p'))
    validate_policy(params(expiration=dict(never=True)))


@pytest.mark.parametrize('expiration, view', [
    (dict(hours=2), {'duration': 'PT2H'}), (dict(hours=48), {'duration': 'P2D'}), (dict(days=14), {'duration': 'P14D'}),
    (dict(duration='PT36H'), {'duration': 'P1DT12H'}), (dict(end_date='2026-12-31'), {'end_date': '2026-12-31T00:00:00Z'}),
    (dict(never=True), {'never': True}), (dict(never=False, hours=1), {'duration': 'PT1H'}),
])
def test_expiration_view(expiration, view):
    assert Expiration.canonical(expiration) == view


@pytest.mark.parametrize('graph, view', [
    ({'type': 'afterDuration', 'duration': 'PT48H'}, {'duration': 'P2D'}),
    ({'type': 'afterDateTime', 'endDateTime': '2026-12-31T00:00:00.0000000Z'}, {'end_date': '2026-12-31T00:00:00Z'}),
    ({'type': 'noExpiration'}, {'never': True}), ({'type': 'notSpecified'}, {'never': True}), (None, {'never': True}),
])
def test_expiration_graph_view(graph, view):
    assert Expiration.graph_view(graph) == view


def test_policy_view_reads_graph_in_the_options_words():
    view = policy_view(GRAPH_POLICY, LABELS)
    assert view['requestors'] == {'scope': 'specific', 'groups': ['Finance Team'], 'self_requests': True, 'self_extensions': False,
                                  'self_removals': True, 'on_behalf_requests': False}
    assert view['approval'] == {'required': True, 'required_for_extension': False, 'requestor_justification': True, 'stages': [
        {'approvers': {'manager': True}, 'fallback_approvers': {'users': ['it.approvals@contoso.com']},
         'approver_justification': True, 'deadline_days': 14}]}
    assert view['expiration'] == {'duration': 'PT2H'} and view['allow_custom_schedule'] is False
    assert [q['id'] for q in view['questions']] == ['q1', 'q2']
    assert view['questions'][1]['localizations'] == [{'language': 'fr-FR', 'text': 'Données ?'}]
    assert view['access_reviews'] == {'enabled': False}
    assert policy.subject_ids(GRAPH_POLICY) == ({FALLBACK}, {FINANCE})


def test_declared_seed_plans_to_exactly_the_current_view():
    before = policy_view(GRAPH_POLICY, LABELS)
    wanted = policy.declared_sections(params(), resolve)
    after = policy.plan_sections(before, wanted)
    assert after == before


def test_unmanaged_people_and_subjects_show_up():
    odd = copy.deepcopy(GRAPH_POLICY)
    odd['specificAllowedTargets'].append({'@odata.type': '#microsoft.graph.connectedOrganizationMembers', 'connectedOrganizationId': 'o'})
    odd['specificAllowedTargets'].append({'@odata.type': '#microsoft.graph.singleUser', 'userId': 'GONE'})
    view = policy_view(odd, LABELS)
    assert view['requestors']['other'] == ['connectedOrganizationMembers'] and view['requestors']['users'] == ['GONE']
    after = policy.plan_sections(view, policy.declared_sections(params(), resolve))
    assert after['requestors'] != view['requestors']


def test_plan_keeps_unset_options_and_fills_defaults_for_a_new_policy():
    before = policy_view(GRAPH_POLICY, LABELS)
    wanted = policy.declared_sections(dict(requestors=dict(scope='all_members', self_extensions=True),
                                           approval=dict(required=None, stages=None)), resolve)
    after = policy.plan_sections(before, wanted)
    assert after['requestors'] == {'scope': 'all_members', 'self_requests': True, 'self_extensions': True, 'self_removals': True,
                                   'on_behalf_requests': False}
    assert after['approval'] == before['approval'] and after['questions'] == before['questions']

    created = policy.plan_sections({}, policy.declared_sections(dict(requestors=dict(scope='none')), resolve))
    assert created == {'requestors': {'scope': 'none', 'self_requests': False, 'self_extensions': False, 'self_removals': False,
                                      'on_behalf_requests': False},
                       'approval': {'required': False, 'required_for_extension': False, 'requestor_justification': False, 'stages': []},
                       'expiration': {'never': True}, 'allow_custom_schedule': False, 'questions': [],
                       'access_reviews': {'enabled': False}}


@pytest.mark.parametrize('current, declared, ids', [
    ([{'id': 'q1', 'text': 'A'}, {'id': 'q2', 'text': 'B'}], ['B', 'A'], ['q2', 'q1']),
    ([{'id': 'q1', 'text': 'A'}], ['A', 'C'], ['q1', None]),
    ([{'id': 'q1', 'text': 'A'}, {'id': 'q2', 'text': 'A'}], ['A', 'A'], ['q1', 'q2']),
    ([], ['A'], [None]),
])
def test_questions_keep_the_id_of_the_same_text(current, declared, ids):
    matched = policy.QUESTIONS.merge(current, [{'text': text, 'id': None} for text in declared])
    assert [q['id'] for q in matched] == ids


def test_reviews_plan_and_body():
    on = policy.declared_sections(dict(access_reviews=dict(enabled=True, self_review=True, reviewers=None,
                                                           fallback_reviewers=None, starts='2026-01-05')), resolve)
    planned = policy.plan_sections({'access_reviews': {'enabled': False}}, on)['access_reviews']
    assert planned == dict(REVIEW_DEFAULTS, enabled=True, self_review=True, starts='2026-01-05T00:00:00Z',
                           reviewers={}, fallback_reviewers={})
    body = AccessReviews.graph(planned, IDS)
    assert body['isEnabled'] is True and body['isSelfReview'] is True and body['expirationBehavior'] == 'keepAccess'
    assert body['schedule'] == {'startDateTime': '2026-01-05T00:00:00Z',
                                'expiration': {'type': 'afterDuration', 'duration': 'P14D', 'endDateTime': None},
                                'recurrence': {'pattern': {'type': 'absoluteMonthly', 'interval': 3},
                                               'range': {'type': 'noEnd', 'numberOfOccurrences': 0}}}
    graph_view = policy.ACCESS_REVIEWS.view({'reviewSettings': body}, LABELS)
    assert graph_view == planned
    off = policy.plan_sections({'access_reviews': graph_view}, {'access_reviews': {'enabled': False, 'recurrence': 'weekly'}})
    assert off['access_reviews'] == {'enabled': False}
    assert AccessReviews.graph({'enabled': False}, IDS, body) == dict(body, isEnabled=False)
    assert AccessReviews.graph({'enabled': False}, IDS) is None


def test_policy_body_writes_only_the_changed_sections_over_the_current_policy():
    before = policy_view(GRAPH_POLICY, LABELS)
    after = dict(before, display_name='Finance JIT', description='d', expiration={'duration': 'PT4H'})
    body = policy_body(after, GRAPH_POLICY, IDS, 'ap1', ['expiration'])
    assert body['expiration'] == {'type': 'afterDuration', 'duration': 'PT4H', 'endDateTime': None}
    assert body['accessPackage'] == {'id': 'ap1'}
    assert not {'id', 'createdDateTime', 'modifiedDateTime', 'catalog', '@odata.context'} & set(body)
    assert body['questions'] == GRAPH_POLICY['questions'] and body['notificationSettings'] == {'isAssignmentNotificationDisabled': True}
    assert body['requestApprovalSettings'] == GRAPH_POLICY['requestApprovalSettings']
    assert GRAPH_POLICY['expiration']['duration'] == 'PT2H'


def test_policy_body_for_a_new_policy_and_rewritten_stages():
    after = policy.plan_sections({}, policy.declared_sections(params(), resolve))
    after.update(display_name='Finance JIT', description='d')
    body = policy_body(after, {}, IDS, 'ap1', policy.SECTIONS)
    assert body['allowedTargetScope'] == 'specificDirectoryUsers'
    assert body['specificAllowedTargets'] == [{'@odata.type': '#microsoft.graph.groupMembers', 'groupId': FINANCE, 'description': 'Finance Team'}]
    assert body['requestorSettings']['enableTargetsToSelfAddAccess'] is True
    assert body['requestorSettings']['onBehalfRequestors'] == []
    [stage] = body['requestApprovalSettings']['stages']
    assert stage['durationBeforeAutomaticDenial'] == 'P14D' and stage['durationBeforeEscalation'] == 'PT0S'
    assert stage['fallbackPrimaryApprovers'] == [{'@odata.type': '#microsoft.graph.singleUser', 'userId': FALLBACK,
                                                  'description': 'it.approvals@contoso.com'}]
    assert [q.get('id') for q in body['questions']] == [None, None] and [q['sequence'] for q in body['questions']] == [1, 2]
    assert body['questions'][1]['choices'] == [{'actualValue': 'no', 'text': 'No', 'localizations': []}]
    assert body['reviewSettings'] is None and body['expiration']['duration'] == 'PT2H'

    escalating = stage_with(deadline_days=7, escalation=dict(enabled=True, after_days=3, approvers=dict(groups=['Finance Team']),
                                                             fallback_approvers=None))
    rewritten = Stage.write(STAGE.declare(1, escalating, resolve), IDS, GRAPH_POLICY['requestApprovalSettings']['stages'][0])
    assert (rewritten['isEscalationEnabled'], rewritten['durationBeforeEscalation'], rewritten['durationBeforeAutomaticDenial']) == (True, 'P3D', 'P7D')
    assert rewritten['approverInformationVisibility'] == 'visible'
    assert STAGE.view(rewritten, LABELS)['escalation'] == {'after_days': 3, 'approvers': {'groups': ['Finance Team']}}


def test_check_plan_rules_on_the_merged_policy():
    with pytest.raises(ValidationError, match='approval.required=True: needs approval.stages'):
        policy.check_plan({'approval': {'required': True, 'stages': []}})
    with pytest.raises(ValidationError, match='access reviews need reviewers'):
        policy.check_plan({'access_reviews': {'enabled': True, 'self_review': False, 'reviewers': {}}})
    policy.check_plan({'approval': {'required': False, 'stages': []}, 'access_reviews': {'enabled': False}})
