"""Planning of relations and child collections: pure functions over view-shaped data."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Children, Relation

RULES = Children('rules', 'purge_rules')
MEMBERS = Relation('members', 'purge_members')


@pytest.mark.parametrize('before, wanted, purge, after', [
    (['a', 'b'], ['c'], False, ['a', 'b', 'c']),
    (['a', 'b'], ['c'], True, ['c']),
    (['a'], [], True, []),
    ([], ['b', 'a'], False, ['a', 'b']),
])
def test_relation_plan(before, wanted, purge, after):
    assert MEMBERS.plan(before, wanted, purge) == after


def test_children_merge_keeps_unmanaged_fields_and_other_items():
    before = [{'name': 'a', 'type': 'fqdn', 'destinations': ['x.com']}, {'name': 'b', 'type': 'webCategory', 'destinations': ['AI']}]
    wanted = [{'name': 'a', 'type': None, 'destinations': ['y.com']}]
    after = RULES.plan(before, wanted, purge=False)
    assert after == [{'name': 'a', 'type': 'fqdn', 'destinations': ['y.com']}, before[1]]
    assert RULES.differs(before, after) is True
    assert RULES.plan(before, wanted, purge=True) == [{'name': 'a', 'type': 'fqdn', 'destinations': ['y.com']}]


def test_children_converged_is_not_a_difference():
    before = [{'name': 'a', 'destinations': ['x.com']}]
    assert RULES.differs(before, RULES.plan(before, [{'name': 'a', 'destinations': ['x.com']}], purge=True)) is False
    assert RULES.differs(before, RULES.plan(before, [], purge=False)) is False
    assert RULES.differs(before, RULES.plan(before, [], purge=True)) is True


class Recorder(Children):
    def __init__(self):
        super().__init__('rules', 'purge_rules')
        self.calls = []

    def add(self, ctx, obj, item):
        self.calls.append(('add', item['name']))

    def update(self, ctx, obj, child_id, before, after):
        self.calls.append(('update', child_id))

    def remove(self, ctx, obj, child_id, item):
        self.calls.append(('remove', child_id))


class FakeContext:  # pylint: disable=too-few-public-methods
    def __init__(self, ids):
        self.ids = {'rules': ids}


def test_children_apply_adds_updates_and_removes_by_key():
    recorder = Recorder()
    before = [{'name': 'keep', 'v': 1}, {'name': 'change', 'v': 1}, {'name': 'drop', 'v': 1}]
    after = [{'name': 'keep', 'v': 1}, {'name': 'change', 'v': 2}, {'name': 'new', 'v': 1}]
    recorder.apply(FakeContext({'keep': 'id1', 'change': 'id2', 'drop': 'id3'}), {}, before, after)
    assert recorder.calls == [('remove', 'id3'), ('update', 'id2'), ('add', 'new')]
