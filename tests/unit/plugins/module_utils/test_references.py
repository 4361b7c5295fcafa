"""The run's reference resolver and the typed run context: which references cost a read, what they resolve to."""

from __future__ import annotations

import re

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._nested_fields import Nested
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import Reference, ReferenceSet
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError, names_object
from ansible_collections.jitaccess.entra.plugins.module_utils._resolver import References
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._run_context import Context

P1 = '11111111-1111-4111-8111-111111111111'
P2 = '22222222-2222-4222-8222-222222222222'
P3 = '33333333-3333-4333-8333-333333333333'
CAT = '44444444-4444-4444-8444-444444444444'
PROFILES = [{'id': P1, 'name': 'Allow AI'}, {'id': P2, 'name': 'Block AI'}, {'id': P3, 'name': 'block ai'}]
CATALOGS = [{'id': CAT, 'displayName': 'AI apps'}]


class NotFound(GraphError):
    def __init__(self):  # pylint: disable=super-init-not-called
        self.status = 404


class FakeClient:
    """Answers listings, GETs by id and ``eq`` filters from the tables above; records each call."""

    def __init__(self):
        self.calls = []

    def list(self, path, api='v1.0', params=None, action=None):  # pylint: disable=unused-argument
        self.calls.append(('list', path, (params or {}).get('$filter')))
        if 'filteringProfiles' in path:
            return PROFILES
        name = re.match(r"displayName eq '(.*)'", params['$filter']).group(1)
        return [c for c in CATALOGS if c['displayName'].lower() == name.lower()]

    def get(self, path, api='v1.0', params=None, action=None, missing_ok=False):  # pylint: disable=unused-argument
        self.calls.append(('get', path, None))
        found = [c for c in CATALOGS if path.endswith(c['id'])]
        if not found and not missing_ok:
            raise NotFound()
        return found[0] if found else None

    def remember(self, object_id):
        pass


class FakeContext:  # pylint: disable=too-few-public-methods
    def __init__(self, check_mode=False):
        self.client = FakeClient()
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def test_a_listed_kind_is_read_once_and_held_ids_cost_nothing():
    ctx = FakeContext()
    refs = References(ctx)
    assert refs.resolve_all('profile', [(P1, 'profile')], held=[P1]) == [{'id': P1, 'name': P1}]
    assert ctx.client.calls == []
    assert refs.resolve('profile', 'allow ai', 'profile')['id'] == P1
    assert refs.resolve('profile', P1.upper(), 'profile')['name'] == 'Allow AI'
    assert refs.labels('profile', [P1]) == {P1: 'Allow AI'}
    assert len(ctx.client.calls) == 1


@pytest.mark.parametrize('kind, reference, error, text', [
    ('profile', 'Block AI', ResourceError, "profile: 'Block AI' is the name of 2 security profile objects (ids: %s, %s)" % (P2, P3)),
    ('profile', 'Nope', ValidationError, 'no security profile has this name'),
    ('filtering_policy', P2, ValidationError, 'no filtering policy has this id'),
    ('catalog', 'Other', ValidationError, 'no access package catalog has this name or id'),
    ('catalog', P1, ValidationError, 'no access package catalog has this name or id'),
])
def test_unknown_and_ambiguous_references_say_which_rule(kind, reference, error, text):
    refs = References(FakeContext())
    refs.seed('filtering_policy', [])
    with pytest.raises(error, match=re.escape(text)):
        refs.resolve(kind, reference, 'profile' if kind == 'profile' else kind)


def test_eq_kind_reads_by_id_or_name_once_per_run():
    ctx = FakeContext()
    refs = References(ctx)
    assert refs.resolve('catalog', 'ai APPS', 'catalog')['id'] == CAT
    assert refs.resolve('catalog', 'AI apps', 'catalog')['id'] == CAT
    assert refs.find('catalog', CAT) == CATALOGS[0]
    assert refs.find('catalog', P1) is None
    assert [call[0] for call in ctx.client.calls] == ['list', 'get']  # the catalog found by name needs no GET by id


def test_check_mode_stands_in_for_a_name_an_earlier_task_creates():
    ctx = FakeContext(check_mode=True)
    assert References(ctx).resolve('catalog', 'New catalog', 'catalog') == {'id': None, 'displayName': 'New catalog'}
    assert ctx.warnings == ["no catalog is named 'New catalog' yet; check mode assumes an earlier task creates it"]
    with pytest.raises(ValidationError):
        References(FakeContext(check_mode=False)).resolve('catalog', 'New catalog', 'catalog')
    refs = References(ctx)
    refs.seed('role', [])
    with pytest.raises(ValidationError, match='no built-in directory role has this name'):  # a play creates no roles
        refs.resolve('role', 'Nope', 'include_roles')


def test_labels_and_ids_round_trip():
    refs = References(FakeContext())
    refs.learn('group', {'id': P1.upper(), 'displayName': 'AI users'})
    assert refs.labels('group', [P1]) == {P1: 'AI users'}
    assert refs.id_of('group', 'ai USERS') == P1
    assert refs.resolve('application', 'microsoft_apps_gsa', 'include_applications')['id'] == 'c08f52c9-8f03-4558-a0ea-9a4c878cf343'


class FakeModule:  # pylint: disable=too-few-public-methods
    params = {}
    check_mode = False


def test_a_typed_context_takes_only_declared_slots():
    ctx = Context(FakeModule(), {'catalog': 'the catalog the package is in'})
    with pytest.raises(AttributeError, match="slot 'catalog' .* is read before any hook set it"):
        ctx.catalog  # pylint: disable=pointless-statement
    ctx.catalog = {'id': CAT}
    assert ctx.catalog == {'id': CAT}
    with pytest.raises(AttributeError, match="'package' is not a slot"):
        ctx.package = {}
    assert getattr(ctx, 'anything', None) is None


def test_every_run_context_is_typed():
    # A run without declared slots (an action, a listing) takes none: no hook keeps undeclared state on it.
    ctx = Context(FakeModule())
    with pytest.raises(AttributeError, match="'package' is not a slot of this run context \\(slots: none\\)"):
        ctx.package = {}
    assert ResourceSpec.slots == {} and ResourceSpec().context_slots() == {}


def test_a_listing_read_before_the_resolver_is_made_reaches_it():
    # A spec's own listing is handed over whether or not the resolver exists yet: either way it is not read again.
    for make_first in (False, True):
        ctx = Context(FakeModule())
        ctx.client = FakeClient()
        if make_first:
            assert ctx.refs.listings == {}
        ctx.seed('profile', PROFILES)
        assert ('refs' in vars(ctx)) is make_first
        assert ctx.refs.resolve('profile', 'allow ai', 'profile')['id'] == P1
        assert ctx.client.calls == []


def test_a_missing_rule_of_the_caller_sees_the_narrowing():
    refs = References(FakeContext())
    with pytest.raises(ValidationError, match="no catalog named 'Other' in 'x'"):
        refs.resolve('catalog', 'Other', 'catalog', in_play=False, within=('x', 'x'),
                     missing=lambda reference, within: 'no catalog named %r in %r' % (reference, within[1]))


def test_the_parents_narrowing_applies_to_the_found_object_too():
    class PolicySpec(ResourceSpec):
        parent = Reference('access_package', 'accessPackage', 'access_package', within=('catalog', 'catalog'))

    ctx = type('Ctx', (), {'params': {'access_package': 'Pkg', 'catalog': 'AI apps'}})
    policy = {'accessPackage': {'id': P1, 'displayName': 'pkg'}, 'catalog': {'id': CAT, 'displayName': 'AI apps'}}
    assert PolicySpec().in_declared_parent(ctx, policy)
    assert not PolicySpec().in_declared_parent(ctx, dict(policy, catalog={'id': P2, 'displayName': 'General'}))
    assert not PolicySpec().in_declared_parent(ctx, dict(policy, accessPackage={'id': P3, 'displayName': 'Other'}))


# ---- users and groups ('in' kinds): batched reads ----------------------------------------------------------------------

JIT = '11111111-1111-4111-8111-111111111111'
FINANCE = '22222222-2222-4222-8222-222222222222'
TWIN_A = '33333333-3333-4333-8333-333333333333'
TWIN_B = '44444444-4444-4444-8444-444444444444'
GONE = '55555555-5555-4555-8555-555555555555'
GROUPS = {JIT: 'Allow ChatGPT Access', FINANCE: 'Finance Team', TWIN_A: 'Twin', TWIN_B: 'Twin'}


class FakeDirectoryClient:
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


class FakeDirectoryContext(FakeContext):  # pylint: disable=too-few-public-methods
    def __init__(self, check_mode=False):
        super().__init__(check_mode)
        self.client = FakeDirectoryClient()


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
def test_directory_reads_and_results(held, references, calls, found):
    ctx = FakeDirectoryContext()
    result = References(ctx).resolve_all('group', [(reference, 'groups') for reference in references], held=held, in_play=False)
    assert ctx.client.calls == calls
    assert [(item['id'], item['displayName']) for item in result] == found


def test_labels_read_only_unknown_ids_and_name_the_unnamed_with_them():
    ctx = FakeDirectoryContext()
    refs = References(ctx)
    refs.resolve_all('group', [(JIT, 'groups')], held=[JIT], in_play=False)
    assert refs.labels('group', [JIT]) == {JIT: JIT}
    assert ctx.client.calls == []
    # A read for another id names the id that stood for itself too; a deleted id shows as itself.
    assert refs.labels('group', [JIT, FINANCE, GONE]) == {JIT: 'Allow ChatGPT Access', FINANCE: 'Finance Team', GONE: GONE}
    assert ctx.client.calls == [('id', sorted([FINANCE, GONE, JIT]))]
    assert refs.labels('group', [FINANCE]) == {FINANCE: 'Finance Team'}
    assert len(ctx.client.calls) == 1


@pytest.mark.parametrize('references, error, text', [
    (['No such group'], ValidationError, 'no group has this display name'),
    ([GONE], ValidationError, 'no group has this id'),
    (['Twin'], ResourceError, '%s, %s' % (TWIN_A, TWIN_B)),
])
def test_unknown_and_ambiguous_directory_references(references, error, text):
    with pytest.raises(error, match=re.escape(text)):
        References(FakeDirectoryContext()).resolve_all('group', [(reference, 'groups') for reference in references], in_play=False)


def test_a_missing_group_name_in_check_mode_may_be_created_earlier_in_the_play():
    found = References(FakeDirectoryContext(check_mode=True)).resolve_all('group', [('New group', 'groups')], in_play=True)
    assert found == [{'id': None, 'displayName': 'New group'}]


def test_user_references_are_checked_before_any_read():
    ctx = FakeDirectoryContext()
    with pytest.raises(ValidationError, match='user principal name'):
        References(ctx).resolve_all('user', [('sarah jones', 'users')])
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


# ---- filtering policies (a 'list' kind handed the spec's own listing) -------------------------------------------------

POLICY_A = '0f55c3c1-5502-48a6-8c49-570448226368'
POLICY_B = '9f875dd1-c1d4-484a-a967-b428e4e1cafe'


def test_filtering_policies_by_id_or_unique_name():
    policies = [{'id': POLICY_A, 'name': 'Allow ChatGPT'}, {'id': POLICY_B, 'name': 'Block AI'}]
    refs = References(FakeContext())
    refs.seed('filtering_policy', policies)
    assert refs.resolve('filtering_policy', 'allow chatgpt', 'policies[0].name', in_play=False)['id'] == POLICY_A
    assert refs.resolve('filtering_policy', POLICY_B.upper(), 'policies[0].name', in_play=False)['name'] == 'Block AI'
    with pytest.raises(ValidationError, match='no filtering policy has this name'):
        refs.resolve('filtering_policy', 'Nope', 'policies[0].name', in_play=False)
    refs = References(FakeContext())
    refs.seed('filtering_policy', policies + [{'id': 'c' * 8, 'name': 'BLOCK AI'}])
    with pytest.raises(ResourceError) as info:
        refs.resolve('filtering_policy', 'Block AI', 'policies[0].name', in_play=False)
    assert "'Block AI' is the name of 2 filtering policy objects" in str(info.value)
    assert POLICY_B in str(info.value) and 'c' * 8 in str(info.value) and 'policies[0].name' in str(info.value)


class DirectoryClient(FakeClient):
    """Answers ``$filter=<prop> in (...)`` reads of users and groups; records each call."""

    OBJECTS = {'/groups': [{'id': P1, 'displayName': 'AI users'}, {'id': P2, 'displayName': 'Finance'}],
               '/users': [{'id': P3, 'userPrincipalName': 'ann@contoso.com'}]}

    def list(self, path, api='v1.0', params=None, action=None):  # pylint: disable=unused-argument
        self.calls.append(('list', path, params['$filter']))
        prop, values = re.match(r'(\w+) in \((.*)\)', params['$filter']).groups()
        wanted = {value.strip("'").lower() for value in values.split(',')}
        return [obj for obj in self.OBJECTS[path] if (obj.get(prop) or '').lower() in wanted]


class _Shared(ResourceSpec):
    noun = 'thing'
    fields = (
        ReferenceSet('include_groups', 'include.groups', 'group'),
        Nested('extra', 'extra', fields=(ReferenceSet('groups', 'groups', 'group'),)),
        Reference('owner', 'owner', 'user', id_only=True),
    )


def test_references_of_all_fields_are_read_once_per_kind_and_held_ids_with_them():
    """Every field and sub-field names its references before any is resolved: one read per kind, with the ids the
    object holds, and the view then names those without a read (an id that no longer resolves too)."""
    ctx = Context(FakeModule())
    ctx.client = DirectoryClient()
    gone = '55555555-5555-4555-8555-555555555555'
    ctx.current = {'id': CAT, 'include': {'groups': [P2]}, 'extra': {'groups': [gone]}, 'owner': P3}
    ctx.params = {'include_groups': ['ai users'], 'extra': {'groups': ['Finance']}, 'owner': 'ann@contoso.com'}
    spec = _Shared()
    wanted = spec.desired(ctx)
    assert wanted == {'include_groups': ['AI users'], 'extra': {'groups': ['Finance']}, 'owner': 'ann@contoso.com'}
    assert [(path, flt.split(' ')[0]) for dummy, path, flt in ctx.client.calls] == [
        ('/users', 'userPrincipalName'), ('/groups', 'id'), ('/groups', 'displayName')]
    view = spec.view(ctx, ctx.current)
    assert view['include_groups'] == ['Finance'] and view['extra'] == {'groups': [gone]} and view['owner'] == 'ann@contoso.com'
    assert len(ctx.client.calls) == 3
