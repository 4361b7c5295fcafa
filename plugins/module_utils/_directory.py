# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Directory lookups shared by specs: users by UPN or id, groups by name or id, and $ref relations.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ansible_collections.jitaccess.entra.plugins.module_utils._graph import GraphError, odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import (
    GUID, Relation, ResourceError, ValidationError, assume_created_earlier)

USER_TYPE = '#microsoft.graph.user'
UPN = re.compile(r'\A[^@\s]+@[^@\s]+\.[^@\s]+\Z')  # \Z: $ would let a trailing newline through


def is_guid(value):
    return bool(GUID.match(value or ''))


def resolve_user(ctx, reference, option):
    """A user object (id, userPrincipalName) for a UPN or object id; ValidationError when there is none."""
    if not is_guid(reference) and not UPN.match(reference):
        raise ValidationError(option, reference, 'must be a user principal name (name@domain) or an object id')
    try:
        user = ctx.client.get('/users/%s' % quote(reference, safe='@'), params={'$select': 'id,userPrincipalName,displayName'},
                              action='looking up user %r for %s' % (reference, option))
    except GraphError as exc:
        if exc.status == 404:
            raise ValidationError(option, reference, 'no such user in the tenant') from exc
        raise
    ctx.client.remember(user['id'])
    return user


# kind -> (collection, the property people know an object by, the noun in messages)
KINDS = {'user': ('/users', 'userPrincipalName', 'user'), 'group': ('/groups', 'displayName', 'group')}
# Graph accepts at most 15 values in an `in` filter.
IN_LIMIT = 15


class DirectoryNames:
    """What one module run knows of users and groups (id <-> label: a user's UPN, a group's display name), and the
    reads that add to it: one batched ``in`` filter per kind and question, never one GET per object.

    References the current object already holds cost nothing: ``resolve`` takes the ids it holds, so declared ids that
    are all among them need no read (a wrong id could not be held) and stand for themselves; when the references of a
    kind need a read anyway, the held ids are named in the same call, and a declared name that matches one of them
    needs no lookup by name."""

    def __init__(self):
        self.known = {kind: {} for kind in KINDS}  # kind -> {id (lower case): label}
        self.unnamed = {kind: set() for kind in KINDS}  # ids known only as themselves, named when a read is made anyway

    def learn(self, kind, object_id, label):
        self.known[kind][object_id.lower()] = label or object_id
        self.unnamed[kind].discard(object_id.lower())

    def _read(self, ctx, kind, prop, values):
        path, label, noun = KINDS[kind]
        found = []
        values = sorted(set(values), key=str.lower)
        for start in range(0, len(values), IN_LIMIT):
            chunk = values[start:start + IN_LIMIT]
            found += ctx.client.list(path, params={'$filter': '%s in (%s)' % (prop, ','.join(odata_quote(v) for v in chunk)),
                                                   '$select': 'id,%s' % label},
                                     action='looking up %ss by %s' % (noun, 'id' if prop == 'id' else label))
        for item in found:
            self.learn(kind, item['id'], item.get(label))
        return found

    def labels(self, ctx, kind, ids):
        """``{id (lower case): label}`` for ``ids``; ids not known yet are read in one batched call (with any known only
        as themselves), and ids that no longer resolve (deleted objects) are shown as themselves."""
        wanted = {object_id.lower() for object_id in ids if object_id}
        missing = wanted - set(self.known[kind])
        if missing:
            self._read(ctx, kind, 'id', missing | (self.unnamed[kind] & wanted))
        return {object_id: self.known[kind].get(object_id, object_id) for object_id in wanted}

    def resolve(self, ctx, kind, references, held=(), in_play=False):
        """Objects ``{'id', <label property>}`` for ``references``, a list of ``(reference, option)`` (name, UPN or id),
        in order. ``held``: ids the current object holds. ``in_play``: in check mode a name nothing has yet may be one an
        earlier task creates (a placeholder without an id stands in). Unknown references are ValidationErrors, a name
        several objects have a ResourceError listing their ids."""
        label = KINDS[kind][1]
        for reference, option in references:
            if kind == 'user' and not is_guid(reference) and not UPN.match(reference):
                raise ValidationError(option, reference, 'must be a user principal name (name@domain) or an object id')
        held = {object_id.lower() for object_id in held if object_id}
        known = self.known[kind]
        referenced = {reference.lower() for reference, dummy in references if is_guid(reference)}
        # Only ids, all held, and no other held id left for the view to name: nothing to read.
        if len(referenced) == len(references) and referenced <= held and not held - referenced - set(known):
            for reference, dummy in references:
                if reference.lower() not in known:
                    known[reference.lower()] = reference.lower()
                    self.unnamed[kind].add(reference.lower())
        else:
            ids = (held | {ref.lower() for ref, dummy in references if is_guid(ref)}) - set(known)
            read = self._read(ctx, kind, 'id', ids) if ids else []
            names = [ref for ref, dummy in references if not is_guid(ref) and not self._named(kind, ref)]
            read += self._read(ctx, kind, label, names) if names else []
            for item in read:
                ctx.client.remember(item['id'])
        return [self._one(ctx, kind, reference, option, in_play) for reference, option in references]

    def _named(self, kind, name):
        """Ids known under the label ``name`` (labels compare ignoring case, as Graph's filters do)."""
        return sorted(object_id for object_id, label in self.known[kind].items() if label.lower() == name.lower())

    def _one(self, ctx, kind, reference, option, in_play):
        _path, label, noun = KINDS[kind]
        if is_guid(reference):
            if reference.lower() not in self.known[kind]:
                raise ValidationError(option, reference, 'no such user in the tenant' if kind == 'user' else 'no %s has this id' % noun)
            return {'id': reference.lower(), label: self.known[kind][reference.lower()]}
        matches = self._named(kind, reference)
        if len(matches) > 1:
            raise ResourceError('%s: %s name %r matches %d %ss (ids: %s); give the id instead' % (
                option, noun, reference, len(matches), noun, ', '.join(matches)))
        if not matches:
            missing = ValidationError(option, reference, 'no such user in the tenant' if kind == 'user' else 'no %s has this display name' % noun)
            if not in_play:
                raise missing
            return assume_created_earlier(ctx, reference, noun, missing, name_property=label)
        return {'id': matches[0], label: self.known[kind][matches[0]]}


def directory_names(ctx):
    """The run's DirectoryNames, made on first use."""
    book = getattr(ctx, 'directory_names', None)
    if book is None:
        book = ctx.directory_names = DirectoryNames()
    return book


def resolve_group_in_play(ctx, reference, option):
    """A group ``{'id', 'displayName'}`` for a display name or object id; unknown or ambiguous names are errors, except that
    in check mode a missing name may be one an earlier task creates."""
    return directory_names(ctx).resolve(ctx, 'group', [(reference, option)], in_play=True)[0]


def directory_label(obj):
    """How a directory object is shown to people: a user's UPN, else its display name, else its id."""
    return obj.get('userPrincipalName') or obj.get('id')


class DirectoryRefs(Relation):
    """Users linked to a group through ``/{collection}/$ref`` (members, owners)."""

    def __init__(self, option, purge_option, segment):
        super().__init__(option, purge_option)
        self.segment = segment

    def read(self, ctx, obj):
        items = ctx.client.list('/groups/%s/%s' % (obj['id'], self.segment), params={'$select': 'id,userPrincipalName'},
                                action='reading %s of group %r' % (self.segment, obj.get('displayName')))
        # A caller that may read groups but not users gets users with their id and @odata.type only
        # (group-list-members.md, group-list-owners.md): they are shown by id, and the warning says why.
        unnamed = [item['id'] for item in items if item.get('@odata.type') == USER_TYPE and not item.get('userPrincipalName')]
        if unnamed:
            ctx.warn('%s of group %r are shown by object id (%s): Graph returned these users without their user principal names, '
                     'which it does when the token may read groups but not users; grant User.Read.All (or User.ReadBasic.All for a '
                     'delegated token) to see them' % (self.segment, obj.get('displayName'), ', '.join(sorted(unnamed))))
        return {directory_label(item): item['id'] for item in items}

    def resolve(self, ctx, references):
        resolved = {}
        for reference in references:
            user = resolve_user(ctx, reference, self.option)
            resolved[directory_label(user)] = user['id']
        return resolved

    def _contains(self, ctx, obj, object_id):
        return object_id in self.read(ctx, obj).values()

    def add(self, ctx, obj, object_id):
        body = {'@odata.id': '%s/v1.0/directoryObjects/%s' % (ctx.client.connection.graph_endpoint, object_id)}
        ctx.client.post('/groups/%s/%s/$ref' % (obj['id'], self.segment), body,
                        action='adding %s to %s of group %r' % (object_id, self.segment, obj.get('displayName')),
                        recover=lambda: {} if self._contains(ctx, obj, object_id) else None)

    def remove(self, ctx, obj, object_id):
        ctx.client.delete('/groups/%s/%s/%s/$ref' % (obj['id'], self.segment, object_id),
                          action='removing %s from %s of group %r' % (object_id, self.segment, obj.get('displayName')))
