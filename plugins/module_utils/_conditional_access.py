# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of a Conditional Access policy (beta ``/identity/conditionalAccess/policies``).

Internal use only: this file is not part of the collection's public API and may change without notice.

The policy is read and written through beta only: ``sessionControls.globalSecureAccessFilteringProfile`` does not exist
in v1.0, and what a v1.0 write does to it is unconfirmed. People name users by UPN, groups, roles, locations and
security profiles by name; the policy holds ids. Options show the names, while comparison and writes use the ids,
so two objects that share a name never hide a change. The rules that need no Graph are in ``_conditional_access_rules``.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._compare import same
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access_rules import (
    BUILT_IN_CONTROLS, CLIENT_APP_TYPES, KEYWORDS, PLATFORMS, POLICY_STATES, RISK_LEVELS, condition_problem, grant_problem,
    grant_view, grant_wanted, lockout_problem, risk_levels_warning, session_body, session_problem, session_view, session_wanted)
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, Mapped, ValidationError, clean, get_path
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._nested_fields import Nested
from ansible_collections.jitaccess.entra.plugins.module_utils._reference_fields import (
    PREDICTED, Reference, ReferenceSet, labels, pairs_of, union_pairs)
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec

LIST = dict(type='list', elements='str')

# Kinds the resolver finds with batched reads: the references of all lists of such a kind are resolved in one.
BATCHED_KINDS = ('user', 'group')
# Members of conditions Graph rejects when present but empty.
OPTIONAL_SECTIONS = ('locations', 'platforms')
USER_TARGETS = ('include_users', 'include_groups', 'include_roles')


def held_ids(obj, kind):
    """Ids of ``kind`` the policy ``obj`` holds (keywords aside): in its condition lists, or the security profile its session
    control hands out. A declared id among them needs no read."""
    if not obj:
        return []
    if kind == 'profile':
        profile = (session_view(obj.get('sessionControls')) or {}).get('gsa_security_profile')
        return [profile] if profile else []
    return [item for field in FIELDS if getattr(field, 'kind', None) == kind
            for item in get_path(obj, field.prop) or [] if not field.keyword(item)]


def resolve(ctx, kind, reference, option):
    """(id, label) of a reference a person gave (name, UPN, alias or id); ValidationError when it names nothing."""
    found = ctx.refs.resolve(kind, reference, option, held=held_ids(ctx.current, kind))
    label = ctx.refs.label_of(kind, found)
    if not found['id']:
        return PREDICTED % reference, label
    # A held id taken without a read is shown as the task names it.
    ctx.refs.known[kind].setdefault(found['id'].lower(), label)
    return found['id'], label


# ---- fields --------------------------------------------------------------------------------------------------------

class ConditionRefs(ReferenceSet):
    """A condition list of object ids (users, groups, roles, applications, locations) with the keywords Graph takes as
    they are; shown as labels that tell namesakes apart, compared and sent as ids."""

    def __init__(self, option, prop, kind):
        super().__init__(option, prop, kind, keywords=KEYWORDS.get(option, ()), order=None)

    def validate(self, value, option_path=None):
        condition_problem(self.option, value)

    def show(self, ctx, value):
        return super().show(ctx, value or [])

    def pair(self, ctx, reference, option):
        word = self.keyword(reference)
        return (word, word) if word else resolve(ctx, self.kind, reference, option)

    def wanted(self, ctx, declared):
        return labels(union_pairs([], [self.pair(ctx, reference, self.option) for reference in declared]))

    def plan(self, ctx, before, wanted):
        pairs = pairs_of(wanted)
        if isinstance(wanted, Additions):
            pairs = union_pairs(pairs_of(before), pairs)
        if self.kind in BATCHED_KINDS:
            # An id that stood for itself when it was resolved may have been named by a read since.
            known = ctx.refs.known[self.kind]
            pairs = [(object_id, known.get(object_id.lower(), name)) for object_id, name in pairs]
        return labels(pairs)

    def create_value(self, after):
        return after.get(self.option) or None


class Additions(list):
    """Labels a list gains while the rest of it stays as it is (break-glass accounts when the list is not declared)."""


class BreakGlassExclusion(ConditionRefs):
    """An exclude list that always holds the break-glass accounts (``break_glass.<accounts>``): with the declared
    references when the list is declared, else joined to what it holds now."""

    def __init__(self, option, prop, kind, accounts):
        super().__init__(option, prop, kind)
        self.accounts = accounts

    def named_in(self, params):
        return super().named_in(params) + [(self.kind, reference, self.accounts_option) for reference in self.declared_accounts(params)]

    @property
    def accounts_option(self):
        return 'break_glass.%s' % self.accounts

    def declared_accounts(self, params):
        return (params.get('break_glass') or {}).get(self.accounts) or ()

    def break_glass_pairs(self, ctx):
        return [self.pair(ctx, reference, self.accounts_option) for reference in self.declared_accounts(ctx.params)]

    def wanted(self, ctx, declared):
        return labels(union_pairs([self.pair(ctx, reference, self.option) for reference in declared], self.break_glass_pairs(ctx)))

    def desired(self, ctx, params):
        """Without the list declared: the break-glass accounts, which the list gains (None when the task names none)."""
        if params.get(self.option) is not None:
            return super().desired(ctx, params)
        pairs = self.break_glass_pairs(ctx)
        return Additions(labels(union_pairs([], pairs))) if pairs else None


class ConditionValues(Field):
    """A condition list of plain values (platforms, risk levels, client app types); ``empty`` is what no value means."""

    def __init__(self, option, prop, empty=(), **kwargs):
        super().__init__(option, prop, as_set=True, **kwargs)
        self.empty = list(empty)

    def show(self, ctx, value):
        return sorted(value or ()) or list(self.empty)

    def wanted(self, ctx, declared):
        return sorted(set(declared)) or list(self.empty)

    def write(self, value):
        return list(value or ())

    def create_value(self, after):
        return after.get(self.option) or None


class GrantControls(Nested):
    """grantControls: the operator and the built-in controls; none without built-in controls. Terms of use and
    authentication strength are not managed and go back as they are."""

    def validate(self, value, option_path=None):
        grant_problem(value)

    def show(self, ctx, value):
        return grant_view(value)

    def wanted(self, ctx, declared):
        return grant_wanted(declared)

    def plan(self, ctx, before, wanted):
        return wanted


class ProfileReference(Reference):
    """The security profile a session control hands out, by name or id."""

    def __init__(self, option, prop, option_path):
        super().__init__(option, prop, 'profile')
        self.option_path = option_path

    def show(self, ctx, value):
        # Without a run (a Graph object shown on its own) the id stands for itself.
        names = ctx.refs.labels(self.kind, [value]) if ctx is not None else {}
        return labels([(value, names.get(value.lower(), value))])[0]

    def wanted(self, ctx, declared):
        return labels([resolve(ctx, self.kind, declared, self.option_path)])[0]


class SessionControls(Nested):
    """sessionControls: the controls the module manages (null when off; a declared value sets all of them) and the
    security profile by name. Controls it does not manage (cloudAppSecurity, continuousAccessEvaluation, ...) go back as
    they are: a sessionControls value sent may replace the whole of it."""

    def __init__(self, option, prop, profile):
        super().__init__(option, prop, fields=(profile,))
        self.profile = profile

    def validate(self, value, option_path=None):
        session_problem(value)

    def show(self, ctx, value):
        view = session_view(value)
        if view and view['gsa_security_profile']:
            view['gsa_security_profile'] = self.profile.show(ctx, view['gsa_security_profile'])
        return view

    def wanted(self, ctx, declared):
        view = session_wanted(declared)
        if view and view['gsa_security_profile']:
            view['gsa_security_profile'] = self.profile.wanted(ctx, view['gsa_security_profile'])
        return view

    def plan(self, ctx, before, wanted):
        return wanted

    @staticmethod
    def profile_id(view):
        profile = (view or {}).get('gsa_security_profile')
        return getattr(profile, 'id', profile) if profile else None

    def same(self, before, after):
        def by_id(view):
            return dict(view, gsa_security_profile=str(self.profile_id(view)).lower() if self.profile_id(view) else None) if view else view
        return same(by_id(before), by_id(after))

    def body(self, ctx, after, current):
        managed = session_body(after, self.profile_id(after))
        carried = {key: value for key, value in clean(current).items() if key not in managed and value is not None}
        return dict(carried, **managed)


USERS, APPLICATIONS, LOCATIONS, PLATFORM = ('conditions.%s.' % section for section in ('users', 'applications', 'locations', 'platforms'))
FIELDS = (
    Field('display_name', 'displayName', required='is required to create a conditional access policy'),
    # New policies start in report-only mode, as the portal creates them, unless policy_state says otherwise.
    Mapped('policy_state', 'state', POLICY_STATES, default='report_only'),
    ConditionRefs('include_users', USERS + 'includeUsers', 'user'),
    BreakGlassExclusion('exclude_users', USERS + 'excludeUsers', 'user', accounts='users'),
    ConditionRefs('include_groups', USERS + 'includeGroups', 'group'),
    BreakGlassExclusion('exclude_groups', USERS + 'excludeGroups', 'group', accounts='groups'),
    ConditionRefs('include_roles', USERS + 'includeRoles', 'role'),
    ConditionRefs('exclude_roles', USERS + 'excludeRoles', 'role'),
    ConditionRefs('include_applications', APPLICATIONS + 'includeApplications', 'application'),
    ConditionRefs('exclude_applications', APPLICATIONS + 'excludeApplications', 'application'),
    ConditionRefs('include_locations', LOCATIONS + 'includeLocations', 'location'),
    ConditionRefs('exclude_locations', LOCATIONS + 'excludeLocations', 'location'),
    ConditionValues('include_platforms', PLATFORM + 'includePlatforms'),
    ConditionValues('exclude_platforms', PLATFORM + 'excludePlatforms'),
    ConditionValues('sign_in_risk_levels', 'conditions.signInRiskLevels'),
    ConditionValues('user_risk_levels', 'conditions.userRiskLevels'),
    ConditionValues('client_app_types', 'conditions.clientAppTypes', empty=['all'], default=['all']),
    GrantControls('grant_controls', 'grantControls', fields=(
        Field('operator', 'operator'), Field('built_in_controls', 'builtInControls', as_set=True))),
    SessionControls('session_controls', 'sessionControls', ProfileReference(
        'gsa_security_profile', 'globalSecureAccessFilteringProfile.profileId', 'session_controls.gsa_security_profile')),
)


# ---- the spec ------------------------------------------------------------------------------------------------------

class ConditionalAccessPolicySpec(ResourceSpec):
    noun = 'conditional_access_policy'
    api = 'beta'
    path = '/identity/conditionalAccess/policies'
    name_max_length = 256
    fields = FIELDS
    # Which properties the policies list can $filter on is unconfirmed; tenants hold a few hundred at most.
    match_names_in_listing = True
    listing_words = 'conditional access policies'
    # The docs show Graph merging the members of conditions on PATCH, but whether it also merges inside them is
    # unconfirmed: a changed list sends the whole member it is in (users, applications, ...), nothing else of conditions.
    merged_members = ('conditions',)
    null_when_empty = tuple('conditions.%s' % section for section in OPTIONAL_SECTIONS)
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

    def check(self, ctx, before, after):
        if not before:
            if not any(after.get(option) for option in USER_TARGETS):
                raise ValidationError('include_users', None, 'a new policy needs include_users, include_groups or include_roles')
            if not after.get('include_applications'):
                raise ValidationError('include_applications', None, 'a new policy needs the applications it targets')
        if not ctx.params.get('allow_all_users_without_exclusions'):
            ids = {option: [object_id for object_id, dummy in pairs_of(after.get(option))]
                   for option in ('include_users', 'exclude_users', 'exclude_groups')}
            problem = lockout_problem(after.get('policy_state'), ids['include_users'], ids['exclude_users'], ids['exclude_groups'])
            # Only a write can lock people out: a policy already in this state, found as declared, is left alone.
            if problem and (not before or self.differs(before, after)):
                raise ValidationError('include_users', after.get('include_users'), problem)
        warning = risk_levels_warning(after)
        if warning:
            ctx.warn(warning)


# ---- conditional_access_policy_info: the listing ---------------------------------------------------------------------

class ConditionalAccessPolicyInfoSpec(InfoSpec, ConditionalAccessPolicySpec):
    plural = 'conditional_access_policies'
