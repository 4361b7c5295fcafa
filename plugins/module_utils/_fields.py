# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Field types of a resource spec: each carries how its value is shown, compared and sent to Graph.

Internal use only: this file is not part of the collection's public API and may change without notice.

Values are in option shape (what a module returns and diffs). A field reads its Graph property (``prop``, a dotted
path reaches into a nested object), resolves declared references through ``ctx.refs``, plans the value after the
run, compares two values and writes the Graph value to send. The lifecycle's default hooks iterate the fields.

This file holds the scalar types every spec uses; complex values (``Nested``, ``KeyedList``) are in _nested_fields.py
and durations in _durations.py, so a module compiles only the types its specs declare (module_utils ship as source
and are compiled in every task).
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same

_LEGACY = object()


class ValidationError(Exception):
    """Bad input, found before any write: names the option, the value and the rule."""

    def __init__(self, option, value, rule):
        super().__init__('%s=%r: %s' % (option, value, rule))
        self.option = option


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
