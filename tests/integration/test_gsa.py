"""filtering_policy and filtering_profile (+ _info) against the HTTPS emulator: the seed scenario, rules and links
reconciled in place, the Baseline profile, referrer checks, diff and bad input."""

from __future__ import annotations

import re

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._resolver import References
from tests.integration.harness import GraphAdmin, graph_client, run_module

NA = '#microsoft.graph.networkaccess.'
BLOCK = 'Block generative AI'
ALLOW = 'Allow ChatGPT'
PROFILE = 'Allow ChatGPT profile'
BLOCK_RULES = [{'name': 'Artificial Intelligence', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence']}]
ALLOW_RULES = [{'name': 'chatgpt.com', 'type': 'fqdn', 'destinations': ['chatgpt.com', '*.chatgpt.com']}]


def writes(emulator, tenant):
    return [(w['method'], w['path']) for w in emulator.writes(tenant.tenant_id)]


def policy_args(auth, name=ALLOW, action='allow', rules=None, **extra):
    return dict(auth, name=name, action=action, rules=ALLOW_RULES if rules is None else rules, **extra)


def baseline_id(emulator, tenant):
    profiles = GraphAdmin(emulator, tenant).call('GET', '/networkAccess/filteringProfiles', api='beta')['value']
    return next(p['id'] for p in profiles if p['priority'] == 65000)


def seed_tasks():
    return [
        {'name': 'Block generative AI', 'jitaccess.entra.filtering_policy': {
            'name': BLOCK, 'description': 'Managed by Ansible', 'action': 'block', 'rules': BLOCK_RULES, 'purge_rules': True}},
        {'name': 'Allow ChatGPT', 'jitaccess.entra.filtering_policy': {
            'name': ALLOW, 'description': 'Managed by Ansible', 'action': 'allow', 'rules': ALLOW_RULES, 'purge_rules': True}},
        {'name': 'Baseline blocks AI', 'jitaccess.entra.filtering_profile': {
            'baseline': True, 'policies': [{'name': BLOCK, 'priority': 100}], 'purge_policies': True}},
        {'name': 'Profile that allows ChatGPT', 'jitaccess.entra.filtering_profile': {
            'name': PROFILE, 'priority': 100, 'policies': [{'name': ALLOW, 'priority': 100}], 'purge_policies': True}},
    ]


@pytest.mark.slow
def test_seed_scenario_in_one_playbook_four_steps(emulator, tenant, auth, playbook):
    tasks = seed_tasks()
    check = playbook.run(tasks, check=True, diff=True, module_defaults=auth)
    assert check.rc == 0, check.stdout + check.stderr
    assert [r['changed'] for r in check.results] == [True] * 4
    assert [r.get('filtering_policy', r.get('filtering_profile'))['id'] for r in check.results][0:2] == [None, None]
    assert check.results[2]['filtering_profile']['id'] == baseline_id(emulator, tenant)
    assert check.results[3]['filtering_profile']['id'] is None
    assert writes(emulator, tenant) == []
    # --diff shows rules and links as readable before/after lists.
    flat = re.sub(r'\s+', ' ', re.sub(r'(?m)^[-+ ]', '', check.stdout))
    assert '"rules": [ { "destinations": [ "ArtificialIntelligence" ], "name": "Artificial Intelligence", "type": "webCategory" } ]' in flat
    assert '"rules": [ { "destinations": [ "*.chatgpt.com", "chatgpt.com" ], "name": "chatgpt.com", "type": "fqdn" } ]' in flat
    assert '\n-    "policies": []\n' in check.stdout
    assert '"policies": [ { "logging_state": "enabled", "name": "Block generative AI", "priority": 100, "state": "enabled" } ]' in flat

    apply = playbook.run(tasks, diff=True, module_defaults=auth)
    assert apply.rc == 0, apply.stdout + apply.stderr
    assert [r['changed'] for r in apply.results] == [True] * 4
    assert sorted(writes(emulator, tenant)) == sorted([
        ('POST', '/beta/networkAccess/filteringPolicies'), ('POST', '/beta/networkAccess/filteringPolicies'),
        ('POST', '/beta/networkAccess/filteringProfiles/%s/policies' % baseline_id(emulator, tenant)),
        ('POST', '/beta/networkAccess/filteringProfiles'),
        ('POST', '/beta/networkAccess/filteringProfiles/%s/policies' % apply.results[3]['filtering_profile']['id'])])
    assert apply.results[3]['filtering_profile']['policies'] == [
        {'name': ALLOW, 'priority': 100, 'state': 'enabled', 'logging_state': 'enabled'}]

    emulator.clear_log()
    again = playbook.run(tasks, check=True, module_defaults=auth)
    assert [r['changed'] for r in again.results] == [False] * 4, again.stdout
    converged = playbook.run(tasks, module_defaults=auth)
    assert [r['changed'] for r in converged.results] == [False] * 4
    assert 'changed=0' in converged.stdout
    assert writes(emulator, tenant) == []

    profiles = run_module('filtering_profile_info', auth)['filtering_profiles']
    assert {p['name']: [(link['name'], link['priority']) for link in p['policies']] for p in profiles} == {
        'Baseline Profile': [(BLOCK, 100)], PROFILE: [(ALLOW, 100)]}


def test_policy_create_is_one_deep_insert_and_check_mode_predicts_it(emulator, tenant, auth):
    args = policy_args(auth, description='Managed by Ansible')
    predicted = run_module('filtering_policy', args, check=True)
    assert predicted['changed'] is True and predicted['filtering_policy']['id'] is None
    assert predicted['diff']['before'] == {}
    assert writes(emulator, tenant) == []
    applied = run_module('filtering_policy', args)
    assert dict(applied['filtering_policy'], id=None) == predicted['filtering_policy']
    posts = emulator.writes(tenant.tenant_id)
    assert [p['path'] for p in posts] == ['/beta/networkAccess/filteringPolicies']
    assert posts[0]['body'] == {
        '@odata.type': NA + 'filteringPolicy', 'name': ALLOW, 'description': 'Managed by Ansible', 'action': 'allow',
        'policyRules': [{'@odata.type': NA + 'fqdnFilteringRule', 'name': 'chatgpt.com', 'ruleType': 'fqdn', 'destinations': [
            {'@odata.type': NA + 'fqdn', 'value': '*.chatgpt.com'}, {'@odata.type': NA + 'fqdn', 'value': 'chatgpt.com'}]}]}


def test_changing_one_fqdn_sends_one_patch_to_that_rule(emulator, tenant, auth):
    other = {'name': 'openai.com', 'type': 'fqdn', 'destinations': ['openai.com']}
    created = run_module('filtering_policy', policy_args(auth, rules=ALLOW_RULES + [other]))
    rules = GraphAdmin(emulator, tenant).call('GET', '/networkAccess/filteringPolicies/%s/policyRules' % created['filtering_policy']['id'],
                                              api='beta')['value']
    rule_id = next(r['id'] for r in rules if r['name'] == 'chatgpt.com')
    emulator.clear_log()
    changed = run_module('filtering_policy', policy_args(
        auth, rules=[{'name': 'chatgpt.com', 'type': 'fqdn', 'destinations': ['chatgpt.com', '*.openai.com']}]))
    assert changed['changed'] is True
    log = emulator.writes(tenant.tenant_id)
    assert [(w['method'], w['path']) for w in log] == [
        ('PATCH', '/beta/networkAccess/filteringPolicies/%s/policyRules/%s' % (created['filtering_policy']['id'], rule_id))]
    # networkaccess-filteringrule-update.md marks name and ruleType required on the PATCH as well.
    assert log[0]['body'] == {'@odata.type': NA + 'fqdnFilteringRule', 'name': 'chatgpt.com', 'ruleType': 'fqdn', 'destinations': [
        {'@odata.type': NA + 'fqdn', 'value': '*.openai.com'}, {'@odata.type': NA + 'fqdn', 'value': 'chatgpt.com'}]}
    assert changed['diff']['before']['rules'] == sorted([{'name': 'chatgpt.com', 'type': 'fqdn', 'destinations': ['*.chatgpt.com', 'chatgpt.com']},
                                                         other], key=lambda r: r['name'])
    assert changed['diff']['after']['rules'] == [{'name': 'chatgpt.com', 'type': 'fqdn', 'destinations': ['*.openai.com', 'chatgpt.com']}, other]
    assert changed['filtering_policy']['id'] == created['filtering_policy']['id']


def test_rules_added_retyped_and_purged_one_by_one(emulator, tenant, auth):
    created = run_module('filtering_policy', policy_args(auth))
    policy_id = created['filtering_policy']['id']
    emulator.clear_log()
    added = run_module('filtering_policy', policy_args(auth, rules=[
        {'name': 'AI', 'type': 'webCategory', 'destinations': ['Artificial Intelligence', 'socialnetworking']}]))
    assert added['filtering_policy']['rules'] == [
        {'name': 'AI', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence', 'SocialNetworking']}, ALLOW_RULES[0] | {
            'destinations': ['*.chatgpt.com', 'chatgpt.com']}]
    assert writes(emulator, tenant) == [('POST', '/beta/networkAccess/filteringPolicies/%s/policyRules' % policy_id)]
    emulator.clear_log()
    retyped = run_module('filtering_policy', policy_args(auth, rules=[{'name': 'AI', 'type': 'fqdn', 'destinations': ['claude.ai']}],
                                                         purge_rules=True))
    assert retyped['filtering_policy']['rules'] == [{'name': 'AI', 'type': 'fqdn', 'destinations': ['claude.ai']}]
    methods = [method for method, path in writes(emulator, tenant) if '/policyRules' in path]
    assert sorted(methods) == ['DELETE', 'DELETE', 'POST'] and len(writes(emulator, tenant)) == 3
    emulator.clear_log()
    same = run_module('filtering_policy', policy_args(auth, rules=[{'name': 'AI', 'type': 'fqdn', 'destinations': ['CLAUDE.ai']}],
                                                      purge_rules=True))
    assert same['changed'] is False and writes(emulator, tenant) == []


def test_action_and_description_are_patched_on_the_policy(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth))
    emulator.clear_log()
    changed = run_module('filtering_policy', dict(auth, name=ALLOW, action='block', description='now blocked'))
    assert changed['changed'] is True
    assert changed['diff'] == {'before': {'id': changed['filtering_policy']['id'], 'name': ALLOW, 'action': 'allow', 'description': None},
                               'after': {'id': changed['filtering_policy']['id'], 'name': ALLOW, 'action': 'block',
                                         'description': 'now blocked'}}
    assert [w['body'] for w in emulator.writes(tenant.tenant_id)] == [{'action': 'block', 'description': 'now blocked'}]


def test_link_change_keeps_the_profile_id(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth))
    run_module('filtering_policy', policy_args(auth, name=BLOCK, action='block', rules=BLOCK_RULES))
    created = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100, policies=[{'name': ALLOW, 'priority': 100}]))
    profile_id = created['filtering_profile']['id']
    link_id = GraphAdmin(emulator, tenant).call('GET', '/networkAccess/filteringProfiles/%s/policies' % profile_id, api='beta')['value'][0]['id']
    emulator.clear_log()

    changed = run_module('filtering_profile', dict(auth, name=PROFILE, policies=[
        {'name': ALLOW, 'priority': 200, 'logging_state': 'disabled'}, {'name': BLOCK}]))
    assert changed['changed'] is True
    assert changed['filtering_profile']['id'] == profile_id
    assert changed['diff']['before']['policies'] == [{'name': ALLOW, 'priority': 100, 'state': 'enabled', 'logging_state': 'enabled'}]
    assert changed['diff']['after']['policies'] == [
        {'name': ALLOW, 'priority': 200, 'state': 'enabled', 'logging_state': 'disabled'},
        {'name': BLOCK, 'priority': 300, 'state': 'enabled', 'logging_state': 'enabled'}]
    log = emulator.writes(tenant.tenant_id)
    links_path = '/beta/networkAccess/filteringProfiles/%s/policies' % profile_id
    assert sorted((w['method'], w['path']) for w in log) == [('PATCH', '%s/%s' % (links_path, link_id)), ('POST', links_path)]
    assert next(w['body'] for w in log if w['method'] == 'PATCH') == {
        '@odata.type': NA + 'filteringPolicyLink', 'priority': 200, 'loggingState': 'disabled'}

    emulator.clear_log()
    purged = run_module('filtering_profile', dict(auth, name=PROFILE, policies=[{'name': BLOCK}], purge_policies=True))
    assert purged['filtering_profile']['id'] == profile_id
    assert writes(emulator, tenant) == [('DELETE', '%s/%s' % (links_path, link_id))]
    profiles = GraphAdmin(emulator, tenant).call('GET', '/networkAccess/filteringProfiles', api='beta')['value']
    assert [p['id'] for p in profiles if p['name'] == PROFILE] == [profile_id]


def test_profile_fields_and_rename_by_id(emulator, tenant, auth):
    created = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100, description='JIT'))
    assert created['filtering_profile']['profile_state'] == 'enabled'
    emulator.clear_log()
    renamed = run_module('filtering_profile', dict(auth, id=created['filtering_profile']['id'], name='Renamed', priority=150,
                                                   profile_state='disabled'))
    assert renamed['changed'] is True
    assert [w['body'] for w in emulator.writes(tenant.tenant_id)] == [{'name': 'Renamed', 'state': 'disabled', 'priority': 150}]
    assert run_module('filtering_profile', dict(auth, name='Renamed', priority=150))['changed'] is False


def test_a_priority_another_profile_has_is_refused_before_any_write(emulator, tenant, auth):
    """Profile priorities must be unique: the module names the profile that has it, in check mode too, and writes nothing."""
    first = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100))['filtering_profile']
    second = run_module('filtering_profile', dict(auth, name='Allow Claude', priority=200))['filtering_profile']
    emulator.clear_log()
    expected = "priority=100: security profile %r (id %s) has this priority already; profile priorities must be unique" % (PROFILE, first['id'])
    for args in (dict(auth, name='Allow Gemini', priority=100), dict(auth, name='Allow Claude', priority=100),
                 dict(auth, id=second['id'], priority=100)):
        for check in (True, False):
            refused = run_module('filtering_profile', args, check=check)
            assert refused['failed'] is True, refused
            assert refused['msg'].startswith(expected), refused['msg']
    assert writes(emulator, tenant) == []
    # A profile keeps its own priority, and a free one is taken.
    assert run_module('filtering_profile', dict(auth, name=PROFILE, priority=100))['changed'] is False
    assert run_module('filtering_profile', dict(auth, name='Allow Claude', priority=300))['changed'] is True


def test_baseline_is_only_linked_and_unlinked(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth, name=BLOCK, action='block', rules=BLOCK_RULES))
    linked = run_module('filtering_profile', dict(auth, baseline=True, priority=65000, policies=[{'name': BLOCK}]))
    assert linked['filtering_profile']['id'] == baseline_id(emulator, tenant)
    assert linked['filtering_profile']['policies'] == [{'name': BLOCK, 'priority': 100, 'state': 'enabled', 'logging_state': 'enabled'}]
    emulator.clear_log()
    unlinked = run_module('filtering_profile', dict(auth, baseline=True, policies=[], purge_policies=True))
    assert unlinked['changed'] is True and unlinked['filtering_profile']['policies'] == []
    assert [method for method, dummy in writes(emulator, tenant)] == ['DELETE']

    by_name = run_module('filtering_profile', dict(auth, name='Baseline Profile', priority=100))
    assert by_name['failed'] is True and 'baseline=true' in by_name['msg'] and baseline_id(emulator, tenant) in by_name['msg']
    for options, fragment in (({'state': 'absent'}, 'never deleted'), ({'priority': 100}, 'fixed at 65000'),
                              ({'name': 'Mine'}, 'cannot be set with baseline=true')):
        result = run_module('filtering_profile', dict(auth, baseline=True, **options))
        assert result['failed'] is True and fragment in result['msg']
    assert [method for method, dummy in writes(emulator, tenant)] == ['DELETE']


def test_tenant_without_a_baseline_gets_a_clear_error(emulator, tenant, auth):
    baseline = baseline_id(emulator, tenant)
    with emulator.lock:
        emulator.state(tenant.tenant_id).table('filteringProfiles').remove(baseline)
    result = run_module('filtering_profile', dict(auth, baseline=True, policies=[]))
    assert result['failed'] is True
    assert 'no Baseline profile' in result['msg'] and 'never creates one' in result['msg']
    assert writes(emulator, tenant) == []
    assert run_module('filtering_profile_info', dict(auth, baseline=True))['filtering_profiles'] == []


def test_policy_still_linked_is_deleted_only_with_force(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth))
    run_module('filtering_profile', dict(auth, name=PROFILE, priority=100, policies=[{'name': ALLOW}]))
    emulator.clear_log()
    refused = run_module('filtering_policy', dict(auth, name=ALLOW, state='absent'))
    assert refused['failed'] is True
    assert "still linked to security profile 'Allow ChatGPT profile'" in refused['msg'] and 'force=true' in refused['msg']
    assert writes(emulator, tenant) == []
    predicted = run_module('filtering_policy', dict(auth, name=ALLOW, state='absent', force=True), check=True)
    assert predicted['changed'] is True and predicted['diff']['after'] == {} and writes(emulator, tenant) == []
    forced = run_module('filtering_policy', dict(auth, name=ALLOW, state='absent', force=True))
    assert forced['changed'] is True
    assert any('unlinked from security profile' in warning for warning in forced['warnings'])
    assert [method for method, dummy in writes(emulator, tenant)] == ['DELETE', 'DELETE']
    assert writes(emulator, tenant)[0][1].startswith('/beta/networkAccess/filteringProfiles/')
    emulator.clear_log()
    assert run_module('filtering_policy', dict(auth, name=ALLOW, state='absent'))['changed'] is False
    assert writes(emulator, tenant) == []


def test_profile_used_by_a_ca_policy_is_deleted_only_with_force(emulator, tenant, auth):
    created = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100))
    ca = GraphAdmin(emulator, tenant).call('POST', '/identity/conditionalAccess/policies', api='beta', expect=201, body={
        'displayName': 'Allow ChatGPT for the JIT group', 'state': 'enabled',
        'conditions': {'users': {'includeUsers': ['All']}, 'applications': {'includeApplications': ['All']}},
        'sessionControls': {'globalSecureAccessFilteringProfile': {'profileId': created['filtering_profile']['id'], 'isEnabled': True}}})
    info = run_module('filtering_profile_info', dict(auth, name=PROFILE))['filtering_profiles'][0]
    assert info['conditional_access_policies'] == [{'id': ca['id'], 'display_name': 'Allow ChatGPT for the JIT group'}]
    emulator.clear_log()
    refused = run_module('filtering_profile', dict(auth, name=PROFILE, state='absent'))
    assert refused['failed'] is True
    assert "still used by conditional access policy 'Allow ChatGPT for the JIT group'" in refused['msg'] and ca['id'] in refused['msg']
    assert writes(emulator, tenant) == []
    forced = run_module('filtering_profile', dict(auth, name=PROFILE, state='absent', force=True))
    assert forced['changed'] is True and any('still points at it' in warning for warning in forced['warnings'])
    assert writes(emulator, tenant) == [('DELETE', '/beta/networkAccess/filteringProfiles/%s' % created['filtering_profile']['id'])]


def test_unused_profile_is_deleted_with_its_links_and_absent_is_idempotent(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth))
    run_module('filtering_profile', dict(auth, name=PROFILE, priority=100, policies=[{'name': ALLOW}]))
    emulator.clear_log()
    deleted = run_module('filtering_profile', dict(auth, name=PROFILE, state='absent'))
    assert deleted['changed'] is True and deleted['filtering_profile'] == {}
    assert len(writes(emulator, tenant)) == 1
    emulator.clear_log()
    assert run_module('filtering_profile', dict(auth, name=PROFILE, state='absent'))['changed'] is False
    assert writes(emulator, tenant) == []
    assert run_module('filtering_policy', dict(auth, name=ALLOW, state='absent'))['changed'] is True


@pytest.mark.parametrize('module, options, fragment', [
    ('filtering_policy', {'rules': [{'name': 'x', 'type': 'fqdn', 'destinations': ['chat gpt.com']}]},
     "rules[0].destinations='chat gpt.com': label 'chat gpt'"),
    ('filtering_policy', {'rules': [{'name': 'x', 'type': 'fqdn', 'destinations': ['https://chatgpt.com/']}]}, 'not a URL'),
    ('filtering_policy', {'rules': [{'name': 'x', 'type': 'webCategory', 'destinations': ['ArtificalIntelligence']}]},
     "rules[0].destinations='ArtificalIntelligence': is not a web category of this tenant; did you mean ArtificialIntelligence?"),
    ('filtering_policy', {'rules': [{'name': 'x', 'type': 'fqdn', 'destinations': ['a.com']},
                                    {'name': 'x', 'type': 'fqdn', 'destinations': ['b.com']}]},
     "rules[1].name='x': two rules have this name"),
    ('filtering_policy', {'action': 'bypass'}, 'action must be one of: block, allow, got: bypass'),
    ('filtering_policy', {'action': None}, "action=None: is required to create a filtering policy"),
    ('filtering_profile', {'priority': 65000}, 'priority=65000: 65000 belongs to the Baseline profile'),
    ('filtering_profile', {'priority': 99}, 'priority=99: must be between 100 and 64999'),
    ('filtering_profile', {'priority': None}, 'priority=None: is required to create a security profile'),
    ('filtering_profile', {'policies': [{'name': ALLOW, 'priority': 65001}]}, 'policies[0].priority=65001: must be between 100 and 65000'),
    ('filtering_profile', {'policies': [{'name': 'No such policy'}]}, "policies[0].name='No such policy': no filtering policy has this name"),
])
def test_bad_input_fails_before_any_write(emulator, tenant, auth, module, options, fragment):
    args = dict(auth, name='Target')
    args.update(action='block') if module == 'filtering_policy' else args.update(priority=100)
    args.update(options)
    result = run_module(module, {key: value for key, value in args.items() if value is not None})
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    assert writes(emulator, tenant) == []


def test_ambiguous_names_list_the_ids(emulator, tenant, auth):
    admin = GraphAdmin(emulator, tenant)
    ids = sorted(admin.call('POST', '/networkAccess/filteringPolicies', api='beta', expect=201,
                            body={'name': ALLOW, 'action': 'allow'})['id'] for dummy in range(2))
    for module, args in (('filtering_policy', dict(auth, name=ALLOW, action='allow')),
                         ('filtering_profile', dict(auth, name=PROFILE, priority=100, policies=[{'name': ALLOW}]))):
        result = run_module(module, args)
        assert result['failed'] is True and ids[0] in result['msg'] and ids[1] in result['msg'], result
        assert "'Allow ChatGPT'" in result['msg'] and ('2 filtering_policy objects' in result['msg'] or '2 filtering policy objects' in result['msg'])
    assert writes(emulator, tenant) == [('POST', '/beta/networkAccess/filteringPolicies')] * 2
    by_id = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100, policies=[{'name': ids[1]}]))
    assert by_id['filtering_profile']['policies'][0]['name'] == ALLOW


def test_lost_responses_are_recovered_without_duplicates(emulator, tenant, auth):
    emulator.inject('drop', tenant=tenant.tenant_id, method='POST', path='/filteringPolicies$', count=1)
    created = run_module('filtering_policy', policy_args(auth))
    assert created['changed'] is True, created
    emulator.inject('drop', tenant=tenant.tenant_id, method='POST', path='/policies$', count=1)
    linked = run_module('filtering_profile', dict(auth, baseline=True, policies=[{'name': ALLOW}]))
    assert linked['changed'] is True, linked
    admin = GraphAdmin(emulator, tenant)
    assert len(admin.call('GET', '/networkAccess/filteringPolicies', api='beta')['value']) == 1
    assert len(admin.call('GET', '/networkAccess/filteringProfiles/%s/policies' % baseline_id(emulator, tenant), api='beta')['value']) == 1


def test_info_modules(emulator, tenant, auth):
    run_module('filtering_policy', policy_args(auth))
    run_module('filtering_profile', dict(auth, baseline=True, policies=[{'name': ALLOW, 'priority': 500}]))
    policies = run_module('filtering_policy_info', dict(auth, name='allow chatgpt'), diff=False)
    assert policies['changed'] is False
    assert policies['filtering_policies'] == [{'id': policies['filtering_policies'][0]['id'], 'name': ALLOW, 'description': None,
                                               'action': 'allow', 'rules': [dict(ALLOW_RULES[0], destinations=['*.chatgpt.com', 'chatgpt.com'])]}]
    by_id = run_module('filtering_policy_info', dict(auth, id=policies['filtering_policies'][0]['id'], include_rules=False))
    assert 'rules' not in by_id['filtering_policies'][0]
    assert run_module('filtering_policy_info', dict(auth, name='nope'))['filtering_policies'] == []
    baseline = run_module('filtering_profile_info', dict(auth, baseline=True))['filtering_profiles']
    assert [(p['name'], p['priority'], p['policies'], p['conditional_access_policies']) for p in baseline] == [
        ('Baseline Profile', 65000, [{'name': ALLOW, 'priority': 500, 'state': 'enabled', 'logging_state': 'enabled'}], [])]
    assert len(run_module('filtering_profile_info', auth)['filtering_profiles']) == 1
    assert run_module('filtering_profile_info', dict(auth, baseline=True, name='x'))['failed'] is True


class _Context:  # pylint: disable=too-few-public-methods
    """What a run hands the resolver: a client, parameters, check mode and ids."""

    def __init__(self, client):
        self.client = client
        self.params = {}
        self.check_mode = False
        self.ids = {}


def resolve_profile(ctx, reference):
    """A security profile through a fresh resolver (a run's reads the listing once), as another spec's reference does."""
    return References(ctx).resolve('profile', reference, 'profile', in_play=False)


def test_the_resolver_finds_security_profiles_for_other_specs(emulator, tenant, auth):
    created = run_module('filtering_profile', dict(auth, name=PROFILE, priority=100))['filtering_profile']
    with graph_client(dict(auth, token_cache=False)) as client:
        ctx = _Context(client)
        assert resolve_profile(ctx, 'allow chatgpt PROFILE')['id'] == created['id']
        assert resolve_profile(ctx, created['id'])['name'] == PROFILE
        with pytest.raises(ValidationError, match="profile='Nope': no security profile has this name"):
            resolve_profile(ctx, 'Nope')
        with pytest.raises(ValidationError, match='no security profile has this id'):
            resolve_profile(ctx, '00000000-0000-0000-0000-000000000000')
        GraphAdmin(emulator, tenant).call('POST', '/networkAccess/filteringProfiles', api='beta', expect=201,
                                          body={'name': PROFILE, 'state': 'enabled', 'priority': 300})
        with pytest.raises(ResourceError, match='2 security profile objects'):
            resolve_profile(ctx, PROFILE)


def test_a_refused_gsa_call_names_both_readings_and_the_delegated_fallback(emulator, tenant, auth):
    """The 403 hint says the pages disagree, names them, and names the fallback: a delegated run."""
    with emulator.lock:
        app = emulator.state(tenant.tenant_id).apps[tenant.client_id]
        app['roles'] = [role for role in app['roles'] if not role.startswith('NetworkAccess')]
    refused = run_module('filtering_policy', policy_args(auth))
    assert refused['failed'] is True and refused['status'] == 403
    assert "Microsoft's pages disagree here" in refused['msg']
    assert 'networkaccess-filteringrule-update.md' in refused['msg'] and 'NetworkAccessPolicy.ReadWrite.All' in refused['msg']
    assert 'run the task delegated' in refused['msg']
