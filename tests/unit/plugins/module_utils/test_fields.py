"""Field types: how each shows a Graph value, plans, compares and writes it (pure, with a fake resolver)."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._durations import Duration
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Constant, Field, Mapped, ValidationError, get_path, put_path
from ansible_collections.jitaccess.entra.plugins.module_utils._nested_fields import KeyedList, Nested
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import Reference, ReferenceSet
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

JIT = '11111111-1111-4111-8111-111111111111'
FIN = '22222222-2222-4222-8222-222222222222'


class FakeRefs:
    """Groups by id and name, as the run's resolver would hold them after a read."""

    GROUPS = {JIT: 'Allow ChatGPT Access', FIN: 'Finance Team'}

    def __init__(self):
        self.resolved = []

    def kind(self, kind):  # pylint: disable=unused-argument
        return type('Kind', (), {'label': 'displayName'})

    def learn(self, kind, obj):
        pass

    def labels(self, kind, ids):  # pylint: disable=unused-argument
        return {object_id.lower(): self.GROUPS.get(object_id.lower(), object_id.lower()) for object_id in ids}

    def resolve(self, kind, reference, option, in_play=None):
        return self.resolve_all(kind, [(reference, option)], in_play=in_play)[0]

    def resolve_all(self, kind, references, held=(), in_play=None):  # pylint: disable=unused-argument
        self.resolved.append(list(references))
        found = []
        for reference, option in references:
            object_id = next((i for i, name in self.GROUPS.items() if reference.lower() in (i, name.lower())), None)
            if object_id is None:
                raise ValidationError(option, reference, 'no group has this display name')
            found.append({'id': object_id, 'displayName': self.GROUPS[object_id]})
        return found

    def label_of(self, kind, obj):  # pylint: disable=unused-argument
        return obj.get('displayName') or obj['id']

    def id_of(self, kind, label):  # pylint: disable=unused-argument
        return next((i for i, name in self.GROUPS.items() if name.lower() == label.lower()), None)


class FakeContext:  # pylint: disable=too-few-public-methods
    def __init__(self, current=None):
        self.refs = FakeRefs()
        self.current = current


def test_paths_reach_into_nested_objects_and_carry_the_current_object():
    assert get_path({'conditions': {'users': {'includeUsers': ['All']}}}, 'conditions.users.includeUsers') == ['All']
    assert get_path({'conditions': None}, 'conditions.users') is None
    body = {}
    current = {'conditions': {'@odata.type': 'x', 'users': {'includeUsers': ['All']}, 'clientAppTypes': ['all']}}
    put_path(body, 'conditions.users', {'includeUsers': ['None']}, current)
    assert body == {'conditions': {'users': {'includeUsers': ['None']}, 'clientAppTypes': ['all']}}


def test_field_keeps_the_one_argument_read_of_specs_not_moved_yet():
    field = Field('display_name', 'displayName', max_length=5)
    assert field.read({'displayName': 'a'}) == 'a'
    assert field.read(FakeContext(), {'displayName': 'a'}) == 'a'
    with pytest.raises(ValidationError, match='at most 5 characters'):
        field.validate('abcdef')
    assert Field('tags', 'tags', as_set=True).same(['a', 'b'], ['b', 'a'])


def test_default_is_a_value_or_a_function_of_the_declaration():
    assert Field('x', 'x', default=False).default_for(None, {}) is False
    assert Field('nick', 'mailNickname', default=lambda ctx, wanted: wanted['name'].lower()).default_for(None, {'name': 'AI'}) == 'ai'


def test_mapped_and_constant():
    state = Mapped('policy_state', 'state', {'report_only': 'enabledForReportingButNotEnforced', 'enabled': 'enabled'})
    assert state.read(FakeContext(), {'state': 'enabledForReportingButNotEnforced'}) == 'report_only'
    assert state.body(None, 'report_only', None) == 'enabledForReportingButNotEnforced'
    constant = Constant('securityEnabled', True)
    assert constant.option is None and constant.create_value({}) is True


@pytest.mark.parametrize('unit, graph, shown, same_as', [
    (None, 'PT48H', 'P2D', 'P2D'),
    ('hours', 'PT8H', 8, 'PT8H'),
    ('days', 'P14D', 14, 'PT336H'),
    ('hours', 'PT90M', 'PT90M', 'PT1H30M'),  # not whole hours: shown as Graph has it
])
def test_duration_shows_and_compares_by_length(unit, graph, shown, same_as):
    field = Duration('duration', 'duration', unit=unit)
    assert field.read(FakeContext(), {'duration': graph}) == shown
    assert field.same(shown, same_as)
    assert field.same(field.read(FakeContext(), {'duration': graph}), graph)


def test_duration_writes_canonical_iso_and_refuses_bad_text():
    assert Duration('d', 'd', unit='hours').body(None, 48, None) == 'P2D'
    assert Duration('d', 'd').wanted(None, 'PT24H') == 'P1D'
    with pytest.raises(ValidationError, match='ISO 8601'):
        Duration('d', 'd').validate('two days')


def test_reference_shows_a_label_sends_an_id_and_compares_by_object():
    ctx = FakeContext()
    field = Reference('group', 'group', 'group')
    assert field.read(ctx, {'group': {'id': JIT}}) == 'Allow ChatGPT Access'
    assert field.wanted(ctx, 'allow chatgpt access') == 'Allow ChatGPT Access'
    assert field.same('Allow ChatGPT Access', 'allow chatgpt ACCESS')
    assert field.body(ctx, 'Allow ChatGPT Access', None) == {'id': JIT}
    assert Reference('group', 'groupId', 'group', id_only=True).body(ctx, 'Finance Team', None) == FIN


def test_reference_set_resolves_in_one_batch_and_passes_keywords_through():
    ctx = FakeContext(current={'includeGroups': [JIT]})
    field = ReferenceSet('include_groups', 'includeGroups', 'group', keywords=('All',))
    assert field.wanted(ctx, ['finance team', 'all', JIT]) == ['All', 'Allow ChatGPT Access', 'Finance Team']
    assert ctx.refs.resolved == [[('finance team', 'include_groups'), (JIT, 'include_groups')]]
    assert field.read(ctx, {'includeGroups': [FIN, 'All']}) == ['All', 'Finance Team']
    assert field.same(['Finance Team', 'All'], ['all', 'finance team'])
    assert field.body(ctx, ['all', 'Finance Team'], None) == ['All', FIN]


def test_references_that_share_a_name_stay_two_and_send_their_own_ids():
    twin = '33333333-3333-4333-8333-333333333333'
    ctx = FakeContext()
    ctx.refs.GROUPS = dict(FakeRefs.GROUPS, **{twin: 'Finance Team'})
    field = ReferenceSet('include_groups', 'includeGroups', 'group')
    shown = field.read(ctx, {'includeGroups': [twin, FIN]})
    assert shown == ['Finance Team (%s)' % FIN, 'Finance Team (%s)' % twin]
    assert field.body(ctx, shown, None) == [FIN, twin]
    assert not field.same(field.read(ctx, {'includeGroups': [FIN]}), field.read(ctx, {'includeGroups': [twin]}))
    one = Reference('group', 'group', 'group')
    assert one.read(ctx, {'group': {'id': twin}}) == one.read(ctx, {'group': {'id': FIN}}) == 'Finance Team'
    assert not one.same(one.read(ctx, {'group': {'id': FIN}}), one.read(ctx, {'group': {'id': twin}}))
    assert one.body(ctx, one.read(ctx, {'group': {'id': twin}}), None) == {'id': twin}


SCHEDULE = Nested('expiration', 'expiration', fields=(
    Field('type', 'type'),
    Duration('hours', 'duration', unit='hours'),
))


def test_nested_plans_declared_members_over_current_and_carries_unmanaged_ones():
    ctx = FakeContext()
    current = {'@odata.type': '#x', 'type': 'afterDuration', 'duration': 'PT8H', 'endDateTime': None}
    before = SCHEDULE.read(ctx, {'expiration': current})
    assert before == {'type': 'afterDuration', 'hours': 8}
    after = SCHEDULE.plan(ctx, before, SCHEDULE.wanted(ctx, {'hours': 4}))
    assert after == {'type': 'afterDuration', 'hours': 4}
    assert not SCHEDULE.same(before, after)
    assert SCHEDULE.same(before, SCHEDULE.plan(ctx, before, {'hours': 8}))
    assert SCHEDULE.body(ctx, after, current) == {'type': 'afterDuration', 'duration': 'PT4H', 'endDateTime': None}
    with pytest.raises(ValidationError, match=r'^schedule\.hours'):
        Nested('schedule', 's', fields=(Field('hours', 'h', max_length=1),)).validate({'hours': 'long'})


QUESTIONS = KeyedList('questions', 'questions', key='text', fields=(
    Field('text', 'text'),
    Field('required', 'isRequired'),
))


def test_keyed_list_overlays_items_by_key_and_keeps_their_graph_ids():
    ctx = FakeContext()
    current = [{'id': 'q1', 'text': 'Why?', 'isRequired': False}, {'id': 'q2', 'text': 'Until when?', 'isRequired': True}]
    before = QUESTIONS.read(ctx, {'questions': current})
    after = QUESTIONS.plan(ctx, before, [{'text': 'Until when?', 'required': False}, {'text': 'New?'}])
    assert after == [{'text': 'Until when?', 'required': False}, {'text': 'New?'}]
    assert not QUESTIONS.same(before, after)
    assert QUESTIONS.same(before, QUESTIONS.plan(ctx, before, [{'text': 'Why?'}, {'text': 'Until when?'}]))
    assert QUESTIONS.body(ctx, after, current) == [{'id': 'q2', 'text': 'Until when?', 'isRequired': False}, {'text': 'New?'}]


def test_keyed_list_by_position():
    stages = KeyedList('stages', 'stages', key=None, fields=(Field('escalation', 'isEscalationEnabled'),))
    current = [{'id': 's1', 'isEscalationEnabled': True}]
    assert stages.body(FakeContext(), [{'escalation': False}], current) == [{'id': 's1', 'isEscalationEnabled': False}]


class _Spec(ResourceSpec):
    noun = 'thing'
    slots = {}
    fields = (
        Field('name', 'displayName', required=True),
        Field('kind', 'kind', create_only=True, default='plain'),
        Field('shown', 'shown', read_only=True),
        Nested('settings', 'settings', fields=(Field('level', 'level'),)),
        Constant('@odata.type', '#thing'),
    )


def test_the_lifecycle_defaults_follow_the_declarations():
    spec, ctx = _Spec(), FakeContext(current={'settings': {'level': 1, 'other': True}})
    ctx.params = {}
    with pytest.raises(ValidationError, match='is required to create a thing'):
        spec.defaults(ctx, {})
    wanted = dict(spec.defaults(ctx, {'name': 'a'}), name='a')
    assert wanted == {'name': 'a', 'kind': 'plain'}
    assert spec.create_body(ctx, spec.plan(ctx, {}, wanted)) == {'displayName': 'a', 'kind': 'plain', '@odata.type': '#thing'}
    # A create-only field keeps the value the object has; a read-only one is shown, never compared.
    before = {'name': 'a', 'kind': 'plain', 'shown': 1, 'settings': {'level': 1}}
    after = spec.plan(ctx, before, {'name': 'a', 'kind': 'fancy', 'settings': {'level': 2}})
    assert after == {'name': 'a', 'kind': 'plain', 'shown': 1, 'settings': {'level': 2}}
    assert spec.differs(before, after)
    assert spec.update_body(ctx, before, after) == {'settings': {'level': 2, 'other': True}}
    assert not spec.differs(before, spec.plan(ctx, before, {'kind': 'fancy', 'shown': 2}))


class _Requested(_Spec):
    """Something Graph never edits in place and will not make twice (an assignment made by a request)."""

    editable = False
    races = False
    diff_keys = ('id', 'name')


def test_an_object_that_is_not_editable_is_reported_as_it_is_and_cannot_race():
    spec, ctx = _Requested(), FakeContext()
    before = {'id': JIT, 'name': 'a', 'kind': 'plain', 'settings': {'level': 1}}
    # Whatever the task declares, the plan is the object as found and nothing differs.
    after = spec.plan(ctx, before, {'name': 'b', 'settings': {'level': 2}})
    assert after == before and after is not before
    assert spec.differs(before, {'name': 'b'}) is False
    # A create still plans the declared values.
    assert spec.plan(ctx, {}, {'name': 'a', 'kind': 'plain'}) == {'name': 'a', 'kind': 'plain'}
    # No twin is looked for after a create (find_by_name would need a Graph client).
    assert spec.twins(ctx, {'id': JIT}, {'name': 'a'}) == []
    assert spec.managed_keys({'name': 'a', 'settings': {}}) == ['id', 'name']
    # The editable default: the declared value differs, the diff shows the id, the name and the declared keys.
    assert _Spec().differs(before, dict(before, name='b')) is True
    assert _Spec().managed_keys({'name': 'a', 'settings': {}}) == ['id', 'display_name', 'name', 'settings']


class _Made(_Spec):
    """Graph decides what a create makes (its state), and the create request carries an option of its own."""

    fields = _Spec.fields + (Field('state', 'state', read_only=True, predicted=True, default='new'),
                             Field('ended', 'ended', read_only=True, predicted=True))
    inputs = (Field('note', None, max_length=3),)
    parent = Reference('catalog', 'catalog', 'group', max_length=5)
    reports_created = True

    def view(self, ctx, obj, relations=None):
        return {'id': obj['id'], 'state': obj['state']}


def test_predicted_read_only_fields_inputs_and_what_a_create_reports():
    spec, ctx = _Made(), FakeContext()
    ctx.params, ctx.catalog = {}, {'id': JIT, 'displayName': 'Allow ChatGPT Access'}
    # A read-only field declared as predicted is in a create's prediction, None included; other read-only ones are not.
    assert spec.defaults(ctx, {'name': 'a'}) == {'catalog': 'Allow ChatGPT Access', 'kind': 'plain', 'state': 'new', 'ended': None}
    # Inputs and the parent are validated like fields.
    with pytest.raises(ValidationError, match="note='long': must be at most 3"):
        spec.validate_fields({'name': 'a', 'note': 'long'})
    with pytest.raises(ValidationError, match="catalog='too long': must be at most 5"):
        spec.validate_fields({'name': 'a', 'catalog': 'too long'})
    # The result of a create is the prediction with what Graph made laid over it.
    assert spec.after_create(ctx, {'id': FIN, 'state': 'ready'}, {'id': None, 'name': 'a', 'state': 'new'}) == \
        {'id': FIN, 'name': 'a', 'state': 'ready'}
    assert _Spec().after_create(ctx, {'id': FIN, 'state': 'ready'}, {'id': None, 'name': 'a'}) == {'id': FIN, 'name': 'a'}


class _Merged(ResourceSpec):
    noun = 'policy'
    fields = (
        Field('users', 'conditions.users.include', as_set=True),
        Field('places', 'conditions.places.include', as_set=True),
        Field('state', 'state'),
    )
    merged_members = ('conditions',)
    null_when_empty = ('conditions.places',)


def test_members_graph_merges_go_alone_and_whole_and_empty_ones_as_null():
    current = {'conditions': {'users': {'include': ['a'], 'exclude': ['x']}, 'places': {'include': ['p']}, 'apps': {'include': ['all']}},
               'state': 'on'}
    spec, ctx = _Merged(), FakeContext(current=current)
    before = {'users': ['a'], 'places': ['p'], 'state': 'on'}
    assert spec.update_body(ctx, before, dict(before, users=['b'])) == {'conditions': {'users': {'include': ['b'], 'exclude': ['x']}}}
    assert spec.update_body(ctx, before, dict(before, places=[], state='off')) == {'conditions': {'places': None}, 'state': 'off'}
    assert spec.update_body(ctx, before, dict(before, state='off')) == {'state': 'off'}


class _Listed(ResourceSpec):
    noun = 'policy'
    path = '/policies'
    match_names_in_listing = True
    listing_words = 'policies'


def test_names_matched_over_the_listing_ignore_case():
    class Client:  # pylint: disable=too-few-public-methods
        calls = []

        def list(self, path, api=None, params=None, action=None):
            self.calls.append((path, params, action))
            return [{'id': '1', 'displayName': 'Allow AI'}, {'id': '2', 'displayName': 'Block AI'}]
    ctx = FakeContext()
    ctx.client = Client()
    assert [obj['id'] for obj in _Listed().find_by_name(ctx, 'allow ai')] == ['1']
    assert ctx.client.calls == [('/policies', None, 'listing policies')]


class _Span(Field):
    """A field whose value spans two Graph properties, and takes the id Graph gives a new item."""

    def write_into(self, ctx, body, after, current):
        body.setdefault('settings', {})['mode'] = after['mode']
        body['level'] = after['level']

    def took(self, after, answer):
        after[self.option]['id'] = answer.get('itemId')


class _Whole(ResourceSpec):
    noun = 'policy'
    path = '/policies'
    update_method = 'put'
    read_only_props = ('id', 'createdDateTime')
    fields = (
        Field('name', 'displayName'),
        Field('note', 'note', new_value='none'),
        _Span('shape', None, new_value={'mode': 'a', 'level': 1}),
    )


def test_a_put_sends_the_whole_object_and_graphs_defaults_are_shown_not_diffed():
    current = {'id': '1', 'createdDateTime': 't', 'displayName': 'p', 'note': 'n', 'settings': {'mode': 'a', 'other': 1},
               'level': 1, 'x@odata.context': 'c'}
    spec, ctx = _Whole(), FakeContext(current=current)
    ctx.params = {}
    before = {'name': 'p', 'note': 'n', 'shape': {'mode': 'a', 'level': 1}}
    after = spec.plan(ctx, before, {'shape': {'mode': 'b', 'level': 1}})
    assert spec.update_body(ctx, before, after) == {'displayName': 'p', 'note': 'n', 'settings': {'mode': 'b', 'other': 1}, 'level': 1}
    assert spec.update_body(ctx, before, before) == {}
    created = spec.plan(ctx, {}, {'name': 'q'})
    assert created == {'name': 'q', 'note': 'none', 'shape': {'mode': 'a', 'level': 1}}
    assert spec.managed_keys({'name': 'q'}) == ['id', 'display_name', 'name']
    assert spec.create_body(ctx, created) == {'displayName': 'q', 'note': 'none', 'settings': {'mode': 'a'}, 'level': 1}

    class Client:  # pylint: disable=too-few-public-methods
        def create(self, path, body, api=None, action=None, recover=None):  # pylint: disable=unused-argument
            return dict(body, id='2', itemId='i1')
    ctx.client = Client()
    spec.create(ctx, created)
    assert created['shape']['id'] == 'i1'
