"""DirectoryNames: which references cost a read, how reads are batched, and what each reference resolves to."""

from __future__ import annotations

import re

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._directory import DirectoryNames
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import names_object
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError

JIT = '11111111-1111-4111-8111-111111111111'
FINANCE = '22222222-2222-4222-8222-222222222222'
TWIN_A = '33333333-3333-4333-8333-333333333333'
TWIN_B = '44444444-4444-4444-8444-444444444444'
GONE = '55555555-5555-4555-8555-555555555555'
GROUPS = {JIT: 'Allow ChatGPT Access', FINANCE: 'Finance Team', TWIN_A: 'Twin', TWIN_B: 'Twin'}


class FakeClient:
    """Answers ``/groups?$filter=<prop> in (...)`` from GROUPS and records each call."""

    def __init__(self):
        self.calls = []

    def list(self, path, params=None, action=None):  # pylint: disable=unused-argument
        prop, values = re.match(r"^(\w+) in \((.*)\)$", params['$filter']).groups()
        wanted = {value.strip("'").lower() for value in values.split(',')}
        self.calls.append((prop, sorted(wanted)))
        key = (lambda item: item[0]) if prop == 'id' else (lambda item: item[1].lower())
        return [{'id': object_id, 'displayName': name} for object_id, name in GROUPS.items() if key((object_id, name)) in wanted]

    def remember(self, object_id):
        pass


class FakeContext:  # pylint: disable=too-few-public-methods
    def __init__(self, check_mode=False):
        self.client = FakeClient()
        self.check_mode = check_mode

    def warn(self, message):
        pass


@pytest.mark.parametrize('held, references, calls, found', [
    # Ids the object holds, and nothing else held: no read, each id stands for itself.
    ([JIT], [JIT], [], [(JIT, JIT)]),
    ([JIT, FINANCE], [FINANCE, JIT.upper()], [], [(FINANCE, FINANCE), (JIT, JIT)]),
    # A name: the held ids are named in one read, and the name matches one of them.
    ([JIT], ['allow chatgpt access'], [('id', [JIT])], [(JIT, 'Allow ChatGPT Access')]),
    # A name the object does not hold: named held ids first, then one lookup for every such name.
    ([JIT], ['Allow ChatGPT Access', 'Finance Team'], [('id', [JIT]), ('displayName', ['finance team'])],
     [(JIT, 'Allow ChatGPT Access'), (FINANCE, 'Finance Team')]),
    # An id the object does not hold is checked, in the same read as the held ones.
    ([JIT], [JIT, FINANCE], [('id', sorted([JIT, FINANCE]))], [(JIT, 'Allow ChatGPT Access'), (FINANCE, 'Finance Team')]),
    # A held id the declaration leaves out would be named by the view anyway: one read names all.
    ([JIT, FINANCE], [JIT], [('id', sorted([JIT, FINANCE]))], [(JIT, 'Allow ChatGPT Access')]),
    # Nothing held: names in one read.
    ([], ['Finance Team', 'Allow ChatGPT Access'], [('displayName', ['allow chatgpt access', 'finance team'])],
     [(FINANCE, 'Finance Team'), (JIT, 'Allow ChatGPT Access')]),
])
def test_reads_and_results(held, references, calls, found):
    ctx = FakeContext()
    names = DirectoryNames()
    result = names.resolve(ctx, 'group', [(reference, 'groups') for reference in references], held=held)
    assert ctx.client.calls == calls
    assert [(item['id'], item['displayName']) for item in result] == found


def test_labels_read_only_unknown_ids_and_name_the_unnamed_with_them():
    ctx = FakeContext()
    names = DirectoryNames()
    names.resolve(ctx, 'group', [(JIT, 'groups')], held=[JIT])
    assert names.labels(ctx, 'group', [JIT]) == {JIT: JIT}
    assert ctx.client.calls == []
    # A read for another id names the id that stood for itself too; a deleted id shows as itself.
    assert names.labels(ctx, 'group', [JIT, FINANCE, GONE]) == {JIT: 'Allow ChatGPT Access', FINANCE: 'Finance Team', GONE: GONE}
    assert ctx.client.calls == [('id', sorted([FINANCE, GONE, JIT]))]
    assert names.labels(ctx, 'group', [FINANCE]) == {FINANCE: 'Finance Team'}
    assert len(ctx.client.calls) == 1


@pytest.mark.parametrize('references, error, text', [
    (['No such group'], ValidationError, 'no group has this display name'),
    ([GONE], ValidationError, 'no group has this id'),
    (['Twin'], ResourceError, '%s, %s' % (TWIN_A, TWIN_B)),
])
def test_unknown_and_ambiguous_references(references, error, text):
    with pytest.raises(error, match=re.escape(text)):
        DirectoryNames().resolve(FakeContext(), 'group', [(reference, 'groups') for reference in references])


def test_a_missing_name_in_check_mode_may_be_created_earlier_in_the_play():
    found = DirectoryNames().resolve(FakeContext(check_mode=True), 'group', [('New group', 'groups')], in_play=True)
    assert found == [{'id': None, 'displayName': 'New group'}]


def test_user_references_are_checked_before_any_read():
    ctx = FakeContext()
    with pytest.raises(ValidationError, match='user principal name'):
        DirectoryNames().resolve(ctx, 'user', [('sarah jones', 'users')])
    assert ctx.client.calls == []


@pytest.mark.parametrize('obj, reference, expected', [
    ({'id': JIT, 'displayName': 'AI apps'}, 'ai APPS', True),
    ({'id': JIT, 'displayName': 'AI apps'}, JIT.upper(), True),
    ({'id': JIT, 'displayName': 'AI apps'}, FINANCE, False),
    ({'id': JIT, 'displayName': 'AI apps'}, 'AI apps 2', False),
    ({}, 'AI apps', False),
])
def test_names_object(obj, reference, expected):
    assert names_object(obj, reference) is expected
