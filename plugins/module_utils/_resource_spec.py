# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The spec base class that describes one Entra object type.

Internal use only: this file is not part of the collection's public API and may change without notice.

A spec declares fields (each carrying its view, comparison and body), relations, child collections, a parent and the
context slots its hooks use; its default hooks read those declarations, so a spec overrides a hook only for behaviour
that is its own.
"""

from __future__ import annotations

import copy

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError, get_path, put_path
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._names import name_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._references import GUID, ResourceError, names_object


def check_name(option, value, max_length=None):
    """ValidationError when ``value`` (unless None) cannot name an object: blank, too long, or holding a control or
    invisible character (``_names.name_problem``)."""
    if value is not None:
        problem = name_problem(value, max_length)
        if problem:
            raise ValidationError(option, value, problem)


class ResourceSpec:
    """Declarative description of one Entra object type; subclasses set the attributes and override hooks."""

    noun = None  # return key and the word used in messages, e.g. 'group'
    words = None  # the noun in the messages of reads where it is not the return key ('access package'); None: noun
    api = 'v1.0'
    path = None  # collection path, e.g. '/groups'
    expand = None  # $expand a read of the object sends (what the view needs besides the object's own properties)
    name_option = 'display_name'
    name_property = 'displayName'
    name_max_length = None  # Graph's documented limit of the name, where one is documented
    fields = ()
    relations = ()
    # The object the resource lives in (the package's catalog), a Reference whose option names it: found objects must
    # be in the declared one, a create sends it, the view shows it. The object is the context slot named by its option.
    parent = None
    parent_mismatch = '%s %s is in %s %r, not %r'  # noun, id, parent noun, the parent it is in, the declared one
    slots = {}  # context slots the spec's hooks set: {name: what it holds}
    update_method = 'patch'  # 'put': an update sends the whole current object with the changed fields written over it
    read_only_props = ()  # Graph properties a PUT leaves out (Graph sets them; an expanded parent goes as {'id'})
    write_words = None  # the noun in the actions of writes where it is not the return key; None: noun
    # Properties whose members Graph merges on PATCH (a Conditional Access policy's conditions): an update sends only
    # the members that change, each whole; members Graph refuses present but empty (``null_when_empty``) go as null.
    merged_members = ()
    null_when_empty = ()
    # True where Graph's $filter on the name is unconfirmed or absent: the name is matched over the listing, ignoring
    # case as Graph's eq does (``listing_words`` names that read); the listing goes to the resolver's ``kind``, if any.
    match_names_in_listing = False
    listing_words = None
    kind = None
    # False for an object Graph never changes in place (an assignment, made and ended by requests): once found it is
    # reported as it is, whatever the task declares; nothing differs, nothing is updated.
    editable = True
    # False where Graph refuses a second object with the natural key (a second open request for the same access), so
    # a create cannot race into a twin and none is looked for after it.
    races = True
    diff_keys = None  # the keys the diff shows; None: the id, the name and the keys the task declares
    # True where Graph decides what a create makes (a state, a schedule): the result of a create is the prediction with
    # the view of what ``create`` returned laid over it, instead of the prediction with the new id.
    reports_created = False
    # Options a create sends besides the object's own properties (a request's schedule and justification): fields whose
    # input rules ``validate_fields`` applies; never shown, compared or written by the lifecycle.
    inputs = ()
    argument_spec = {}
    mutually_exclusive = ()
    required_one_of = ()
    id_options = ('id',)  # options that hold an object id: anything but a GUID there is a typo, not a name

    def context_slots(self):
        """The slots of this spec's run context: the declared ones and the parent's."""
        slots = dict(self.slots)
        if self.parent is not None:
            slots[self.parent.option] = 'the %s the %s is in (found or declared)' % (self.parent.option, self.noun)
        return slots

    # ---- input ---------------------------------------------------------------------------------------------

    def validate_ids(self, params):
        """Object ids are GUIDs; a name given where an id belongs would otherwise read as 'no such object'."""
        for option in self.id_options:
            value = params.get(option)
            if value is not None and not GUID.match(value):
                raise ValidationError(option, value, 'must be an object id (a GUID such as 0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11); '
                                                     'to find the object by its name, use %s' % self.name_option)

    def validate_fields(self, params):
        """The name (``check_name``) and the own rule (``Field.validate``: limits, formats) of each field, input and the
        parent."""
        check_name(self.name_option, params.get(self.name_option), self.name_max_length)
        for field in tuple(self.fields) + tuple(self.inputs) + ((self.parent,) if self.parent is not None else ()):
            if field.option and params.get(field.option) is not None:
                field.validate(params[field.option], field.option)

    def validate(self, params):
        """Pure input rules; raise ValidationError. Runs before any network call."""

    # ---- reading -------------------------------------------------------------------------------------------

    def item_path(self, object_id):
        return '%s/%s' % (self.path, object_id)

    def _read_params(self):
        return {'$expand': self.expand} if self.expand else None

    def get(self, ctx, object_id):
        obj = ctx.client.get(self.item_path(object_id), api=self.api, params=self._read_params(),
                             action='reading %s %s' % (self.words or self.noun, object_id), missing_ok=True)
        if obj is not None and self.parent is not None:
            ctx.client.remember(obj['id'])
        return obj

    def list_all(self, ctx):
        """Every object of the type, read once (handed to the resolver as its ``kind``'s listing)."""
        listing = ctx.client.list(self.path, api=self.api, params=self._read_params(),
                                  action='listing %s' % (self.listing_words or '%s objects' % self.noun))
        if self.kind:
            ctx.seed(self.kind, listing)
        return listing

    def find_by_name(self, ctx, name):
        """All objects whose natural key equals ``name`` (within the declared parent, when the spec has one)."""
        if self.match_names_in_listing:
            return [obj for obj in self.list_all(ctx) if (obj.get(self.name_property) or '').lower() == name.lower()
                    and self.in_declared_parent(ctx, obj)]
        params = {'$filter': '%s eq %s' % (self.name_property, odata_quote(name))}
        params.update(self._read_params() or {})
        matches = ctx.client.list(self.path, api=self.api, params=params, action='looking up %s %r' % (self.words or self.noun, name))
        return [obj for obj in matches if self.in_declared_parent(ctx, obj)]

    def in_declared_parent(self, ctx, obj):
        """False when the spec has a parent, the task names one, and the object's (expanded) parent is another; the
        parent's ``within`` narrows the object as it narrows the parent (a policy's own catalog)."""
        if self.parent is None:
            return True
        narrowing = [(self.parent.prop, self.parent.option)] + ([self.parent.within] if self.parent.within else [])
        return all(not ctx.params.get(option) or names_object(get_path(obj, prop) or {}, ctx.params[option]) for prop, option in narrowing)

    def find(self, ctx):
        """The current object by id, else by unique name; None if absent. Several matches is an error. With a parent,
        the parent is the found object's, or (to create one) the declared one, in the context slot of its option."""
        object_id = ctx.params.get('id')
        if object_id:
            obj = self.get(ctx, object_id)
            if obj is None and ctx.params.get('state') != 'absent':
                raise ResourceError('%s with id %s does not exist; omit id to create it by %s' % (self.noun, object_id, self.name_option))
        else:
            name = ctx.params.get(self.name_option)
            matches = self.find_by_name(ctx, name)
            if len(matches) > 1:
                raise ResourceError('%s=%r matches %d %s objects (ids: %s); set id to choose one' % (
                    self.name_option, name, len(matches), self.noun, ', '.join(sorted(m['id'] for m in matches))))
            obj = matches[0] if matches else None
            if obj is not None:
                ctx.client.remember(obj['id'])
        return self._find_parent(ctx, obj) if self.parent is not None else obj

    def _find_parent(self, ctx, obj):
        # The object names its parent: the declared parent is looked up only when the object is not found (to create
        # it) or is in another parent than the declared one.
        parent, reference = self.parent, ctx.params.get(self.parent.option)
        setattr(ctx, parent.option, None)
        if obj is not None:
            holder = get_path(obj, parent.prop) or {}
            if not self.in_declared_parent(ctx, obj):
                declared = self._declared_parent(ctx, reference, in_play=False)
                if declared is None:
                    return None
                raise ResourceError(self.parent_mismatch % (self.words or self.noun, obj['id'], parent.option.replace('_', ' '),
                                                            ctx.refs.label_of(parent.kind, holder), ctx.refs.label_of(parent.kind, declared)))
            if holder:
                ctx.refs.learn(parent.kind, holder)
            setattr(ctx, parent.option, holder or None)
            return obj
        if reference:
            setattr(ctx, parent.option, self._declared_parent(ctx, reference, in_play=not ctx.params.get('id')))
        return None

    def _declared_parent(self, ctx, reference, in_play):
        """The parent the task declares; None for a task that deletes, an error (or check mode's placeholder) otherwise."""
        parent = self.parent
        within = (parent.within[0], ctx.params[parent.within[1]]) if parent.within and ctx.params.get(parent.within[1]) else None
        if ctx.params.get('state') == 'absent':
            return ctx.refs.find(parent.kind, reference, parent.option, within)
        return ctx.refs.resolve(parent.kind, reference, parent.option, in_play=in_play, within=within, missing=parent.missing)

    def held(self, obj):
        """``(kind, id)`` of every object Graph object ``obj`` names through the fields."""
        return [found for field in self.fields for found in field.held(obj)] if obj else []

    def view(self, ctx, obj, relations=None):
        """The object as module options (the shape returned and diffed); relations read only when asked. The ids the
        fields hold are named first, one read per kind."""
        held = self.held(obj) if ctx is not None else ()
        if held:
            for kind in ctx.refs.kinds_of(held):
                if ctx.refs.kind(kind).search == 'in':
                    ctx.refs.labels(kind, [object_id for of_kind, object_id in held if of_kind == kind])
        result = {'id': obj.get('id')}
        for field in self.fields:
            if field.option:
                result[field.option] = field.read(ctx, obj)
        if self.parent is not None:
            result[self.parent.option] = self.parent.read(ctx, obj)
        for relation in self.relations:
            if relations is None and ctx.params.get(relation.option) is None:
                continue
            if relations is not None and relation.option not in relations:
                continue
            result[relation.option] = relation.current(ctx, obj)
        return result

    # ---- desired state -------------------------------------------------------------------------------------

    def desired(self, ctx):
        """Options the user set, in view shape; references resolved (reads only): every object the declared fields and
        relations name is read first, one batch per kind with the ids the current object holds."""
        named = [found for field in self.fields if field.option and not field.read_only for found in field.named_in(ctx.params)]
        named += [found for relation in self.relations if ctx.params.get(relation.option) is not None
                  for found in relation.references(ctx.params[relation.option])]
        if named:
            ctx.refs.prefetch(named, self.held(ctx.current))
        wanted = {}
        for field in self.fields:
            value = field.desired(ctx, ctx.params) if field.option and not field.read_only else None
            if value is not None:
                wanted[field.option] = value
        for relation in self.relations:
            declared = ctx.params.get(relation.option)
            if declared is not None:
                wanted[relation.option] = relation.wanted(ctx, declared)
        return wanted

    def defaults(self, ctx, wanted):
        """Values a create sends for options the user left unset (shown in check mode's predicted result); a field
        a create needs and nothing gives is a ValidationError."""
        found = {}
        for field in self.fields:
            if field.required and not wanted.get(field.option):
                raise ValidationError(field.option, None, self._required_rule(field))
        if self.parent is not None:
            holder = getattr(ctx, self.parent.option)
            if holder is None:
                raise ValidationError(self.parent.option, None, self._required_rule(self.parent))
            found[self.parent.option] = ctx.refs.label_of(self.parent.kind, holder)
        for field in self.fields:
            if field.option and field.read_only and field.predicted and field.option not in wanted:
                found[field.option] = field.default_for(ctx, wanted)
            elif field.option and not field.read_only and field.option not in wanted:
                value = field.default_for(ctx, wanted)
                if value is not None:
                    found[field.option] = value
        return found

    def _required_rule(self, field):
        return field.required if isinstance(field.required, str) else 'is required to create a %s' % self.noun

    # ---- writing -------------------------------------------------------------------------------------------

    def create_body(self, ctx, after):
        body = {}
        for field in self.fields:
            value = field.create_value(after)
            if value is not None and field.option:
                field.write_into(ctx, body, value, None)
            elif value is not None:
                put_path(body, field.prop, value)
        if self.parent is not None:
            put_path(body, self.parent.prop, {'id': getattr(ctx, self.parent.option)['id']})
        for relation in self.relations:
            if relation.create_prop:
                body[relation.create_prop] = [relation.create_item(item) for item in after.get(relation.option) or []]
        return body

    def create(self, ctx, after):
        body = self.create_body(ctx, after)
        name = after.get(self.name_option)
        obj = ctx.client.create(self.path, body, api=self.api, action='creating %s %r' % (self.write_words or self.noun, name),
                                recover=lambda: self._recover_created(ctx, name))
        for field in self.fields:
            field.took(after, obj)
        for relation in self.relations:
            if relation.option in after and not relation.create_prop:
                relation.apply(ctx, obj, [], after[relation.option])
        return obj

    def after_create(self, ctx, created, after):  # pylint: disable=unused-argument
        """The result of a create: the prediction with the new id (``reports_created``: with the created object's view)."""
        if self.reports_created:
            return dict(after, **self.view(ctx, created))
        return dict(after, id=created['id'])

    def _recover_created(self, ctx, name):
        matches = self.find_by_name(ctx, name)
        return matches[0] if len(matches) == 1 else None

    def twins(self, ctx, created, after):
        """Other objects with the natural key of one this run just created: a run working on the same tenant at the
        same time may have looked, found nothing and created one too. None where the spec says it cannot (``races``)."""
        name = after.get(self.name_option)
        if not self.races or not name:
            return []
        return [obj for obj in self.find_by_name(ctx, name) if obj['id'] != created['id']]

    def _changed_fields(self, before, after):
        return [field for field in self.fields if field.option in after and not field.read_only and not field.create_only
                and not field.same(before.get(field.option), after[field.option])]

    def update_body(self, ctx, before, after):
        changed = self._changed_fields(before, after)
        if self.update_method == 'put' and not changed:
            return {}
        if self.update_method == 'put':
            body = {key: copy.deepcopy(value) for key, value in (ctx.current or {}).items()
                    if key not in self.read_only_props and '@odata.' not in key}
            if self.parent is not None:
                put_path(body, self.parent.prop, {'id': getattr(ctx, self.parent.option)['id']})
        else:
            body = {prop: {} for prop in self.merged_members}
        for field in changed:
            field.write_into(ctx, body, after[field.option], ctx.current)
        for path in self.null_when_empty:
            member = get_path(body, path)
            if isinstance(member, dict) and not any(member.values()):
                put_path(body, path, None)
        for prop in self.merged_members:
            if not body[prop]:
                del body[prop]
        return body

    def update(self, ctx, obj, before, after):
        body = self.update_body(ctx, before, after)
        if body:
            answer = getattr(ctx.client, self.update_method)(self.item_path(obj['id']), body, api=self.api, action='%s %s %r' % (
                'replacing' if self.update_method == 'put' else 'updating', self.write_words or self.noun, after.get(self.name_option)))
            for field in self.fields:
                field.took(after, answer)
        for relation in self.relations:
            if relation.option in after and relation.differs(before.get(relation.option), after[relation.option]):
                relation.apply(ctx, obj, before.get(relation.option), after[relation.option])

    def check_delete(self, ctx, obj):
        """Raise ResourceError when something still references the object."""

    def delete(self, ctx, obj):
        ctx.client.delete(self.item_path(obj['id']), api=self.api, action='deleting %s %r' % (self.noun, obj.get(self.name_property)))

    # ---- planning (pure) -------------------------------------------------------------------------------------

    def plan(self, ctx, before, wanted):
        """Predicted view after apply: the current view with the declared values laid over it (a create-only field
        keeps the value the object has). An object that is not ``editable`` stays as it is."""
        if before and not self.editable:
            return dict(before)
        after = dict(before)
        for field in self.fields:
            if field.option in wanted and not (before and field.create_only):
                after[field.option] = field.plan(ctx, before.get(field.option), wanted[field.option])
            elif not before and field.new_value is not None and field.option not in after:
                after[field.option] = copy.deepcopy(field.new_value)
        if self.parent is not None and getattr(ctx, self.parent.option, None) is not None:
            after.setdefault(self.parent.option, ctx.refs.label_of(self.parent.kind, getattr(ctx, self.parent.option)))
        for relation in self.relations:
            if relation.option in wanted:
                purge = bool(relation.purge_option and ctx.params.get(relation.purge_option))
                after[relation.option] = relation.plan(before.get(relation.option), wanted[relation.option], purge)
        return after

    def check(self, ctx, before, after):
        """A rule on the planned change (raise ValidationError, or warn); runs before any write and in check mode."""

    def differs(self, before, after):
        if not self.editable:
            return False
        if self._changed_fields(before, after):
            return True
        return any(relation.option in after and relation.differs(before.get(relation.option), after[relation.option])
                   for relation in self.relations)

    def managed_keys(self, wanted):
        if self.diff_keys is not None:
            return list(self.diff_keys)
        return ['id', self.name_option] + [key for key in wanted if key not in ('id', self.name_option)]
