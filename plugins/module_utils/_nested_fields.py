# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Field types of complex values: a nested object whose members are fields, and a list of such objects keyed by a
sub-option (see _fields.py for the field protocol).

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import normalise
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, clean, get_path, put_path


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
