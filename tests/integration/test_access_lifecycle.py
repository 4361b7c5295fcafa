"""The access lifecycle against the HTTPS emulator: a user's request, the manager's approval, group membership for two
hours, expiry on the emulated clock; automatic denial; admin assignments; delegated credentials; bad input."""

from __future__ import annotations

import datetime

import pytest

from tests.emulator.graph import entitlement, entitlement_requests
from tests.integration.harness import auth_args, run_module

JIT = 'Allow ChatGPT Access'
CATALOG = 'AI tools'
PACKAGE = 'ChatGPT (2 hours)'
POLICY = 'Finance JIT (2 hours)'
TASK = 'Which business task needs ChatGPT?'
DATA = 'Will you paste customer data?'
HOUR = 3600
DAY = 86400


def upn(tenant, name):
    return '%s@%s' % (name, tenant.domain)


def as_user(emulator, tenant, name):
    """Connection options carrying the delegated token of a seeded user."""
    token = emulator.token_for(tenant.tenant_id, upn=upn(tenant, name))
    return auth_args(emulator, tenant, client_id=None, client_secret=None, auth_source='access_token', access_token=token)


def writes(emulator, tenant):
    return [(w['method'], w['path'].rsplit('/entitlementManagement', 1)[-1]) for w in emulator.writes(tenant.tenant_id)]


def hours(start, end):
    parse = datetime.datetime.fromisoformat
    return (parse(end.replace('Z', '+00:00')) - parse(start.replace('Z', '+00:00'))).total_seconds() / HOUR


def grant(emulator, tenant, name, role, catalog=None):
    with emulator.lock:
        entitlement.grant_role(emulator.state(tenant.tenant_id), tenant.users[upn(tenant, name)]['id'], role, catalog)


def catalog_id(emulator, tenant):
    with emulator.lock:
        return next(c['id'] for c in emulator.state(tenant.tenant_id).table(entitlement.CATALOGS).values() if c['displayName'] == CATALOG)


def members(auth):
    found = run_module('group_info', dict(auth, display_name=JIT, include_members=True))
    return found['groups'][0].get('members') or []


def stored_requests(emulator, tenant):
    with emulator.lock:
        return [dict(r) for r in emulator.state(tenant.tenant_id).table(entitlement_requests.REQUESTS).values()]


@pytest.fixture
def jit(emulator, tenant, auth):
    """The seed's setup through modules: the JIT group, the catalog, the package granting its Member role, and the policy
    (Finance Team requests with a justification, the manager approves within 14 days, IT Approvals as fallback, 2 hours)."""
    with emulator.lock:
        entitlement.set_replication_lag(emulator.state(tenant.tenant_id), 0)
    steps = [
        ('group', dict(display_name=JIT, description='Members may use ChatGPT; granted by the access package only')),
        ('access_package_catalog', dict(display_name=CATALOG)),
        ('access_package', dict(display_name=PACKAGE, catalog=CATALOG, resource_roles=[dict(group=JIT, role='member')])),
        ('access_package_assignment_policy', dict(
            display_name=POLICY, access_package=PACKAGE, catalog=CATALOG,
            requestors=dict(scope='specific', groups=['Finance Team']),
            approval=dict(required=True, requestor_justification=True, stages=[dict(
                approvers=dict(manager=True), fallback_approvers=dict(users=[upn(tenant, 'it.approvals')]),
                approver_justification=True, deadline_days=14)]),
            expiration=dict(hours=2),
            questions=[dict(text=TASK, required=True),
                       dict(text=DATA, type='multiple_choice', required=True,
                            choices=[dict(value='no', text='No customer data'), dict(value='anonymised')])])),
    ]
    for module, args in steps:
        result = run_module(module, dict(auth, **args))
        assert result['changed'] is True, result
    emulator.clear_log()


def request_args(emulator, tenant, name='sarah.jones', **changes):
    args = dict(as_user(emulator, tenant, name), access_package=PACKAGE, catalog=CATALOG,
                justification='Summarise the Q3 forecast for the board pack',
                answers=[dict(question=TASK, answer='Q3 forecast summary'), dict(question=DATA, answer='No customer data')])
    args.update(changes)
    return args


def approval_args(emulator, tenant, name='michael.brown', **changes):
    args = dict(as_user(emulator, tenant, name), requestor=upn(tenant, 'sarah.jones'), access_package=PACKAGE,
                decision='approve', justification='Fine for two hours')
    args.update(changes)
    return {key: value for key, value in args.items() if value is not None}


# -- the seed's journey -------------------------------------------------------------------------------------------------
def test_sarah_requests_michael_approves_access_ends_after_two_hours(emulator, tenant, auth, jit):
    sarah = upn(tenant, 'sarah.jones')
    args = request_args(emulator, tenant)

    predicted = run_module('access_package_assignment_request', args, check=True)
    assert predicted['changed'] is True, predicted
    request = predicted['assignment_request']
    assert request['id'] is None and request['state'] == 'pendingApproval' and request['assignment_policy'] == POLICY
    assert request['answers'] == [{'question': TASK, 'answer': 'Q3 forecast summary'}, {'question': DATA, 'answer': 'no'}]
    assert predicted['diff']['before'] == {}
    assert writes(emulator, tenant) == []

    made = run_module('access_package_assignment_request', args)
    assert made['changed'] is True, made
    request = made['assignment_request']
    assert request['id'] and request['state'] == 'pendingApproval' and request['status'] == 'PendingApproval'
    assert {k: request[k] for k in ('access_package', 'assignment_policy', 'justification', 'answers')} == \
        {k: predicted['assignment_request'][k] for k in ('access_package', 'assignment_policy', 'justification', 'answers')}
    assert writes(emulator, tenant) == [('POST', '/assignmentRequests')]
    body = emulator.writes(tenant.tenant_id)[0]['body']
    assert body['requestType'] == 'userAdd' and body['assignment']['targetId'] == tenant.users[sarah]['id']
    assert [a['value'] for a in body['answers']] == ['Q3 forecast summary', 'no']

    emulator.clear_log()
    again = run_module('access_package_assignment_request', args, check=True)
    assert again['changed'] is False and again['assignment_request']['id'] == request['id']
    converged = run_module('access_package_assignment_request', args)
    assert converged['changed'] is False and converged['assignment_request']['id'] == request['id']
    assert writes(emulator, tenant) == []
    assert len(stored_requests(emulator, tenant)) == 1

    # The manager (a Catalog reader of the catalog: the administrators' lists need a role) sees the request waiting at
    # stage 1; the automation account sees it without the stage.
    grant(emulator, tenant, 'michael.brown', 'Catalog reader', catalog_id(emulator, tenant))
    info = run_module('access_package_assignment_info', dict(as_user(emulator, tenant, 'michael.brown'), access_package=PACKAGE))
    [pending] = info['requests']
    assert pending['id'] == request['id'] and pending['requestor'] == sarah
    assert pending['current_stage'] == {'number': 1, 'status': 'InProgress', 'assigned_to_me': True}
    app_info = run_module('access_package_assignment_info', dict(auth, access_package=PACKAGE))
    assert app_info['requests'][0]['current_stage'] is None and 'delegated' in app_info['warnings'][0]
    assert members(auth) == []

    approve = approval_args(emulator, tenant)
    emulator.clear_log()
    predicted = run_module('access_package_approval', approve, check=True)
    assert predicted['changed'] is True, predicted
    assert predicted['diff'] == {
        'before': {'id': request['id'], 'requestor': sarah, 'access_package': PACKAGE, 'stage': 1, 'decision': None,
                   'justification': None, 'reviewed_by': None},
        'after': {'id': request['id'], 'requestor': sarah, 'access_package': PACKAGE, 'stage': 1, 'decision': 'approve',
                  'justification': 'Fine for two hours', 'reviewed_by': 'Michael Brown'}}
    assert writes(emulator, tenant) == []
    decided = run_module('access_package_approval', approve)
    assert decided['changed'] is True, decided
    [patch] = emulator.writes(tenant.tenant_id)
    assert patch['method'] == 'PATCH' and patch['body'] == {'reviewResult': 'Approve', 'justification': 'Fine for two hours'}
    emulator.clear_log()
    assert run_module('access_package_approval', approve, check=True)['changed'] is False
    twice = run_module('access_package_approval', approve)
    assert twice['changed'] is False and twice['approval']['decision'] == 'approve'
    assert twice['approval']['reviewed_by'] == 'Michael Brown' and twice['approval']['reviewed_date_time']
    assert writes(emulator, tenant) == []

    assert members(auth) == [sarah]
    [assignment] = run_module('access_package_assignment_info', dict(auth, access_package=PACKAGE))['assignments']
    assert assignment['target'] == sarah and assignment['state'] == 'delivered' and assignment['assignment_policy'] == POLICY
    assert hours(assignment['start_date_time'], assignment['end_date_time']) == 2
    delivered = run_module('access_package_assignment_request', args)
    assert delivered['changed'] is False and delivered['assignment_request']['state'] == 'delivered'
    assert delivered['assignment_request']['end_date_time'] == assignment['end_date_time']

    emulator.advance_clock(2 * HOUR)
    assert members(auth) == []
    info = run_module('access_package_assignment_info', dict(auth, target=sarah, include_expired=True))
    [expired] = info['assignments']
    assert expired['state'] == 'expired' and expired['expired_date_time'] == assignment['end_date_time']
    assert run_module('access_package_assignment_info', dict(auth, target=sarah))['assignments'] == []
    # Her access is over, so the next run asks again.
    assert run_module('access_package_assignment_request', args, check=True)['changed'] is True


def test_unapproved_request_is_denied_after_fourteen_days(emulator, tenant, auth, jit):
    made = run_module('access_package_assignment_request', request_args(emulator, tenant))
    request_id = made['assignment_request']['id']
    emulator.advance_clock(14 * DAY)
    assert run_module('access_package_assignment_info', dict(auth, access_package=PACKAGE))['requests'] == []
    assert [r['state'] for r in stored_requests(emulator, tenant)] == ['denied']

    emulator.clear_log()
    late = run_module('access_package_approval', approval_args(emulator, tenant, request_id=request_id, requestor=None,
                                                               access_package=None))
    assert late['failed'] is True and 'ended without a decision' in late['msg'] and 'denied' in late['msg']
    assert writes(emulator, tenant) == []
    assert members(auth) == []
    # A denied request does not count as present: Sarah may ask again.
    assert run_module('access_package_assignment_request', request_args(emulator, tenant), check=True)['changed'] is True


def test_approver_who_is_not_listed_gets_graphs_error(emulator, tenant, jit):
    made = run_module('access_package_assignment_request', request_args(emulator, tenant))
    request_id = made['assignment_request']['id']
    outsider = approval_args(emulator, tenant, 'james.wilson', request_id=request_id, requestor=None, access_package=None)
    emulator.clear_log()
    predicted = run_module('access_package_approval', outsider, check=True)
    assert predicted['failed'] is True and 'not an approver of stage 1' in predicted['msg']
    refused = run_module('access_package_approval', outsider)
    assert refused['failed'] is True and refused['status'] == 403 and refused['graph_error_code'] == 'Forbidden'
    assert 'not an approver of this approval stage' in refused['msg']
    assert [r['state'] for r in stored_requests(emulator, tenant)] == ['pendingApproval']
    by_name = run_module('access_package_approval', approval_args(emulator, tenant, 'james.wilson'))
    assert by_name['failed'] is True and 'no request waiting for, or decided by, you' in by_name['msg'], by_name


def test_decided_the_other_way_names_who_decided(emulator, tenant, auth, jit):
    run_module('access_package_assignment_request', request_args(emulator, tenant))
    denied = run_module('access_package_approval', approval_args(emulator, tenant, decision='deny', justification='Not now'))
    assert denied['changed'] is True and denied['approval']['decision'] == 'deny'
    emulator.clear_log()
    flip = run_module('access_package_approval', approval_args(emulator, tenant))
    assert flip['failed'] is True and 'already decided the other way: denied by Michael Brown' in flip['msg']
    assert writes(emulator, tenant) == []
    assert members(auth) == []


def test_absent_cancels_the_open_request(emulator, tenant, jit):
    run_module('access_package_assignment_request', request_args(emulator, tenant))
    absent = request_args(emulator, tenant, state='absent')
    predicted = run_module('access_package_assignment_request', absent, check=True)
    assert predicted['changed'] is True and predicted['diff']['after'] == {}
    emulator.clear_log()
    canceled = run_module('access_package_assignment_request', absent)
    assert canceled['changed'] is True and writes(emulator, tenant)[0][0] == 'POST'
    assert writes(emulator, tenant)[0][1].endswith('/cancel')
    assert [r['state'] for r in stored_requests(emulator, tenant)] == ['canceled']
    emulator.clear_log()
    assert run_module('access_package_assignment_request', absent)['changed'] is False
    assert writes(emulator, tenant) == []


def test_absent_gives_up_delivered_access(emulator, tenant, auth, jit):
    run_module('access_package_assignment_request', request_args(emulator, tenant))
    run_module('access_package_approval', approval_args(emulator, tenant))
    assert members(auth) == [upn(tenant, 'sarah.jones')]
    emulator.clear_log()
    given_up = run_module('access_package_assignment_request', request_args(emulator, tenant, state='absent'))
    assert given_up['changed'] is True and given_up['diff']['before']['state'] == 'delivered'
    assert emulator.writes(tenant.tenant_id)[0]['body']['requestType'] == 'userRemove'
    assert members(auth) == []
    assert run_module('access_package_assignment_info', dict(auth, access_package=PACKAGE))['assignments'] == []


# -- credentials and bad input --------------------------------------------------------------------------------------------
def test_request_and_approval_refuse_application_credentials(emulator, tenant, auth, jit):
    for module, args in (('access_package_assignment_request', dict(auth, access_package=PACKAGE)),
                         ('access_package_approval', dict(auth, request_id='00000000-0000-0000-0000-000000000001',
                                                          decision='approve'))):
        refused = run_module(module, args)
        assert refused['failed'] is True and refused['msg'].startswith("auth_source='auto': ")
        assert 'Graph refuses application credentials' in refused['msg'] and 'access_token' in refused['msg']
    assert emulator.requests(tenant.tenant_id) == []
    app_token = emulator.token_for(tenant.tenant_id)
    disguised = run_module('access_package_assignment_request', dict(request_args(emulator, tenant), access_token=app_token))
    assert disguised['failed'] is True and "credential is an application's" in disguised['msg']
    assert writes(emulator, tenant) == []


@pytest.mark.parametrize('changes, fragment', [
    ({'answers': [dict(question=TASK, answer='x')]}, "requires an answer to 'Will you paste customer data?'"),
    ({'answers': [dict(question='Favourite colour?', answer='x')]}, "answers[1].question='Favourite colour?': policy"),
    ({'answers': [dict(question=TASK, answer='x'), dict(question=DATA, answer='all of it')]},
     "answers[2].answer='all of it': must be one of the choices"),
    ({'access_package': 'No such package'}, "access_package='No such package': is not an access package you may request"),
    ({'assignment_policy': 'Other'}, "assignment_policy='Other': access package 'ChatGPT (2 hours)' has no assignment policy"),
])
def test_request_bad_input_fails_before_any_write(emulator, tenant, jit, changes, fragment):
    result = run_module('access_package_assignment_request', request_args(emulator, tenant, **changes))
    assert result['failed'] is True and fragment in result['msg'], result
    assert writes(emulator, tenant) == []


# -- an administrator's direct assignment -----------------------------------------------------------------------------------
def test_admin_assignment_four_steps_and_removal(emulator, tenant, auth, jit):
    olivia = upn(tenant, 'olivia.davis')
    args = dict(auth, access_package=PACKAGE, catalog=CATALOG, assignment_policy=POLICY, target=olivia, expires_in_hours=1,
                justification='Covering the month-end close')

    predicted = run_module('access_package_assignment', args, check=True)
    assert predicted['changed'] is True, predicted
    assert predicted['assignment']['id'] is None and predicted['assignment']['state'] == 'delivered'
    assert hours(predicted['assignment']['start_date_time'], predicted['assignment']['end_date_time']) == 1
    assert writes(emulator, tenant) == []

    made = run_module('access_package_assignment', args)
    assert made['changed'] is True, made
    assignment = made['assignment']
    assert assignment['id'] and assignment['target'] == olivia and assignment['state'] == 'delivered'
    assert hours(assignment['start_date_time'], assignment['end_date_time']) == 1
    body = emulator.writes(tenant.tenant_id)[0]['body']
    # Every documented schedule carries its start (entitlementmanagement-post-assignmentrequests.md).
    assert body['requestType'] == 'adminAdd' and body['schedule']['expiration'] == {'type': 'afterDuration', 'duration': 'PT1H'}
    assert hours(body['schedule']['startDateTime'], assignment['end_date_time']) == 1
    assert members(auth) == [olivia]

    emulator.clear_log()
    assert run_module('access_package_assignment', args, check=True)['changed'] is False
    converged = run_module('access_package_assignment', args)
    assert converged['changed'] is False and converged['assignment']['id'] == assignment['id']
    assert converged['diff']['before'] == converged['diff']['after']
    assert writes(emulator, tenant) == []

    absent = dict(args, state='absent')
    assert run_module('access_package_assignment', absent, check=True)['changed'] is True
    assert writes(emulator, tenant) == []
    removed = run_module('access_package_assignment', absent)
    assert removed['changed'] is True and removed['assignment'] == {}
    assert removed['diff']['before']['id'] == assignment['id']
    assert members(auth) == []
    emulator.clear_log()
    assert run_module('access_package_assignment', absent)['changed'] is False
    assert writes(emulator, tenant) == []


def test_admin_assignment_respects_a_pending_request(emulator, tenant, auth, jit):
    run_module('access_package_assignment_request', request_args(emulator, tenant))
    emulator.clear_log()
    waiting = run_module('access_package_assignment', dict(auth, access_package=PACKAGE, target=upn(tenant, 'sarah.jones')))
    assert waiting['changed'] is False and waiting['assignment']['state'] == 'pendingApproval'
    assert waiting['assignment']['request_id'] and waiting['assignment']['id'] is None
    assert writes(emulator, tenant) == []


@pytest.mark.parametrize('changes, fragment', [
    ({'expires_in_hours': 3}, "expires_in_hours=3: policy 'Finance JIT (2 hours)' allows at most PT2H"),
    ({'expires_in_hours': 0}, 'expires_in_hours=0: must be between 1'),
    ({'end_date': '2001-01-01'}, "end_date='2001-01-01': must be in the future"),
    ({'end_date': '2999-01-01'}, "end_date='2999-01-01': policy 'Finance JIT (2 hours)' allows access until"),
    ({'end_date': 'tomorrow'}, "end_date='tomorrow': 'tomorrow' is not an ISO 8601 date"),
    ({'target': 'nobody@example.com'}, "target='nobody@example.com': no such user"),
    ({'assignment_policy': None, 'access_package': 'Nope'}, "access_package='Nope': no access package"),
])
def test_admin_assignment_bad_input_fails_before_any_write(emulator, tenant, auth, jit, changes, fragment):
    args = dict(auth, access_package=PACKAGE, assignment_policy=POLICY, target=upn(tenant, 'david.miller'))
    args.update(changes)
    result = run_module('access_package_assignment', {k: v for k, v in args.items() if v is not None})
    assert result['failed'] is True and fragment in result['msg'], result
    assert writes(emulator, tenant) == []


# -- through ansible-playbook ---------------------------------------------------------------------------------------------
def test_request_approval_and_info_in_one_playbook(emulator, tenant, auth, jit, playbook):
    tokens = {name: emulator.token_for(tenant.tenant_id, upn=upn(tenant, name)) for name in ('sarah.jones', 'michael.brown')}

    def delegated(name):
        return {'auth_source': 'access_token', 'access_token': tokens[name]}

    request = {key: value for key, value in request_args(emulator, tenant).items() if key in ('access_package', 'justification', 'answers')}
    tasks = [
        {'name': 'Sarah asks', 'jitaccess.entra.access_package_assignment_request': dict(request, **delegated('sarah.jones'))},
        {'name': 'Michael approves', 'jitaccess.entra.access_package_approval': dict(
            requestor=upn(tenant, 'sarah.jones'), access_package=PACKAGE, decision='approve', justification='Fine',
            **delegated('michael.brown'))},
        {'name': 'Who has it', 'jitaccess.entra.access_package_assignment_info': {'access_package': PACKAGE}},
    ]
    applied = playbook.run(tasks, diff=True, module_defaults=auth)
    assert applied.rc == 0, applied.stdout + applied.stderr
    assert [r['changed'] for r in applied.results] == [True, True, False]
    assert applied.results[0]['assignment_request']['state'] == 'pendingApproval'
    assert '"decision": "approve"' in applied.stdout.split('TASK [Michael approves]')[1]
    [assignment] = applied.results[2]['assignments']
    assert assignment['target'] == upn(tenant, 'sarah.jones') and assignment['state'] == 'delivered'
    assert not any(token.split('.')[2] in applied.stdout for token in tokens.values())

    emulator.clear_log()
    converged = playbook.run(tasks, module_defaults=auth)
    assert converged.rc == 0 and 'changed=0' in converged.stdout, converged.stdout
    assert emulator.writes(tenant.tenant_id) == []


def test_missing_justification_is_graphs_refusal_and_nothing_is_stored(emulator, tenant, jit):
    # v1.0's getApplicablePolicyRequirements does not say whether a justification is required: Graph judges it.
    result = run_module('access_package_assignment_request', request_args(emulator, tenant, justification=None))
    assert result['failed'] is True and result['status'] == 400 and 'requires a justification' in result['msg'], result
    assert stored_requests(emulator, tenant) == []


# -- the paths the docs give each caller ------------------------------------------------------------------------------------
def test_requestor_uses_only_the_end_user_calls(emulator, tenant, jit):
    made = run_module('access_package_assignment_request', request_args(emulator, tenant))
    assert made['changed'] is True and made['assignment_request']['state'] == 'pendingApproval', made
    calls = [(r['method'], r['path'].split('/entitlementManagement', 1)[-1], r['status']) for r in emulator.requests(tenant.tenant_id)]
    assert ('GET', "/accessPackages/filterByCurrentUser(on='allowedRequestor')", 200) in calls
    assert any(m == 'POST' and p.endswith('/getApplicablePolicyRequirements') and s == 200 for m, p, s in calls)
    # None of the administrators' lists (Graph refuses them to a requestor who holds no role).
    admin_lists = ('/accessPackages', '/assignmentPolicies', '/assignments', '/assignmentRequests', '/catalogs')
    assert not [c for c in calls if c[0] == 'GET' and c[1] in admin_lists]
    assert all(status < 400 for _m, _p, status in calls), calls
    assert run_module('access_package_assignment_request', request_args(emulator, tenant))['changed'] is False
    # James may not request the package: the end-user call does not list it for him.
    refused = run_module('access_package_assignment_request', request_args(emulator, tenant, 'james.wilson'))
    assert refused['failed'] is True and "is not an access package you may request" in refused['msg'], refused


def test_approval_rerun_by_request_id_after_the_decision(emulator, tenant, auth, jit):
    request_id = run_module('access_package_assignment_request', request_args(emulator, tenant))['assignment_request']['id']
    args = approval_args(emulator, tenant, request_id=request_id, requestor=None, access_package=None)
    assert run_module('access_package_approval', args)['changed'] is True
    emulator.clear_log()
    again = run_module('access_package_approval', args)
    assert again['changed'] is False and again['approval']['decision'] == 'approve', again
    assert again['approval']['requestor'] == upn(tenant, 'sarah.jones')
    assert writes(emulator, tenant) == []


def test_absent_does_not_cancel_a_request_being_delivered(emulator, tenant, jit):
    made = run_module('access_package_assignment_request', request_args(emulator, tenant))
    with emulator.lock:
        stored = emulator.state(tenant.tenant_id).table(entitlement_requests.REQUESTS).get(made['assignment_request']['id'])
        stored.update(state='delivering', status='Delivering')
    emulator.clear_log()
    for check in (True, False):
        refused = run_module('access_package_assignment_request', request_args(emulator, tenant, state='absent'), check=check)
        assert refused['failed'] is True and 'is delivering and Graph cancels only requests that are submitted' in refused['msg'], refused
    assert writes(emulator, tenant) == []


def test_catalog_scoped_administrator_reads_assignments_of_a_user(emulator, tenant, auth, jit):
    olivia = upn(tenant, 'olivia.davis')
    run_module('access_package_assignment', dict(auth, access_package=PACKAGE, target=olivia, expires_in_hours=1))
    grant(emulator, tenant, 'james.wilson', 'Access package manager', catalog_id(emulator, tenant))
    james = as_user(emulator, tenant, 'james.wilson')
    info = run_module('access_package_assignment_info', dict(james, target=olivia))
    assert [a['target'] for a in info['assignments']] == [olivia], info
    listed = [r['path'] for r in emulator.requests(tenant.tenant_id) if r['path'].split('?')[0].endswith('/assignments')]
    assert listed, 'no assignment listing'
    # The policy's delete check filters by its package too, so the catalog-scoped manager gets the clear refusal.
    blocked = run_module('access_package_assignment_policy', dict(james, display_name=POLICY, access_package=PACKAGE, state='absent'))
    assert blocked['failed'] is True and 'has 1 active assignment(s)' in blocked['msg'], blocked


# -- a 503 / 504 after Graph acted ----------------------------------------------------------------------------------------
def test_requests_answered_503_after_commit_are_looked_up_not_resent(emulator, tenant, auth, jit):
    def gateway_error(path, status=503):
        emulator.inject('status', tenant=tenant.tenant_id, method='POST', path=path, status=status, after_commit=True, count=1)

    def posts(suffix):
        return [w for w in emulator.writes(tenant.tenant_id) if w['method'] == 'POST' and w['path'].endswith(suffix)]

    olivia = upn(tenant, 'olivia.davis')
    admin = dict(auth, access_package=PACKAGE, target=olivia, expires_in_hours=1)
    gateway_error('/assignmentRequests$')
    made = run_module('access_package_assignment', admin)
    assert made['changed'] is True and made['assignment']['state'] == 'delivered', made
    assert len(posts('/assignmentRequests')) == 1 and members(auth) == [olivia]

    emulator.clear_log()
    gateway_error('/assignmentRequests$', 504)
    removed = run_module('access_package_assignment', dict(admin, state='absent'))
    assert removed['changed'] is True and removed['assignment'] == {}, removed
    assert len(posts('/assignmentRequests')) == 1 and members(auth) == []

    emulator.clear_log()
    gateway_error('/assignmentRequests$')
    asked = run_module('access_package_assignment_request', request_args(emulator, tenant))
    assert asked['changed'] is True and asked['assignment_request']['state'] == 'pendingApproval', asked
    assert len(posts('/assignmentRequests')) == 1 and len(stored_requests(emulator, tenant)) == 3

    emulator.clear_log()
    gateway_error('/cancel$')
    canceled = run_module('access_package_assignment_request', request_args(emulator, tenant, state='absent'))
    assert canceled['changed'] is True, canceled
    assert len(posts('/cancel')) == 1
    assert [r['state'] for r in stored_requests(emulator, tenant) if r['requestType'] == 'userAdd'] == ['canceled']
