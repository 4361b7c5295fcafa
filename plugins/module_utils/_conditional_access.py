# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of a Conditional Access policy (beta ``/identity/conditionalAccess/policies``).

Internal use only: this file is not part of the collection's public API and may change without notice.

The policy is read and written through beta only: ``sessionControls.globalSecureAccessFilteringProfile`` does not exist
in v1.0, and what a v1.0 write does to it is unconfirmed. People name users by UPN, groups, roles, locations and
security profiles by name; the policy holds ids. Options show the names, while comparison and writes use the ids,
so two objects that share a name never hide a change.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same
from ansible_collections.jitaccess.entra.plugins.module_utils._directory import directory_names, is_guid
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import match_named
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import (
    Field, InfoSpec, ResourceError, ResourceSpec, ValidationError, assume_created_earlier)

POLICY_STATES = {'enabled': 'enabled', 'disabled': 'disabled', 'report_only': 'enabledForReportingButNotEnforced'}
RISK_LEVELS = ('low', 'medium', 'high', 'hidden', 'none')
CLIENT_APP_TYPES = ('all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other')
PLATFORMS = ('all', 'android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux')
BUILT_IN_CONTROLS = ('block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication',
                     'passwordChange')
SIGN_IN_FREQUENCY_LIMITS = {'hours': (1, 23), 'days': (1, 365)}

# Friendly names of the Global Secure Access traffic profiles, which Conditional Access targets as applications.
APPLICATION_ALIASES = {
    'all_internet_resources_gsa': '5dc48733-b5df-475c-a49b-fa307ef00853',
    'microsoft_apps_gsa': 'c08f52c9-8f03-4558-a0ea-9a4c878cf343',
    'all_private_resources_gsa': 'e92b9b37-1b47-4c01-9fbc-91d84450870e',
}

# Values Graph takes as they are in each list, besides object ids.
KEYWORDS = {
    'include_users': ('All', 'None', 'GuestsOrExternalUsers'),
    'exclude_users': ('GuestsOrExternalUsers',),
    'include_applications': ('All', 'None', 'Office365', 'MicrosoftAdminPortals'),
    'exclude_applications': ('Office365', 'MicrosoftAdminPortals'),
    'include_locations': ('All', 'AllTrusted'),
    'exclude_locations': ('AllTrusted',),
}

# Keywords of an include list that mean nothing in the matching exclude list.
MISPLACED_KEYWORDS = {'exclude_users': ('All', 'None'), 'exclude_applications': ('All', 'None'), 'exclude_locations': ('All',)}

LIST = dict(type='list', elements='str')

# Stands in for the id of an object that, in check mode, an earlier task of the play would create; never sent.
PREDICTED = 'predicted:%s'


def keyword(option, value):
    """The canonical spelling of a keyword ``option`` accepts (Graph's casing), or None."""
    for word in KEYWORDS.get(option, ()):
        if value.lower() == word.lower():
            return word
    return None


def labels(pairs):
    """Sorted labels of (id, name) pairs; a name shared by two ids in the list carries its id, so labels stay unique."""
    counts = {}
    for dummy, name in pairs:
        counts[name] = counts.get(name, 0) + 1
    return sorted(name if counts[name] == 1 else '%s (%s)' % (name, object_id) for object_id, name in pairs)


def union_pairs(first, second):
    """(id, name) pairs of both lists, each id once, first list first."""
    seen = set()
    out = []
    for object_id, name in list(first) + list(second):
        if object_id.lower() not in seen:
            seen.add(object_id.lower())
            out.append((object_id, name))
    return out


def ids_of(pairs):
    return sorted({object_id.lower() for object_id, dummy in pairs or ()})


def lockout_problem(policy_state, include_users, exclude_users, exclude_groups):
    """Why enabling this policy could lock every administrator out, or None. Arguments are ids / keywords."""
    if policy_state != 'enabled' or 'All' not in (include_users or ()):
        return None
    if [user for user in exclude_users or () if user not in KEYWORDS['exclude_users']] or exclude_groups:
        return None
    return ('an enabled policy that targets all users with no excluded user or group can lock every administrator out '
            'of the tenant. Exclude a break-glass account or group (exclude_users, exclude_groups or break_glass), start '
            'with policy_state=report_only, or set allow_all_users_without_exclusions=true to accept the risk')


def risk_levels_warning(after):
    """A warning when a policy that hands out a security profile applies to low sign-in risk but not to none, or None.

    In Conditional Access ``none`` is a level of its own (resources/conditionalaccessconditionset.md): sign-ins without
    detected risk, most of them, do not match ``[low]``, so the profile would almost never be handed out."""
    levels = after.get('sign_in_risk_levels') or []
    if not (after.get('session_controls') or {}).get('gsa_security_profile') or 'low' not in levels or 'none' in levels:
        return None
    return ('sign_in_risk_levels %s hand the security profile only to sign-ins with detected low risk: in Conditional Access '
            'none is a level of its own, so sign-ins without detected risk (most of them) do not get the profile; add none, '
            'e.g. [none, low] for "not for medium or high risk"' % sorted(levels))


def sign_in_frequency_problem(frequency):
    """Why a sign_in_frequency value cannot be sent, or None."""
    if frequency.get('frequency_interval') == 'everyTime':
        if frequency.get('value') is not None or frequency.get('type') is not None:
            return 'frequency_interval=everyTime takes no value or type'
        return None
    if frequency.get('value') is None or frequency.get('type') is None:
        return 'value and type are required unless frequency_interval=everyTime'
    low, high = SIGN_IN_FREQUENCY_LIMITS[frequency['type']]
    if not low <= frequency['value'] <= high:
        return 'value must be %d..%d %s' % (low, high, frequency['type'])
    return None


# ---- reading the Graph object as options -------------------------------------------------------------------------

def grant_view(grant):
    """grantControls as the grant_controls option; none without built-in controls (terms of use are not managed)."""
    if not grant or not grant.get('builtInControls'):
        return None
    return {'operator': grant.get('operator'), 'built_in_controls': sorted(grant['builtInControls'])}


def grant_wanted(declared):
    if not declared or not declared.get('built_in_controls'):
        return None
    return {'operator': declared.get('operator') or 'OR', 'built_in_controls': sorted(set(declared['built_in_controls']))}


def _enabled(control):
    return isinstance(control, dict) and control.get('isEnabled') is not False


def session_view(session):
    """sessionControls as the session_controls option, the security profile still as its id."""
    session = session or {}
    frequency = session.get('signInFrequency')
    browser = session.get('persistentBrowser')
    profile = session.get('globalSecureAccessFilteringProfile')
    view = {
        'gsa_security_profile': profile.get('profileId') if _enabled(profile) else None,
        'sign_in_frequency': {
            'value': frequency.get('value'), 'type': frequency.get('type'),
            'frequency_interval': frequency.get('frequencyInterval') or 'timeBased',
            'authentication_type': frequency.get('authenticationType') or 'primaryAndSecondaryAuthentication',
        } if _enabled(frequency) else None,
        'persistent_browser': browser.get('mode') if _enabled(browser) else None,
        'application_enforced_restrictions': True if _enabled(session.get('applicationEnforcedRestrictions')) else None,
        'disable_resilience_defaults': True if session.get('disableResilienceDefaults') else None,
    }
    return view if any(value is not None for value in view.values()) else None


def session_wanted(declared):
    """The session_controls option in view shape (security profile not yet resolved); off and absent are the same."""
    if declared is None:
        return None
    view = {
        'gsa_security_profile': declared.get('gsa_security_profile') or None,
        'sign_in_frequency': dict(declared['sign_in_frequency']) if declared.get('sign_in_frequency') else None,
        'persistent_browser': declared.get('persistent_browser') or None,
        'application_enforced_restrictions': True if declared.get('application_enforced_restrictions') else None,
        'disable_resilience_defaults': True if declared.get('disable_resilience_defaults') else None,
    }
    return view if any(value is not None for value in view.values()) else None


def session_body(view, profile_id):
    """sessionControls for a write: every control the module manages, null when off."""
    view = view or {}
    frequency = view.get('sign_in_frequency')
    return {
        'globalSecureAccessFilteringProfile': {'profileId': profile_id, 'isEnabled': True} if profile_id else None,
        'signInFrequency': {
            'isEnabled': True, 'value': frequency['value'], 'type': frequency['type'],
            'frequencyInterval': frequency['frequency_interval'], 'authenticationType': frequency['authentication_type'],
        } if frequency else None,
        'persistentBrowser': {'isEnabled': True, 'mode': view['persistent_browser']} if view.get('persistent_browser') else None,
        'applicationEnforcedRestrictions': {'isEnabled': True} if view.get('application_enforced_restrictions') else None,
        'disableResilienceDefaults': True if view.get('disable_resilience_defaults') else None,
    }


def _clean(value):
    """A complex value read from Graph, ready to send back: annotations dropped."""
    return {key: item for key, item in (value or {}).items() if not key.startswith('@')}


# ---- fields ------------------------------------------------------------------------------------------------------

class PolicyField(Field):
    """A list below ``conditions``: ``section`` is its complex member (users, applications, ...) or None, ``member``
    the Graph name. ``kind`` names what its ids refer to; None for plain values (risk levels, platforms)."""

    def __init__(self, option, section, member, kind=None):
        super().__init__(option, member, as_set=True)
        self.section = section
        self.member = member
        self.kind = kind

    def read(self, obj):
        conditions = obj.get('conditions') or {}
        holder = conditions.get(self.section) if self.section else conditions
        return list((holder or {}).get(self.member) or [])


class StateField(Field):
    def read(self, obj):
        graph = obj.get(self.prop)
        return next((option for option, value in POLICY_STATES.items() if value == graph), graph)

    def write(self, value):
        return POLICY_STATES[value]


FIELDS = (
    Field('display_name', 'displayName'),
    StateField('policy_state', 'state'),
    PolicyField('include_users', 'users', 'includeUsers', 'user'),
    PolicyField('exclude_users', 'users', 'excludeUsers', 'user'),
    PolicyField('include_groups', 'users', 'includeGroups', 'group'),
    PolicyField('exclude_groups', 'users', 'excludeGroups', 'group'),
    PolicyField('include_roles', 'users', 'includeRoles', 'role'),
    PolicyField('exclude_roles', 'users', 'excludeRoles', 'role'),
    PolicyField('include_applications', 'applications', 'includeApplications', 'application'),
    PolicyField('exclude_applications', 'applications', 'excludeApplications', 'application'),
    PolicyField('include_locations', 'locations', 'includeLocations', 'location'),
    PolicyField('exclude_locations', 'locations', 'excludeLocations', 'location'),
    PolicyField('include_platforms', 'platforms', 'includePlatforms'),
    PolicyField('exclude_platforms', 'platforms', 'excludePlatforms'),
    PolicyField('sign_in_risk_levels', None, 'signInRiskLevels'),
    PolicyField('user_risk_levels', None, 'userRiskLevels'),
    PolicyField('client_app_types', None, 'clientAppTypes'),
    Field('grant_controls', 'grantControls'),
    Field('session_controls', 'sessionControls'),
)
# Sections of conditions Graph rejects when present but empty.
OPTIONAL_SECTIONS = ('locations', 'platforms')


# ---- lookups -------------------------------------------------------------------------------------------------------

class Lookups:
    """Name <-> id lookups a policy needs, each collection read at most once per module run.

    ``held`` maps a kind to the ids the policy holds now: a declared id among them is taken as it is, without a read,
    and a declared name or id that matches is what names the held id in the view (``known``)."""

    def __init__(self):
        self._lists = {}
        self._names = {}
        self.held = {}  # kind -> {id (lower case)}
        self.known = {}  # (kind, id (lower case)) -> label of roles, locations and profiles, from the declared references
        self._found = {}  # (kind, reference) -> directory object, from one batched resolution per kind

    def _all(self, ctx, key, path, api, what):
        if key not in self._lists:
            self._lists[key] = ctx.client.list(path, api=api, action='listing %s' % what)
        return self._lists[key]

    def roles(self, ctx):
        return self._all(ctx, 'role', '/directoryRoleTemplates', 'v1.0', 'directory role templates')

    def locations(self, ctx):
        return self._all(ctx, 'location', '/identity/conditionalAccess/namedLocations', 'beta', 'named locations')

    def profiles(self, ctx):
        return self._all(ctx, 'profile', '/networkAccess/filteringProfiles', 'beta', 'Global Secure Access security profiles')

    def name_all(self, ctx, kind, object_ids):
        """Look up the names of users or groups among ``object_ids`` that nothing named yet, in one batched call."""
        if kind in ('user', 'group') and object_ids:
            directory_names(ctx).labels(ctx, kind, object_ids)

    def name(self, ctx, kind, object_id):
        """How ``object_id`` of ``kind`` is shown: UPN, display name or alias; the id itself when nothing is found."""
        if kind == 'application':
            return next((alias for alias, app_id in APPLICATION_ALIASES.items() if app_id == object_id.lower()), object_id)
        if kind in ('user', 'group'):
            return directory_names(ctx).labels(ctx, kind, [object_id])[object_id.lower()]
        key = (kind, object_id.lower())
        if key in self.known:
            return self.known[key]
        if key not in self._names:
            self._names[key] = self._read_name(ctx, kind, object_id) or object_id
        return self._names[key]

    def _read_name(self, ctx, kind, object_id):
        items = {'role': self.roles, 'location': self.locations, 'profile': self.profiles}[kind](ctx)
        found = next((item for item in items if item['id'].lower() == object_id.lower()), None)
        return found and found.get('name' if kind == 'profile' else 'displayName')

    def prefetch(self, ctx, kind, references):
        """Resolve the users or groups among ``references`` (``(reference, option)``) in one batched read per kind."""
        if kind in ('user', 'group') and references:
            found = directory_names(ctx).resolve(ctx, kind, references, held=self.held.get(kind, ()), in_play=kind == 'group')
            self._found.update(((kind, reference), obj) for (reference, dummy), obj in zip(references, found))

    def resolve(self, ctx, kind, reference, option):
        """(id, name) for a reference a person gave (name, UPN, alias or id); ValidationError when it names nothing."""
        pair = self._resolve(ctx, kind, reference, option)
        if not pair[0].startswith(PREDICTED % ''):
            self.known.setdefault((kind, pair[0].lower()), pair[1])
        return pair

    def relabel(self, ctx, kind, pairs):
        """``pairs`` with the names of users and groups read since they were resolved (an id stood for itself until then)."""
        if kind not in ('user', 'group'):
            return pairs
        names = directory_names(ctx).known[kind]
        return [(object_id, names.get(object_id.lower(), name)) for object_id, name in pairs]

    def _resolve(self, ctx, kind, reference, option):
        if kind in ('user', 'group'):
            self.prefetch(ctx, kind, [(reference, option)] if (kind, reference) not in self._found else [])
            found = self._found[(kind, reference)]
            label = found.get('userPrincipalName' if kind == 'user' else 'displayName')
            return found['id'] or PREDICTED % reference, label or found['id']
        if kind == 'application':
            app_id = APPLICATION_ALIASES.get(reference.lower(), reference)
            return app_id, self.name(ctx, kind, app_id)
        if is_guid(reference) and reference.lower() in self.held.get(kind, ()):
            return reference, self._names.get((kind, reference.lower()), reference)
        if kind == 'profile':
            profile = match_named(self.profiles(ctx), reference, option, 'security profile')
            if profile is None:
                missing = ValidationError(option, reference, 'no security profile has this %s' % ('id' if is_guid(reference) else 'name'))
                profile = assume_created_earlier(ctx, reference, 'security profile', missing, name_property='name')
            else:
                ctx.client.remember(profile['id'])
            return profile['id'] or PREDICTED % reference, profile.get('name') or profile['id']
        items, prop, what = {
            'role': (self.roles, 'displayName', 'built-in directory role'),
            'location': (self.locations, 'displayName', 'named location'),
        }[kind]
        items = items(ctx)
        if is_guid(reference):
            found = [item for item in items if item['id'].lower() == reference.lower()]
            rule = 'no %s has this id' % what
        else:
            found = [item for item in items if (item.get(prop) or '').lower() == reference.lower()]
            rule = 'no %s has this name' % what
        if not found:
            raise ValidationError(option, reference, rule)
        if len(found) > 1:
            raise ResourceError('%s: %s name %r matches %d of them (ids: %s); give the id instead' % (
                option, what, reference, len(found), ', '.join(sorted(item['id'] for item in found))))
        return found[0]['id'], found[0].get(prop) or found[0]['id']


# ---- the spec ------------------------------------------------------------------------------------------------------

class ConditionalAccessPolicySpec(ResourceSpec):
    """One instance per module run: it keeps the ids behind the names it shows between the lifecycle's steps."""

    noun = 'conditional_access_policy'
    api = 'beta'
    path = '/identity/conditionalAccess/policies'
    name_max_length = 256
    fields = FIELDS
    argument_spec = dict(
        display_name=dict(type='str'),
        id=dict(type='str'),
        policy_state=dict(type='str', choices=list(POLICY_STATES)),
        include_users=LIST, exclude_users=LIST, include_groups=LIST, exclude_groups=LIST,
        include_roles=LIST, exclude_roles=LIST, include_applications=LIST, exclude_applications=LIST,
        include_locations=LIST, exclude_locations=LIST,
        include_platforms=dict(LIST, choices=list(PLATFORMS)),
        exclude_platforms=dict(LIST, choices=list(PLATFORMS)),
        sign_in_risk_levels=dict(LIST, choices=list(RISK_LEVELS)),
        user_risk_levels=dict(LIST, choices=list(RISK_LEVELS)),
        client_app_types=dict(LIST, choices=list(CLIENT_APP_TYPES)),
        grant_controls=dict(type='dict', options=dict(
            operator=dict(type='str', choices=['OR', 'AND'], default='OR'),
            built_in_controls=dict(LIST, choices=list(BUILT_IN_CONTROLS)),
        )),
        session_controls=dict(type='dict', options=dict(
            gsa_security_profile=dict(type='str'),
            sign_in_frequency=dict(type='dict', options=dict(
                value=dict(type='int'),
                type=dict(type='str', choices=['hours', 'days']),
                frequency_interval=dict(type='str', choices=['timeBased', 'everyTime'], default='timeBased'),
                authentication_type=dict(type='str', choices=['primaryAndSecondaryAuthentication', 'secondaryAuthentication'],
                                         default='primaryAndSecondaryAuthentication'),
            )),
            persistent_browser=dict(type='str', choices=['always', 'never']),
            application_enforced_restrictions=dict(type='bool'),
            disable_resilience_defaults=dict(type='bool'),
        )),
        allow_all_users_without_exclusions=dict(type='bool', default=False),
        break_glass=dict(type='dict', options=dict(users=LIST, groups=LIST)),
    )
    required_one_of = (('display_name', 'id'),)

    def __init__(self):
        self.lookups = Lookups()
        self._refs = {'current': {}, 'wanted': {}}  # option -> [(id, name)] of the object read and of the declaration
        self._declared = set()
        self._break_glass = {}  # exclude option -> [(id, name)] to add when the option itself is not declared

    # ---- input -------------------------------------------------------------------------------------------------

    def validate(self, params):
        for option, words in MISPLACED_KEYWORDS.items():
            for value in params.get(option) or ():
                if value.lower() in (word.lower() for word in words):
                    raise ValidationError(option, value, 'this keyword only makes sense in include_%s' % option.split('_', 1)[1])
        for option in ('include_applications', 'exclude_applications'):
            for value in params.get(option) or ():
                if not (keyword(option, value) or value.lower() in APPLICATION_ALIASES or is_guid(value)):
                    raise ValidationError(option, value, 'must be an application id, one of %s or one of %s' % (
                        ', '.join(sorted(APPLICATION_ALIASES)), ', '.join(KEYWORDS[option])))
        controls = sorted(set((params.get('grant_controls') or {}).get('built_in_controls') or ()))
        if 'block' in controls and len(controls) > 1:
            raise ValidationError('grant_controls.built_in_controls', controls, 'block cannot be combined with other controls')
        session = params.get('session_controls') or {}
        if session.get('sign_in_frequency'):
            problem = sign_in_frequency_problem(session['sign_in_frequency'])
            if problem:
                raise ValidationError('session_controls.sign_in_frequency', session['sign_in_frequency'], problem)

    # ---- reading -----------------------------------------------------------------------------------------------

    def find_by_name(self, ctx, name):
        # Which properties the policies list can $filter on is unconfirmed; tenants hold a few hundred at most. The
        # match ignores case as Graph's eq does, so a change of case renames the policy instead of adding one.
        policies = ctx.client.list(self.path, api=self.api, action='listing conditional access policies')
        return [policy for policy in policies if (policy.get('displayName') or '').lower() == name.lower()]

    def view(self, ctx, obj, relations=None):
        result = {'id': obj.get('id')}
        for kind, ids in self._held(obj).items():
            self.lookups.name_all(ctx, kind, ids)
        for field in self.fields:
            value = field.read(obj)
            if getattr(field, 'kind', None):
                pairs = [self._current_pair(ctx, field, value_id) for value_id in value]
                self._refs['current'][field.option] = pairs
                value = labels(pairs)
            elif field.option == 'client_app_types':
                value = sorted(value) or ['all']
            elif isinstance(field, PolicyField):
                value = sorted(value)
            elif field.option == 'grant_controls':
                value = grant_view(value)
            elif field.option == 'session_controls':
                value = self._session_current(ctx, value)
            result[field.option] = value
        return result

    def _session_current(self, ctx, graph):
        session = session_view(graph)
        if session and session['gsa_security_profile']:
            profile_id = session['gsa_security_profile']
            pair = (profile_id, self.lookups.name(ctx, 'profile', profile_id))
            self._refs['current']['gsa_security_profile'] = [pair]
            session['gsa_security_profile'] = pair[1]
        return session

    def _held(self, obj):
        """{kind: [ids]} the policy's lists hold (keywords aside), and the security profile its session control names."""
        held = {}
        for field in self.fields:
            if getattr(field, 'kind', None):
                held.setdefault(field.kind, []).extend(value for value in field.read(obj) if not keyword(field.option, value))
        profile = (session_view(obj.get('sessionControls')) or {}).get('gsa_security_profile')
        if profile:
            held['profile'] = [profile]
        return held

    def _current_pair(self, ctx, field, value):
        word = keyword(field.option, value)
        return (word, word) if word else (value, self.lookups.name(ctx, field.kind, value))

    # ---- desired state -----------------------------------------------------------------------------------------

    def desired(self, ctx):
        params = ctx.params
        wanted = {}
        held = self._held(ctx.current) if ctx.current else {}
        self.lookups.held = {kind: {object_id.lower() for object_id in ids} for kind, ids in held.items()}
        for kind, references in self._references(params).items():
            self.lookups.prefetch(ctx, kind, references)
        for field in self.fields:
            value = params.get(field.option)
            if value is None:
                continue
            if getattr(field, 'kind', None):
                pairs = union_pairs([], [self._resolve(ctx, field, reference) for reference in value])
                if field.option in ('exclude_users', 'exclude_groups'):
                    pairs = union_pairs(pairs, self._break_glass_pairs(ctx, field))
                self._refs['wanted'][field.option] = pairs
                value = labels(pairs)
            elif field.option == 'client_app_types':
                value = sorted(set(value)) or ['all']
            elif isinstance(field, PolicyField):
                value = sorted(set(value))
            elif field.option == 'grant_controls':
                value = grant_wanted(value)
            elif field.option == 'session_controls':
                value = self._session_wanted(ctx, value)
            wanted[field.option] = value
        for field in self.fields:
            if field.option in ('exclude_users', 'exclude_groups') and field.option not in wanted:
                extra = self._break_glass_pairs(ctx, field)
                if extra:
                    self._break_glass[field.option] = extra
        self._declared = set(wanted) | set(self._break_glass)
        return wanted

    def _references(self, params):
        """{kind: [(reference, option)]} of every user and group the task names, so each kind is looked up in one read."""
        found = {}
        for field in self.fields:
            if getattr(field, 'kind', None) in ('user', 'group'):
                found.setdefault(field.kind, []).extend(
                    (reference, field.option) for reference in params.get(field.option) or () if not keyword(field.option, reference))
        accounts = params.get('break_glass') or {}
        for kind, key in (('user', 'users'), ('group', 'groups')):
            found.setdefault(kind, []).extend((reference, 'break_glass.%s' % key) for reference in accounts.get(key) or ())
        return found

    def _resolve(self, ctx, field, reference):
        word = keyword(field.option, reference)
        return (word, word) if word else self.lookups.resolve(ctx, field.kind, reference, field.option)

    def _break_glass_pairs(self, ctx, field):
        accounts = ctx.params.get('break_glass') or {}
        references = accounts.get('users' if field.option == 'exclude_users' else 'groups') or []
        return [self.lookups.resolve(ctx, field.kind, reference, 'break_glass.%s' % (
            'users' if field.kind == 'user' else 'groups')) for reference in references]

    def _session_wanted(self, ctx, declared):
        session = session_wanted(declared)
        if session and session['gsa_security_profile']:
            pair = self.lookups.resolve(ctx, 'profile', session['gsa_security_profile'], 'session_controls.gsa_security_profile')
            self._refs['wanted']['gsa_security_profile'] = [pair]
            session['gsa_security_profile'] = pair[1]
        return session

    def defaults(self, ctx, wanted):
        if not wanted.get('display_name'):
            raise ValidationError('display_name', None, 'is required to create a conditional access policy')
        users = [option for option in ('include_users', 'include_groups', 'include_roles') if wanted.get(option)]
        if not users:
            raise ValidationError('include_users', None, 'a new policy needs include_users, include_groups or include_roles')
        if not wanted.get('include_applications'):
            raise ValidationError('include_applications', None, 'a new policy needs the applications it targets')
        # New policies start in report-only mode, as the portal creates them, unless policy_state says otherwise.
        return {'policy_state': 'report_only', 'client_app_types': ['all']}

    # ---- planning ------------------------------------------------------------------------------------------------

    def plan(self, ctx, before, wanted):
        after = super().plan(ctx, before, wanted)
        for field in self.fields:
            if field.option in wanted and getattr(field, 'kind', None) in ('user', 'group'):
                pairs = self._refs['wanted'][field.option] = self.lookups.relabel(ctx, field.kind, self._refs['wanted'][field.option])
                after[field.option] = labels(pairs)
        for option, extra in self._break_glass.items():
            pairs = union_pairs(self._refs['current'].get(option, []), extra)
            self._refs['wanted'][option] = pairs
            after[option] = labels(pairs)
        if not ctx.params.get('allow_all_users_without_exclusions'):
            problem = lockout_problem(after.get('policy_state'), self._ids('include_users'), self._ids('exclude_users'),
                                      self._ids('exclude_groups'))
            # Only a write can lock people out: a policy already in this state, found as declared, is left alone.
            if problem and (not before or self.differs(before, after)):
                raise ValidationError('include_users', after.get('include_users'), problem)
        warning = risk_levels_warning(after)
        if warning:
            ctx.warn(warning)
        return after

    def _ids(self, option):
        """The ids an option will hold after the run: declared ones, else the current ones."""
        source = 'wanted' if option in self._declared else 'current'
        return [object_id for object_id, dummy in self._refs[source].get(option, [])]

    def _comparable(self, field, view, source):
        value = view.get(field.option)
        if getattr(field, 'kind', None):
            return ids_of(self._refs[source].get(field.option))
        if field.option == 'session_controls' and value:
            profile = self._refs[source].get('gsa_security_profile')
            return dict(value, gsa_security_profile=profile[0][0].lower() if profile and value['gsa_security_profile'] else None)
        return value

    def _changed(self, before, after):
        return [field for field in self.fields if field.option in self._declared and not same(
            self._comparable(field, before, 'current'), self._comparable(field, after, 'wanted'), field.as_set)]

    def differs(self, before, after):
        return bool(self._changed(before, after))

    def managed_keys(self, wanted):
        keys = super().managed_keys(wanted)
        return keys + [option for option in self._break_glass if option not in keys]

    # ---- writing -------------------------------------------------------------------------------------------------

    def _graph_value(self, field, after):
        if getattr(field, 'kind', None):
            return self._ids(field.option)
        return list(after.get(field.option) or [])

    def _section(self, section, after, base):
        """One complex member of conditions as sent: its current value with the managed lists laid over it.

        The whole member goes out when one of its lists changes: the docs show Graph merging the members of
        ``conditions`` on PATCH, but whether it also merges inside them is unconfirmed."""
        value = _clean(base)
        for field in self.fields:
            if isinstance(field, PolicyField) and field.section == section and field.option in self._declared:
                value[field.member] = self._graph_value(field, after)
        if section in OPTIONAL_SECTIONS and not any(value.get(key) for key in value):
            return None
        return value

    def _body(self, after, fields, current):
        body = {}
        conditions = {}
        for field in fields:
            if isinstance(field, PolicyField):
                if field.section:
                    conditions[field.section] = self._section(field.section, after, (current.get('conditions') or {}).get(field.section))
                else:
                    conditions[field.member] = self._graph_value(field, after)
            elif field.option == 'grant_controls':
                grant = after.get('grant_controls')
                body['grantControls'] = dict(_clean(current.get('grantControls')), operator=grant['operator'],
                                             builtInControls=grant['built_in_controls']) if grant else None
            elif field.option == 'session_controls':
                profile = self._refs['wanted'].get('gsa_security_profile')
                session = after.get('session_controls')
                managed = session_body(session, profile[0][0] if profile and session and session.get('gsa_security_profile') else None)
                # Controls the module does not manage (cloudAppSecurity, continuousAccessEvaluation, secureSignInSession, ...)
                # go back as they are: a sessionControls value sent may replace the whole of it.
                carried = {key: value for key, value in _clean(current.get('sessionControls')).items()
                           if key not in managed and value is not None}
                body['sessionControls'] = dict(carried, **managed)
            else:
                body[field.prop] = field.write(after[field.option])
        if conditions:
            body['conditions'] = conditions
        return body

    def create_body(self, ctx, after):
        return self._body(after, [field for field in self.fields if after.get(field.option) not in (None, [])], {})

    def update(self, ctx, obj, before, after):
        body = self._body(after, self._changed(before, after), obj)
        ctx.client.patch(self.item_path(obj['id']), body, api=self.api,
                         action='updating conditional access policy %r' % after.get('display_name'))


# ---- conditional_access_policy_info: the listing ---------------------------------------------------------------------

class ConditionalAccessPolicyInfoSpec(InfoSpec, ConditionalAccessPolicySpec):
    plural = 'conditional_access_policies'
