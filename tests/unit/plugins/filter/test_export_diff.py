"""The export_diff filter: flattening exported variables, the differences and the side-by-side table."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.jitaccess.entra.plugins.filter.export_diff import FilterModule, export_diff, flatten

LEFT = {
    'jit_ai_access_catalog_name': 'AI tools',
    'jit_ai_access_apps': [
        {'name': 'ChatGPT', 'fqdns': ['chatgpt.com'], 'expiration': {'hours': 4},
         'questions': [{'text': 'Why?', 'required': True}]},
        {'name': 'Claude', 'fqdns': ['claude.ai']},
    ],
}
RIGHT = {
    'jit_ai_access_block_rule_name': 'AI',
    'jit_ai_access_catalog_name': 'AI tools',
    'jit_ai_access_apps': [
        {'name': 'ChatGPT', 'fqdns': ['chatgpt.com', '*.chatgpt.com'], 'expiration': {'days': 1},
         'questions': [{'text': 'Why?', 'required': False}]},
    ],
}


def test_flatten_keys_apps_by_name_and_keeps_plain_lists_whole():
    assert flatten(LEFT) == {
        'jit_ai_access_catalog_name': 'AI tools',
        'jit_ai_access_apps[ChatGPT].name': 'ChatGPT',
        'jit_ai_access_apps[ChatGPT].fqdns': ['chatgpt.com'],
        'jit_ai_access_apps[ChatGPT].expiration.hours': 4,
        'jit_ai_access_apps[ChatGPT].questions[0].text': 'Why?',
        'jit_ai_access_apps[ChatGPT].questions[0].required': True,
        'jit_ai_access_apps[Claude].name': 'Claude',
        'jit_ai_access_apps[Claude].fqdns': ['claude.ai'],
    }
    assert flatten({'a': {}, 'b': []}) == {'a': {}, 'b': []}


def test_differences_sorted_by_key_with_null_for_what_a_side_does_not_set():
    assert export_diff(LEFT, RIGHT) == [
        {'key': 'jit_ai_access_apps[ChatGPT].expiration.days', 'left': None, 'right': 1},
        {'key': 'jit_ai_access_apps[ChatGPT].expiration.hours', 'left': 4, 'right': None},
        {'key': 'jit_ai_access_apps[ChatGPT].fqdns', 'left': ['chatgpt.com'], 'right': ['chatgpt.com', '*.chatgpt.com']},
        {'key': 'jit_ai_access_apps[ChatGPT].questions[0].required', 'left': True, 'right': False},
        {'key': 'jit_ai_access_apps[Claude].fqdns', 'left': ['claude.ai'], 'right': None},
        {'key': 'jit_ai_access_apps[Claude].name', 'left': 'Claude', 'right': None},
        {'key': 'jit_ai_access_block_rule_name', 'left': None, 'right': 'AI'},
    ]
    assert export_diff(LEFT, LEFT) == []


def test_table_lines():
    lines = export_diff({'a': 'x', 'long_key': [1, 2], 'n': 'y' * 80}, {'a': 'yz', 'n': None}, table=True, titles=['one.yml', 'two.yml'])
    assert lines == [
        'variable | one.yml' + ' ' * 63 + ' | two.yml',
        'a        | x' + ' ' * 69 + ' | yz',
        'long_key | [1, 2]' + ' ' * 64 + ' | -',
        'n        | ' + 'y' * 67 + '... | -',
    ]
    assert export_diff({}, {}, table=True) == ['variable | left | right']


@pytest.mark.parametrize('left, right, kwargs, message', [
    ([], {}, {}, 'compares two dictionaries of variables, got list and dict'),
    ({}, {}, {'titles': ['only one']}, 'titles takes two column titles, got 1'),
])
def test_bad_input(left, right, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        export_diff(left, right, **kwargs)


def test_registered_name():
    assert FilterModule().filters() == {'export_diff': export_diff}
