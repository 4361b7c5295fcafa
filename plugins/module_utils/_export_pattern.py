# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The jit_ai_access pattern found in a tenant read by ``read_tenant``: which objects are the block policy and each app,
and what the role cannot carry. Pure functions over the views, no call; the mapping onto the role's variables, which
needs the role's defaults, is the role_variables filter.

Internal use only: this file is not part of the collection's public API and may change without notice.

The pattern:

- the block policy: a block policy with web category rules, linked to the Baseline profile;
- each app: a security profile other than the Baseline that a Conditional Access policy hands out, the allow policy
  with FQDN rules the profile links, the one group the Conditional Access policy includes, the access package that
  grants Member of that group, and the package's assignment policy.

Objects outside the pattern are listed as ``unmatched``; settings of matched objects that the role cannot carry
(applying the export would change them) as ``unsupported``. Nothing is dropped silently.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import SECTIONS
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_options import applied, holds, policy_options
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import baseline_candidates
from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import app_name, derived_names
from ansible_collections.jitaccess.entra.plugins.module_utils._tenant_snapshot import as_read, lower_id

# The only application the role's Conditional Access policies target.
GSA_INTERNET = 'all_internet_resources_gsa'


def _first(items, preferred):
    """The item named ``preferred`` (the name the role would give it), else the first by display name; and the others."""
    ordered = sorted(items, key=lambda item: (item.get('display_name') != preferred, item.get('display_name') or '', item.get('id') or ''))
    return (ordered[0], ordered[1:]) if ordered else (None, [])


class PatternSearch:
    """One search: walks a tenant (``read_tenant``), picks the objects of the pattern and collects what does not fit."""

    def __init__(self, snapshot, block_policy_name=None):
        self.snapshot = snapshot
        self.block_policy_name = block_policy_name
        self.unmatched = []
        self.unsupported = []
        self.used = set()  # ids of the objects of the pattern
        self.reported = set()  # ids of objects already listed in unmatched
        self.profiles = {lower_id(profile['id']): profile for profile in snapshot['profiles']}
        self.policies = {lower_id(policy['id']): policy for policy in snapshot['policies']}
        self.block_policy = None

    def _note(self, into, kind, obj, reason):
        into.append({'type': kind, 'name': obj.get('name') or obj.get('display_name'), 'id': obj.get('id'), 'reason': reason})

    def left_out(self, kind, obj, reason):
        self.reported.add(lower_id(obj.get('id')))
        self._note(self.unmatched, kind, obj, reason)

    def cannot_carry(self, kind, obj, reason):
        self._note(self.unsupported, kind, obj, reason)

    # ---- the block policy ----

    def block(self):
        baseline = baseline_candidates(self.snapshot['profiles'])
        if len(baseline) != 1:
            self.cannot_carry('filtering_profile', {'name': 'Baseline Profile'}, 'the tenant has %d security profiles that look like the Baseline '
                              'profile; the role links the block policy to exactly one' % len(baseline))
            return None
        baseline = baseline[0]
        self.used.add(lower_id(baseline['id']))
        linked = [(link, self.policies.get(link['policy_id'])) for link in baseline['policies']]
        blocks = [(link, policy) for link, policy in linked if policy and policy['action'] == 'block'
                  and any(rule['type'] == 'webCategory' for rule in policy['rules'])]
        if not blocks:
            self.cannot_carry('filtering_profile', baseline, 'no block policy with web category rules is linked to the Baseline profile; '
                                                             'applying the export creates and links %s' % (
                                                                 repr(self.block_policy_name) if self.block_policy_name else "the role's block policy"))
            return None
        preferred = self.block_policy_name
        chosen = next((pair for pair in blocks if pair[1]['name'] == preferred), sorted(blocks, key=lambda pair: pair[1]['name'])[0])
        link, policy = chosen
        self.block_policy = policy
        self.used.add(lower_id(policy['id']))
        web_rules = [rule for rule in policy['rules'] if rule['type'] == 'webCategory']
        if len(policy['rules']) != 1:
            self.cannot_carry('filtering_policy', policy, 'has %d rules; the role keeps one web category rule, %r, with all the categories, '
                                                          'and removes the others' % (len(policy['rules']), web_rules[0]['name']))
        return {'filtering_policy': as_read(policy), 'policy_link': as_read(link)}

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
        elif lower_id(profile['id']) in {lower_id(p['id']) for p in baseline_candidates(self.snapshot['profiles'])}:
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
        self.used.update(lower_id(obj['id']) for obj in (ca, profile, policy))
        # Of several packages (or policies) the one the role would name after the app stays with it.
        rule = next(rule for rule in policy['rules'] if rule['type'] == 'fqdn')
        names = derived_names(app_name({'allow_policy_name': policy['name'], 'profile_name': profile['name'],
                                        'group_name': app['group']['display_name'], 'ca_policy_name': ca['display_name']}, rule['name']))
        grants = [package for package in self.snapshot['packages'] if any(
            role.get('group_id') == group_id and role['role'] == 'member' for role in package['resource_roles'])]
        app['package'], others = _first([package for package in grants if lower_id(package['id']) not in self.used], names['access_package_name'])
        for package in others:
            self.left_out('access_package', package, 'also grants membership of %r; the role keeps one access package per app, %r' % (
                app['group']['display_name'], app['package']['display_name']))
        if app['package'] is not None:
            self.used.add(lower_id(app['package']['id']))
            package_id = lower_id(app['package']['id'])
            app['policy'], others = _first([item for item in self.snapshot['assignment_policies'] if item['access_package_id'] == package_id],
                                           names['assignment_policy_name'])
            for extra in others:
                self.left_out('assignment_policy', extra, 'a further assignment policy of access package %r; the role manages one, %r' % (
                    app['package']['display_name'], app['policy']['display_name']))
            if app['policy'] is not None:
                self.used.add(lower_id(app['policy']['id']))
        return app

    def catalog(self, apps):
        catalogs = [app['package']['catalog'] for app in apps if app['package']]
        if not catalogs:
            return None
        name = max(catalogs, key=catalogs.count)
        chosen = next((catalog for catalog in self.snapshot['catalogs'] if catalog['display_name'] == name), {'display_name': name})
        self.used.add(lower_id(chosen.get('id')))
        for app in apps:
            if app['package'] and app['package']['catalog'] != name:
                self.cannot_carry('access_package', app['package'], 'is in catalog %r, not %r with the other apps; the role keeps every package '
                                                                    'in one catalog, so applying the export creates a new one there' % (
                                                                        app['package']['catalog'], name))
        return as_read(chosen)

    def check_app(self, app):
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
        options = policy_options(app['policy'])
        changed = [section for section in SECTIONS
                   if not holds(lambda section=section: applied(app['policy'], {section: options[section]})[section] == app['policy'][section])]
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
        baseline_ids = {lower_id(profile['id']) for profile in baseline_candidates(self.snapshot['profiles'])}
        for policy in self.snapshot['policies']:
            if lower_id(policy['id']) in done:
                continue
            profiles = linked_from.get(lower_id(policy['id']), [])
            if not profiles:
                reason = 'is linked to no security profile'
            elif any(lower_id(profile['id']) in baseline_ids for profile in profiles) and self.block_policy:
                reason = 'is linked to the Baseline profile besides the block policy %r; the role leaves it there' % self.block_policy['name']
            else:
                reason = 'is linked only to security profiles no exported app uses (%s)' % ', '.join(sorted(p['name'] for p in profiles))
            self.left_out('filtering_policy', policy, reason)
        for profile in self.snapshot['profiles']:
            if lower_id(profile['id']) not in done and lower_id(profile['id']) not in baseline_ids:
                self.left_out('filtering_profile', profile, 'no exported app uses it (no Conditional Access policy of the pattern hands it out)')
        catalog_ids = {lower_id(catalog['id']) for catalog in self.snapshot['catalogs'] if lower_id(catalog['id']) in self.used}
        for catalog in self.snapshot['catalogs']:
            if catalog_ids and lower_id(catalog['id']) not in catalog_ids and catalog.get('catalog_type') in (None, 'userManaged'):
                self.left_out('catalog', catalog, 'a further catalog; the exported apps keep their access packages in one')
        for package in self.snapshot['packages']:
            if package['catalog_id'] in catalog_ids and lower_id(package['id']) not in done:
                self.left_out('access_package', package, 'in the apps\' catalog but grants no exported app\'s group')


def _shown(app):
    """An app of the pattern as the snapshot returns it: its objects by the module that manages each."""
    return {'conditional_access_policy': as_read(app['ca']), 'filtering_profile': as_read(app['profile']),
            'policy_link': as_read(app['link']), 'filtering_policy': as_read(app['allow']), 'group': as_read(app['group']),
            'access_package': as_read(app['package']), 'assignment_policy': as_read(app['policy'])}


def find_pattern(tenant, block_policy_name=None):
    """The pattern in a tenant read by ``read_tenant`` (``snapshot``: the block policy with its Baseline link, the
    catalog, and each app's objects, as their modules view them) with the objects and settings it cannot carry.

    ``block_policy_name``: of several block policies linked to the Baseline profile, the one of this name is the role's."""
    search = PatternSearch(tenant, block_policy_name)
    block = search.block()
    apps = search.apps()
    catalog = search.catalog(apps)
    for app in apps:
        search.check_app(app)
    search.leftovers()
    return {'snapshot': {'block': block, 'catalog': catalog, 'apps': [_shown(app) for app in apps]},
            'unmatched': search.unmatched, 'unsupported': search.unsupported}


def messages(result):
    """One warning line per unmatched object and unsupported setting."""
    lines = ['not exported: %s %r (id %s) %s' % (item['type'], item['name'], item['id'], item['reason']) for item in result['unmatched']]
    lines += ['exported, but the role would change it: %s %r (id %s) %s' % (item['type'], item['name'], item['id'], item['reason'])
              for item in result['unsupported']]
    return lines
