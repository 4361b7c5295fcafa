# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Directory lookups shared by specs: users by UPN or id, groups by name or id, and $ref relations.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._references import UPN, References, is_guid, user_by_reference
from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Relation

USER_TYPE = '#microsoft.graph.user'

# Names other files still import; the resolver (``ctx.refs``, ``_references``) is what they stand for.
__all__ = ['UPN', 'is_guid', 'resolve_user', 'directory_names', 'DirectoryNames']
resolve_user = user_by_reference


class DirectoryNames:
    """The user and group part of a run's resolver, in the call shape of specs not moved to ``ctx.refs`` yet."""

    def __init__(self, refs=None):
        self.refs = refs

    def _bound(self, ctx):
        if self.refs is None:
            self.refs = References(ctx)
        return self.refs

    @property
    def known(self):
        return self.refs.known if self.refs else {'user': {}, 'group': {}}

    def labels(self, ctx, kind, ids):
        return self._bound(ctx).labels(kind, ids)

    def resolve(self, ctx, kind, references, held=(), in_play=False):
        return self._bound(ctx).resolve_all(kind, references, held=held, in_play=in_play)


def directory_names(ctx):
    """The user and group lookups of the run's resolver."""
    return DirectoryNames(ctx.refs)


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
        users = ctx.refs.resolve_all('user', [(reference, self.option) for reference in references])
        return {directory_label(user): user['id'] for user in users}

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
