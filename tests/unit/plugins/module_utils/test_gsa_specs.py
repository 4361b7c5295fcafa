"""Global Secure Access spec rules that need no Graph: FQDNs, categories, priorities, rule and link planning, input checks."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import (
    FilteringPolicySpec, PolicyRules, canonical_destinations, category_hint, category_index, category_name, fqdn_problem)
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import (
    FilteringProfileSpec, PolicyLinks, baseline_candidates, next_link_priority, profile_priority_problem)

CATEGORIES = [
    {'name': 'ArtificialIntelligence', 'displayName': 'Artificial Intelligence', 'group': 'Liability'},
    {'name': 'SocialNetworking', 'displayName': 'Social Networking', 'group': 'ProductivityLoss'},
    {'name': 'Gambling', 'displayName': 'Gambling', 'group': 'Liability'},
]
ID_A = '0f55c3c1-5502-48a6-8c49-570448226368'


@pytest.mark.parametrize('value, problem', [
    ('chatgpt.com', None),
    ('*.chatgpt.com', None),
    ('ChatGPT.com', None),
    ('a-b.c0.example.co.uk', None),
    ('x' * 63 + '.com', None),
    ('', 'must not be empty'),
    ('  ', 'must not be empty'),
    ('https://chatgpt.com', 'not a URL'),
    ('chatgpt.com/c', 'not a URL'),
    ('chat*.com', 'wildcard'),
    ('*chatgpt.com', 'wildcard'),
    ('www.*.com', 'wildcard'),
    ('localhost', 'at least two labels'),
    ('chat gpt.com', "label 'chat gpt'"),
    ('-chatgpt.com', "label '-chatgpt'"),
    ('chatgpt-.com', "label 'chatgpt-'"),
    ('chatgpt..com', "label ''"),
    ('x' * 64 + '.com', 'label'),
    ('caf\u00e9.com', 'label'),
    ('10.0.0.1', 'not an IP address'),
    ('.'.join(['abcdefghij'] * 24), 'at most 253'),
])
def test_fqdn_problem(value, problem):
    found = fqdn_problem(value)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize('given, expected', [
    ('ArtificialIntelligence', 'ArtificialIntelligence'),
    ('artificialintelligence', 'ArtificialIntelligence'),
    ('Artificial Intelligence', 'ArtificialIntelligence'),
    (' artificial intelligence ', 'ArtificialIntelligence'),
    ('Social Networking', 'SocialNetworking'),
    ('AI', None),
    ('Artificial-Intelligence', None),
])
def test_category_name_accepts_api_and_display_names(given, expected):
    assert category_name(given, category_index(CATEGORIES)) == expected


@pytest.mark.parametrize('given, hint', [
    ('ArtificalIntelligence', 'did you mean ArtificialIntelligence?'),
    ('Artifical Inteligence', 'did you mean ArtificialIntelligence?'),
    ('Gamble', 'did you mean Gambling?'),
    ('Zzz', ''),
])
def test_category_hint(given, hint):
    assert category_hint(given, category_index(CATEGORIES)) == ('; ' + hint if hint else '')


@pytest.mark.parametrize('rule_type, values, expected', [
    ('fqdn', ['chatgpt.com', '*.ChatGPT.com', 'CHATGPT.com'], ['*.chatgpt.com', 'chatgpt.com']),
    ('webCategory', ['SocialNetworking', 'ArtificialIntelligence', 'SocialNetworking'], ['ArtificialIntelligence', 'SocialNetworking']),
])
def test_canonical_destinations(rule_type, values, expected):
    assert canonical_destinations(rule_type, values) == expected


@pytest.mark.parametrize('rule', [
    {'@odata.type': '#microsoft.graph.networkaccess.fqdnFilteringRule', 'id': 'r1', 'name': 'chatgpt.com', 'ruleType': 'fqdn',
     'destinations': [{'@odata.type': '#microsoft.graph.networkaccess.fqdn', 'value': 'ChatGPT.com'},
                      {'@odata.type': '#microsoft.graph.networkaccess.fqdn', 'value': '*.chatgpt.com'}]},
    {'@odata.type': '#microsoft.graph.networkaccess.fqdnFilteringRule', 'id': 'r1', 'name': 'chatgpt.com',
     'destinations': [{'@odata.type': '#microsoft.graph.networkaccess.fqdn', 'value': '*.chatgpt.com'},
                      {'@odata.type': '#microsoft.graph.networkaccess.fqdn', 'value': 'chatgpt.com'}]},
])
def test_rule_read_shape_with_or_without_rule_type(rule):
    assert PolicyRules.item(rule) == {'name': 'chatgpt.com', 'type': 'fqdn', 'destinations': ['*.chatgpt.com', 'chatgpt.com']}


def test_rule_bodies_carry_the_polymorphic_types():
    item = {'name': 'AI', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence']}
    assert PolicyRules.body(item) == {
        '@odata.type': '#microsoft.graph.networkaccess.webCategoryFilteringRule', 'name': 'AI', 'ruleType': 'webCategory',
        'destinations': [{'@odata.type': '#microsoft.graph.networkaccess.webCategory', 'name': 'ArtificialIntelligence'}]}
    patch = PolicyRules.body({'name': 'x', 'type': 'fqdn', 'destinations': ['chatgpt.com']})
    assert patch == {'@odata.type': '#microsoft.graph.networkaccess.fqdnFilteringRule', 'name': 'x', 'ruleType': 'fqdn',
                     'destinations': [{'@odata.type': '#microsoft.graph.networkaccess.fqdn', 'value': 'chatgpt.com'}]}


def _rule(name, rule_type='fqdn', destinations=('chatgpt.com',)):
    return {'name': name, 'type': rule_type, 'destinations': list(destinations)}


@pytest.mark.parametrize('rules, option, fragment', [
    ([_rule('a'), _rule('a')], 'rules[1].name', 'two rules have this name'),
    ([_rule(' ')], 'rules[0].name', 'must not be blank'),
    ([_rule('a', destinations=())], 'rules[0].destinations', 'at least one destination'),
    ([_rule('a', destinations=('chatgpt.com', 'bad host.com'))], 'rules[0].destinations', "'bad host.com'"),
    ([_rule('a'), _rule('b', 'webCategory', ('',))], 'rules[1].destinations', 'must not be empty'),
])
def test_policy_input_rules(rules, option, fragment):
    with pytest.raises(ValidationError) as info:
        FilteringPolicySpec().validate({'name': 'p', 'rules': rules})
    assert info.value.option == option and fragment in str(info.value)


def test_policy_input_accepts_good_rules_and_no_rules():
    FilteringPolicySpec().validate({'name': 'p', 'rules': [_rule('a', destinations=('*.chatgpt.com',)), _rule('b', 'webCategory', ('AI',))]})
    FilteringPolicySpec().validate({'name': 'p', 'rules': None})


@pytest.mark.parametrize('priority, problem', [
    (100, None), (64999, None), (5000, None),
    (99, 'between 100 and 64999'), (65001, 'between 100 and 64999'), (0, 'between 100 and 64999'),
    (65000, 'belongs to the Baseline profile'),
])
def test_profile_priority_problem(priority, problem):
    found = profile_priority_problem(priority)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize('used, expected', [
    ([], 100), ([None], 100), ([100], 200), ([100, 250], 300), ([64950], 65000), ([65000], 65000),
])
def test_next_link_priority(used, expected):
    assert next_link_priority(used) == expected


def test_baseline_is_found_by_priority_then_by_name():
    named = {'id': '1', 'name': 'Baseline Profile', 'priority': 100}
    real = {'id': '2', 'name': 'Renamed baseline', 'priority': 65000}
    assert baseline_candidates([named, real]) == [real]
    assert baseline_candidates([named]) == [named]
    assert baseline_candidates([{'id': '3', 'name': 'Other', 'priority': 100}]) == []


def _profile_params(**params):
    base = {'name': None, 'id': None, 'baseline': False, 'description': None, 'profile_state': None, 'priority': None,
            'policies': None, 'state': 'present'}
    base.update(params)
    return base


@pytest.mark.parametrize('params, option, fragment', [
    ({}, 'name', 'set name or id, or baseline=true'),
    ({'name': 'p', 'priority': 65000}, 'priority', 'belongs to the Baseline profile'),
    ({'name': 'p', 'priority': 70000}, 'priority', 'between 100 and 64999'),
    ({'name': 'p', 'priority': 50}, 'priority', 'between 100 and 64999'),
    ({'baseline': True, 'name': 'x'}, 'name', 'cannot be set with baseline=true'),
    ({'baseline': True, 'profile_state': 'disabled'}, 'profile_state', 'never created, renamed or edited'),
    ({'baseline': True, 'priority': 100}, 'priority', 'fixed at 65000'),
    ({'baseline': True, 'state': 'absent'}, 'state', 'never deleted'),
    ({'name': 'p', 'policies': [{'name': 'a', 'priority': 99}]}, 'policies[0].priority', 'between 100 and 65000'),
    ({'name': 'p', 'policies': [{'name': 'a', 'priority': 65001}]}, 'policies[0].priority', 'between 100 and 65000'),
    ({'name': 'p', 'policies': [{'name': 'a'}, {'name': 'A'}]}, 'policies[1].name', 'listed twice'),
    ({'name': 'p', 'policies': [{'name': ''}]}, 'policies[0].name', 'must not be blank'),
])
def test_profile_input_rules(params, option, fragment):
    with pytest.raises(ValidationError) as info:
        FilteringProfileSpec().validate(_profile_params(**params))
    assert info.value.option == option and fragment in str(info.value)


@pytest.mark.parametrize('params', [
    {'baseline': True, 'policies': [{'name': 'a', 'priority': 65000}]},
    {'baseline': True, 'priority': 65000},
    {'name': 'p', 'priority': 100, 'policies': [{'name': 'a', 'priority': 100}]},
    {'id': ID_A, 'state': 'absent'},
])
def test_profile_input_accepted(params):
    FilteringProfileSpec().validate(_profile_params(**params))


def test_new_links_get_defaults_in_declared_order_and_existing_ones_keep_unmanaged_fields():
    links = PolicyLinks('policies', 'purge_policies')
    before = [{'name': 'Block AI', 'priority': 100, 'state': 'enabled', 'logging_state': 'disabled'}]
    wanted = [{'name': 'Zeta', 'priority': None, 'state': None, 'logging_state': None},
              {'name': 'Alpha', 'priority': None, 'state': 'disabled', 'logging_state': None},
              {'name': 'Block AI', 'priority': 300, 'state': None, 'logging_state': None}]
    after = links.plan(before, wanted, purge=False)
    assert after == [
        {'name': 'Alpha', 'priority': 500, 'state': 'disabled', 'logging_state': 'enabled'},
        {'name': 'Block AI', 'priority': 300, 'state': 'enabled', 'logging_state': 'disabled'},
        {'name': 'Zeta', 'priority': 400, 'state': 'enabled', 'logging_state': 'enabled'},
    ]
    assert before == [{'name': 'Block AI', 'priority': 100, 'state': 'enabled', 'logging_state': 'disabled'}]
    assert links.differs(before, after) is True
    assert links.differs(before, links.plan(before, [{'name': 'Block AI', 'priority': None, 'state': None, 'logging_state': None}],
                                            purge=True)) is False
    assert links.plan(before, [], purge=True) == []
