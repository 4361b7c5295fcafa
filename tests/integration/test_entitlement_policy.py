"""access_package_assignment_policy against the HTTPS emulator: the seed's JIT policy (four steps, zero writes when
converged), PUT of the whole policy keeping question ids, semantic durations, reviews, bad input before any write."""

from __future__ import annotations

import copy

import pytest

from tests.emulator.graph import entitlement
from tests.integration.harness import GraphAdmin, run_module

JIT = 'Allow ChatGPT Access'
CATALOG = 'AI tools'
PACKAGE = 'ChatGPT (2 hours)'
POLICY = 'Finance JIT (2 hours)'
EM = '/v1.0/identityGovernance/entitlementManagement'


def upn(tenant, name):
    return '%s@%s' % (name, tenant.domain)


def seed_policy(tenant, **changes):
    """The seed's policy: Finance Team requests, the manager approves (IT Approvals as fallback), two hours."""
    args = dict(
        display_name=POLICY, access_package=PACKAGE, catalog=CATALOG, description='Two hours of ChatGPT after approval',
        requestors=dict(scope='specific', groups=['Finance Team']),
        approval=dict(required=True, requestor_justification=True, stages=[dict(
            approvers=dict(manager=True), fallback_approvers=dict(users=[upn(tenant, 'it.approvals')]),
            approver_justification=True, deadline_days=14)]),
        expiration=dict(hours=2),
        allow_custom_schedule=False,
        questions=[dict(text='Which business task needs ChatGPT?', required=True),
                   dict(text='Will you paste customer data?', type='multiple_choice', required=True,
                        choices=[dict(value='no', text='No customer data'), dict(value='anonymised')])],
        access_reviews=dict(enabled=False),
    )
    args.update(changes)
    return args


@pytest.fixture
def package(emulator, tenant, auth):
    """The seed's group, catalog and package (Member role of the JIT group); the request log starts empty.

    These tests are about policies, so groups replicate into catalogs at once (test_entitlement_package waits)."""
    with emulator.lock:
        entitlement.set_replication_lag(emulator.state(tenant.tenant_id), 0)
    assert run_module('group', dict(auth, display_name=JIT))['changed'] is True
    assert run_module('access_package_catalog', dict(auth, display_name=CATALOG))['changed'] is True
    created = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG,
                                                resource_roles=[dict(group=JIT, role='member')]))
    assert created['changed'] is True, created
    emulator.clear_log()
    return created['access_package']


def stored_policies(emulator, tenant):
    with emulator.lock:
        return copy.deepcopy(emulator.state(tenant.tenant_id).table(entitlement.POLICIES).values())


def writes(emulator, tenant):
    return [(w['method'], w['path']) for w in emulator.writes(tenant.tenant_id)]


def test_seed_policy_four_steps(emulator, tenant, auth, package):
    args = dict(auth, **seed_policy(tenant))

    predicted = run_module('access_package_assignment_policy', args, check=True)
    assert predicted['changed'] is True, predicted
    policy = predicted['assignment_policy']
    assert policy['id'] is None and predicted['diff']['before'] == {}
    assert policy['expiration'] == {'duration': 'PT2H'}
    assert policy['requestors'] == {'scope': 'specific', 'groups': ['Finance Team'], 'self_requests': True,
                                    'self_extensions': False, 'self_removals': True, 'on_behalf_requests': False}
    assert [q['id'] for q in policy['questions']] == [None, None]
    assert emulator.writes(tenant.tenant_id) == []

    applied = run_module('access_package_assignment_policy', args)
    assert applied['changed'] is True, applied
    assert writes(emulator, tenant) == [('POST', EM + '/assignmentPolicies')]
    assert all(q['id'] for q in applied['assignment_policy']['questions'])
    assert dict(applied['assignment_policy'], id=None, questions=None) == dict(policy, questions=None)

    [stored] = stored_policies(emulator, tenant)
    assert stored['expiration'] == {'type': 'afterDuration', 'duration': 'PT2H', 'endDateTime': None}
    assert stored['allowedTargetScope'] == 'specificDirectoryUsers'
    finance = GraphAdmin(emulator, tenant).call('GET', "/groups?$filter=displayName eq 'Finance Team'")['value'][0]
    assert [(t['@odata.type'], t['groupId']) for t in stored['specificAllowedTargets']] == [
        ('#microsoft.graph.groupMembers', finance['id'])]
    [stage] = stored['requestApprovalSettings']['stages']
    assert stage['durationBeforeAutomaticDenial'] == 'P14D' and stage['isApproverJustificationRequired'] is True
    assert stage['primaryApprovers'] == [{'@odata.type': '#microsoft.graph.requestorManager', 'managerLevel': 1}]
    assert [a['userId'] for a in stage['fallbackPrimaryApprovers']] == [tenant.users[upn(tenant, 'it.approvals')]['id']]
    assert stored['requestApprovalSettings']['isRequestorJustificationRequired'] is True
    assert stored['requestorSettings']['allowCustomAssignmentSchedule'] is False
    assert stored['reviewSettings'] is None
    assert [q['text'] for q in stored['_questions']] == ['Which business task needs ChatGPT?', 'Will you paste customer data?']

    emulator.clear_log()
    again = run_module('access_package_assignment_policy', args, check=True)
    assert again['changed'] is False, again['diff']
    assert again['diff']['before'] == again['diff']['after']
    converged = run_module('access_package_assignment_policy', args)
    assert converged['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []
    assert converged['assignment_policy'] == applied['assignment_policy'] | {'catalog': CATALOG}


def test_changing_only_the_expiry_sends_one_put_keeping_question_ids(emulator, tenant, auth, package):
    first = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))
    question_ids = [q['id'] for q in first['assignment_policy']['questions']]
    emulator.clear_log()

    changed = run_module('access_package_assignment_policy', dict(
        auth, display_name=POLICY, access_package=PACKAGE, expiration=dict(hours=4)))
    assert changed['changed'] is True
    assert changed['diff'] == {'before': {'id': first['assignment_policy']['id'], 'display_name': POLICY,
                                          'expiration': {'duration': 'PT2H'}},
                               'after': {'id': first['assignment_policy']['id'], 'display_name': POLICY,
                                         'expiration': {'duration': 'PT4H'}}}
    puts = emulator.writes(tenant.tenant_id)
    assert [(w['method'], w['path']) for w in puts] == [('PUT', '%s/assignmentPolicies/%s' % (EM, first['assignment_policy']['id']))]
    body = puts[0]['body']
    assert body['expiration'] == {'type': 'afterDuration', 'duration': 'PT4H', 'endDateTime': None}
    assert [q['id'] for q in body['questions']] == question_ids
    assert body['accessPackage'] == {'id': package['id']}
    assert body['requestApprovalSettings']['stages'][0]['fallbackPrimaryApprovers'][0]['userId']
    [stored] = stored_policies(emulator, tenant)
    assert [q['id'] for q in stored['_questions']] == question_ids
    assert changed['assignment_policy']['questions'] == first['assignment_policy']['questions']

    emulator.clear_log()
    assert run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant, expiration=dict(duration='PT4H'))))['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []


def test_durations_compare_by_length(emulator, tenant, auth, package):
    run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant, expiration=dict(hours=48))))
    [stored] = stored_policies(emulator, tenant)
    assert stored['expiration']['duration'] == 'P2D'
    emulator.clear_log()
    for expiration in (dict(hours=48), dict(days=2), dict(duration='PT48H'), dict(duration='P2D'), dict(duration='PT2880M')):
        result = run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE,
                                                                     expiration=expiration))
        assert result['changed'] is False, (expiration, result['diff'])
    assert emulator.writes(tenant.tenant_id) == []


def test_a_changed_question_text_is_a_new_question(emulator, tenant, auth, package):
    first = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))
    kept, dropped = first['assignment_policy']['questions']
    questions = [dict(text='Which business task needs ChatGPT?', required=True), dict(text='Which project code?', regex='^[A-Z]{3}-\\d+$')]
    emulator.clear_log()
    result = run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE,
                                                                 questions=questions))
    assert result['changed'] is True
    body = emulator.writes(tenant.tenant_id)[0]['body']
    assert [q.get('id') for q in body['questions']] == [kept['id'], None]
    new_ids = [q['id'] for q in result['assignment_policy']['questions']]
    assert new_ids[0] == kept['id'] and new_ids[1] not in (None, dropped['id'])
    assert result['assignment_policy']['questions'][1]['regex'] == '^[A-Z]{3}-\\d+$'


def test_access_reviews_and_stages(emulator, tenant, auth, package):
    args = dict(auth, **seed_policy(tenant, approval=dict(stages=[
        dict(approvers=dict(manager=True), fallback_approvers=dict(groups=['Finance Team'])),
        dict(approvers=dict(users=[upn(tenant, 'emily.clark')]), deadline_days=7, approver_justification=False,
             escalation=dict(after_days=3, approvers=dict(users=[upn(tenant, 'it.approvals')]))),
    ]), access_reviews=dict(enabled=True, reviewers=dict(manager=True), fallback_reviewers=dict(users=[upn(tenant, 'emily.clark')]),
                            recurrence='monthly', starts='2026-01-05')))
    created = run_module('access_package_assignment_policy', args)
    assert created['changed'] is True, created
    reviews = created['assignment_policy']['access_reviews']
    assert reviews == {'enabled': True, 'recurrence': 'monthly', 'duration_days': 14, 'starts': '2026-01-05T00:00:00Z',
                       'self_review': False, 'reviewers': {'manager': True},
                       'fallback_reviewers': {'users': [upn(tenant, 'emily.clark')]}, 'decision_default': 'keep_access',
                       'recommendations': True, 'reviewer_justification': True}
    [stored] = stored_policies(emulator, tenant)
    second = stored['requestApprovalSettings']['stages'][1]
    assert (second['durationBeforeAutomaticDenial'], second['isEscalationEnabled'], second['durationBeforeEscalation']) == ('P7D', True, 'P3D')
    assert stored['reviewSettings']['schedule']['recurrence']['pattern'] == {'type': 'absoluteMonthly', 'interval': 1}
    assert stored['requestApprovalSettings']['isApprovalRequiredForAdd'] is True
    emulator.clear_log()
    assert run_module('access_package_assignment_policy', args)['changed'] is False
    off = run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE,
                                                              access_reviews=dict(enabled=False)))
    assert off['changed'] is True and off['assignment_policy']['access_reviews'] == {'enabled': False}
    [stored] = stored_policies(emulator, tenant)
    assert stored['reviewSettings']['isEnabled'] is False and stored['reviewSettings']['schedule']['startDateTime']
    emulator.clear_log()
    assert run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE,
                                                               access_reviews=dict(enabled=False)))['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []


def test_unmanaged_sections_and_fields_survive_a_put(emulator, tenant, auth, package):
    run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))
    with emulator.lock:
        [policy] = emulator.state(tenant.tenant_id).table(entitlement.POLICIES).values()
        policy['notificationSettings'] = {'isAssignmentNotificationDisabled': True}
    result = run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE,
                                                                 requestors=dict(scope='all_members', self_extensions=True)))
    assert result['changed'] is True
    assert result['assignment_policy']['requestors'] == {'scope': 'all_members', 'self_requests': True, 'self_extensions': True,
                                                         'self_removals': True, 'on_behalf_requests': False}
    [stored] = stored_policies(emulator, tenant)
    assert stored['notificationSettings'] == {'isAssignmentNotificationDisabled': True}
    assert stored['specificAllowedTargets'] == [] and stored['allowedTargetScope'] == 'allMemberUsers'
    assert stored['expiration']['duration'] == 'PT2H' and len(stored['_questions']) == 2


@pytest.mark.parametrize('changes, fragment', [
    ({'approval': dict(stages=[dict(approvers=dict(manager=True), fallback_approvers=dict(users=['x@example.com']))] * 4)},
     "approval.stages='4 stages': Entra allows 1 to 3 approval stages"),
    ({'approval': dict(stages=[dict(approvers=dict(users=['a@example.com']), deadline_days=15)])},
     'approval.stages[1].deadline_days=15: must be 1 to 14 days'),
    ({'approval': dict(stages=[dict(approvers=dict(manager=True))])},
     'approval.stages[1].fallback_approvers=None: is required when approvers include the manager'),
    ({'expiration': dict(hours=0)}, 'expiration.hours=0: must be at least 1'),
    ({'expiration': dict(hours=2, days=1)}, "expiration={'hours': 2, 'days': 1}: give exactly one of hours, days, duration"),
    ({'expiration': dict(duration='P1M')}, "expiration.duration='P1M'"),
    ({'requestors': dict(scope='specific', groups=['No Such Group'])},
     "requestors.groups='No Such Group': no group has this display name"),
    ({'questions': [dict(required=True)]}, 'questions[1].text=None: every question needs text'),
    ({'questions': [dict(text='Pick one', type='multiple_choice')]}, 'questions[1].choices=None: a multiple_choice question needs choices'),
    ({'requestors': dict(scope='all_members', groups=['Finance Team'])}, "requestors.scope='all_members': takes no users or groups"),
    ({'approval': dict(stages=[dict(approvers=dict(users=['nobody@example.com']))])},
     "approval.stages[1].approvers.users='nobody@example.com': no such user"),
    ({'access_reviews': dict(enabled=True)}, 'access_reviews.reviewers={}: access reviews need reviewers or self_review=true'),
    ({'access_package': 'No such package'}, "access_package='No such package': no access package has this name in catalog 'AI tools'"),
])
def test_bad_input_fails_before_any_write(emulator, tenant, auth, package, changes, fragment):
    result = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant, **changes)))
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    assert emulator.writes(tenant.tenant_id) == []


def test_delete_is_blocked_by_active_assignments_then_idempotent(emulator, tenant, auth, package):
    created = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))['assignment_policy']
    with emulator.lock:
        assignment = entitlement.add_assignment(emulator.state(tenant.tenant_id), package['id'], created['id'],
                                                tenant.users[upn(tenant, 'sarah.jones')]['id'])
    emulator.clear_log()
    absent = dict(auth, display_name=POLICY, access_package=PACKAGE, state='absent')
    blocked = run_module('access_package_assignment_policy', absent)
    assert blocked['failed'] is True and '1 active assignment' in blocked['msg']
    assert emulator.writes(tenant.tenant_id) == []
    with emulator.lock:
        assignment['state'] = 'expired'
    assert run_module('access_package_assignment_policy', absent, check=True)['changed'] is True
    assert run_module('access_package_assignment_policy', absent)['changed'] is True
    emulator.clear_log()
    assert run_module('access_package_assignment_policy', absent)['changed'] is False
    assert emulator.writes(tenant.tenant_id) == []


def test_policy_info(emulator, tenant, auth, package):
    created = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))['assignment_policy']
    found = run_module('access_package_assignment_policy_info', dict(auth, access_package=PACKAGE), diff=False)
    assert found['changed'] is False
    [policy] = found['assignment_policies']
    assert policy['id'] == created['id'] and policy['expiration'] == {'duration': 'PT2H'}
    assert [q['id'] for q in policy['questions']] == [q['id'] for q in created['questions']]
    by_id = run_module('access_package_assignment_policy_info', dict(auth, id=created['id']))
    assert [p['display_name'] for p in by_id['assignment_policies']] == [POLICY]
    assert run_module('access_package_assignment_policy_info', dict(auth, access_package='Nope'))['assignment_policies'] == []


def test_check_mode_on_an_empty_tenant_predicts_the_whole_chain(emulator, tenant, auth):
    """A play's dry run: the group, catalog and package are only predicted by earlier tasks, so later tasks assume them."""
    assert run_module('group', dict(auth, display_name=JIT), check=True)['changed'] is True
    assert run_module('access_package_catalog', dict(auth, display_name=CATALOG), check=True)['changed'] is True
    package = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT)]),
                         check=True)
    assert package['changed'] is True and package['access_package']['catalog'] == CATALOG
    assert package['access_package']['resource_roles'] == [{'group': JIT, 'role': 'member'}]
    assert package['warnings'] == ["no catalog is named 'AI tools' yet; check mode assumes an earlier task creates it",
                                   "no group is named 'Allow ChatGPT Access' yet; check mode assumes an earlier task creates it"]
    policy = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)), check=True)
    assert policy['changed'] is True and policy['assignment_policy']['access_package'] == PACKAGE
    assert policy['warnings'] == ["no access package is named 'ChatGPT (2 hours)' yet; check mode assumes an earlier task creates it"]
    assert emulator.writes(tenant.tenant_id) == []
    applied = run_module('access_package', dict(auth, display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT)]))
    assert applied['failed'] is True and "catalog='AI tools': no access package catalog has this name or id" in applied['msg']


def test_duplicate_policy_names_in_a_package_list_the_ids(emulator, tenant, auth, package):
    admin = GraphAdmin(emulator, tenant)
    body = {'displayName': POLICY, 'accessPackage': {'id': package['id']}, 'allowedTargetScope': 'allMemberUsers'}
    ids = sorted(admin.call('POST', '/identityGovernance/entitlementManagement/assignmentPolicies', body, expect=201)['id']
                 for _copy in range(2))
    emulator.clear_log()
    result = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))
    assert result['failed'] is True and ids[0] in result['msg'] and ids[1] in result['msg'] and 'display_name' in result['msg']
    assert emulator.writes(tenant.tenant_id) == []


def test_a_package_of_the_same_name_in_another_catalog_has_policies_of_its_own(emulator, tenant, auth, package):
    """The catalog option narrows the policy to the package in that catalog, as it narrows the package lookup: a policy
    of the same name in the same-named package of another catalog is neither adopted nor changed."""
    first = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant)))['assignment_policy']
    assert run_module('access_package_catalog', dict(auth, display_name='Other tools'))['changed'] is True
    other = run_module('access_package', dict(auth, display_name=PACKAGE, catalog='Other tools'))['access_package']
    emulator.clear_log()

    second = run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant, catalog='Other tools', expiration=dict(hours=4))))
    assert second['changed'] is True and second['assignment_policy']['id'] != first['id'], second
    assert writes(emulator, tenant) == [('POST', EM + '/assignmentPolicies')]
    assert emulator.writes(tenant.tenant_id)[0]['body']['accessPackage'] == {'id': other['id']}
    by_id = run_module('access_package_assignment_policy', dict(auth, id=first['id'], access_package=PACKAGE, catalog='Other tools'))
    assert by_id['failed'] is True and "belongs to access package %r, not %r" % (PACKAGE, PACKAGE) in by_id['msg'], by_id
    assert len(writes(emulator, tenant)) == 1


def test_a_deleted_approver_shows_as_its_id_read_once(emulator, tenant, auth, package):
    """A user the policy names that no longer exists is shown by id, and every section that shows people asks for it
    in the one read of the policy's users."""
    run_module('access_package_assignment_policy', dict(auth, **seed_policy(tenant, access_reviews=dict(
        enabled=True, reviewers=dict(users=[upn(tenant, 'it.approvals')])))))
    approver = tenant.users[upn(tenant, 'it.approvals')]['id']
    with emulator.lock:
        emulator.state(tenant.tenant_id).table('users').remove(approver)
    emulator.clear_log()
    changed = run_module('access_package_assignment_policy', dict(auth, display_name=POLICY, access_package=PACKAGE, expiration=dict(hours=4)),
                         check=True)
    assert changed['changed'] is True, changed
    assert changed['assignment_policy']['approval']['stages'][0]['fallback_approvers'] == {'users': [approver]}
    assert changed['assignment_policy']['access_reviews']['reviewers'] == {'users': [approver]}
    user_reads = [e for e in emulator.requests(tenant.tenant_id) if e['method'] == 'GET' and e['path'] == '/v1.0/users']
    assert len(user_reads) == 1, user_reads
