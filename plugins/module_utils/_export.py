# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Export of a tenant's just-in-time AI access setup as variables of the jit_ai_access role.

Internal use only: this file is not part of the collection's public API and may change without notice.

``read_tenant`` reads the tenant through the specs the modules use and returns their views; ``export`` maps those
views onto the role's model without any call, so it is tested on plain data. The pattern it looks for:

- the block policy: a block policy with web category rules, linked to the Baseline profile;
- each app: a security profile other than the Baseline that a Conditional Access policy hands out, the allow policy
  with FQDN rules the profile links, the one group the Conditional Access policy includes, the access package that
  grants Member of that group, and the package's assignment policy.

A variable is written only where the tenant differs from what the role declares by default. Objects outside the
pattern are listed as ``unmatched``; settings of matched objects that the role cannot carry (applying the export
would change them) as ``unsupported``. Nothing is dropped silently.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._access_lifecycle import assignment_view, list_assignments
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import AccessPackageSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import (
    SECTIONS, AssignmentPolicySpec, plan_sections)
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_catalog import CatalogSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import FIELDS as CA_FIELDS
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import ConditionalAccessPolicySpec, session_view
from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import (
    ACTIVE_ASSIGNMENT_STATES, CATALOGS, PACKAGES, POLICIES, duration_seconds)
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import FilteringPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import POLICY_IDS, FilteringProfileSpec, baseline_candidates
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import (
    NAME_PATTERNS, PROFILE_PRIORITY_STEP, canonical, derived_descriptions, derived_names)

# The role's defaults (roles/jit_ai_access/defaults/main.yml; a unit test keeps the two in step).
ROLE_DEFAULTS = {
    'jit_ai_access_block_policy_name': 'Block Artificial Intelligence',
    'jit_ai_access_block_policy_description': 'Blocks the Artificial Intelligence web category for all traffic through the Baseline profile.',
    'jit_ai_access_block_categories': ['ArtificialIntelligence'],
    'jit_ai_access_baseline_link_priority': 100,
    'jit_ai_access_catalog_name': 'AI apps',
    'jit_ai_access_catalog_description': 'Time-bound access to approved AI apps, granted through My Access.',
    'jit_ai_access_fallback_approvers': [],
}


def app_defaults(fallback_approvers, position=0):
    """The role's jit_ai_access_app_defaults, with jit_ai_access_fallback_approvers set to ``fallback_approvers``, and the
    profile priority the role derives for the app at ``position`` in jit_ai_access_apps."""
    return {
        'profile_priority': 100 + PROFILE_PRIORITY_STEP * position,  # as _role_model.app_default_priority derives it
        'link_priority': 100,
        'ca_policy_state': 'enabled',
        'sign_in_risk_levels': ['none', 'low'],
        'requestors': {'scope': 'specific', 'groups': ['Finance Team']},
        'approval': {'required': True, 'requestor_justification': True, 'stages': [{
            'approvers': {'manager': True}, 'fallback_approvers': {'users': list(fallback_approvers)},
            'approver_justification': True, 'deadline_days': 14}]},
        'expiration': {'hours': 2},
        'allow_custom_schedule': False,
        'questions': [
            {'text': 'What will you use the app for?', 'required': True},
            {'text': 'Will you enter customer data?', 'type': 'multiple_choice', 'required': True,
             'choices': [{'value': 'no', 'text': 'No customer data'}, {'value': 'anonymised', 'text': 'Only anonymised data'}]},
        ],
        'access_reviews': {'enabled': False},
    }


SETTINGS = ('profile_priority', 'link_priority', 'ca_policy_state', 'sign_in_risk_levels')
GSA_INTERNET = 'all_internet_resources_gsa'


def _unformat(pattern, value):
    """The ``%s`` part of ``value`` when it has the pattern's shape, else None."""
    prefix, suffix = pattern.split('%s')
    if value and len(value) > len(prefix) + len(suffix) and value.startswith(prefix) and value.endswith(suffix):
        return value[len(prefix):len(value) - len(suffix)]
    return None


def app_name(names, rule_name):
    """The app name from which the role derives most of the object names; the allow rule's name wins a tie, since the
    role names that rule after the app."""
    candidates = [rule_name] + [_unformat(pattern, names.get(option)) for option, pattern in NAME_PATTERNS]
    candidates = [candidate for candidate in candidates if candidate]
    return max(candidates, key=candidates.count)


# ---- assignment policy: view <-> the options the role passes through ------------------------------------------------

def new_policy(options):
    """What a new policy gets from ``options`` (every section, defaults filled)."""
    return plan_sections({}, canonical(options))


def applied(current, options):
    """The sections of a policy viewed as ``current`` after the role applies ``options`` to it."""
    return plan_sections(current, canonical(options))


def _people(view, keys=('manager', 'sponsors', 'users', 'groups')):
    return {key: view[key] for key in keys if view.get(key)}


def expiration_option(view):
    """An expiry view as the expiration option, in hours or days where it is a whole number of them."""
    if 'duration' not in view:
        return dict(view)
    seconds = duration_seconds(view['duration'])
    if seconds % 86400 == 0:
        return {'days': seconds // 86400}
    if seconds % 3600 == 0:
        return {'hours': seconds // 3600}
    return {'duration': view['duration']}


def _stage_option(stage):
    out = {'approvers': _people(stage['approvers']), 'approver_justification': stage['approver_justification'],
           'deadline_days': stage['deadline_days']}
    if stage.get('fallback_approvers'):
        out['fallback_approvers'] = _people(stage['fallback_approvers'], ('users', 'groups'))
    escalation = stage.get('escalation')
    if escalation:
        out['escalation'] = {'after_days': escalation['after_days'], 'approvers': _people(escalation['approvers'])}
        if escalation.get('fallback_approvers'):
            out['escalation']['fallback_approvers'] = _people(escalation['fallback_approvers'], ('users', 'groups'))
    return out


def _reviews_option(view):
    if not view.get('enabled'):
        return {'enabled': False}
    out = {key: value for key, value in view.items() if value is not None and key not in ('reviewers', 'fallback_reviewers')}
    out['reviewers'] = _people(view.get('reviewers') or {}, ('manager', 'users', 'groups'))
    if view.get('fallback_reviewers'):
        out['fallback_reviewers'] = _people(view['fallback_reviewers'], ('users', 'groups'))
    return out


def policy_options(view):
    """A policy's sections (view shape) as the options of access_package_assignment_policy, before minimising."""
    requestors = view['requestors']
    approval = view['approval']
    return {
        'requestors': dict({key: value for key, value in requestors.items() if key != 'other'}),
        'approval': {'required': approval['required'], 'required_for_extension': approval['required_for_extension'],
                     'requestor_justification': approval['requestor_justification'],
                     'stages': [_stage_option(stage) for stage in approval['stages']]},
        'expiration': expiration_option(view['expiration']),
        'allow_custom_schedule': view['allow_custom_schedule'],
        'questions': [{key: value for key, value in question.items() if key != 'id'} for question in view['questions']],
        'access_reviews': _reviews_option(view['access_reviews']),
    }


def _paths(value, prefix=()):
    """Paths of every dict key below ``value`` (through lists), deepest first."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, prefix + (key,)))
            found.append(prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, prefix + (index,)))
    return found


def _without(value, path):
    """A copy of ``value`` without the key at ``path``; None when that would leave a dict empty."""
    if len(path) == 1:
        if len(value) == 1:
            return None
        return {key: item for key, item in value.items() if key != path[0]}
    inner = _without(value[path[0]], path[1:])
    if inner is None:
        return None
    if isinstance(value, list):
        return value[:path[0]] + [inner] + value[path[0] + 1:]
    return dict(value, **{path[0]: inner})


def minimise(value, keeps):
    """``value`` with each key dropped whose absence ``keeps(candidate)`` accepts (a default the module fills in)."""
    for path in _paths(value):
        candidate = _without(value, path)
        if candidate is not None and keeps(candidate):
            value = candidate
    return value


def _holds(check):
    """``check()``, False when the options it tries cannot be declared at all."""
    try:
        return check()
    except (ValueError, ValidationError):
        return False


def section_option(section, current, value):
    """The shortest option for one section that declares the same as ``value`` and leaves ``current`` as it is."""
    meant = new_policy({section: value})[section]
    round_trips = _holds(lambda: applied(current, {section: value})[section] == current[section])

    def keeps(candidate):
        return _holds(lambda: new_policy({section: candidate})[section] == meant and (
            not round_trips or applied(current, {section: candidate})[section] == current[section]))

    return minimise(value, keeps) if isinstance(value, (dict, list)) else value


def differs_from_default(section, current, value, default):
    """True when the role's default for ``section`` would not declare what the tenant has."""
    return _holds(lambda: new_policy({section: value})[section] != new_policy({section: default})[section]) or not _holds(
        lambda: applied(current, {section: default})[section] == current[section])


# ---- reading the tenant -------------------------------------------------------------------------------------------

_INCLUDE_GROUPS = next(field for field in CA_FIELDS if field.option == 'include_groups')


def _lower(value):
    return (value or '').lower()


def read_tenant(ctx):
    """Every object the pattern is made of, as the views of their specs plus the ids that link them (reads only)."""
    snapshot = _read_filtering(ctx)
    snapshot.update(_read_conditional_access(ctx))
    snapshot.update(_read_entitlement(ctx, snapshot['groups']))
    return snapshot


def _read_filtering(ctx):
    profile_spec = FilteringProfileSpec()
    profiles = []
    for obj in profile_spec.list_all(ctx):
        view = profile_spec.view(ctx, obj, relations=['policies'])
        # Reading the links just mapped each link's label (the policy name) to the policy id.
        policy_ids = ctx.ids.get(POLICY_IDS, {})
        view['policies'] = [dict(link, policy_id=_lower(policy_ids.get(link['name']))) for link in view['policies']]
        profiles.append(view)
    policy_spec = FilteringPolicySpec()
    return {'profiles': profiles, 'policies': [policy_spec.view(ctx, obj, relations=['rules']) for obj in policy_spec.list_all(ctx)]}


def _read_conditional_access(ctx):
    """The Conditional Access policies that hand out a security profile, and the groups they include."""
    ca_spec = ConditionalAccessPolicySpec()
    ca_policies = []
    for obj in ctx.client.list(ca_spec.path, api=ca_spec.api, action='listing conditional access policies'):
        profile_id = (session_view(obj.get('sessionControls')) or {}).get('gsa_security_profile')
        if profile_id:
            view = ca_spec.view(ctx, obj)
            view.update(profile_id=profile_id.lower(), group_ids=[_lower(group) for group in _INCLUDE_GROUPS.read(obj)])
            ca_policies.append(view)
    group_spec = GroupSpec()
    groups = {}
    for group_id in sorted({group_id for ca in ca_policies for group_id in ca['group_ids']}):
        obj = group_spec.get(ctx, group_id)
        if obj is not None:
            groups[group_id] = group_spec.view(ctx, obj, relations=['members'])
    return {'ca_policies': ca_policies, 'groups': groups}


def _read_entitlement(ctx, groups):
    """Catalogs, every access package with its resource roles, and for the packages that grant one of ``groups`` their
    active assignees and assignment policies."""
    catalog_spec = CatalogSpec()
    catalogs = [catalog_spec.view(ctx, obj) for obj in ctx.client.list(CATALOGS, action='listing catalogs')]
    package_spec = AccessPackageSpec()
    packages = []
    for obj in ctx.client.list(PACKAGES, params={'$expand': 'catalog'}, action='listing access packages'):
        view = package_spec.view(ctx, obj, relations=['resource_roles'])
        view['catalog_id'] = _lower((obj.get('catalog') or {}).get('id'))
        if any(role.get('group_id') in groups for role in view['resource_roles']):
            view['assignees'] = sorted(assignment_view(item)['target'] for item in list_assignments(ctx, package_id=obj['id'])
                                       if item.get('state') in ACTIVE_ASSIGNMENT_STATES)
        packages.append(view)
    policy_spec = AssignmentPolicySpec()
    granting = {_lower(package['id']) for package in packages if 'assignees' in package}
    assignment_policies = []
    for obj in ctx.client.list(POLICIES, params={'$expand': policy_spec.expand}, action='listing assignment policies'):
        package_id = _lower((obj.get('accessPackage') or {}).get('id'))
        if package_id in granting:
            view = policy_spec.view(ctx, obj)
            view['access_package_id'] = package_id
            assignment_policies.append(view)
    return {'catalogs': catalogs, 'packages': packages, 'assignment_policies': assignment_policies}


# ---- mapping the views onto the role ------------------------------------------------------------------------------

def _first(items, preferred):
    """The item named ``preferred`` (the name the role would give it), else the first by display name; and the others."""
    ordered = sorted(items, key=lambda item: (item.get('display_name') != preferred, item.get('display_name') or '', item.get('id') or ''))
    return (ordered[0], ordered[1:]) if ordered else (None, [])


class Export:
    """One export: walks a snapshot (``read_tenant``) and collects the variables and what does not fit."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.unmatched = []
        self.unsupported = []
        self.used = set()  # ids of the objects the variables describe
        self.reported = set()  # ids of objects already listed in unmatched
        self.profiles = {_lower(profile['id']): profile for profile in snapshot['profiles']}
        self.policies = {_lower(policy['id']): policy for policy in snapshot['policies']}
        self.block_policy = None

    def _note(self, into, kind, obj, reason):
        into.append({'type': kind, 'name': obj.get('name') or obj.get('display_name'), 'id': obj.get('id'), 'reason': reason})

    def left_out(self, kind, obj, reason):
        self.reported.add(_lower(obj.get('id')))
        self._note(self.unmatched, kind, obj, reason)

    def cannot_carry(self, kind, obj, reason):
        self._note(self.unsupported, kind, obj, reason)

    # ---- the block policy ----

    def block(self):
        baseline = baseline_candidates(self.snapshot['profiles'])
        if len(baseline) != 1:
            self.cannot_carry('filtering_profile', {'name': 'Baseline Profile'}, 'the tenant has %d security profiles that look like the Baseline '
                              'profile; the role links the block policy to exactly one' % len(baseline))
            return {}
        baseline = baseline[0]
        self.used.add(_lower(baseline['id']))
        linked = [(link, self.policies.get(link['policy_id'])) for link in baseline['policies']]
        blocks = [(link, policy) for link, policy in linked if policy and policy['action'] == 'block'
                  and any(rule['type'] == 'webCategory' for rule in policy['rules'])]
        if not blocks:
            self.cannot_carry('filtering_profile', baseline, 'no block policy with web category rules is linked to the Baseline profile; '
                                                             'applying the export creates and links %r' % ROLE_DEFAULTS['jit_ai_access_block_policy_name'])
            return {}
        preferred = ROLE_DEFAULTS['jit_ai_access_block_policy_name']
        chosen = next((pair for pair in blocks if pair[1]['name'] == preferred), sorted(blocks, key=lambda pair: pair[1]['name'])[0])
        link, policy = chosen
        self.block_policy = policy
        self.used.add(_lower(policy['id']))
        web_rules = [rule for rule in policy['rules'] if rule['type'] == 'webCategory']
        if len(policy['rules']) != 1:
            self.cannot_carry('filtering_policy', policy, 'has %d rules; the role keeps one web category rule, %r, with all the categories, '
                                                          'and removes the others' % (len(policy['rules']), web_rules[0]['name']))
        found = {
            'jit_ai_access_block_policy_name': policy['name'],
            'jit_ai_access_block_policy_description': policy.get('description') or '',
            'jit_ai_access_block_categories': sorted({category for rule in web_rules for category in rule['destinations']}),
            'jit_ai_access_baseline_link_priority': link['priority'],
        }
        variables = {key: value for key, value in found.items() if value != ROLE_DEFAULTS[key]}
        if web_rules[0]['name'] != policy['name']:
            variables['jit_ai_access_block_rule_name'] = web_rules[0]['name']
        return variables

    # ---- the apps ----

    def apps(self):
        apps = []
        handed_out = {}
        for ca in sorted(self.snapshot['ca_policies'], key=lambda ca: (ca.get('display_name') or '', ca['id'])):
            app = self._app(ca, handed_out)
            if app:
                apps.append(app)
        return sorted(apps, key=lambda app: (app['profile'].get('priority') or 0, app['profile']['name']))

    def _app(self, ca, handed_out):
        profile = self.profiles.get(ca['profile_id'])
        allow = []
        if profile is not None:
            allow = [(link, self.policies.get(link['policy_id'])) for link in profile['policies']]
            allow = [(link, policy) for link, policy in allow if policy and policy['action'] == 'allow'
                     and any(rule['type'] == 'fqdn' for rule in policy['rules'])]
        if profile is None:
            reason = 'hands out security profile %s, which does not exist' % ca['profile_id']
        elif _lower(profile['id']) in {_lower(p['id']) for p in baseline_candidates(self.snapshot['profiles'])}:
            reason = 'hands out the Baseline profile, which applies to everyone anyway'
        elif ca['profile_id'] in handed_out:
            reason = 'hands out security profile %r, which %r hands out already; the role gives each app one policy' % (
                profile['name'], handed_out[ca['profile_id']])
        elif len(ca['group_ids']) != 1 or ca.get('include_users') or ca.get('include_roles'):
            reason = 'includes %s; the role includes exactly one group (the just-in-time group) and no users or roles' % (
                ', '.join(ca.get('include_groups') + ca.get('include_users') + ca.get('include_roles')) or 'nobody')
        elif not allow:
            reason = 'hands out security profile %r, which links no allow policy with FQDN rules' % profile['name']
        elif ca['group_ids'][0] not in self.snapshot['groups']:
            reason = 'includes group %s, which does not exist' % ca['group_ids'][0]
        else:
            reason = None
        if reason:
            self.left_out('conditional_access_policy', ca, reason)
            return None
        handed_out[ca['profile_id']] = ca['display_name']
        link, policy = sorted(allow, key=lambda pair: pair[1]['name'])[0]
        group_id = ca['group_ids'][0]
        app = {'ca': ca, 'profile': profile, 'link': link, 'allow': policy, 'group': self.snapshot['groups'][group_id],
               'package': None, 'policy': None}
        self.used.update(_lower(obj['id']) for obj in (ca, profile, policy))
        # Of several packages (or policies) the one the role would name after the app stays with it.
        rule = next(rule for rule in policy['rules'] if rule['type'] == 'fqdn')
        names = derived_names(app_name({'allow_policy_name': policy['name'], 'profile_name': profile['name'],
                                        'group_name': app['group']['display_name'], 'ca_policy_name': ca['display_name']}, rule['name']))
        grants = [package for package in self.snapshot['packages'] if any(
            role.get('group_id') == group_id and role['role'] == 'member' for role in package['resource_roles'])]
        app['package'], others = _first([package for package in grants if _lower(package['id']) not in self.used], names['access_package_name'])
        for package in others:
            self.left_out('access_package', package, 'also grants membership of %r; the role keeps one access package per app, %r' % (
                app['group']['display_name'], app['package']['display_name']))
        if app['package'] is not None:
            self.used.add(_lower(app['package']['id']))
            package_id = _lower(app['package']['id'])
            app['policy'], others = _first([item for item in self.snapshot['assignment_policies'] if item['access_package_id'] == package_id],
                                           names['assignment_policy_name'])
            for extra in others:
                self.left_out('assignment_policy', extra, 'a further assignment policy of access package %r; the role manages one, %r' % (
                    app['package']['display_name'], app['policy']['display_name']))
            if app['policy'] is not None:
                self.used.add(_lower(app['policy']['id']))
        return app

    def catalog(self, apps):
        catalogs = [app['package']['catalog'] for app in apps if app['package']]
        if not catalogs:
            return {}
        name = max(catalogs, key=catalogs.count)
        chosen = next((catalog for catalog in self.snapshot['catalogs'] if catalog['display_name'] == name), {'display_name': name})
        self.used.add(_lower(chosen.get('id')))
        for app in apps:
            if app['package'] and app['package']['catalog'] != name:
                self.cannot_carry('access_package', app['package'], 'is in catalog %r, not %r with the other apps; the role keeps every package '
                                                                    'in one catalog, so applying the export creates a new one there' % (
                                                                        app['package']['catalog'], name))
        variables = {}
        if name != ROLE_DEFAULTS['jit_ai_access_catalog_name']:
            variables['jit_ai_access_catalog_name'] = name
        description = chosen.get('description') or ''
        if description != ROLE_DEFAULTS['jit_ai_access_catalog_description']:
            variables['jit_ai_access_catalog_description'] = description
        return variables

    def app_variables(self, apps):
        options = {id(app): policy_options(app['policy']) for app in apps if app['policy']}
        fallback = self._fallback(apps, options)
        entries = [self._entry(app, options.get(id(app)), app_defaults(fallback, position)) for position, app in enumerate(apps)]
        variables = {'jit_ai_access_fallback_approvers': fallback} if fallback else {}
        variables['jit_ai_access_apps'] = entries
        return variables

    def _fallback(self, apps, options):
        """The jit_ai_access_fallback_approvers that lets the most apps keep the role's default approval."""
        candidates = [[]]
        for app in apps:
            for stage in (options.get(id(app)) or {}).get('approval', {}).get('stages', []):
                users = (stage.get('fallback_approvers') or {}).get('users')
                if users and set(stage['fallback_approvers']) == {'users'} and users not in candidates:
                    candidates.append(users)

        def fitting(candidate):
            default = app_defaults(candidate)['approval']
            return sum(1 for app in apps if app['policy'] and not differs_from_default(
                'approval', app['policy'], options[id(app)]['approval'], default))
        return max(candidates, key=fitting)

    def _entry(self, app, options, defaults):
        ca, profile, policy, group, package = app['ca'], app['profile'], app['allow'], app['group'], app['package']
        fqdn_rules = [rule for rule in policy['rules'] if rule['type'] == 'fqdn']
        names = {'allow_policy_name': policy['name'], 'profile_name': profile['name'], 'group_name': group['display_name'],
                 'ca_policy_name': ca['display_name'], 'access_package_name': (package or {}).get('display_name'),
                 'assignment_policy_name': (app['policy'] or {}).get('display_name')}
        name = app_name(names, fqdn_rules[0]['name'])
        entry = {'name': name, 'fqdns': sorted({fqdn for rule in fqdn_rules for fqdn in rule['destinations']})}
        final = derived_names(name)
        for option, value in names.items():
            if value is not None and value != final[option]:
                entry[option] = final[option] = value
        if fqdn_rules[0]['name'] != name:
            entry['allow_rule_name'] = fqdn_rules[0]['name']
        current = {'allow_policy_description': policy.get('description'), 'profile_description': profile.get('description'),
                   'group_description': group.get('description')}
        if package:
            current['access_package_description'] = package.get('description')
        if app['policy']:
            current['assignment_policy_description'] = app['policy'].get('description')
        expected = derived_descriptions(name, final)
        entry.update((key, value or '') for key, value in current.items() if (value or '') != expected[key])
        found = {'profile_priority': profile['priority'], 'link_priority': app['link']['priority'],
                 'ca_policy_state': ca['policy_state'], 'sign_in_risk_levels': sorted(ca['sign_in_risk_levels'])}
        entry.update((key, value) for key, value in found.items()
                     if value != (sorted(defaults[key]) if key == 'sign_in_risk_levels' else defaults[key]))
        for section in SECTIONS if options else ():
            # A section the role cannot declare is left to its default and reported by _check_app.
            if _holds(lambda section=section: bool(new_policy({section: options[section]}))) and differs_from_default(
                    section, app['policy'], options[section], defaults[section]):
                entry[section] = section_option(section, app['policy'], options[section])
        self._check_app(app, options)
        return entry

    def _check_app(self, app, options):
        """Settings of the app's objects that the role would change when the export is applied."""
        ca, profile, policy, group, package = app['ca'], app['profile'], app['allow'], app['group'], app['package']
        if len(policy['rules']) != 1:
            self.cannot_carry('filtering_policy', policy, 'has %d rules; the role keeps one FQDN rule with all the FQDNs and removes the '
                                                          'others' % len(policy['rules']))
        if profile.get('profile_state') != 'enabled':
            self.cannot_carry('filtering_profile', profile, 'is %s; the role enables it' % profile.get('profile_state'))
        extra_links = sorted(link['name'] for link in profile['policies'] if link is not app['link'])
        if extra_links:
            self.cannot_carry('filtering_profile', profile, 'also links %s; the role links only the allow policy %r and unlinks the rest' % (
                ', '.join(repr(name) for name in extra_links), policy['name']))
        if sorted(ca.get('include_applications') or []) != [GSA_INTERNET]:
            self.cannot_carry('conditional_access_policy', ca, 'targets %s; the role targets %s only' % (
                ', '.join(ca.get('include_applications') or []) or 'no application', GSA_INTERNET))
        session = {key: value for key, value in (ca.get('session_controls') or {}).items() if value is not None}
        if set(session) != {'gsa_security_profile'}:
            self.cannot_carry('conditional_access_policy', ca, 'has session controls besides the security profile (%s); the role turns them off' % (
                ', '.join(sorted(key for key in session if key != 'gsa_security_profile'))))
        if package is None:
            self.cannot_carry('group', group, 'no access package grants membership of it; applying the export creates one')
            return
        others = [role.get('group') or role.get('resource') for role in package['resource_roles']
                  if (role.get('group_id'), role['role']) != (app['ca']['group_ids'][0], 'member')]
        if others:
            self.cannot_carry('access_package', package, 'also grants %s; the role keeps only the membership of %r' % (
                ', '.join(repr(other) for other in others), group['display_name']))
        stray = sorted(set(group.get('members') or []) - set(package.get('assignees') or []))
        if stray:
            self.cannot_carry('group', group, 'has static members without an active assignment (%s), who bypass the approval; the role reports '
                                              'them' % ', '.join(stray))
        if app['policy'] is None:
            self.cannot_carry('access_package', package, 'has no assignment policy; applying the export creates one')
            return
        changed = [section for section in SECTIONS
                   if not _holds(lambda section=section: applied(app['policy'], {section: options[section]})[section] == app['policy'][section])]
        if changed:
            self.cannot_carry('assignment_policy', app['policy'], 'has settings the role cannot express, in %s; applying the export changes them' % (
                ', '.join(changed)))

    # ---- what is left ----

    def leftovers(self):
        done = self.used | self.reported
        linked_from = {}
        for profile in self.snapshot['profiles']:
            for link in profile['policies']:
                linked_from.setdefault(link['policy_id'], []).append(profile)
        baseline_ids = {_lower(profile['id']) for profile in baseline_candidates(self.snapshot['profiles'])}
        for policy in self.snapshot['policies']:
            if _lower(policy['id']) in done:
                continue
            profiles = linked_from.get(_lower(policy['id']), [])
            if not profiles:
                reason = 'is linked to no security profile'
            elif any(_lower(profile['id']) in baseline_ids for profile in profiles) and self.block_policy:
                reason = 'is linked to the Baseline profile besides the block policy %r; the role leaves it there' % self.block_policy['name']
            else:
                reason = 'is linked only to security profiles no exported app uses (%s)' % ', '.join(sorted(p['name'] for p in profiles))
            self.left_out('filtering_policy', policy, reason)
        for profile in self.snapshot['profiles']:
            if _lower(profile['id']) not in done and _lower(profile['id']) not in baseline_ids:
                self.left_out('filtering_profile', profile, 'no exported app uses it (no Conditional Access policy of the pattern hands it out)')
        catalog_ids = {_lower(catalog['id']) for catalog in self.snapshot['catalogs'] if _lower(catalog['id']) in self.used}
        for catalog in self.snapshot['catalogs']:
            if catalog_ids and _lower(catalog['id']) not in catalog_ids and catalog.get('catalog_type') in (None, 'userManaged'):
                self.left_out('catalog', catalog, 'a further catalog; the exported apps keep their access packages in one')
        for package in self.snapshot['packages']:
            if package['catalog_id'] in catalog_ids and _lower(package['id']) not in done:
                self.left_out('access_package', package, 'in the apps\' catalog but grants no exported app\'s group')


def export(snapshot):
    """The role variables for a tenant read by ``read_tenant``, with the objects and settings they cannot carry."""
    run = Export(snapshot)
    variables = run.block()
    apps = run.apps()
    variables.update(run.catalog(apps))
    variables.update(run.app_variables(apps))
    run.leftovers()
    return {'vars': variables, 'unmatched': run.unmatched, 'unsupported': run.unsupported}


def messages(result):
    """One warning line per unmatched object and unsupported setting."""
    lines = ['not exported: %s %r (id %s) %s' % (item['type'], item['name'], item['id'], item['reason']) for item in result['unmatched']]
    lines += ['exported, but the role would change it: %s %r (id %s) %s' % (item['type'], item['name'], item['id'], item['reason'])
              for item in result['unsupported']]
    return lines
