"""The jit_ai_access role under faults, through ansible-playbook against the emulator: a throttling storm, replication
lag, a crash mid-run, lost responses, two runs at once, and changes made out of band.

Every scenario ends by comparing the tenant with one the role converged without faults: the same objects, settings
and links, each name once (``fingerprint``), so a duplicate of any kind fails the comparison. The request log shows
what was injected and what the role sent. ``pytest -s`` prints one line per scenario (``TABLE |``); from a run on
2 cores (a run without faults: 47 Graph requests, 12 of them writes):

| scenario | Graph requests | injected (answers refused or lost) | writes | outcome |
|---|---|---|---|---|
| throttling storm: 30% 429 with Retry-After 1, 5% 503 with Retry-After 2 | 70 | 20 x 429, 3 x 503 | 16, 4 refused | converged, 38 s |
| replication lag: a new object 404s, and lookups by name miss it, for 3 s | 63 | 11 listings, 3 x 404, 2 x 400 | 17, 5 refused | converged, 34 s |
| crash: every request from the 5th write on answers 500 | 16 | 1 x 500 | 5, 1 refused | stopped at the 5th write, 8 s |
| ... rerun once the fault clears | 38 | none | 8 | converged, 13 s |
| lost responses: half the POSTs committed, then the connection cut | 51 | 5 x dropped | 12 | converged, 14 s |
| two runs started together | 47 | none | 12 | one converged (13 s); the other stopped at the lock (4 s) |
| out-of-band changes, check mode | 16 | 5 changes | 0 | all 5 reported, 10 s |
| ... apply with jit_ai_access_remove_stray_members | 23 | none | 5 | all 5 restored, 11 s |

The storm and the lag run with fault timings scaled by 0.2 in the suite (``fast_faults``: Retry-After 0.2 and 0.4,
lag 0.6 s), which shortens their runs; the table above is from real timings. Each retry waited at least its
Retry-After; each lost create was found by name instead of being sent again; the rerun after the crash made only what
was missing; the run that found the lock sent nothing to Graph.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import RecentCreates, default_directory, tenant_key
from tests.integration.harness import GraphAdmin, Playbook, run_module

EM = '/identityGovernance/entitlementManagement'
BETA_NS = '#microsoft.graph.networkaccess.'
PLAYBOOK = 'playbooks/jit_ai_access.yml'
ROWS = []


@pytest.fixture(scope='module', autouse=True)
def table():
    """Print the scenario table (with ``-s``) once the module's tests have run."""
    yield
    print('\n' + '\n'.join('TABLE | ' + ' | '.join(str(cell) for cell in row) for row in ROWS))


def role_env(emulator, tenant):
    return dict(AZURE_TENANT_ID=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


def run_role(workdir, collections, emulator, tenant, check=False, **extra):
    """One run of playbooks/jit_ai_access.yml against ``tenant``, with its JSON summary (``run.summary``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    summary = workdir / 'summary.json'
    if summary.exists():
        summary.unlink()
    variables = dict(extra, jit_ai_access_summary_path=str(summary),
                     jit_ai_access_fallback_approvers=[upn for upn in tenant.users if upn.startswith('it.approvals@')])
    started = time.monotonic()
    run = Playbook(workdir, collections).run_file(PLAYBOOK, variables, check=check, env=role_env(emulator, tenant))
    run.seconds = round(time.monotonic() - started, 1)
    run.summary = json.loads(summary.read_text())['localhost'] if summary.exists() else None
    return run


def fingerprint(admin):
    """The tenant's objects as a person would describe them: names, settings and what refers to what, without ids or
    timestamps. Keys are (kind, name); each value lists one entry per object of that name, so a duplicate shows."""
    found = {}

    def add(kind, name, entry):
        found.setdefault((kind, name), []).append(entry)

    users = {u['id']: u['userPrincipalName'].split('@')[0] for u in admin.call('GET', '/users')['value']}
    groups = {g['id']: g['displayName'] for g in admin.call('GET', '/groups')['value']}
    for group_id, name in groups.items():
        members = admin.call('GET', '/groups/%s/members' % group_id)['value']
        add('group', name, {'members': sorted(users.get(m['id'], m['id']) for m in members)})
    policies = {}
    for policy in admin.call('GET', '/networkAccess/filteringPolicies', api='beta')['value']:
        policies[policy['id']] = policy['name']
        rules = admin.call('GET', '/networkAccess/filteringPolicies/%s/policyRules' % policy['id'], api='beta')['value']
        add('filtering_policy', policy['name'], {
            'action': policy['action'], 'description': policy.get('description'),
            'rules': sorted((r['name'], r['ruleType'], tuple(sorted(d.get('value') or d.get('name') for d in r['destinations'])))
                            for r in rules)})
    profiles = {}
    for profile in admin.call('GET', '/networkAccess/filteringProfiles?$expand=policies($expand=policy)', api='beta')['value']:
        profiles[profile['id']] = profile['name']
        add('filtering_profile', profile['name'], {
            'priority': profile['priority'], 'state': profile['state'], 'description': profile.get('description'),
            'links': sorted((policies.get((link.get('policy') or {}).get('id')), link['priority'], link['state'])
                            for link in profile.get('policies', []))})
    for policy in admin.call('GET', '/identity/conditionalAccess/policies', api='beta')['value']:
        conditions = policy['conditions']
        session = (policy.get('sessionControls') or {}).get('globalSecureAccessFilteringProfile') or {}
        add('conditional_access_policy', policy['displayName'], {
            'state': policy['state'], 'groups': sorted(groups.get(g, g) for g in conditions['users']['includeGroups']),
            'applications': sorted(conditions['applications']['includeApplications']),
            'sign_in_risk': sorted(conditions.get('signInRiskLevels') or []), 'profile': profiles.get(session.get('profileId'))})
    for catalog in admin.call('GET', EM + '/catalogs')['value']:
        resources = admin.call('GET', EM + '/catalogs/%s/resources' % catalog['id'])['value']
        add('catalog', catalog['displayName'], {'description': catalog.get('description'),
                                                'resources': sorted(groups.get(r['originId'], r['originId']) for r in resources)})
    for package in admin.call('GET', EM + '/accessPackages?$expand=catalog,resourceRoleScopes($expand=role,scope)')['value']:
        add('access_package', package['displayName'], {
            'catalog': package['catalog']['displayName'], 'description': package.get('description'),
            'roles': sorted((groups.get(s['scope']['originId']), s['role']['displayName']) for s in package['resourceRoleScopes'])})
    for policy in admin.call('GET', EM + '/assignmentPolicies?$expand=accessPackage,questions')['value']:
        approval = policy['requestApprovalSettings']
        add('assignment_policy', policy['displayName'], {
            'package': policy['accessPackage']['displayName'], 'description': policy.get('description'),
            'scope': policy.get('allowedTargetScope'), 'expiration': (policy['expiration']['type'], policy['expiration']['duration']),
            'approval': (approval['isApprovalRequiredForAdd'], len(approval['stages'])),
            'questions': sorted(q['text'] for q in policy.get('questions', []))})
    return found


def duplicates(state):
    return sorted(key for key, entries in state.items() if len(entries) > 1)


def tally(emulator, tenant_id):
    """Graph requests, writes, and the injected faults (kind and status) in the tenant's request log."""
    log = emulator.requests(tenant_id)
    faults = Counter('%s %s' % (e['fault'], e['status']) for e in log if e['fault'])
    return {'requests': len(log), 'writes': len(emulator.writes(tenant_id)), 'faults': dict(sorted(faults.items())),
            'refused writes': len([e for e in emulator.writes(tenant_id) if e['status'] >= 400 or e['fault'] == 'drop'])}


def same_call(entry, other):
    return all(entry[key] == other[key] for key in ('method', 'path', 'query', 'body'))


def failures(run):
    return [(o['name'], o['message']) for o in run.summary['objects'] if o['status'] == 'failed']


@pytest.fixture(scope='module')
def reference(emulator, converged_snapshot):
    """The tenant the role converged without faults (once per session: conftest.py), its fingerprint and the writes it
    took: the end state every scenario must reach."""
    run = converged_snapshot.run
    assert 'retried' not in run.stdout + run.stderr, 'nothing to wait for without faults'
    tenant = converged_snapshot.restore()
    state = fingerprint(GraphAdmin(emulator, tenant))
    assert duplicates(state) == []
    return tenant, state, converged_snapshot.writes


@pytest.mark.slow
def test_throttling_storm_completes_and_every_retry_waits_retry_after(emulator, tenant, tmp_path, collections, reference,
                                                                      fast_faults):
    retry_after = {429: 1, 503: 2}
    for status, probability in ((429, 0.3), (503, 0.05)):
        emulator.inject('status', tenant=tenant.tenant_id, status=status, retry_after=retry_after[status], probability=probability,
                        seed=status)
    run = run_role(tmp_path, collections, emulator, tenant)
    emulator.clear_faults()
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('throttling storm', counts, 'rc=%s in %s s' % (run.rc, run.seconds)))
    assert run.rc == 0, run.stdout[-3000:]

    log = emulator.requests(tenant.tenant_id)
    refused = [(index, entry) for index, entry in enumerate(log) if entry['fault'] == 'status']
    assert {entry['status'] for dummy, entry in refused} == {429, 503}, counts
    assert len(refused) >= 10, counts
    for index, entry in refused:
        retry = next(later for later in log[index + 1:] if same_call(entry, later))
        # fast_faults: the emulator said Retry-After 0.2 / 0.4 (fault_seconds), and that is what the client must wait.
        assert retry['time'] - entry['time'] >= emulator.fault_seconds(retry_after[entry['status']]), (entry, retry)
    assert 'Graph calls were retried' in run.stdout + run.stderr
    assert fingerprint(GraphAdmin(emulator, tenant)) == reference[1]


@pytest.mark.slow
def test_replication_lag_on_every_create_is_waited_out(emulator, tenant, tmp_path, collections, reference, fast_faults):
    emulator.inject('lag', tenant=tenant.tenant_id, seconds=3)
    run = run_role(tmp_path, collections, emulator, tenant)
    counts = tally(emulator, tenant.tenant_id)
    emulator.clear_faults()
    ROWS.append(('replication lag %g s' % emulator.fault_seconds(3), counts, 'rc=%s in %s s' % (run.rc, run.seconds)))
    assert run.rc == 0, run.stdout[-3000:]
    assert any(entry['fault'] == 'lag' for entry in emulator.requests(tenant.tenant_id)), counts
    assert fingerprint(GraphAdmin(emulator, tenant)) == reference[1]


def test_a_lookup_by_name_waits_for_an_object_an_earlier_task_created(emulator, tenant, auth):
    """The next task of a play often looks up by name what the previous one created, before Entra has replicated it:
    the client waits for the objects an earlier task's process recorded as just created."""
    emulator.inject('lag', tenant=tenant.tenant_id, seconds=4)
    admin = GraphAdmin(emulator, tenant)
    recorded, unrecorded = admin.create_group('Allow ChatGPT Access'), admin.create_group('Allow Claude Access')
    # What a create in an earlier task leaves behind (here the group itself was made out of band).
    where = SimpleNamespace(graph_endpoint=emulator.base_url, tenant_id=tenant.tenant_id)
    # Where the module looks: token_cache_dir (ENTRA_TOKEN_CACHE_DIR in the tests) when set, as for tokens.
    cache_dir = os.environ.get('ENTRA_TOKEN_CACHE_DIR') or default_directory('created')
    RecentCreates(cache_dir, tenant_key(where), 15).add('v1.0', '/groups', recorded['displayName'], recorded['id'])

    # Without a record the lookup does not wait, and finds nothing yet.
    assert run_module('group_info', dict(auth, display_name='Allow Claude Access'))['groups'] == [], unrecorded
    emulator.clear_log()
    found = run_module('group_info', dict(auth, display_name='Allow ChatGPT Access'))
    assert [group['id'] for group in found['groups']] == [recorded['id']]
    lookups = [e['fault'] for e in emulator.requests(tenant.tenant_id) if e['method'] == 'GET' and e['path'] == '/v1.0/groups']
    assert lookups[0] == 'lag' and lookups[-1] is None, lookups


@pytest.mark.slow
def test_crash_mid_run_names_the_step_and_a_rerun_converges(emulator, tenant, tmp_path, collections, reference):
    # The fifth write fails (a POST in this run), and from then on every request.
    rules = [emulator.inject('status', tenant=tenant.tenant_id, method='POST', status=500, after_writes=4),
             emulator.inject('status', tenant=tenant.tenant_id, status=500, after_writes=5)]
    crashed = run_role(tmp_path / 'crash', collections, emulator, tenant)
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('crash from the 5th write', counts, 'rc=%s in %s s' % (crashed.rc, crashed.seconds)))
    assert crashed.rc != 0
    writes = emulator.writes(tenant.tenant_id)
    assert [w['status'] for w in writes] == [201, 201, 201, 201, 500]
    assert counts['faults'] == {'status 500': 1}, 'the run stops at the first failure'
    step, message = "Security profile for ChatGPT", "while creating filtering_profile 'Allow ChatGPT', Graph answered 500"
    assert crashed.summary['failed'] is True
    assert [(name, message in text) for name, text in failures(crashed)] == [(step, True)], failures(crashed)
    assert 'jit_ai_access failed at %s: %s' % (step, message) in crashed.stdout

    for rule in rules:
        emulator.remove_fault(rule)
    emulator.clear_log()
    rerun = run_role(tmp_path / 'rerun', collections, emulator, tenant)
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('... rerun', counts, 'rc=%s in %s s' % (rerun.rc, rerun.seconds)))
    assert rerun.rc == 0, rerun.stdout[-3000:]
    assert fingerprint(GraphAdmin(emulator, tenant)) == reference[1]
    # Only what the crash left undone was written: the four committed creates were found, not made again.
    assert len(emulator.writes(tenant.tenant_id)) == reference[2] - 4


@pytest.mark.slow
def test_lost_responses_after_committed_writes_leave_no_duplicate(emulator, tenant, tmp_path, collections, reference):
    emulator.inject('drop', tenant=tenant.tenant_id, method='POST', probability=0.5, seed=4)
    run = run_role(tmp_path, collections, emulator, tenant)
    emulator.clear_faults()
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('lost responses (half the POSTs)', counts, 'rc=%s in %s s' % (run.rc, run.seconds)))
    assert run.rc == 0, run.stdout[-3000:]
    assert counts['faults'].get('drop 201', 0) >= 3, counts
    # A write whose answer was lost is looked up, not sent again: as many writes as a run without faults.
    assert counts['writes'] == reference[2]
    assert fingerprint(GraphAdmin(emulator, tenant)) == reference[1]


@pytest.mark.slow
def test_two_runs_at_once_take_turns_and_the_second_stops_before_any_change(emulator, tenant, tmp_path, collections, reference):
    locks = tmp_path / 'locks'
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda name: run_role(tmp_path / name, collections, emulator, tenant, jit_ai_access_lock_dir=str(locks)),
                             ('one', 'two')))
    counts = tally(emulator, tenant.tenant_id)
    winner, loser = sorted(runs, key=lambda run: run.rc)
    ROWS.append(('two runs at once', counts, 'rc=%s in %s s, rc=%s in %s s' % (winner.rc, winner.seconds, loser.rc, loser.seconds)))
    assert winner.rc == 0, winner.stdout[-3000:]
    assert loser.rc != 0
    conflict = 'another jit_ai_access run against %s is in progress' % tenant.tenant_id
    assert [(name, conflict in text) for name, text in failures(loser)] == [('Another run holds the lock', True)], failures(loser)
    assert [o['status'] for o in loser.summary['objects']] == ['failed']
    assert conflict in loser.stdout
    # The loser sent nothing: the tenant saw exactly one converging run's writes, and holds each object once.
    assert counts['writes'] == reference[2]
    assert fingerprint(GraphAdmin(emulator, tenant)) == reference[1]
    assert list(locks.iterdir()) == []


def test_create_race_keeps_the_older_object(emulator, tenant, auth, monkeypatch):
    """Runs that do not share a lock (other controllers) can both find nothing and both create: the lifecycle looks
    again right after a create, and the run whose object is newer deletes it and adopts the older one."""
    from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec  # pylint: disable=import-outside-toplevel

    admin = GraphAdmin(emulator, tenant)
    name = 'Allow ChatGPT Access'
    create = GroupSpec.create
    others = []

    def other_run_first(self, ctx, after):
        others.append(admin.create_group(name))
        time.sleep(1.1)  # Graph's createdDateTime of a group has whole seconds
        return create(self, ctx, after)

    monkeypatch.setattr(GroupSpec, 'create', other_run_first)
    result = run_module('group', dict(auth, display_name=name, description='JIT'))
    assert result['changed'] is True, result
    assert result['group']['id'] == others[0]['id']
    assert [g['id'] for g in admin.groups_named(name)] == [others[0]['id']]
    assert any('deleted its own' in warning for warning in result['warnings'])
    assert admin.call('GET', '/groups/%s' % others[0]['id'])['description'] == 'JIT'

    def other_run_second(self, ctx, after):
        created = create(self, ctx, after)
        time.sleep(1.1)
        others.append(admin.create_group('Allow Claude Access'))
        return created

    monkeypatch.setattr(GroupSpec, 'create', other_run_second)
    result = run_module('group', dict(auth, display_name='Allow Claude Access'))
    assert result['changed'] is True and result['group']['id'] != others[1]['id']
    assert sorted(g['id'] for g in admin.groups_named('Allow Claude Access')) == sorted([result['group']['id'], others[1]['id']])
    assert not any('deleted its own' in warning for warning in result['warnings'])


@pytest.mark.slow
@pytest.mark.converged
def test_out_of_band_changes_are_reported_in_check_mode_and_restored(emulator, tenant, tmp_path, collections, reference):
    state = reference[1]
    admin = GraphAdmin(emulator, tenant)
    group = admin.groups_named('Allow ChatGPT Access')[0]
    sarah = next(u for upn, u in tenant.users.items() if upn.startswith('sarah.jones@'))
    admin.call('POST', '/groups/%s/members/$ref' % group['id'],
               {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + sarah['id']}, expect=204)
    ca = admin.call('GET', '/identity/conditionalAccess/policies', api='beta')['value'][0]
    admin.call('PATCH', '/identity/conditionalAccess/policies/%s' % ca['id'], {'state': 'disabled'}, api='beta', expect=204)
    allow = next(p for p in admin.call('GET', '/networkAccess/filteringPolicies', api='beta')['value'] if p['name'] == 'Allow ChatGPT')
    rule = admin.call('GET', '/networkAccess/filteringPolicies/%s/policyRules' % allow['id'], api='beta')['value'][0]
    admin.call('PATCH', '/networkAccess/filteringPolicies/%s/policyRules/%s' % (allow['id'], rule['id']), {
        '@odata.type': BETA_NS + 'fqdnFilteringRule', 'name': rule['name'],
        'destinations': [{'@odata.type': BETA_NS + 'fqdn', 'value': 'chat.example.com'}]},
        api='beta', expect=204)
    baseline = next(p for p in admin.call('GET', '/networkAccess/filteringProfiles?$expand=policies', api='beta')['value']
                    if p['priority'] == 65000)
    admin.call('DELETE', '/networkAccess/filteringProfiles/%s/policies/%s' % (baseline['id'], baseline['policies'][0]['id']),
               api='beta', expect=204)
    policy = admin.call('GET', EM + '/assignmentPolicies?$expand=questions')['value'][0]
    body = {key: value for key, value in policy.items() if key not in ('id', 'createdDateTime', 'modifiedDateTime')
            and not key.startswith('@odata')}
    body['expiration'] = dict(policy['expiration'], duration='P30D')
    body['accessPackage'] = {'id': admin.call('GET', EM + '/accessPackages')['value'][0]['id']}
    admin.call('PUT', EM + '/assignmentPolicies/%s' % policy['id'], body, expect=200)
    drifted = fingerprint(admin)
    assert sorted(key for key in state if drifted[key] != state[key]) == [
        ('assignment_policy', 'ChatGPT on request'), ('conditional_access_policy', 'GSA - Allow ChatGPT (JIT)'),
        ('filtering_policy', 'Allow ChatGPT'), ('filtering_profile', 'Baseline Profile'), ('group', 'Allow ChatGPT Access')]

    emulator.clear_log()
    checked = run_role(tmp_path / 'check', collections, emulator, tenant, check=True)
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('5 out-of-band changes, check mode', counts, 'rc=%s in %s s' % (checked.rc, checked.seconds)))
    assert checked.rc == 0, checked.stdout[-3000:]
    assert emulator.writes(tenant.tenant_id) == []
    assert sorted((o['object'], o['name'], tuple(o['fields'])) for o in checked.summary['objects'] if o['status'] != 'ok') == [
        ('access_package_assignment_policy', 'ChatGPT on request', ('expiration',)),
        ('conditional_access_policy', 'GSA - Allow ChatGPT (JIT)', ('policy_state',)),
        ('filtering_policy', 'Allow ChatGPT', ('rules',)),
        ('filtering_profile', 'Baseline', ('policies',)),
        ('group_members', 'Allow ChatGPT Access', ('members',)),
    ]
    assert all(o['status'] == 'would_change' for o in checked.summary['objects'] if o['status'] != 'ok')
    assert checked.summary['drift'] is True

    emulator.clear_log()
    applied = run_role(tmp_path / 'apply', collections, emulator, tenant, jit_ai_access_remove_stray_members=True)
    counts = tally(emulator, tenant.tenant_id)
    ROWS.append(('... apply, stray members removed', counts, 'rc=%s in %s s' % (applied.rc, applied.seconds)))
    assert applied.rc == 0, applied.stdout[-3000:]
    assert sorted(o['name'] for o in applied.summary['objects'] if o['status'] == 'changed') == [
        'Allow ChatGPT', 'Allow ChatGPT Access', 'Baseline', 'ChatGPT on request', 'GSA - Allow ChatGPT (JIT)']
    assert len(emulator.writes(tenant.tenant_id)) == 5
    assert fingerprint(admin) == state
