# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One resolver for every reference a task makes to another object (users, groups, roles, applications, named
locations, security profiles, filtering policies, catalogs, access packages): by name or id, batched per kind,
check-mode aware. A run has one, ``ctx.refs``, made when a hook first needs it; what it has read it remembers for the
rest of the run.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._references import (
    APPLICATION_ALIASES, EM, UPN, ResourceError, assume_created_earlier, is_guid, names_object)

# Graph accepts at most 15 values in an `in` filter.
IN_LIMIT = 15


def _directory_ambiguous(option, kind, reference, ids):
    return '%s: %s name %r matches %d %ss (ids: %s); give the id instead' % (option, kind.noun, reference, len(ids), kind.noun, ', '.join(ids))


def _listed_ambiguous(option, kind, reference, ids):
    return '%s: %s name %r matches %d of them (ids: %s); give the id instead' % (option, kind.noun, reference, len(ids), ', '.join(ids))


def _named_ambiguous(option, kind, reference, ids):
    return '%s: %r is the name of %d %s objects (ids: %s); give the id instead' % (option, reference, len(ids), kind.noun, ', '.join(ids))


def _option_ambiguous(option, kind, reference, ids):
    return '%s=%r matches %d %ss (ids: %s); give the id instead' % (option, reference, len(ids), kind.noun, ', '.join(ids))


class Kind:
    """How objects of one kind are found. ``search``: 'in' (batched ``$filter=<prop> in (...)`` reads), 'list' (the
    whole collection, read once per run) or 'eq' (a GET by id, a ``$filter=<label> eq`` by name).

    ``missing`` is the rule of an unknown reference (``%s`` takes 'id' or ``name_word``); ``ambiguous`` builds the
    message of a name several objects have; ``in_play``: in check mode a missing name may be created earlier in the play."""

    def __init__(self, noun, path, label, search, api='v1.0', name_word='name', missing=None, ambiguous=_directory_ambiguous,
                 in_play=False, expand=None, check=None, listing=None, say_option=True):
        self.noun = noun
        self.path = path
        self.label = label
        self.search = search
        self.api = api
        self.name_word = name_word
        self.missing = missing or 'no %s has this %%s' % noun
        self.ambiguous = ambiguous
        self.in_play = in_play
        self.expand = expand
        self.check = check  # pure input rule on a reference: (reference, option) -> None or raises
        self.listing = listing or '%ss' % noun  # what a 'list' kind's read is called in messages
        self.say_option = say_option  # the action of a read names the option it is for

    def missing_rule(self, reference):
        return self.missing % ('id' if is_guid(reference) else self.name_word) if '%s' in self.missing else self.missing


def _check_user(reference, option):
    if not is_guid(reference) and not UPN.match(reference):
        raise ValidationError(option, reference, 'must be a user principal name (name@domain) or an object id')


KINDS = {
    'user': Kind('user', '/users', 'userPrincipalName', 'in', missing='no such user in the tenant', check=_check_user),
    'group': Kind('group', '/groups', 'displayName', 'in', name_word='display name', in_play=True),
    'role': Kind('built-in directory role', '/directoryRoleTemplates', 'displayName', 'list', ambiguous=_listed_ambiguous,
                 listing='directory role templates'),
    'application': Kind('application', None, 'displayName', 'alias'),
    'location': Kind('named location', '/identity/conditionalAccess/namedLocations', 'displayName', 'list', api='beta',
                     ambiguous=_listed_ambiguous),
    'profile': Kind('security profile', '/networkAccess/filteringProfiles', 'name', 'list', api='beta', ambiguous=_named_ambiguous,
                    in_play=True, listing='Global Secure Access security profiles'),
    'filtering_policy': Kind('filtering policy', '/networkAccess/filteringPolicies', 'name', 'list', api='beta',
                             ambiguous=_named_ambiguous, in_play=True),
    'catalog': Kind('catalog', EM + '/catalogs', 'displayName', 'eq', missing='no access package catalog has this name or id',
                    ambiguous=_option_ambiguous, in_play=True),
    'access_package': Kind('access package', EM + '/accessPackages', 'displayName', 'eq', name_word='display name',
                           ambiguous=_option_ambiguous, in_play=True, expand='catalog', say_option=False),
}


class References:
    """The run's resolver. ``known[kind]`` maps ids (lower case) to labels; ``objects[kind]`` holds the objects read."""

    def __init__(self, ctx, kinds=None):
        self.ctx = ctx
        self.kinds = dict(KINDS, **(kinds or {}))
        self.known = {kind: {} for kind in self.kinds}  # kind -> {id (lower case): label}
        self.objects = {kind: {} for kind in self.kinds}  # kind -> {id (lower case): object as Graph returned it}
        self.unnamed = {kind: set() for kind in self.kinds}  # ids known only as themselves, named when a read is made anyway
        self.absent = {kind: set() for kind in self.kinds}  # ids a read by id did not find: not asked for again
        self.listings = {}  # kind -> the whole collection, for 'list' kinds
        self.by_name = {}  # (kind, name (lower case), within) -> matches, for 'eq' kinds

    def kind(self, kind):
        return self.kinds[kind]

    def kinds_of(self, items):
        """The kinds of ``items`` (tuples that start with a kind), once each, in the order of ``kinds`` (users first)."""
        present = {item[0] for item in items}
        return [kind for kind in self.kinds if kind in present]

    # ---- what is known ------------------------------------------------------------------------------------------

    def learn(self, kind, obj):
        """Remember an object read elsewhere (a package's expanded catalog): it needs no lookup later."""
        object_id = (obj.get('id') or '').lower()
        if object_id:
            self.known[kind][object_id] = obj.get(self.kinds[kind].label) or object_id
            self.objects[kind].setdefault(object_id, obj)
            self.unnamed[kind].discard(object_id)

    def label_of(self, kind, obj):
        """How an object is shown: its label, else its id."""
        return obj.get(self.kinds[kind].label) or obj.get('id')

    def id_of(self, kind, label):
        """The id behind a label this run has shown or resolved (None for a placeholder of check mode)."""
        if label is None:
            return None
        if is_guid(label) and label.lower() in self.known[kind]:
            return label.lower()
        matches = [object_id for object_id, known in self.known[kind].items() if known.lower() == label.lower()]
        return matches[0] if matches else None

    # ---- reading ------------------------------------------------------------------------------------------------

    def _filter_in(self, kind, prop, values):
        spec = self.kinds[kind]
        found = []
        values = sorted(set(values), key=str.lower)
        for start in range(0, len(values), IN_LIMIT):
            chunk = values[start:start + IN_LIMIT]
            found += self.ctx.client.list(spec.path, params={'$filter': '%s in (%s)' % (prop, ','.join(odata_quote(v) for v in chunk)),
                                                             '$select': 'id,%s' % spec.label},
                                          action='looking up %ss by %s' % (spec.noun, 'id' if prop == 'id' else spec.label))
        for item in found:
            self.learn(kind, item)
        if prop == 'id':
            self.absent[kind].update(value.lower() for value in values if value.lower() not in self.known[kind])
        return found

    def listing(self, kind):
        """The whole collection of a 'list' kind, read once per run."""
        if kind not in self.listings:
            spec = self.kinds[kind]
            params = {'$expand': spec.expand} if spec.expand else None
            self.listings[kind] = self.ctx.client.list(spec.path, api=spec.api, params=params, action='listing %s' % spec.listing)
            for item in self.listings[kind]:
                self.learn(kind, item)
        return self.listings[kind]

    def seed(self, kind, objects):
        """Take a listing of a 'list' kind read elsewhere in the run (the spec's own collection), so it is not read twice."""
        self.listings[kind] = list(objects)
        for item in objects:
            self.learn(kind, item)

    def get(self, kind, object_id, option=None):
        """The object of an 'eq' kind with this id (its expansion included), or None; one read per id and run."""
        key = object_id.lower()
        if key not in self.objects[kind] or self.objects[kind][key] is None:
            spec = self.kinds[kind]
            obj = self.ctx.client.get('%s/%s' % (spec.path, object_id), api=spec.api, params={'$expand': spec.expand} if spec.expand else None,
                                      action='reading %s %s%s' % (spec.noun, object_id, ' for %s' % option if option and spec.say_option else ''),
                                      missing_ok=True)
            if obj is None:
                return None
            self.learn(kind, obj)
            self.objects[kind][key] = obj
            self.ctx.client.remember(obj['id'])
        return self.objects[kind][key]

    def find_named(self, kind, name, within=None, option=None):
        """Objects of an 'eq' kind with this label (``within``: a (prop, reference) their expansion must name)."""
        key = (kind, name.lower(), within)
        if key not in self.by_name:
            spec = self.kinds[kind]
            params = {'$filter': '%s eq %s' % (spec.label, odata_quote(name))}
            if spec.expand:
                params['$expand'] = spec.expand
            matches = self.ctx.client.list(spec.path, api=spec.api, params=params,
                                           action='looking up %s %r%s' % (spec.noun, name, ' for %s' % option if option and spec.say_option else ''))
            if within:
                matches = [m for m in matches if names_object(m.get(within[0]) or {}, within[1])]
            for item in matches:
                self.learn(kind, item)
            self.by_name[key] = matches
        return self.by_name[key]

    def find(self, kind, reference, option=None, within=None):
        """The object of an 'eq' kind with this id or name, or None; a name several objects have is a ResourceError."""
        if is_guid(reference):
            return self.get(kind, reference, option)
        matches = self.find_named(kind, reference, within, option)
        if len(matches) > 1:
            raise ResourceError(self.kinds[kind].ambiguous(option, self.kinds[kind], reference, sorted(m['id'] for m in matches)))
        if matches:
            self.ctx.client.remember(matches[0]['id'])
        return matches[0] if matches else None

    # ---- resolving ----------------------------------------------------------------------------------------------

    def resolve(self, kind, reference, option, held=(), in_play=None, within=None, missing=None):
        """The object (at least ``id`` and the kind's label) ``reference`` names; ValidationError when nothing has it."""
        return self.resolve_all(kind, [(reference, option)], held=held, in_play=in_play, within=within, missing=missing)[0]

    def resolve_all(self, kind, references, held=(), in_play=None, within=None, missing=None):
        """Objects for ``references``, a list of ``(reference, option)``, in order, with one read per kind at most.
        ``held``: ids the current object holds (taken without a read). ``missing``: the rule of an unknown reference
        instead of the kind's (a string, or ``missing(reference, within)`` -> string). A name several objects have is a ResourceError listing their ids."""
        spec = self.kinds[kind]
        in_play = spec.in_play if in_play is None else in_play
        for reference, option in references:
            if spec.check:
                spec.check(reference, option)
        if spec.search == 'in':
            self._prefetch_in(kind, references, held)
        found = []
        for reference, option in references:
            try:
                found.append(self._one(kind, reference, option, held, within, missing))
            except ValidationError as exc:
                if not in_play:
                    raise
                found.append(assume_created_earlier(self.ctx, reference, spec.noun, exc, name_property=spec.label))
        return found

    def prefetch(self, references, held=()):
        """Read, one batch per kind, what ``references`` (``(kind, reference, option)``, from every field of a task) and
        the ``held`` ids (``(kind, id)``, of the current object) need, so each field's resolution costs no read. Only
        batched kinds are read here; each reference is checked first (a bad one fails before any read)."""
        for kind in self.kinds_of(list(references) + list(held)):
            spec = self.kinds[kind]
            if spec.search != 'in':
                continue
            named = [(reference, option) for of_kind, reference, option in references if of_kind == kind]
            for reference, option in named:
                if spec.check:
                    spec.check(reference, option)
            if named:
                self._prefetch_in(kind, named, [object_id for of_kind, object_id in held if of_kind == kind])

    def _prefetch_in(self, kind, references, held):
        """One read of the ids and one of the names an 'in' kind's references need; held ids only when that read happens."""
        spec = self.kinds[kind]
        held = {object_id.lower() for object_id in held if object_id}
        known = self.known[kind]
        referenced = {reference.lower() for reference, dummy in references if is_guid(reference)}
        # Only ids, all held, and no other held id left for the view to name: nothing to read.
        if len(referenced) == len(references) and referenced <= held and not held - referenced - set(known) - self.absent[kind]:
            for reference, dummy in references:
                if reference.lower() not in known:
                    known[reference.lower()] = reference.lower()
                    self.unnamed[kind].add(reference.lower())
            return
        ids = (held | referenced) - set(known) - self.absent[kind]
        read = self._filter_in(kind, 'id', ids) if ids else []
        names = [ref for ref, dummy in references if not is_guid(ref) and not self._named(kind, ref)]
        read += self._filter_in(kind, spec.label, names) if names else []
        for item in read:
            self.ctx.client.remember(item['id'])

    def _named(self, kind, name):
        """Ids known under the label ``name`` (labels compare ignoring case, as Graph's filters do)."""
        return sorted(object_id for object_id, label in self.known[kind].items() if label.lower() == name.lower())

    def _one(self, kind, reference, option, held, within, missing):
        spec = self.kinds[kind]
        rule = missing(reference, within) if callable(missing) else (missing or spec.missing_rule(reference))
        if spec.search == 'alias':
            object_id = APPLICATION_ALIASES.get(reference.lower(), reference)
            self.known[kind].setdefault(object_id.lower(), next((a for a, i in APPLICATION_ALIASES.items() if i == object_id.lower()), object_id))
            return {'id': object_id, spec.label: self.known[kind][object_id.lower()]}
        if spec.search == 'eq':
            obj = self.find(kind, reference, option, within)
            if obj is None:
                raise ValidationError(option, reference, rule)
            return obj
        if spec.search == 'list':
            return self._listed(kind, reference, option, held, rule)
        if is_guid(reference):
            if reference.lower() not in self.known[kind]:
                raise ValidationError(option, reference, rule)
            return {'id': reference.lower(), spec.label: self.known[kind][reference.lower()]}
        matches = self._named(kind, reference)
        if len(matches) > 1:
            raise ResourceError(spec.ambiguous(option, spec, reference, matches))
        if not matches:
            raise ValidationError(option, reference, rule)
        return {'id': matches[0], spec.label: self.known[kind][matches[0]]}

    def _listed(self, kind, reference, option, held, rule):
        """A 'list' kind's object: among the objects the current one holds when it is one of them (no read), else in the
        collection, read once."""
        spec = self.kinds[kind]
        held = [object_id.lower() for object_id in held if object_id]
        for objects in ([self.objects[kind][object_id] for object_id in held if object_id in self.objects[kind]], None):
            if objects is None:
                if is_guid(reference) and reference.lower() in held:
                    return {'id': reference, spec.label: self.known[kind].get(reference.lower(), reference)}
                objects = self.listing(kind)
            if is_guid(reference):
                matches = [obj for obj in objects if obj['id'].lower() == reference.lower()]
            else:
                matches = [obj for obj in objects if (obj.get(spec.label) or '').lower() == reference.lower()]
            if len(matches) > 1:
                raise ResourceError(spec.ambiguous(option, spec, reference, sorted(m['id'] for m in matches)))
            if matches:
                self.ctx.client.remember(matches[0]['id'])
                return matches[0]
        raise ValidationError(option, reference, rule)

    def labels(self, kind, ids):
        """``{id (lower case): label}`` for ``ids``; ids not known yet are read in one batched call (with any known only
        as themselves), and ids that no longer resolve (deleted objects) are shown as themselves."""
        spec = self.kinds[kind]
        wanted = {object_id.lower() for object_id in ids if object_id}
        missing = wanted - set(self.known[kind])
        if missing:
            if spec.search == 'in':
                if missing - self.absent[kind]:
                    self._filter_in(kind, 'id', (missing - self.absent[kind]) | (self.unnamed[kind] & wanted))
                # An id that no longer resolves (a deleted object) is shown as itself, and not asked for again.
                for object_id in missing - set(self.known[kind]):
                    self.learn(kind, {'id': object_id})
            elif spec.search == 'list':
                self.listing(kind)
            elif spec.search == 'eq':
                for object_id in sorted(missing):
                    self.get(kind, object_id)
            else:
                for object_id in missing:
                    self.known[kind][object_id] = next((a for a, i in APPLICATION_ALIASES.items() if i == object_id), object_id)
        return {object_id: self.known[kind].get(object_id, object_id) for object_id in wanted}
