# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of a security group (v1.0 ``/groups``) with static members and owners (users linked through ``$ref``).

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Constant, Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Relation
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

# Entra rejects these in mailNickname, and anything but printable ASCII.
NICKNAME_FORBIDDEN = set('@()\\[]";:<>, ')
NICKNAME_MAX = 64
USER_TYPE = '#microsoft.graph.user'


def nickname_problem(value):
    """Why ``value`` is not a valid mailNickname, or None."""
    if not value:
        return 'must not be empty'
    if len(value) > NICKNAME_MAX:
        return 'must be at most %d characters (has %d)' % (NICKNAME_MAX, len(value))
    bad = sorted({char for char in value if char in NICKNAME_FORBIDDEN or ord(char) > 126 or ord(char) < 33})
    if bad:
        return 'must be ASCII without spaces or any of @ ( ) \\ [ ] " ; : < > , (found %s)' % ' '.join(repr(char) for char in bad)
    return None


def derive_nickname(display_name):
    """A mailNickname made from the display name: its letters, digits, dots, dashes and underscores."""
    nickname = re.sub(r'[^A-Za-z0-9._-]', '', display_name)[:NICKNAME_MAX]
    return nickname or 'group'


def directory_label(obj):
    """How a linked user is shown to people: their UPN, else (Graph withheld it) their id."""
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


class GroupSpec(ResourceSpec):
    noun = 'group'
    path = '/groups'
    name_max_length = 256  # api-reference/v1.0/resources/group.md: displayName "Maximum length is 256 characters"
    slots = {}
    fields = (
        Field('display_name', 'displayName', required=True),
        Field('description', 'description', max_length=1024),
        Field('mail_nickname', 'mailNickname', default=lambda ctx, wanted: derive_nickname(wanted['display_name'])),
        Constant('mailEnabled', False),
        Constant('securityEnabled', True),
    )
    relations = (
        DirectoryRefs('members', 'purge_members', 'members'),
        DirectoryRefs('owners', 'purge_owners', 'owners'),
    )
    argument_spec = dict(
        display_name=dict(type='str'),
        id=dict(type='str'),
        description=dict(type='str'),
        mail_nickname=dict(type='str'),
        members=dict(type='list', elements='str'),
        purge_members=dict(type='bool', default=False),
        owners=dict(type='list', elements='str'),
        purge_owners=dict(type='bool', default=False),
    )
    required_one_of = (('display_name', 'id'),)

    def validate(self, params):
        if params.get('mail_nickname') is not None:
            problem = nickname_problem(params['mail_nickname'])
            if problem:
                raise ValidationError('mail_nickname', params['mail_nickname'], problem)

    def check(self, ctx, before, after):
        # Graph refuses to remove the last owner of a group (api-reference/v1.0/api/group-delete-owners.md), so a
        # change that would leave none is refused before any write, and check mode does not predict it.
        if before.get('owners') and after.get('owners') == []:
            raise ValidationError('owners', ctx.params.get('owners'), 'would remove every owner of group %r (%s); Graph refuses to remove the last '
                                                                      'owner of a group, so keep at least one in owners, or omit owners to leave '
                                                                      'them unmanaged' % (before.get('display_name'), ', '.join(before['owners'])))


# ---- group_info: the listing -----------------------------------------------------------------------------------------

class GroupInfoSpec(InfoSpec, GroupSpec):
    plural = 'groups'
    filters = dict(
        include_members=dict(type='bool', default=False),
        include_owners=dict(type='bool', default=False),
    )
