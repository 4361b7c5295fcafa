# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The people of an access package assignment policy (who may request, approve, review) and the field type every
policy section is: a value read from and written over the whole policy object.

Internal use only: this file is not part of the collection's public API and may change without notice.

A block of people is ``{manager, sponsors, users, groups}`` in option shape, a list of subject sets in Graph. Users and
groups are shown by label (a user's UPN, a group's display name), sorted, so two blocks compare with ==. The pure
methods take ``labels`` (``(users by id, groups by id)``), ``resolve`` (``(kind, reference, option) -> label``) and
``ids`` (``(kind, label) -> id``): ``read`` and ``wanted`` hand them the run's resolver, ``RunIds`` does for writes.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError

GRAPH = '#microsoft.graph.'
KINDS = {'users': 'user', 'groups': 'group'}  # option key -> resolver kind


class People:
    """One block of people; ``keywords`` are the ones it may hold besides users and groups (manager, sponsors)."""

    def __init__(self, keywords=()):
        self.keywords = keywords

    @staticmethod
    def named(block):
        block = block or {}
        return bool(block.get('manager') or block.get('sponsors') or block.get('users') or block.get('groups'))

    @staticmethod
    def needs_fallback(block):
        """The manager and sponsors are not there for everyone: such a block needs fallback people."""
        return bool((block or {}).get('manager') or (block or {}).get('sponsors'))

    def validate(self, block, option):
        for key in ('manager', 'sponsors'):
            if (block or {}).get(key) and key not in self.keywords:
                raise ValidationError('%s.%s' % (option, key), True, 'is not allowed here; list users or groups')
        for kind in KINDS:
            for reference in (block or {}).get(kind) or []:
                if not (reference or '').strip():
                    raise ValidationError('%s.%s' % (option, kind), reference, 'must not be blank')

    @staticmethod
    def view(subjects, labels):
        """Subject sets as ``{manager, sponsors, users, groups, other}``, each key only when it holds something."""
        users_by_id, groups_by_id = labels
        out = {}
        for subject in subjects or []:
            kind = (subject.get('@odata.type') or '').lstrip('#').rsplit('.', 1)[-1]
            if kind == 'requestorManager':
                out['manager'] = True
            elif kind == 'targetUserSponsors':
                out['sponsors'] = True
            elif kind == 'singleUser':
                out.setdefault('users', []).append(users_by_id.get(subject['userId'].lower(), subject['userId']))
            elif kind == 'groupMembers':
                out.setdefault('groups', []).append(groups_by_id.get(subject['groupId'].lower(), subject['groupId']))
            else:
                out.setdefault('other', []).append(kind)
        return {key: sorted(value, key=str.lower) if isinstance(value, list) else value for key, value in out.items()}

    def declare(self, block, resolve, option):
        out = {key: True for key in self.keywords if (block or {}).get(key)}
        for kind in KINDS:
            labels = [resolve(kind, reference.strip(), '%s.%s' % (option, kind)) for reference in (block or {}).get(kind) or []]
            if labels:
                out[kind] = sorted(set(labels), key=str.lower)
        return out

    @staticmethod
    def write(view, ids):
        out = []
        if view.get('manager'):
            out.append({'@odata.type': GRAPH + 'requestorManager', 'managerLevel': 1})
        if view.get('sponsors'):
            out.append({'@odata.type': GRAPH + 'targetUserSponsors'})
        for label in view.get('users') or []:
            out.append({'@odata.type': GRAPH + 'singleUser', 'userId': ids[('users', label)], 'description': label})
        for label in view.get('groups') or []:
            out.append({'@odata.type': GRAPH + 'groupMembers', 'groupId': ids[('groups', label)], 'description': label})
        return out


def subject_ids(policy, sections):
    """``(user ids, group ids)`` that the subject sets of the policy's ``sections`` name."""
    users, groups = set(), set()
    for section in sections:
        for subjects in section.subjects(policy):
            for subject in subjects or []:
                if subject.get('userId'):
                    users.add(subject['userId'].lower())
                if subject.get('groupId'):
                    groups.add(subject['groupId'].lower())
    return users, groups


class Section(Field):
    """A section of the policy: one option whose Graph value spans the policy object (so ``read`` and ``write`` take
    the whole policy), compared in its canonical view with ==. The people it names and holds are read with those of
    every section (``references``, ``held``), one read per kind."""

    def __init__(self, option, new_policy=None, required=False):
        super().__init__(option, None, required=required, new_value=new_policy)
        self.new_policy = new_policy  # what a new policy gets when the task leaves the section unset

    # ---- pure: overridden per section ----

    def validate(self, value, option_path=None):
        """Input rules on the declared section (``value`` may be None)."""

    def subjects(self, policy):  # pylint: disable=unused-argument
        """The Graph subject lists the section holds."""
        return ()

    def view(self, policy, labels):
        raise NotImplementedError

    def declare(self, value, resolve):  # pylint: disable=unused-argument
        """The declared section in canonical form; sub-options left unset are None (keep the current value)."""
        return value

    def merge(self, current, declared):  # pylint: disable=unused-argument
        """The section after the task: ``declared`` laid over ``current`` (None for a new policy)."""
        return declared

    def check(self, after):
        """Rules on the section after the task (declared + current), checked before any write."""

    def write(self, body, after, ids):
        """Write the section ``after`` over ``body``, the policy to send."""
        raise NotImplementedError

    # ---- the run ----

    def references(self, declared):
        named = []

        def collect(kind, reference, option):
            named.append((KINDS[kind], reference, option))
            return reference
        self.declare(declared, collect)
        return named

    def held(self, obj):
        return [(kind, object_id) for kind, ids in zip(('user', 'group'), subject_ids(obj, (self,))) for object_id in sorted(ids)]

    def read(self, ctx, obj=None):
        # The spec's view has named every id the policy holds (one read per kind): this costs no read.
        users, groups = subject_ids(obj, (self,))
        return self.view(obj, (ctx.refs.labels('user', users), ctx.refs.labels('group', groups)))

    def wanted(self, ctx, declared):
        # The spec has read every person the task names (one read per kind): this costs no read.
        return self.declare(declared, lambda kind, reference, option: ctx.refs.label_of(KINDS[kind], ctx.refs.resolve(KINDS[kind], reference, option)))

    def plan(self, ctx, before, wanted):
        return self.merge(before, wanted)

    def same(self, before, after):
        return before == after

    def write_into(self, ctx, body, after, current):
        body['requestorSettings'] = body.get('requestorSettings') or {}
        self.write(body, after, RunIds(ctx.refs))


class RunIds:
    """``(kind, label) -> id`` for ``write``, from what the run's resolver has shown or resolved."""

    def __init__(self, refs):
        self.refs = refs

    def __getitem__(self, key):
        kind, label = key
        return self.refs.id_of(KINDS[kind], label)
