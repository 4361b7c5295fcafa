# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Field types that name other objects: one reference, or a list of them. The view shows labels that carry the ids
behind them (``Labelled``), so two objects that share a name stay two and a write sends the right ids.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, get_path


class Labelled(str):
    """How an object is shown, carrying the object's id: values compare by the object, so two objects that share a name
    never hide a change. ``name`` is the object's own label, before ``labels`` tells namesakes apart."""

    def __new__(cls, text, object_id=None, name=None):
        label = super().__new__(cls, text)
        label.id = text if object_id is None else object_id
        label.name = text if name is None else name
        return label

    def __getnewargs__(self):
        return str(self), self.id, self.name


def labels(pairs, key=None):
    """Labels of (id, name) pairs, sorted (by ``key``); a name shared by two ids in the list carries its id, so labels
    stay unique."""
    counts = {}
    for dummy, name in pairs:
        counts[name] = counts.get(name, 0) + 1
    return sorted((Labelled(name if counts[name] == 1 else '%s (%s)' % (name, object_id), object_id, name) for object_id, name in pairs),
                  key=key)


def pairs_of(values):
    """(id, name) pairs behind labels (a plain string stands for itself)."""
    return [(getattr(value, 'id', value), getattr(value, 'name', value)) for value in values or ()]


def ids_of(values):
    """The ids behind labels, in lower case: what a list of references compares by."""
    return {str(object_id).lower() for object_id, dummy in pairs_of(values)}


def union_pairs(first, second):
    """(id, name) pairs of both lists, each id once, first list first."""
    seen = set()
    out = []
    for object_id, name in list(first) + list(second):
        if object_id.lower() not in seen:
            seen.add(object_id.lower())
            out.append((object_id, name))
    return out


# Stands in for the id of an object that, in check mode, an earlier task of the play would create; never sent.
PREDICTED = 'predicted:%s'


def same_object(left, right):
    """Two references name the same object: by id where both carry one, else by label (ignoring case)."""
    if isinstance(left, Labelled) and isinstance(right, Labelled):
        return str(left.id).lower() == str(right.id).lower()
    return (left or '').lower() == (right or '').lower()


class Reference(Field):
    """One object named by name or id: the view shows its label, Graph holds ``{'id': ...}`` (the bare id with
    ``id_only``); compared by the object it names (labels come from Graph, so one object has one label).

    As a spec's ``parent``: ``within`` = (property, option) narrows the lookup to objects whose expanded property the
    option names (a package within the declared catalog); ``missing`` is the rule when nothing has the reference."""

    def __init__(self, option, prop, kind, id_only=False, in_play=None, within=None, missing=None, **kwargs):
        super().__init__(option, prop, **kwargs)
        self.kind = kind
        self.id_only = id_only
        self.in_play = in_play
        self.within = within
        self.missing = missing

    def graph_id(self, value):
        if isinstance(value, dict):
            return value.get('id')
        return value

    def references(self, declared):
        return [(self.kind, declared, self.option)] if declared else []

    def show(self, ctx, value):
        object_id = self.graph_id(value)
        if not object_id:
            return None
        if isinstance(value, dict) and value.get(ctx.refs.kind(self.kind).label):
            ctx.refs.learn(self.kind, value)
        return Labelled(ctx.refs.labels(self.kind, [object_id])[object_id.lower()], object_id)

    def wanted(self, ctx, declared):
        if declared is None:
            return None
        found = ctx.refs.resolve(self.kind, declared, self.option, in_play=self.in_play)
        return Labelled(ctx.refs.label_of(self.kind, found), found['id'] or PREDICTED % declared)

    def same(self, before, after):
        return same_object(before, after)

    def body(self, ctx, after, current):
        object_id = after.id if isinstance(after, Labelled) else ctx.refs.id_of(self.kind, after)
        return object_id if self.id_only else {'id': object_id}


class ReferenceSet(Field):
    """A list of references: ids in Graph, labels in the view, compared as a set. ``keywords`` (``All``, ``None``, ...)
    pass through unresolved, spelt as Graph spells them. Labels are sorted by ``order`` (a sort key; None: as strings)."""

    def __init__(self, option, prop, kind, keywords=(), in_play=None, order=str.lower, **kwargs):
        super().__init__(option, prop, as_set=True, **kwargs)
        self.kind = kind
        self.keywords = tuple(keywords)
        self.in_play = in_play
        self.order = order

    def keyword(self, value):
        return next((word for word in self.keywords if word.lower() == str(value).lower()), None)

    def references(self, declared):
        return [(self.kind, item, self.option) for item in declared or [] if not self.keyword(item)]

    def held(self, obj):
        return [(self.kind, item) for item in get_path(obj or {}, self.prop) or [] if not self.keyword(item)]

    def keyword_pairs(self, values):
        return [(self.keyword(item), self.keyword(item)) for item in values if self.keyword(item)]

    def show(self, ctx, value):
        if value is None:
            return None
        ids = [item for item in value if not self.keyword(item)]
        # Without a run (a Graph object shown on its own) ids stand for themselves.
        names = ctx.refs.labels(self.kind, ids) if ctx is not None and ids else {}
        return labels(self.keyword_pairs(value) + [(item, names.get(item.lower(), item)) for item in ids], key=self.order)

    def wanted(self, ctx, declared):
        if declared is None:
            return None
        references = [(item, self.option) for item in declared if not self.keyword(item)]
        held = [item for item in get_path(ctx.current or {}, self.prop) or [] if not self.keyword(item)]
        found = ctx.refs.resolve_all(self.kind, references, held=held, in_play=self.in_play) if references else []
        pairs = [(obj['id'] or PREDICTED % reference, ctx.refs.label_of(self.kind, obj)) for (reference, dummy), obj in zip(references, found)]
        return labels(union_pairs(self.keyword_pairs(declared), pairs), key=self.order)

    def same(self, before, after):
        return ids_of(before) == ids_of(after)

    def body(self, ctx, after, current):
        return [self.keyword(item) or (item.id if isinstance(item, Labelled) else ctx.refs.id_of(self.kind, item)) for item in after or []]
