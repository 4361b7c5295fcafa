# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of a Global Secure Access security profile (beta ``/networkAccess/filteringProfiles``) and its policy links.

Internal use only: this file is not part of the collection's public API and may change without notice.

Links are reconciled through the profile's ``policies`` collection (add / PATCH / delete by link id), so the
profile keeps its id: a Conditional Access policy points at it. The Baseline profile (priority 65000) is found,
linked and unlinked, never created, renamed, re-prioritised or deleted.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field, ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import NS, NetworkAccessSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._relations import Children
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import check_name

PROFILES_PATH = '/networkAccess/filteringProfiles'
LINK_TYPE = NS + 'filteringPolicyLink'
BASELINE_PRIORITY = 65000
BASELINE_NAME = 'Baseline Profile'
PROFILE_PRIORITIES = (100, 64999)
LINK_PRIORITIES = (100, 65000)
STATES = ('enabled', 'disabled')
# link option -> Graph property
LINK_PROPS = (('priority', 'priority'), ('state', 'state'), ('logging_state', 'loggingState'))
# ctx.ids key: link label (policy name) -> filtering policy id
POLICY_IDS = 'policies:policy'


def is_baseline(profile):
    return profile.get('priority') == BASELINE_PRIORITY


def baseline_candidates(profiles):
    """The profiles that are the Baseline: priority 65000, else (older tenants) the one named Baseline Profile."""
    found = [profile for profile in profiles if is_baseline(profile)]
    return found or [profile for profile in profiles if (profile.get('name') or '').lower() == BASELINE_NAME.lower()]


def next_link_priority(priorities):
    """The priority a new link gets when none is given: the next hundred after the highest in use."""
    highest = max([priority for priority in priorities if priority is not None], default=0)
    return min((highest // 100 + 1) * 100, LINK_PRIORITIES[1])


def profile_priority_problem(priority):
    """Why ``priority`` cannot be a (non-Baseline) profile's priority, or None."""
    if priority == BASELINE_PRIORITY:
        return '65000 belongs to the Baseline profile; select it with baseline=true, or give another profile 100 to 64999'
    if not PROFILE_PRIORITIES[0] <= priority <= PROFILE_PRIORITIES[1]:
        return 'must be between %d and %d (lower numbers are evaluated first)' % PROFILE_PRIORITIES
    return None


def priority_clash(profiles, priority, own_id=None):
    """The profile other than ``own_id`` that has ``priority``, or None. Microsoft's own migration tooling refuses
    duplicate profile priorities; the Graph pages say nothing either way."""
    return next((profile for profile in profiles if profile.get('priority') == priority
                 and (profile.get('id') or '').lower() != (own_id or '').lower()), None)


def validate_links(links):
    """Pure checks of the declared links: policy named once, link priority in range."""
    seen = set()
    for number, link in enumerate(links or []):
        name = link['name']
        check_name('policies[%d].name' % number, name)
        if name.lower() in seen:
            raise ValidationError('policies[%d].name' % number, name, 'is listed twice; a policy is linked to a profile once')
        seen.add(name.lower())
        priority = link.get('priority')
        if priority is not None and not LINK_PRIORITIES[0] <= priority <= LINK_PRIORITIES[1]:
            raise ValidationError('policies[%d].priority' % number, priority, 'must be between %d and %d' % LINK_PRIORITIES)


class PolicyLinks(Children):
    """Links from a profile to web content filtering policies, keyed by policy name: ``{name, priority, state, logging_state}``.

    Links of other kinds (threat intelligence, TLS inspection, ...) are neither shown nor touched.
    """

    def read(self, ctx, obj):
        links = obj.get('policies')
        if links is None:
            links = ctx.client.list('%s/%s/policies' % (PROFILES_PATH, obj['id']), api='beta', params={'$expand': 'policy'},
                                    action='reading the policy links of security profile %r' % obj.get('name'))
        found = []
        for link in links:
            if link.get('@odata.type', LINK_TYPE) != LINK_TYPE:
                continue
            policy = link.get('policy') or {}
            label = policy.get('name') or policy.get('id') or link['id']
            ctx.ids.setdefault(POLICY_IDS, {})[label] = policy.get('id')
            item = {'name': label}
            item.update((option, link.get(prop)) for option, prop in LINK_PROPS)
            found.append((link['id'], item))
        return found

    def resolve(self, ctx, items):
        # The profile's links name the policies they point at: a declared policy among them needs no lookup, and the
        # tenant's policies are listed only when one is not linked yet.
        linked = [link['policy'] for link in (ctx.current or {}).get('policies') or []
                  if link.get('@odata.type', LINK_TYPE) == LINK_TYPE and (link.get('policy') or {}).get('id')]
        for policy in linked:
            ctx.refs.learn('filtering_policy', policy)
        resolved = []
        for number, item in enumerate(items):
            option = 'policies[%d].name' % number
            policy = ctx.refs.resolve('filtering_policy', item['name'], option, held=[policy['id'] for policy in linked])
            if any(other['name'] == policy['name'] for other in resolved):
                raise ValidationError(option, item['name'], 'names the same policy as another link; a policy is linked to a profile once')
            ctx.ids.setdefault(POLICY_IDS, {})[policy['name']] = policy['id']
            resolved.append(dict(item, name=policy['name']))
        return resolved

    def plan(self, before, wanted, purge):
        after = super().plan(before, wanted, purge)
        current = {item['name'] for item in before or []}
        by_name = {item['name']: item for item in after}
        used = [item.get('priority') for item in after]
        for declared in wanted:
            item = by_name[declared['name']]
            if item['name'] in current:
                continue
            if item.get('priority') is None:
                item['priority'] = next_link_priority(used)
                used.append(item['priority'])
            for option in ('state', 'logging_state'):
                if item.get(option) is None:
                    item[option] = 'enabled'
        return after

    def _path(self, obj, link_id=None):
        return '%s/%s/policies%s' % (PROFILES_PATH, obj['id'], '/%s' % link_id if link_id else '')

    def _find(self, ctx, obj, policy_id):
        links = ctx.client.list(self._path(obj), api='beta', params={'$expand': 'policy'}, action='looking for the link to %s' % policy_id)
        return next((link for link in links if (link.get('policy') or {}).get('id') == policy_id), None)

    def add(self, ctx, obj, item):
        policy_id = ctx.ids[POLICY_IDS][item['name']]
        body = {'@odata.type': LINK_TYPE, 'priority': item['priority'], 'state': item['state'], 'loggingState': item['logging_state'],
                'policy': {'@odata.type': NS + 'filteringPolicy', 'id': policy_id}}
        ctx.client.post(self._path(obj), body, api='beta',
                        action='linking filtering policy %r to security profile %r' % (item['name'], obj.get('name')),
                        recover=lambda: self._find(ctx, obj, policy_id))

    def update(self, ctx, obj, child_id, before, after):
        body = {'@odata.type': LINK_TYPE}
        body.update((prop, after[option]) for option, prop in LINK_PROPS if after.get(option) != before.get(option))
        ctx.client.patch(self._path(obj, child_id), body, api='beta',
                         action='updating the link of filtering policy %r in security profile %r' % (after['name'], obj.get('name')))

    def remove(self, ctx, obj, child_id, item):
        ctx.client.delete(self._path(obj, child_id), api='beta',
                          action='unlinking filtering policy %r from security profile %r' % (item['name'], obj.get('name')))


class ConditionalAccessReferrers(Field):
    """Read-only: the Conditional Access policies whose session control hands out this profile."""

    def __init__(self, option, prop):
        super().__init__(option, prop, read_only=True)

    def show(self, ctx, value):
        return [{'id': policy.get('id'), 'display_name': policy.get('displayName')} for policy in value or []]


class FilteringProfileSpec(NetworkAccessSpec):
    noun = 'filtering_profile'
    kind = 'profile'
    path = PROFILES_PATH
    expand = 'policies($expand=policy)'
    fields = (
        Field('name', 'name'),
        Field('description', 'description'),
        Field('profile_state', 'state', default='enabled'),
        Field('priority', 'priority', required='is required to create a security profile (100 to 64999; lower is evaluated first)'),
    )
    relations = (PolicyLinks('policies', 'purge_policies'),)
    argument_spec = dict(
        name=dict(type='str'),
        id=dict(type='str'),
        baseline=dict(type='bool', default=False),
        description=dict(type='str'),
        profile_state=dict(type='str', choices=list(STATES)),
        priority=dict(type='int'),
        policies=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            priority=dict(type='int'),
            state=dict(type='str', choices=list(STATES)),
            logging_state=dict(type='str', choices=list(STATES)),
        )),
        purge_policies=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )

    def validate(self, params):
        priority = params.get('priority')
        if params.get('baseline'):
            for option in ('name', 'id', 'description', 'profile_state'):
                if params.get(option) is not None:
                    raise ValidationError(option, params[option], 'cannot be set with baseline=true: the Baseline profile is found, '
                                                                  'linked and unlinked, never created, renamed or edited')
            if priority not in (None, BASELINE_PRIORITY):
                raise ValidationError('priority', priority, "the Baseline profile's priority is fixed at 65000")
            if params.get('state') == 'absent':
                raise ValidationError('state', 'absent', 'the Baseline profile is never deleted; unlink its policies with '
                                                         'policies=[] and purge_policies=true instead')
        else:
            if not params.get('name') and not params.get('id'):
                raise ValidationError('name', params.get('name'), 'set name or id, or baseline=true for the Baseline profile')
            problem = profile_priority_problem(priority) if priority is not None else None
            if problem:
                raise ValidationError('priority', priority, problem)
        validate_links(params.get('policies'))

    def check(self, ctx, before, after):
        priority = after.get('priority')
        if not ctx.params.get('baseline') and priority is not None and priority != before.get('priority'):
            clash = priority_clash(ctx.refs.listing('profile'), priority, after.get('id'))
            if clash:
                raise ValidationError('priority', priority, 'security profile %r (id %s) has this priority already; profile priorities must be '
                                                            'unique in a tenant (lower is evaluated first), so choose another' % (
                                                                clash.get('name'), clash['id']))

    def find(self, ctx):
        if ctx.params.get('baseline'):
            return self.find_baseline(ctx)
        found = super().find(ctx)
        if found is not None and is_baseline(found):
            raise ResourceError("security profile %r (id %s) is the tenant's Baseline profile: select it with baseline=true, which only "
                                'links and unlinks policies' % (found.get('name'), found['id']))
        return found

    def find_baseline(self, ctx):
        candidates = baseline_candidates(self.list_all(ctx))
        if not candidates:
            raise ResourceError('this tenant has no Baseline profile (a security profile with priority 65000), and the module never '
                                'creates one; turn on Global Secure Access Internet Access in the tenant, or link the policies to a '
                                'named profile instead')
        if len(candidates) > 1:
            raise ResourceError('%d security profiles look like the Baseline profile (ids: %s); give the id of the one to use with name/id' % (
                len(candidates), ', '.join(sorted(profile['id'] for profile in candidates))))
        ctx.client.remember(candidates[0]['id'])
        return candidates[0]

    def check_delete(self, ctx, obj):
        referrers = obj.get('conditionalAccessPolicies')
        if referrers is None:
            referrers = ctx.client.get(self.item_path(obj['id']), api=self.api, params={'$expand': 'conditionalAccessPolicies'},
                                       action='looking for conditional access policies that use security profile %r' % obj.get('name'))
            referrers = referrers.get('conditionalAccessPolicies') or []
        if not referrers:
            return
        names = ', '.join('%r (id %s)' % (policy.get('displayName'), policy.get('id')) for policy in referrers)
        if not ctx.params.get('force'):
            raise ResourceError('security profile %r is still used by conditional access policy %s; remove it from the session control '
                                'there first, or set force=true to delete it anyway' % (obj.get('name'), names))
        ctx.warn('security profile %r is deleted although conditional access policy %s still points at it' % (obj.get('name'), names))


# ---- filtering_profile_info: the listing -----------------------------------------------------------------------------

class FilteringProfileInfoSpec(InfoSpec, FilteringProfileSpec):
    plural = 'filtering_profiles'
    fields = FilteringProfileSpec.fields + (ConditionalAccessReferrers('conditional_access_policies', 'conditionalAccessPolicies'),)
    filters = dict(
        baseline=dict(type='bool', default=False),
        include_policies=dict(type='bool', default=True),
    )

    def validate(self, params):
        for option in ('name', 'id'):
            if params['baseline'] and params.get(option):
                raise ValidationError(option, params[option], 'cannot be combined with baseline=true')

    # ---- the query -----------------------------------------------------------------------------------------------

    def listing(self, ctx):
        profiles = self.list_all(ctx)
        return baseline_candidates(profiles) if ctx.params['baseline'] else profiles
