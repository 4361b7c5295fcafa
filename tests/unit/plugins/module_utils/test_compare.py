"""Comparison helpers: tables of cases on plain data."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import normalise, same, subset, union


@pytest.mark.parametrize('left, right, as_set, expected', [
    ('a', 'a', False, True),
    ('a', 'b', False, False),
    ('', None, False, True),
    ([], None, False, True),
    ({'a': None}, None, False, True),
    ({'a': 1, 'b': ''}, {'a': 1}, False, True),
    (['b', 'a'], ['a', 'b'], True, True),
    (['b', 'a'], ['a', 'b'], False, False),
    (['a', 'a'], ['a'], True, True),
    ([], None, True, True),
    (['a'], [], True, False),
    ([{'x': 1, 'y': [2]}], [{'y': [2], 'x': 1}], True, True),
    (0, None, False, False),
    (False, None, False, False),
])
def test_same(left, right, as_set, expected):
    assert same(left, right, as_set) is expected


def test_normalise_nested():
    assert normalise({'a': {'b': '', 'c': []}, 'd': 'x'}) == {'d': 'x'}


def test_union_keeps_current_and_adds_declared():
    assert union(['b', 'a'], ['c', 'a']) == ['a', 'b', 'c']
    assert union(None, ['x']) == ['x']


def test_subset():
    assert subset({'id': 1, 'a': 2, 'b': 3}, ['id', 'b', 'missing']) == {'id': 1, 'b': 3}
