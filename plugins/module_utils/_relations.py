# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Relations and child collections of a resource: the sets of directory objects attached to it (members, owners) and
the collections of child objects keyed by a name (policy rules, profile links, role scopes), each reconciled in place.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same, union


class Attached:
    """What relations and child collections share: their option, its purge option, input rules and deep insert."""

    create_prop = None  # set where a create sends the members in its body (deep insert) instead of adding them after

    def __init__(self, option, purge_option):
        self.option = option
        self.purge_option = purge_option

    def create_item(self, value):
        """One declared member as the create body holds it (with ``create_prop``)."""
        return value

    def references(self, declared):  # pylint: disable=unused-argument
        """``(kind, reference, option)`` of the objects the declared members name (resolved with the fields')."""
        return []


class Relation(Attached):
    """A set of directory objects attached to the resource (members, owners, ...), reconciled by add / remove.

    Values are labels a person can read (a user's UPN); ``ctx.ids[option]`` maps label -> object id for the calls.
    """

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
        resolved = self.resolve(ctx, declared) if declared else {}
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


class Children(Attached):
    """A collection of child objects keyed by a name (policy rules, profile links, role scopes), reconciled in place.

    Items are dicts in option shape; ``key`` names the item field that identifies one (``key_of`` for a composite
    identity). A declared item's fields left None are unmanaged and keep their current value. ``ctx.ids[option]``
    maps key -> child id.
    """

    key = 'name'

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
