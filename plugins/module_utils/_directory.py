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

UPN = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


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


def resolve_group(ctx, reference, option):
    """A group object for a display name or object id; unknown or ambiguous names are errors."""
    if is_guid(reference):
        try:
            return ctx.client.get('/groups/%s' % reference, params={'$select': 'id,displayName'},
                                  action='looking up group %s for %s' % (reference, option))
        except GraphError as exc:
            if exc.status == 404:
                raise ValidationError(option, reference, 'no group has this id') from exc
            raise
    matches = ctx.client.list('/groups', params={'$filter': 'displayName eq %s' % odata_quote(reference), '$select': 'id,displayName'},
                              action='looking up group %r for %s' % (reference, option))
    if not matches:
        raise ValidationError(option, reference, 'no group has this display name')
    if len(matches) > 1:
        raise ResourceError('%s: group name %r matches %d groups (ids: %s); give the id instead' % (
            option, reference, len(matches), ', '.join(sorted(m['id'] for m in matches))))
    ctx.client.remember(matches[0]['id'])
    return matches[0]


def resolve_group_in_play(ctx, reference, option):
    """A group by name or id (see resolve_group); in check mode a missing name may be one an earlier task creates."""
    try:
        return resolve_group(ctx, reference, option)
    except ValidationError as exc:
        return assume_created_earlier(ctx, reference, 'group', exc)


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
