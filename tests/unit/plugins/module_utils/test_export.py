"""Export pure functions: the pattern found in a tenant's views with what does not fit, the app names, assignment policy
options, and the mapping onto the role's variables given the role's own defaults (read from the role's files here)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ansible_collections.jitaccess.entra.plugins.filter.role_variables import FilterModule
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import SECTIONS
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_options import (
    applied, differs_from_default, expiration_option, holds, minimise, new_policy, policy_options, section_option)
from ansible_collections.jitaccess.entra.plugins.module_utils._export_pattern import GSA_INTERNET, find_pattern, messages
from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import app_name, derived_descriptions, derived_names, plan_apps
from ansible_collections.jitaccess.entra.plugins.module_utils._role_variables import AppVariables, bind, role_variables

ROLE = Path(__file__).resolve().parents[4] / 'roles' / 'jit_ai_access'
FALLBACK = ['it.approvals@contoso.com']
TEMPLATE = '{{ jit_ai_access_fallback_approvers }}'


# ---- the role's defaults, as its files write them -----------------------------------------------------------------------

def role_defaults():
    return yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())


def role_builtin():
    return yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())['jit_ai_access_app_builtin']


DEFAULTS = role_defaults()


def app_defaults(fallback, position=0, builtin=None, defaults=None):
    """What the role declares for the app at ``position`` with jit_ai_access_fallback_approvers set to ``fallback``."""
    return AppVariables(builtin or role_builtin(), defaults or DEFAULTS).defaults_for(fallback, position)


def export(snapshot, builtin=None, defaults=None):
    """What the playbook does: the module's pattern, mapped by the filter with the role's defaults."""
    defaults = defaults or DEFAULTS
    found = find_pattern(snapshot, defaults['jit_ai_access_block_policy_name'])
    return {'vars': FilterModule().filters()['role_variables'](found['snapshot'], builtin or role_builtin(), defaults),
            'unmatched': found['unmatched'], 'unsupported': found['unsupported']}


def test_the_builtin_settings_are_the_role_files_with_the_fallback_approvers_chosen():
    app = copy.deepcopy(role_builtin())
    assert app['approval']['stages'][0]['fallback_approvers']['users'] == TEMPLATE
    app['approval']['stages'][0]['fallback_approvers']['users'] = FALLBACK
    assert app_defaults(FALLBACK) == app
    assert bind(role_builtin(), {'jit_ai_access_fallback_approvers': FALLBACK}) == app
    # Already templated by Ansible, the settings are taken as they are.
    assert bind(app, {'jit_ai_access_fallback_approvers': ['someone@else']}) == app
    assert DEFAULTS['jit_ai_access_app_defaults'] == {}
    assert DEFAULTS['jit_ai_access_apps'] == [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}]


def test_profile_priorities_are_derived_as_the_role_derives_them():
    """The role gives each app after the first 100 more; the export compares each app with the priority of its place."""
    builtin = role_builtin()
    apps = [{'name': name, 'fqdns': ['%s.example.com' % name.lower()]} for name in ('ChatGPT', 'Claude', 'Gemini')]
    plan = plan_apps(apps, {}, builtin)
    assert [app['profile_priority'] for app in plan['apps']] == [100, 200, 300]
    assert [app_defaults(FALLBACK, position)['profile_priority'] for position in range(3)] == [100, 200, 300]
    # An app's own priority wins; one given in jit_ai_access_app_defaults is where the counting starts.
    apps[1]['profile_priority'] = 150
    assert [app['profile_priority'] for app in plan_apps(apps, {'profile_priority': 1000}, builtin)['apps']] == [1000, 150, 1200]


@pytest.mark.parametrize('names, rule, expected', [
    ({'allow_policy_name': 'Allow ChatGPT', 'group_name': 'Allow ChatGPT Access'}, 'ChatGPT', 'ChatGPT'),
    ({'allow_policy_name': 'Allow ChatGPT', 'group_name': 'Allow ChatGPT Access', 'access_package_name': 'ChatGPT access'}, 'chatgpt.com',
     'ChatGPT'),
    ({'allow_policy_name': 'ChatGPT sites', 'group_name': 'ChatGPT users'}, 'ChatGPT rule', 'ChatGPT rule'),
    ({'allow_policy_name': 'Allow Claude', 'group_name': 'Allow ChatGPT Access'}, 'ChatGPT', 'ChatGPT'),
    ({'allow_policy_name': 'Allow ', 'access_package_name': ' access'}, 'x', 'x'),
])
def test_app_name_lets_the_role_derive_most_names(names, rule, expected):
    assert app_name(names, rule) == expected


# ---- assignment policy options ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('view, option', [
    ({'duration': 'PT4H'}, {'hours': 4}),
    ({'duration': 'P2D'}, {'days': 2}),
    ({'duration': 'PT90M'}, {'duration': 'PT90M'}),
    ({'never': True}, {'never': True}),
    ({'end_date': '2026-12-31T00:00:00Z'}, {'end_date': '2026-12-31T00:00:00Z'}),
])
def test_expiration_option(view, option):
    assert expiration_option(view) == option


def sections(fallback=None, **changes):
    """A policy's sections as the policy module views it, as the role's defaults create it (changes laid over them)."""
    options = {key: value for key, value in app_defaults(fallback or FALLBACK).items() if key in SECTIONS}
    options.update(changes)
    return new_policy(options)


def test_policy_options_round_trip_and_are_minimal():
    view = sections(expiration={'duration': 'P1DT6H'}, requestors={'scope': 'all_members', 'self_removals': False})
    options = policy_options(view)
    assert applied(view, options) == view
    assert section_option('requestors', view, options['requestors']) == {'scope': 'all_members', 'self_removals': False}
    assert section_option('expiration', view, options['expiration']) == {'hours': 30}
    assert section_option('approval', view, options['approval']) == {
        'requestor_justification': True, 'stages': [{'approvers': {'manager': True}, 'fallback_approvers': {'users': FALLBACK}}]}
    assert section_option('questions', view, options['questions']) == app_defaults(FALLBACK)['questions']
    assert section_option('access_reviews', view, options['access_reviews']) == {'enabled': False}


def test_sections_that_the_module_would_refuse_do_not_hold():
    view = sections()
    view['approval']['stages'][0]['deadline_days'] = 1.5
    options = policy_options(view)
    assert not holds(lambda: new_policy({'approval': options['approval']}))
    assert differs_from_default('approval', view, options['approval'], app_defaults(FALLBACK)['approval'])


@pytest.mark.parametrize('value, keeps, expected', [
    ({'a': 1, 'b': 2}, lambda candidate: True, {'b': 2}),
    ({'a': 1, 'b': 2}, lambda candidate: 'a' in candidate, {'a': 1}),
    ({'a': {'x': 1, 'y': 2}, 'b': 2}, lambda candidate: 'a' in candidate and 'y' in candidate['a'], {'a': {'y': 2}}),
    ([{'a': 1, 'b': 2}], lambda candidate: candidate[0].get('b') == 2, [{'b': 2}]),
])
def test_minimise_drops_only_what_keeps_accepts(value, keeps, expected):
    assert minimise(value, keeps) == expected


# ---- a tenant as read_tenant sees it -----------------------------------------------------------------------------------

CATALOG = {'id': 'cat1', 'display_name': 'AI apps', 'description': DEFAULTS['jit_ai_access_catalog_description'],
           'is_externally_visible': True, 'catalog_state': 'published', 'catalog_type': 'userManaged'}
GENERAL = {'id': 'cat0', 'display_name': 'General', 'description': None, 'catalog_type': 'serviceDefault'}


def app_views(name='ChatGPT', number=1, fqdns=('chatgpt.com',), priority=None):
    """The views of one app's objects as the role creates them with its defaults (app ``number`` of the list)."""
    priority = 100 * number if priority is None else priority
    names = derived_names(name)
    described = derived_descriptions(name, names)
    ids = {kind: '%s%d' % (kind, number) for kind in ('profile', 'allow', 'ca', 'group', 'package', 'policy')}
    return {
        'profile': {'id': ids['profile'], 'name': names['profile_name'], 'description': described['profile_description'],
                    'profile_state': 'enabled', 'priority': priority,
                    'policies': [{'name': names['allow_policy_name'], 'priority': 100, 'state': 'enabled', 'logging_state': 'enabled',
                                  'policy_id': ids['allow']}]},
        'allow': {'id': ids['allow'], 'name': names['allow_policy_name'], 'description': described['allow_policy_description'],
                  'action': 'allow', 'rules': [{'name': name, 'type': 'fqdn', 'destinations': sorted(fqdns)}]},
        'ca': {'id': ids['ca'], 'display_name': names['ca_policy_name'], 'policy_state': 'enabled', 'include_users': [],
               'include_groups': [names['group_name']], 'include_roles': [], 'include_applications': [GSA_INTERNET],
               'sign_in_risk_levels': ['low', 'none'], 'session_controls': {'gsa_security_profile': names['profile_name']},
               'profile_id': ids['profile'], 'group_ids': [ids['group']]},
        'group': {'id': ids['group'], 'display_name': names['group_name'], 'description': described['group_description'], 'members': []},
        'package': {'id': ids['package'], 'display_name': names['access_package_name'], 'description': described['access_package_description'],
                    'is_hidden': False, 'catalog': 'AI apps', 'catalog_id': 'cat1', 'assignees': [],
                    'resource_roles': [{'group': names['group_name'], 'group_id': ids['group'], 'role': 'member'}]},
        'policy': dict(sections(), id=ids['policy'], display_name=names['assignment_policy_name'],
                       description=described['assignment_policy_description'], access_package_id=ids['package']),
    }


def tenant(*apps):
    """A snapshot of a tenant the role converged with its defaults (``apps`` from app_views)."""
    baseline = {'id': 'base', 'name': 'Baseline Profile', 'description': 'Default', 'profile_state': 'enabled', 'priority': 65000,
                'policies': [{'name': 'Block Artificial Intelligence', 'priority': 100, 'state': 'enabled', 'logging_state': 'enabled',
                              'policy_id': 'block'}]}
    block = {'id': 'block', 'name': 'Block Artificial Intelligence', 'action': 'block',
             'description': DEFAULTS['jit_ai_access_block_policy_description'],
             'rules': [{'name': 'Block Artificial Intelligence', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence']}]}
    apps = apps or (app_views(),)
    return {'profiles': [baseline] + [app['profile'] for app in apps], 'policies': [block] + [app['allow'] for app in apps],
            'ca_policies': [app['ca'] for app in apps], 'groups': {app['group']['id']: app['group'] for app in apps},
            'catalogs': [GENERAL, copy.deepcopy(CATALOG)], 'packages': [app['package'] for app in apps],
            'assignment_policies': [app['policy'] for app in apps]}


def test_a_tenant_set_up_like_the_defaults_exports_names_and_fqdns_only():
    result = export(tenant())
    assert result == {'vars': {'jit_ai_access_fallback_approvers': FALLBACK,
                               'jit_ai_access_apps': [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}]},
                      'unmatched': [], 'unsupported': []}
    assert messages(result) == []


def _two_apps():
    return tenant(app_views(), app_views('Claude', 2, ('claude.ai', '*.claude.ai'), priority=110))


def _item(kind, obj_id, name, reason):
    return {'type': kind, 'id': obj_id, 'name': name, 'reason': reason}


def _extra_allow_policy(snapshot):
    snapshot['policies'].append({'id': 'x', 'name': 'Allow Perplexity', 'description': None, 'action': 'allow',
                                 'rules': [{'name': 'p', 'type': 'fqdn', 'destinations': ['perplexity.ai']}]})


def _lone_profile(snapshot):
    snapshot['profiles'].append({'id': 'lone', 'name': 'Lonely', 'priority': 500, 'profile_state': 'enabled',
                                 'policies': [{'name': 'Allow Perplexity', 'priority': 100, 'policy_id': 'x'}]})
    _extra_allow_policy(snapshot)


def _second_ca(snapshot):
    snapshot['ca_policies'].append(dict(snapshot['ca_policies'][0], id='ca9', display_name='Zz ChatGPT copy'))


def _ca_for_two_groups(snapshot):
    snapshot['ca_policies'][1].update(group_ids=['group1', 'group2'], include_groups=['Allow ChatGPT Access', 'Allow Claude Access'])


def _ca_for_all_users(snapshot):
    snapshot['ca_policies'][1].update(group_ids=[], include_groups=[], include_users=['All'])


def _extra_assignment_policy(snapshot):
    snapshot['assignment_policies'].append(dict(snapshot['assignment_policies'][0], id='policy9', display_name='ChatGPT for interns'))


def _second_package(snapshot):
    snapshot['packages'].append(dict(snapshot['packages'][0], id='package9', display_name='ChatGPT (old)'))


def _second_catalog(snapshot):
    snapshot['catalogs'].append(dict(CATALOG, id='cat2', display_name='HR'))


def _extra_baseline_link(snapshot):
    snapshot['profiles'][0]['policies'].append({'name': 'Block Gambling', 'priority': 200, 'policy_id': 'gamble'})
    snapshot['policies'].append({'id': 'gamble', 'name': 'Block Gambling', 'action': 'block', 'description': None,
                                 'rules': [{'name': 'g', 'type': 'webCategory', 'destinations': ['Gambling']}]})


@pytest.mark.parametrize('change, unmatched', [
    (_extra_allow_policy, [_item('filtering_policy', 'x', 'Allow Perplexity', 'is linked to no security profile')]),
    (_lone_profile, [
        _item('filtering_policy', 'x', 'Allow Perplexity', 'is linked only to security profiles no exported app uses (Lonely)'),
        _item('filtering_profile', 'lone', 'Lonely', 'no exported app uses it (no Conditional Access policy of the pattern hands it out)')]),
    (_second_ca, [_item(
        'conditional_access_policy', 'ca9', 'Zz ChatGPT copy',
        "hands out security profile 'Allow ChatGPT', which 'GSA - Allow ChatGPT (JIT)' hands out already; the role gives each app one policy")]),
    (_ca_for_two_groups, [
        _item('conditional_access_policy', 'ca2', 'GSA - Allow Claude (JIT)',
              'includes Allow ChatGPT Access, Allow Claude Access; the role includes exactly one group (the just-in-time group) and no users or roles'),
        _item('filtering_policy', 'allow2', 'Allow Claude', 'is linked only to security profiles no exported app uses (Allow Claude)'),
        _item('filtering_profile', 'profile2', 'Allow Claude', 'no exported app uses it (no Conditional Access policy of the pattern hands it out)'),
        _item('access_package', 'package2', 'Claude access', "in the apps' catalog but grants no exported app's group")]),
    (_extra_assignment_policy, [_item(
        'assignment_policy', 'policy9', 'ChatGPT for interns',
        "a further assignment policy of access package 'ChatGPT access'; the role manages one, 'ChatGPT on request'")]),
    (_second_package, [_item(
        'access_package', 'package9', 'ChatGPT (old)',
        "also grants membership of 'Allow ChatGPT Access'; the role keeps one access package per app, 'ChatGPT access'")]),
    (_second_catalog, [_item('catalog', 'cat2', 'HR', 'a further catalog; the exported apps keep their access packages in one')]),
    (_extra_baseline_link, [_item(
        'filtering_policy', 'gamble', 'Block Gambling',
        "is linked to the Baseline profile besides the block policy 'Block Artificial Intelligence'; the role leaves it there")]),
])
def test_objects_outside_the_pattern_are_unmatched(change, unmatched):
    snapshot = _two_apps()
    change(snapshot)
    result = export(snapshot)
    assert result['unmatched'] == unmatched
    assert len(messages(result)) == len(unmatched) + len(result['unsupported'])
    assert all(message.startswith('not exported: ') for message in messages(result)[:len(unmatched)])


def test_of_two_packages_with_names_of_their_own_the_first_by_name_stays():
    snapshot = _two_apps()
    _second_package(snapshot)
    snapshot['packages'][0]['display_name'] = 'ChatGPT hours'
    result = export(snapshot)
    assert result['vars']['jit_ai_access_apps'][0]['access_package_name'] == 'ChatGPT (old)'
    assert [item['name'] for item in result['unmatched']] == ['ChatGPT hours']


def _disabled_profile(app):
    app['profile']['profile_state'] = 'disabled'


def _two_rules(app):
    app['allow']['rules'].append({'name': 'more', 'type': 'fqdn', 'destinations': ['openai.com']})


def _extra_link(app):
    app['profile']['policies'].append({'name': 'Allow More', 'priority': 200, 'policy_id': 'more'})


def _microsoft_apps(app):
    app['ca']['include_applications'] = ['microsoft_apps_gsa']


def _sign_in_frequency(app):
    app['ca']['session_controls']['sign_in_frequency'] = {'value': 4, 'type': 'hours'}


def _stray_member(app):
    app['group']['members'] = ['sarah@contoso.com', 'michael@contoso.com']
    app['package']['assignees'] = ['michael@contoso.com']


def _owner_role(app):
    app['package']['resource_roles'].append({'group': 'Finance Team', 'group_id': 'fin', 'role': 'owner'})


def _other_approver(app):
    app['policy']['approval']['stages'][0]['approvers']['other'] = ['externalSponsors']


@pytest.mark.parametrize('change, kind, reason', [
    (_disabled_profile, 'filtering_profile', 'is disabled; the role enables it'),
    (_two_rules, 'filtering_policy', 'has 2 rules; the role keeps one FQDN rule with all the FQDNs and removes the others'),
    (_extra_link, 'filtering_profile', "also links 'Allow More'; the role links only the allow policy 'Allow ChatGPT' and unlinks the rest"),
    (_microsoft_apps, 'conditional_access_policy', 'targets microsoft_apps_gsa; the role targets all_internet_resources_gsa only'),
    (_sign_in_frequency, 'conditional_access_policy', 'has session controls besides the security profile (sign_in_frequency); the role '
                                                      'turns them off'),
    (_stray_member, 'group', 'has static members without an active assignment (sarah@contoso.com), who bypass the approval; the role '
                             'reports them'),
    (_owner_role, 'access_package', "also grants 'Finance Team'; the role keeps only the membership of 'Allow ChatGPT Access'"),
    (_other_approver, 'assignment_policy', 'has settings the role cannot express, in approval; applying the export changes them'),
])
def test_settings_the_role_cannot_carry_are_unsupported(change, kind, reason):
    app = app_views()
    change(app)
    result = export(tenant(app))
    assert [(item['type'], item['reason']) for item in result['unsupported']] == [(kind, reason)]
    assert messages(result)[0].startswith('exported, but the role would change it: %s ' % kind)


def test_settings_and_names_that_differ_from_the_defaults_are_exported():
    app = app_views()
    app['allow']['rules'][0].update(name='chatgpt.com', destinations=['*.chatgpt.com', 'chatgpt.com'])
    app['allow']['description'] = None
    app['group'].update(display_name='ChatGPT users', description='Portal made')
    app['ca'].update(sign_in_risk_levels=[], policy_state='report_only', include_groups=['ChatGPT users'])
    app['profile']['priority'] = 300
    app['profile']['policies'][0]['priority'] = 150
    app['policy'].update(sections(expiration={'hours': 4}, allow_custom_schedule=True, access_reviews={
        'enabled': True, 'recurrence': 'monthly', 'reviewers': {'manager': True}, 'fallback_reviewers': {'users': FALLBACK}}))
    entry = export(tenant(app))['vars']['jit_ai_access_apps'][0]
    assert entry == {
        'name': 'ChatGPT', 'fqdns': ['*.chatgpt.com', 'chatgpt.com'], 'allow_rule_name': 'chatgpt.com', 'group_name': 'ChatGPT users',
        'allow_policy_description': '', 'group_description': 'Portal made',
        'profile_description': 'Handed to Allow ChatGPT Access by Conditional Access.',
        'access_package_description': 'Time-bound use of ChatGPT after approval; membership of Allow ChatGPT Access ends by itself.',
        'profile_priority': 300, 'link_priority': 150, 'ca_policy_state': 'report_only', 'sign_in_risk_levels': [],
        'expiration': {'hours': 4}, 'allow_custom_schedule': True,
        'access_reviews': {'enabled': True, 'recurrence': 'monthly', 'reviewers': {'manager': True}, 'fallback_reviewers': {'users': FALLBACK}}}


def test_fallback_approvers_are_the_ones_most_apps_share():
    first, second, third = app_views(), app_views('Claude', 2, priority=110), app_views('Gemini', 3, priority=120)
    other = ['boss@contoso.com']
    third['policy'].update(sections(fallback=other))
    result = export(tenant(first, second, third))
    assert result['vars']['jit_ai_access_fallback_approvers'] == FALLBACK
    entries = result['vars']['jit_ai_access_apps']
    assert ['approval' in entry for entry in entries] == [False, False, True]
    assert entries[2]['approval']['stages'][0]['fallback_approvers'] == {'users': other}


def test_block_policy_and_catalog_variables():
    snapshot = tenant()
    snapshot['profiles'][0]['policies'][0]['priority'] = 300
    snapshot['policies'][0].update(name='No AI', description=None, rules=[
        {'name': 'AI', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence', 'Gambling']}])
    snapshot['catalogs'][1].update(display_name='AI tools', description='Tools')
    snapshot['packages'][0]['catalog'] = 'AI tools'
    variables = export(snapshot)['vars']
    assert {key: value for key, value in variables.items() if key not in ('jit_ai_access_apps', 'jit_ai_access_fallback_approvers')} == {
        'jit_ai_access_block_policy_name': 'No AI', 'jit_ai_access_block_policy_description': '',
        'jit_ai_access_block_categories': ['ArtificialIntelligence', 'Gambling'], 'jit_ai_access_baseline_link_priority': 300,
        'jit_ai_access_block_rule_name': 'AI', 'jit_ai_access_catalog_name': 'AI tools', 'jit_ai_access_catalog_description': 'Tools'}


def test_a_tenant_without_the_pattern():
    snapshot = tenant()
    snapshot.update(ca_policies=[], packages=[], assignment_policies=[])
    snapshot['profiles'][0]['policies'] = []
    result = export(snapshot)
    assert result['vars'] == {'jit_ai_access_apps': []}
    assert [item['type'] for item in result['unsupported']] == ['filtering_profile']
    assert 'no block policy' in result['unsupported'][0]['reason']
    assert sorted(item['name'] for item in result['unmatched']) == ['Allow ChatGPT', 'Allow ChatGPT', 'Block Artificial Intelligence']


def test_a_package_in_another_catalog_and_a_missing_policy():
    first, second = app_views(), app_views('Claude', 2, priority=110)
    second['package'].update(catalog='Other', catalog_id='cat2')
    snapshot = tenant(first, second)
    snapshot['assignment_policies'] = [first['policy']]
    snapshot['catalogs'].append(dict(CATALOG, id='cat2', display_name='Other'))
    result = export(snapshot)
    assert [(item['type'], item['name'], item['reason'].split(';')[0]) for item in result['unsupported']] == [
        ('access_package', 'Claude access', "is in catalog 'Other', not 'AI apps' with the other apps"),
        ('access_package', 'Claude access', 'has no assignment policy')]


# ---- the role's defaults are arguments, not copies ----------------------------------------------------------------------

def test_the_filter_compares_with_the_app_defaults_it_is_given():
    """A tenant set up like the role's defaults needs only names and FQDNs; with other jit_ai_access_app_defaults the
    same tenant needs the settings those defaults change, and nothing else."""
    assert export(tenant())['vars']['jit_ai_access_apps'] == [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}]
    other = dict(DEFAULTS, jit_ai_access_app_defaults={'expiration': {'hours': 8}, 'ca_policy_state': 'disabled'})
    assert export(tenant(), defaults=other)['vars']['jit_ai_access_apps'] == [
        {'name': 'ChatGPT', 'fqdns': ['chatgpt.com'], 'ca_policy_state': 'enabled', 'expiration': {'hours': 2}}]


def test_the_filter_compares_with_the_builtin_settings_it_is_given():
    builtin = role_builtin()
    builtin.update(sign_in_risk_levels=['low'], link_priority=200)
    builtin['questions'] = builtin['questions'][:1]
    entry = export(tenant(), builtin=builtin)['vars']['jit_ai_access_apps'][0]
    assert entry == {'name': 'ChatGPT', 'fqdns': ['chatgpt.com'], 'link_priority': 100, 'sign_in_risk_levels': ['low', 'none'],
                     'questions': app_defaults(FALLBACK)['questions']}


def test_the_filter_compares_with_the_role_variables_it_is_given():
    other = dict(DEFAULTS, jit_ai_access_catalog_name='Other', jit_ai_access_block_categories=['Gambling'],
                 jit_ai_access_block_policy_name='Block AI', jit_ai_access_fallback_approvers=FALLBACK)
    assert export(tenant(), defaults=other)['vars'] == {
        'jit_ai_access_block_policy_name': 'Block Artificial Intelligence', 'jit_ai_access_block_categories': ['ArtificialIntelligence'],
        'jit_ai_access_catalog_name': 'AI apps', 'jit_ai_access_apps': [{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']}]}


def test_without_a_template_in_the_builtin_settings_the_fallback_approvers_stay_per_app():
    """Settings Ansible has already templated (with the role's default, no fallback approvers) cannot take other
    fallback approvers; the apps carry theirs, and applying the variables still changes nothing."""
    builtin = bind(role_builtin(), DEFAULTS)
    result = export(tenant(), builtin=builtin)['vars']
    assert 'jit_ai_access_fallback_approvers' not in result
    approval = result['jit_ai_access_apps'][0]['approval']
    assert approval['stages'][0]['fallback_approvers'] == {'users': FALLBACK}
    policy = tenant()['assignment_policies'][0]
    assert applied(policy, {'approval': approval})['approval'] == policy['approval']


def test_the_block_policy_the_role_names_is_preferred():
    snapshot = tenant()
    _extra_baseline_link(snapshot)
    snapshot['policies'][-1]['name'] = 'Aa block'
    assert find_pattern(snapshot, 'Block Artificial Intelligence')['snapshot']['block']['filtering_policy']['name'] == 'Block Artificial Intelligence'
    assert find_pattern(snapshot)['snapshot']['block']['filtering_policy']['name'] == 'Aa block'


def test_the_snapshot_holds_the_objects_as_their_modules_view_them():
    snapshot = find_pattern(tenant())['snapshot']
    app = snapshot['apps'][0]
    assert sorted(app) == ['access_package', 'assignment_policy', 'conditional_access_policy', 'filtering_policy', 'filtering_profile',
                           'group', 'policy_link']
    assert 'profile_id' not in app['conditional_access_policy'] and 'group_ids' not in app['conditional_access_policy']
    assert 'policy_id' not in app['policy_link'] and all('policy_id' not in link for link in app['filtering_profile']['policies'])
    assert 'access_package_id' not in app['assignment_policy'] and 'catalog_id' not in app['access_package']
    assert snapshot['catalog']['display_name'] == 'AI apps' and snapshot['block']['policy_link']['priority'] == 100


def test_the_filter_plugin_offers_the_mapping():
    assert FilterModule().filters() == {'role_variables': role_variables}
