# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Field types of a resource spec: each carries how its value is shown, compared and sent to Graph.

Internal use only: this file is not part of the collection's public API and may change without notice.

Values are in option shape (what a module returns and diffs). A field reads its Graph property (``prop``, a dotted
path reaches into a nested object), resolves declared references through ``ctx.refs``, plans the value after the
run, compares two values and writes the Graph value to send. The lifecycle's default hooks iterate the fields.
"""

from __future__ import annotations

import re

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import normalise, same

_LEGACY = object()

# Weeks, days, hours, minutes, seconds: the parts of a duration with a fixed length (months and years vary).
_DURATION = re.compile(r'\AP(?=\d|T\d)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?\Z')
_DURATION_UNITS = (('D', 86400), ('H', 3600), ('M', 60), ('S', 1))
_UNIT_SECONDS = {'hours': 3600, 'days': 86400}


class ValidationError(Exception):
    """Bad input, found before any write: names the option, the value and the rule."""

    def __init__(self, option, value, rule):
        super().__init__('%s=%r: %s' % (option, value, rule))
        self.option = option


# ---- durations (pure) ----------------------------------------------------------------------------------------------

def duration_seconds(text):
    """Seconds in an ISO 8601 duration such as ``PT2H`` or ``P1DT12H``; ValueError for anything else."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if not match:
        raise ValueError('%r is not an ISO 8601 duration of weeks, days, hours, minutes and seconds (e.g. PT2H, P14D)' % (text,))
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def format_duration(seconds):
    """The canonical ISO 8601 form of a number of seconds: whole days as ``P2D``, the rest as ``PT2H``, ``P1DT12H``."""
    days, rest = divmod(int(seconds), 86400)
    time_part = ''
    for unit, size in _DURATION_UNITS[1:]:
        count, rest = divmod(rest, size)
        if count:
            time_part += '%d%s' % (count, unit)
    if not days and not time_part:
        return 'PT0S'
    return ('P%dD' % days if days else 'P') + ('T' + time_part if time_part else '')


def canonical_duration(text):
    """``PT48H`` -> ``P2D``: one spelling per length, so durations compare by meaning."""
    return format_duration(duration_seconds(text))


def same_duration(left, right):
    """True when two ISO 8601 durations are the same length (None equals only None)."""
    if left is None or right is None:
        return left is right
    return duration_seconds(left) == duration_seconds(right)


# ---- Graph paths (pure) --------------------------------------------------------------------------------------------

def _parts(prop):
    # An annotation (@odata.type) is one key, dot and all.
    return [prop] if prop.startswith('@') else prop.split('.')


def get_path(obj, prop):
    """The value at the dotted path ``prop`` of a Graph object (None where a part is missing)."""
    for part in _parts(prop):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def clean(value):
    """A complex value read from Graph, ready to send back: ``@odata.*`` annotations dropped."""
    return {key: item for key, item in (value or {}).items() if not key.startswith('@')}


def put_path(body, prop, value, current=None):
    """Set the dotted path ``prop`` of the request body ``body``. An enclosing object the body does not hold yet starts
    as its current Graph value (from ``current``, annotations dropped): a PATCH of a complex value replaces all of it."""
    parts = _parts(prop)
    holder, source = body, current or {}
    for part in parts[:-1]:
        source = source.get(part) if isinstance(source, dict) else None
        if not isinstance(holder.get(part), dict):
            holder[part] = clean(source)
        holder = holder[part]
    holder[parts[-1]] = value


# ---- field types ---------------------------------------------------------------------------------------------------

class Field:
    """A scalar property: module option <-> Graph property, compared as a value (or as a set with ``as_set``).

    ``default``: what a create sends when the option is unset (a value, or a callable ``(ctx, wanted) -> value``).
    ``required``: a create without a value fails; True says 'is required to create a <noun>', a string is the rule.
    ``read_only``: shown, never compared or written. ``create_only``: written on create, never updated.
    ``predicted``: a read-only field whose ``default`` is what Graph shows of a new object (a state, no end yet), so
    the prediction of a create holds it, None included.
    """

    def __init__(self, option, prop, as_set=False, create_only=False, max_length=None, default=None, required=False,
                 read_only=False, predicted=False, new_value=None):
        self.option = option
        self.prop = prop
        self.as_set = as_set
        self.create_only = create_only
        self.max_length = max_length  # Graph refuses a longer string with a bare 400, so it is checked first
        self.default = default
        self.required = required
        self.read_only = read_only
        self.predicted = predicted
        self.new_value = new_value  # what Graph gives a new object when a create leaves it unset: shown, not diffed

    # Input (pure) -----------------------------------------------------------------------------------------------

    def validate(self, value, option_path=None):
        """The field's own input rule on a declared value; raises ValidationError."""
        if self.max_length and isinstance(value, str) and len(value) > self.max_length:
            raise ValidationError(option_path or self.option, value, 'must be at most %d characters (has %d)' % (self.max_length, len(value)))

    # Graph -> option ---------------------------------------------------------------------------------------------

    def read(self, ctx, obj=_LEGACY):
        """The option-shaped value of Graph object ``obj`` (``read(obj)`` still works for specs not moved yet)."""
        if obj is _LEGACY:
            ctx, obj = None, ctx
        return self.show(ctx, get_path(obj or {}, self.prop))

    def show(self, ctx, value):  # pylint: disable=unused-argument
        """Option shape of the Graph value ``value``."""
        return value

    # Declaration -> option ---------------------------------------------------------------------------------------

    def wanted(self, ctx, declared):  # pylint: disable=unused-argument
        """The declared value in option shape, references resolved (reads only)."""
        return declared

    def references(self, declared):  # pylint: disable=unused-argument
        """``(kind, reference, option)`` of every object the declared value names: the spec resolves them all, one read
        per kind, before any ``wanted``."""
        return []

    def named_in(self, params):
        """``references`` of the value the task declares (a field that other options add to says so here)."""
        return self.references(params[self.option]) if params.get(self.option) is not None else []

    def desired(self, ctx, params):
        """The field's wanted value from the task's options (None: the task leaves it as it is)."""
        return self.wanted(ctx, params[self.option]) if params.get(self.option) is not None else None

    def held(self, obj):  # pylint: disable=unused-argument
        """``(kind, id)`` of every object Graph object ``obj`` names through this field: named with the declared ones."""
        return []

    def default_for(self, ctx, wanted):
        """What a create sends for the unset option (None: nothing)."""
        return self.default(ctx, wanted) if callable(self.default) else self.default

    def plan(self, ctx, before, wanted):  # pylint: disable=unused-argument
        return wanted

    def same(self, before, after):
        return same(before, after, self.as_set)

    # Option -> Graph ---------------------------------------------------------------------------------------------

    def body(self, ctx, after, current):  # pylint: disable=unused-argument
        """The Graph value to send for option value ``after``; ``current`` is the Graph value now."""
        return self.write(after)

    def write(self, value):
        return value

    def create_value(self, after):
        """The option value a create sends."""
        return after.get(self.option)

    def write_into(self, ctx, body, after, current):  # pylint: disable=unused-argument
        """Write option value ``after`` into the request ``body``: at ``prop``, or (a field whose ``prop`` is None)
        over the several properties it spans. ``current`` is the Graph object now (None for a create)."""
        put_path(body, self.prop, self.body(ctx, after, get_path(current or {}, self.prop)), current)

    def took(self, after, answer):
        """After a write: take into ``after`` (the planned view) the values Graph assigned in ``answer`` (new ids)."""


class Mapped(Field):
    """An option word <-> a Graph word (``report_only`` <-> ``enabledForReportingButNotEnforced``)."""

    def __init__(self, option, prop, mapping, **kwargs):
        super().__init__(option, prop, **kwargs)
        self.mapping = dict(mapping)

    def show(self, ctx, value):
        return next((option for option, graph in self.mapping.items() if graph == value), value)

    def write(self, value):
        return self.mapping.get(value, value)


class Constant(Field):
    """A Graph property every create sends with a fixed value (``securityEnabled: true``); no option, never compared."""

    def __init__(self, prop, value):
        super().__init__(None, prop, read_only=True)
        self.value = value

    def create_value(self, after):
        return self.value


class Duration(Field):
    """An ISO 8601 duration in Graph, compared by length. ``unit`` ('hours' or 'days') makes the option a whole number
    of them; None keeps the ISO 8601 text (shown canonical: ``PT48H`` as ``P2D``)."""

    def __init__(self, option, prop, unit=None, **kwargs):
        super().__init__(option, prop, **kwargs)
        self.unit = unit

    def validate(self, value, option_path=None):
        if value is not None and self.unit is None:
            try:
                duration_seconds(value)
            except ValueError as exc:
                raise ValidationError(option_path or self.option, value, str(exc)) from exc

    def show(self, ctx, value):
        if value is None:
            return None
        try:
            seconds = duration_seconds(value)
        except ValueError:
            return value
        if self.unit is None:
            return format_duration(seconds)
        size = _UNIT_SECONDS[self.unit]
        return seconds // size if seconds % size == 0 else value

    def wanted(self, ctx, declared):
        return canonical_duration(declared) if self.unit is None and declared is not None else declared

    def same(self, before, after):
        return self.seconds(before) == self.seconds(after)

    def seconds(self, value):
        if value is None:
            return None
        if self.unit is None or isinstance(value, str):
            return duration_seconds(value)
        return int(value) * _UNIT_SECONDS[self.unit]

    def write(self, value):
        return None if value is None else format_duration(self.seconds(value))


class Nested(Field):
    """A complex Graph object whose members are fields (sub-options). The plan lays the declared sub-options over the
    current ones (unset ones keep their value); the body is the current Graph object, annotations dropped, with the
    managed members written over it (with ``carry_unmanaged=False`` only the managed members are sent)."""

    def __init__(self, option, prop, fields=(), carry_unmanaged=True, **kwargs):
        super().__init__(option, prop, **kwargs)
        self.fields = tuple(fields)
        self.carry_unmanaged = carry_unmanaged

    def validate(self, value, option_path=None):
        for field in self.fields:
            if value and value.get(field.option) is not None:
                field.validate(value[field.option], '%s.%s' % (option_path or self.option, field.option))

    def show(self, ctx, value):
        if value is None:
            return None
        return {field.option: field.read(ctx, value) for field in self.fields}

    def references(self, declared):
        return [found for field in self.fields if (declared or {}).get(field.option) is not None
                for found in field.references(declared[field.option])]

    def held(self, obj):
        value = get_path(obj or {}, self.prop)
        return [found for field in self.fields for found in field.held(value)] if isinstance(value, dict) else []

    def wanted(self, ctx, declared):
        if declared is None:
            return None
        return {field.option: field.wanted(ctx, declared[field.option]) for field in self.fields if declared.get(field.option) is not None}

    def plan(self, ctx, before, wanted):
        if wanted is None:
            return before
        after = dict(before or {})
        for field in self.fields:
            if field.option in wanted:
                after[field.option] = field.plan(ctx, (before or {}).get(field.option), wanted[field.option])
        return after

    def same(self, before, after):
        before, after = before or {}, after or {}
        return all(field.same(before.get(field.option), after.get(field.option)) for field in self.fields
                   if not field.read_only and (field.option in after or field.option in before))

    def body(self, ctx, after, current):
        if after is None:
            return None
        body = clean(current) if self.carry_unmanaged else {}
        for field in self.fields:
            if field.read_only or field.option not in after:
                continue
            put_path(body, field.prop, field.body(ctx, after[field.option], get_path(current or {}, field.prop)), current)
        return body


class KeyedList(Nested):
    """A list of complex items identified by ``key`` (a sub-option; None identifies items by position). The plan lays
    declared items over the current item with the same key; an item's body starts from that current Graph item, so it
    keeps its Graph id and the members the module does not manage."""

    def __init__(self, option, prop, key='name', fields=(), **kwargs):
        super().__init__(option, prop, fields=fields, **kwargs)
        self.key = key

    def key_of(self, item, position):
        return position if self.key is None else normalise(item.get(self.key))

    def validate(self, value, option_path=None):
        for index, item in enumerate(value or []):
            super().validate(item, '%s[%d]' % (option_path or self.option, index))

    def show(self, ctx, value):
        if value is None:
            return None
        return [super(KeyedList, self).show(ctx, item) for item in value]

    def wanted(self, ctx, declared):
        if declared is None:
            return None
        return [super(KeyedList, self).wanted(ctx, item) for item in declared]

    def references(self, declared):
        return [found for item in declared or [] for found in super().references(item)]

    def held(self, obj):
        return [found for item in get_path(obj or {}, self.prop) or [] for field in self.fields for found in field.held(item)]

    def plan(self, ctx, before, wanted):
        if wanted is None:
            return before
        current = {self.key_of(item, index): item for index, item in enumerate(before or [])}
        return [super(KeyedList, self).plan(ctx, current.get(self.key_of(item, index)), item) for index, item in enumerate(wanted)]

    def same(self, before, after):
        before, after = before or [], after or []
        return len(before) == len(after) and all(super(KeyedList, self).same(old, new) for old, new in zip(before, after))

    def body(self, ctx, after, current):
        if after is None:
            return None
        views = self.show(ctx, current) or []
        current_items = {self.key_of(view, index): item for index, (view, item) in enumerate(zip(views, current or []))}
        return [super(KeyedList, self).body(ctx, item, current_items.get(self.key_of(item, index))) for index, item in enumerate(after)]
