# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The resource lifecycle every module runs, and the spec base class that describes one Entra object type.

Internal use only: this file is not part of the collection's public API and may change without notice.

desired (options the user set) -> find current (id, else unique name) -> normalise -> diff -> apply unless
check mode -> one exit with changed, diff and the resource. A spec declares fields and relations; special
behaviour is a hook on the spec, never a branch here.
"""

from __future__ import annotations

import datetime
import importlib.util
import re
import sys

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC, ConfigError, Connection
from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same, subset, union
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphClient, GraphError, odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._names import name_problem

# \Z, not $: $ also matches before a trailing newline, and an id ending in one would reach a request path.
GUID = re.compile(r'\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z')

# Python distributions the Graph client needs, by import name (the transport is the standard library's).
REQUIRED_LIBS = (('azure.identity', 'azure-identity'),)
# The oldest Python the modules run on (the controller's ansible-core may accept older ones for other modules).
MIN_PYTHON = (3, 11)
STATE_OPTION = dict(type='str', default='present', choices=['present', 'absent'])


class ValidationError(Exception):
    """Bad input, found before any write: names the option, the value and the rule."""

    def __init__(self, option, value, rule):
        super().__init__('%s=%r: %s' % (option, value, rule))
        self.option = option


def check_name(option, value, max_length=None):
    """ValidationError when ``value`` (unless None) cannot name an object: blank, too long, or holding a control or
    invisible character (``_names.name_problem``)."""
    if value is not None:
        problem = name_problem(value, max_length)
        if problem:
            raise ValidationError(option, value, problem)


class ResourceError(Exception):
    """A state the module refuses to act on (ambiguous name, object still referenced, ...)."""


def assume_created_earlier(ctx, reference, noun, exc, name_property='displayName'):
    """In check mode an earlier task of the play may only have predicted ``reference`` (a name): warn and stand in a
    placeholder without an id. Outside check mode, or for an id, the lookup error ``exc`` stands."""
    if not ctx.check_mode or GUID.match(reference or ''):
        raise exc
    ctx.warn('no %s is named %r yet; check mode assumes an earlier task creates it' % (noun, reference))
    return {'id': None, name_property: reference}


class Field:
    """One managed property: module option <-> Graph property, compared as a value or as a set."""

    def __init__(self, option, prop, as_set=False, create_only=False, max_length=None):
        self.option = option
        self.prop = prop
        self.as_set = as_set
        self.create_only = create_only
        self.max_length = max_length  # Graph refuses a longer string with a bare 400, so it is checked first

    def read(self, obj):
        return obj.get(self.prop)

    def write(self, value):
        return value


class Relation:
    """A set of directory objects attached to the resource (members, owners, ...), reconciled by add / remove.

    Values are labels a person can read (a user's UPN); ``ctx.ids[option]`` maps label -> object id for the calls.
    """

    def __init__(self, option, purge_option):
        self.option = option
        self.purge_option = purge_option

    def read(self, ctx, obj):
        """Current members as {label: id}."""
        raise NotImplementedError

    def resolve(self, ctx, references):
        """Declared references (names or ids) as {label: id}; raises ValidationError for unknown ones."""
        raise NotImplementedError

    def add(self, ctx, obj, object_id):
        raise NotImplementedError

    def remove(self, ctx, obj, object_id):
        raise NotImplementedError

    # The lifecycle talks to relations and child collections only through current, wanted, plan, differs and apply.

    def current(self, ctx, obj):
        found = self.read(ctx, obj)
        ctx.ids.setdefault(self.option, {}).update(found)
        return sorted(found, key=str)

    def wanted(self, ctx, declared):
        resolved = self.resolve(ctx, declared)
        ctx.ids.setdefault(self.option, {}).update(resolved)
        return sorted(resolved, key=str)

    def plan(self, before, wanted, purge):
        return list(wanted) if purge else union(before, wanted)

    def differs(self, before, after):
        return sorted(before or [], key=str) != sorted(after or [], key=str)

    def apply(self, ctx, obj, before, after):
        old, new = set(before or []), set(after)
        ids = ctx.ids[self.option]
        for label in sorted(new - old, key=str):
            self.add(ctx, obj, ids[label])
        for label in sorted(old - new, key=str):
            self.remove(ctx, obj, ids[label])


class Children:
    """A collection of child objects keyed by a name (policy rules, profile links, role scopes), reconciled in place.

    Items are dicts in option shape; ``key`` names the item field that identifies one (``key_of`` for a composite
    identity). A declared item's fields left None are unmanaged and keep their current value. ``ctx.ids[option]``
    maps key -> child id.
    """

    key = 'name'

    def __init__(self, option, purge_option):
        self.option = option
        self.purge_option = purge_option

    def key_of(self, item):
        """What identifies an item: its ``key`` field; override for a composite key (e.g. group and role)."""
        return item[self.key]

    def read(self, ctx, obj):
        """Current children as a list of (child id, item)."""
        raise NotImplementedError

    def resolve(self, ctx, items):
        """Declared items, validated and with references resolved (reads only)."""
        return items

    def add(self, ctx, obj, item):
        raise NotImplementedError

    def update(self, ctx, obj, child_id, before, after):
        raise NotImplementedError

    def remove(self, ctx, obj, child_id, item):
        raise NotImplementedError

    def same_item(self, before, after):
        return same(before, after)

    def current(self, ctx, obj):
        items = []
        for child_id, item in self.read(ctx, obj):
            ctx.ids.setdefault(self.option, {})[self.key_of(item)] = child_id
            items.append(item)
        return sorted(items, key=lambda item: str(self.key_of(item)))

    def wanted(self, ctx, declared):
        return self.resolve(ctx, declared)

    def plan(self, before, wanted, purge):
        current = {self.key_of(item): item for item in before or []}
        after = {} if purge else dict(current)
        for item in wanted:
            merged = dict(current.get(self.key_of(item), {}))
            merged.update({field: value for field, value in item.items() if value is not None})
            after[self.key_of(item)] = merged
        return [after[key] for key in sorted(after, key=str)]

    def differs(self, before, after):
        old = {self.key_of(item): item for item in before or []}
        new = {self.key_of(item): item for item in after or []}
        return set(old) != set(new) or any(not self.same_item(old[key], new[key]) for key in new)

    def apply(self, ctx, obj, before, after):
        old = {self.key_of(item): item for item in before or []}
        new = {self.key_of(item): item for item in after}
        ids = ctx.ids.get(self.option, {})
        for key in sorted(set(old) - set(new), key=str):
            self.remove(ctx, obj, ids[key], old[key])
        for key in sorted(new, key=str):
            if key not in old:
                self.add(ctx, obj, new[key])
            elif not self.same_item(old[key], new[key]):
                self.update(ctx, obj, ids[key], old[key], new[key])


class Context:
    """What spec hooks get: the parameters, the Graph client, check mode, and a place to warn."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.client = None
        self.ids = {}  # relation option -> {label: object id}, from reads and resolution
        self.current = None  # the object found, as Graph returned it: what it already references needs no lookup

    def warn(self, message):
        self.module.warn(message)


class ResourceSpec:
    """Declarative description of one Entra object type; subclasses set the attributes and override hooks."""

    noun = None  # return key and the word used in messages, e.g. 'group'
    api = 'v1.0'
    path = None  # collection path, e.g. '/groups'
    name_option = 'display_name'
    name_property = 'displayName'
    name_max_length = None  # Graph's documented limit of the name, where one is documented
    fields = ()
    relations = ()
    argument_spec = {}
    mutually_exclusive = ()
    required_one_of = ()
    info_filters = ()  # options of the _info module that narrow the listing
    id_options = ('id',)  # options that hold an object id: anything but a GUID there is a typo, not a name

    # ---- input ---------------------------------------------------------------------------------------------

    def validate_ids(self, params):
        """Object ids are GUIDs; a name given where an id belongs would otherwise read as 'no such object'."""
        for option in self.id_options:
            value = params.get(option)
            if value is not None and not GUID.match(value):
                raise ValidationError(option, value, 'must be an object id (a GUID such as 0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11); '
                                                     'to find the object by its name, use %s' % self.name_option)

    def validate_fields(self, params):
        """The name (``check_name``) and the limits fields declare (max_length)."""
        check_name(self.name_option, params.get(self.name_option), self.name_max_length)
        for field in self.fields:
            value = params.get(field.option)
            if field.max_length and isinstance(value, str) and len(value) > field.max_length:
                raise ValidationError(field.option, value, 'must be at most %d characters (has %d)' % (field.max_length, len(value)))

    def validate(self, params):
        """Pure input rules; raise ValidationError. Runs before any network call."""

    # ---- reading -------------------------------------------------------------------------------------------

    def item_path(self, object_id):
        return '%s/%s' % (self.path, object_id)

    def get(self, ctx, object_id):
        try:
            return ctx.client.get(self.item_path(object_id), api=self.api, action='reading %s %s' % (self.noun, object_id))
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise

    def find_by_name(self, ctx, name):
        """All objects whose natural key equals ``name``."""
        return ctx.client.list(self.path, api=self.api, params={'$filter': '%s eq %s' % (self.name_property, odata_quote(name))},
                               action='looking up %s %r' % (self.noun, name))

    def find(self, ctx):
        """The current object by id, else by unique name; None if absent. Several matches is an error."""
        object_id = ctx.params.get('id')
        if object_id:
            obj = self.get(ctx, object_id)
            if obj is None and ctx.params.get('state') != 'absent':
                raise ResourceError('%s with id %s does not exist; omit id to create it by %s' % (self.noun, object_id, self.name_option))
            return obj
        name = ctx.params.get(self.name_option)
        matches = self.find_by_name(ctx, name)
        if len(matches) > 1:
            raise ResourceError('%s=%r matches %d %s objects (ids: %s); set id to choose one' % (
                self.name_option, name, len(matches), self.noun, ', '.join(sorted(m['id'] for m in matches))))
        if matches:
            ctx.client.remember(matches[0]['id'])
            return matches[0]
        return None

    def view(self, ctx, obj, relations=None):
        """The object as module options (the shape returned and diffed); relations read only when asked."""
        result = {'id': obj.get('id')}
        for field in self.fields:
            result[field.option] = field.read(obj)
        for relation in self.relations:
            if relations is None and ctx.params.get(relation.option) is None:
                continue
            if relations is not None and relation.option not in relations:
                continue
            result[relation.option] = relation.current(ctx, obj)
        return result

    # ---- desired state -------------------------------------------------------------------------------------

    def desired(self, ctx):
        """Options the user set, in view shape; relation references resolved (reads only)."""
        wanted = {}
        for field in self.fields:
            value = ctx.params.get(field.option)
            if value is not None:
                wanted[field.option] = value
        for relation in self.relations:
            declared = ctx.params.get(relation.option)
            if declared is not None:
                wanted[relation.option] = relation.wanted(ctx, declared)
        return wanted

    def defaults(self, ctx, wanted):  # pylint: disable=unused-argument
        """Values a create sends for options the user left unset (shown in check mode's predicted result)."""
        return {}

    # ---- writing -------------------------------------------------------------------------------------------

    def create_body(self, ctx, after):  # pylint: disable=unused-argument
        body = {}
        for field in self.fields:
            if after.get(field.option) is not None:
                body[field.prop] = field.write(after[field.option])
        return body

    def create(self, ctx, after):
        body = self.create_body(ctx, after)
        name = after.get(self.name_option)
        obj = ctx.client.create(self.path, body, api=self.api, action='creating %s %r' % (self.noun, name),
                                recover=lambda: self._recover_created(ctx, name))
        for relation in self.relations:
            if relation.option in after:
                relation.apply(ctx, obj, [], after[relation.option])
        return obj

    def after_create(self, ctx, created, after):  # pylint: disable=unused-argument
        """The result of a create: the prediction with the new id; override to report values Graph chose (a state)."""
        return dict(after, id=created['id'])

    def _recover_created(self, ctx, name):
        matches = self.find_by_name(ctx, name)
        return matches[0] if len(matches) == 1 else None

    def twins(self, ctx, created, after):
        """Other objects with the natural key of one this run just created: a run working on the same tenant at the
        same time may have looked, found nothing and created one too. Return [] where a create cannot race like that."""
        name = after.get(self.name_option)
        return [obj for obj in self.find_by_name(ctx, name) if obj['id'] != created['id']] if name else []

    def update_body(self, ctx, before, after):  # pylint: disable=unused-argument
        body = {}
        for field in self.fields:
            if field.option in after and not same(before.get(field.option), after[field.option], field.as_set):
                body[field.prop] = field.write(after[field.option])
        return body

    def update(self, ctx, obj, before, after):
        body = self.update_body(ctx, before, after)
        if body:
            ctx.client.patch(self.item_path(obj['id']), body, api=self.api,
                             action='updating %s %r' % (self.noun, after.get(self.name_option)))
        for relation in self.relations:
            if relation.option in after and relation.differs(before.get(relation.option), after[relation.option]):
                relation.apply(ctx, obj, before.get(relation.option), after[relation.option])

    def check_delete(self, ctx, obj):
        """Raise ResourceError when something still references the object."""

    def delete(self, ctx, obj):
        ctx.client.delete(self.item_path(obj['id']), api=self.api, action='deleting %s %r' % (self.noun, obj.get(self.name_property)))

    # ---- planning (pure) -------------------------------------------------------------------------------------

    def plan(self, ctx, before, wanted):
        """Predicted view after apply: the current view with the declared values laid over it."""
        after = dict(before)
        for field in self.fields:
            if field.option in wanted:
                after[field.option] = wanted[field.option]
        for relation in self.relations:
            if relation.option in wanted:
                purge = bool(relation.purge_option and ctx.params.get(relation.purge_option))
                after[relation.option] = relation.plan(before.get(relation.option), wanted[relation.option], purge)
        return after

    def differs(self, before, after):
        for field in self.fields:
            if field.option in after and not same(before.get(field.option), after[field.option], field.as_set):
                return True
        return any(relation.option in after and relation.differs(before.get(relation.option), after[relation.option])
                   for relation in self.relations)

    def managed_keys(self, wanted):
        return ['id', self.name_option] + [key for key in wanted if key not in ('id', self.name_option)]


def build_module(spec, state=True):
    """The module of ``spec``: the connection options, the spec's own, and (``state``) present/absent."""
    argument_spec = dict(AUTH_ARGSPEC)
    argument_spec.update(spec.argument_spec)
    if state:
        argument_spec['state'] = dict(STATE_OPTION)
    return AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=list(spec.mutually_exclusive),
        required_one_of=list(spec.required_one_of),
    )


def _check_libraries(module, connection):
    for import_name, dist in REQUIRED_LIBS:
        if import_name == 'azure.identity' and connection.source == 'access_token':
            continue
        if importlib.util.find_spec(import_name.split('.', maxsplit=1)[0]) is None or importlib.util.find_spec(import_name) is None:
            module.fail_json(msg=missing_required_lib(dist))


def _session(module, checks):
    """Validate input (each of ``checks`` takes the parameters) and the connection options; returns (context,
    connection) or fails before any call."""
    if sys.version_info < MIN_PYTHON:
        module.fail_json(msg='jitaccess.entra modules need Python %s or newer on the host that runs them; this is Python %s (%s). '
                             'Set ansible_python_interpreter to a newer Python' % (
                                 '.'.join(map(str, MIN_PYTHON)), '.'.join(map(str, sys.version_info[:3])), sys.executable))
    ctx = Context(module)
    try:
        for check in checks:
            check(module.params)
        connection = Connection(module.params)
    except (ValidationError, ConfigError) as exc:
        module.fail_json(msg=str(exc))
    _check_libraries(module, connection)
    return ctx, connection


def _fail(module, exc, client):
    details = exc.details() if isinstance(exc, GraphError) else {}
    summary = client.retry_summary() if client else None
    if summary:
        module.warn(summary)
    module.fail_json(msg=str(exc), **details)


def run_resource(spec):
    """Entry point of a resource module: converge one object and exit once."""
    _run(build_module(spec), _resource_checks(spec), lambda ctx: _converge(ctx, spec))


def _converge(ctx, spec):
    current = ctx.current = spec.find(ctx)
    if ctx.params.get('state') == 'absent':
        before = spec.view(ctx, current) if current else {}
        if current is not None:
            spec.check_delete(ctx, current)
            if not ctx.check_mode:
                spec.delete(ctx, current)
        keys = list(before)
        return {'changed': current is not None, spec.noun: {},
                'diff': {'before': subset(before, keys), 'after': {}}}

    # The declared references are resolved before the current object is shown: the ids they name are then known,
    # so the view only looks up the names of ids nothing declared.
    wanted = spec.desired(ctx)
    before = spec.view(ctx, current) if current else {}
    if current is None:
        declared = wanted
        wanted = dict(spec.defaults(ctx, wanted), **wanted)
        after = spec.plan(ctx, {}, wanted)
        after['id'] = None
        if not ctx.check_mode:
            created = spec.create(ctx, after)
            kept = _keep_oldest(ctx, spec, created, after)
            if kept is created:
                after = spec.after_create(ctx, created, after)
            else:
                adopted = spec.view(ctx, kept)
                after = spec.plan(ctx, adopted, declared)
                if spec.differs(adopted, after):
                    spec.update(ctx, kept, adopted, after)
        changed = True
    else:
        after = spec.plan(ctx, before, wanted)
        changed = spec.differs(before, after)
        if changed and not ctx.check_mode:
            spec.update(ctx, current, before, after)
    keys = spec.managed_keys(wanted)
    return {'changed': changed, spec.noun: after,
            'diff': {'before': subset(before, keys), 'after': subset(after, keys)}}


def _keep_oldest(ctx, spec, created, after):
    """Settle a create race: when objects with the natural key of the one just created exist besides it, every run
    keeps the oldest (createdDateTime, then id), so racers that see each other agree. A run whose own object is
    newer deletes it and adopts the oldest. Returns the object to keep."""
    twins = spec.twins(ctx, created, after)
    if not twins:
        return created
    oldest = min(twins + [created], key=_age_order)
    if oldest['id'] == created['id']:
        return created
    spec.delete(ctx, created)
    ctx.client.remember(oldest['id'])
    ctx.warn('another run created %s %r at the same time; this run deleted its own (%s) and kept the older one (%s)' % (
        spec.noun, after.get(spec.name_option), created['id'], oldest['id']))
    return oldest


def _age_order(obj):
    """Sort key, oldest first: createdDateTime (Graph writes 0 to 7 decimals), then id; unknown times sort last, alike."""
    stamp = re.sub(r'(\.\d{1,6})\d*', r'\1', str(obj.get('createdDateTime') or '')).replace('Z', '+00:00')
    try:
        created = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        created = datetime.datetime.max
    return created.replace(tzinfo=created.tzinfo or datetime.timezone.utc), str(obj.get('id')).lower()


# ---- the way out every module shares, and the entry points of actions and readings ----------------------------------

def _run(module, checks, work, report_retries=True):
    """The one way out: validate (``checks``), open the Graph session, ``work(ctx)`` -> the result keys, exit once.

    A Graph, resource or validation error fails the module, with the retries it took; ``report_retries`` also warns
    of them when the work succeeds."""
    ctx, connection = _session(module, checks)
    client = None
    try:
        with GraphClient(connection) as client:
            ctx.client = client
            result = work(ctx)
    except (GraphError, ResourceError, ValidationError) as exc:
        _fail(module, exc, client)
    summary = client.retry_summary() if report_retries else None
    if summary:
        module.warn(summary)
    module.exit_json(**result)


def _resource_checks(spec):
    return spec.validate_ids, spec.validate_fields, spec.validate


class ActionSpec:
    """Declarative description of something a module does rather than keeps: a request, a decision. The run looks for
    it (``find``) and does it once unless it is done (``act``); there is no object to plan, compare or race to create.
    """

    noun = None  # return key and the word used in messages, e.g. 'approval'
    argument_spec = {}  # state included when the action can be undone
    mutually_exclusive = ()
    required_one_of = ()
    diff_keys = ()  # what the diff shows of the result

    def validate(self, params):
        """Pure input rules; raise ValidationError. Runs before any network call."""

    def find(self, ctx):
        """The request or decision this action would make, when it exists already; None when there is none."""
        raise NotImplementedError

    def act(self, ctx, found):
        """Do what the parameters ask unless ``found`` shows it done (in check mode: predict it, write nothing); returns
        the result keys, ``result()`` shapes them."""
        raise NotImplementedError

    def result(self, changed, before, after, keys=None):
        """``changed``, ``after`` under the noun, and the diff of ``keys`` (``diff_keys`` unless given)."""
        keys = self.diff_keys if keys is None else keys
        return {'changed': changed, self.noun: after, 'diff': {'before': subset(before, keys), 'after': subset(after, keys)}}


def run_action(spec):
    """Entry point of an action module (a request, a decision): find it, act once, exit once."""
    _run(build_module(spec, state=False), (spec.validate,), lambda ctx: spec.act(ctx, spec.find(ctx)))


def run_read(spec, read):
    """Entry point of a read-only module: ``read(ctx)`` returns the result keys; changed is false unless ``read`` says
    otherwise (a check module that was asked to fix what it found)."""
    _run(build_module(spec, state=False), _resource_checks(spec), lambda ctx: dict({'changed': False}, **read(ctx)),
         report_retries=False)


class InfoSpec:
    """Mixed in before a resource spec, makes the spec of its _info module: the listing's options (all optional), its
    result key (``plural``) and the query they make (``select``)."""

    plural = None  # the result key, e.g. 'groups'
    filters = {}  # options beyond the id and the name: what narrows the listing, what each result includes
    required_one_of = ()

    @property
    def argument_spec(self):
        """The id and the name, which ``select`` reads, and the filters."""
        return dict({'id': dict(type='str'), self.name_option: dict(type='str')}, **self.filters)

    def select(self, ctx):
        """The Graph objects the options match: the one with the id, else those with the name, else the listing."""
        if ctx.params.get('id'):
            found = self.get(ctx, ctx.params['id'])
            return [found] if found else []
        if ctx.params.get(self.name_option):
            return self.find_by_name(ctx, ctx.params[self.name_option])
        return self.listing(ctx)

    def listing(self, ctx):
        """Every object of the type (narrowed by the filters Graph applies, where the spec adds some)."""
        return ctx.client.list(self.path, api=self.api, action='listing %s' % self.plural.replace('_', ' '))

    def extra(self, ctx):  # pylint: disable=unused-argument
        """Further result keys: a second listing that belongs with the first (after ``select``)."""
        return {}


def run_info(spec):
    """Entry point of an _info module: each object ``spec.select(ctx)`` returns as a view under ``spec.plural``, with
    the relations its include_* options ask for, and the keys ``spec.extra(ctx)`` adds."""
    def read(ctx):
        objects = spec.select(ctx)
        wanted_relations = [relation.option for relation in spec.relations if ctx.params.get('include_' + relation.option)]
        items = [spec.view(ctx, obj, relations=wanted_relations) for obj in objects]
        return dict(spec.extra(ctx), **{spec.plural: items})
    run_read(spec, read)
