# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The jit_ai_access pattern of a tenant (the ``snapshot`` jit_ai_access_export returns) as variables of the role, given
the role's own defaults. Pure functions, no call; the role_variables filter is their entry point.

Internal use only: this file is not part of the collection's public API and may change without notice.

A variable is written only where the tenant differs from what the role declares by default. The defaults are the ones
handed in (the role's vars/main.yml and defaults/main.yml); the names and descriptions the role derives come from
_role_model, which the role's app_plan filter uses too. Nothing of the role is copied here.
"""

from __future__ import annotations

import re

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import SECTIONS
from ansible_collections.jitaccess.entra.plugins.module_utils._assignment_policy_options import (
    differs_from_default, holds, new_policy, policy_options, section_option)
from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import app_defaults, app_name, app_settings, plain

FALLBACK = 'jit_ai_access_fallback_approvers'
_TEMPLATE = re.compile(r'^\{\{\s*(\w+)\s*\}\}$')


def bind(value, variables):
    """``value`` with each string that is only a variable's template (``{{ name }}``) replaced by that variable, where
    ``variables`` has it: the role's settings as its files write them, for values of the role's variables the export
    chooses. A value Ansible already templated has no such string and stays as it is."""
    if isinstance(value, dict):
        return {key: bind(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [bind(item, variables) for item in value]
    match = _TEMPLATE.match(value) if isinstance(value, str) else None
    if match and match.group(1) in variables:
        return variables[match.group(1)]
    return value


def block_variables(block, defaults):
    """The block policy's variables that differ from ``defaults``."""
    if block is None:
        return {}
    policy = block['filtering_policy']
    web_rules = [rule for rule in policy['rules'] if rule['type'] == 'webCategory']
    found = {
        'jit_ai_access_block_policy_name': policy['name'],
        'jit_ai_access_block_policy_description': policy.get('description') or '',
        'jit_ai_access_block_categories': sorted({category for rule in web_rules for category in rule['destinations']}),
        'jit_ai_access_baseline_link_priority': block['policy_link']['priority'],
    }
    variables = {key: value for key, value in found.items() if value != defaults.get(key)}
    # The role names the block rule after the block policy unless jit_ai_access_block_rule_name says otherwise.
    if web_rules[0]['name'] != policy['name']:
        variables['jit_ai_access_block_rule_name'] = web_rules[0]['name']
    return variables


def catalog_variables(catalog, defaults):
    """The catalog's variables that differ from ``defaults``."""
    if catalog is None:
        return {}
    found = {'jit_ai_access_catalog_name': catalog['display_name'], 'jit_ai_access_catalog_description': catalog.get('description') or ''}
    return {key: value for key, value in found.items() if value != defaults.get(key)}


class AppVariables:
    """jit_ai_access_apps (and jit_ai_access_fallback_approvers) for the apps of a snapshot."""

    def __init__(self, builtin, defaults):
        self.builtin = builtin
        self.defaults = defaults

    def defaults_for(self, fallback, position):
        """What the role declares for the app at ``position`` when jit_ai_access_fallback_approvers is ``fallback``."""
        variables = dict(self.defaults, **{FALLBACK: fallback})
        return app_defaults(bind(self.builtin, variables), bind(self.defaults.get('jit_ai_access_app_defaults'), variables), position)

    def variables(self, apps):
        options = [policy_options(app['assignment_policy']) if app['assignment_policy'] else None for app in apps]
        fallback = self._fallback(apps, options)
        entries = [self._entry(app, app_options, self.defaults_for(fallback, position))
                   for position, (app, app_options) in enumerate(zip(apps, options))]
        variables = {FALLBACK: fallback} if fallback != self.defaults.get(FALLBACK) else {}
        variables['jit_ai_access_apps'] = entries
        return variables

    def _fallback(self, apps, options):
        """The jit_ai_access_fallback_approvers that lets the most apps keep the role's default approval."""
        candidates = [self.defaults.get(FALLBACK)]
        for app_options in options:
            for stage in (app_options or {}).get('approval', {}).get('stages', []):
                users = (stage.get('fallback_approvers') or {}).get('users')
                if users and set(stage['fallback_approvers']) == {'users'} and users not in candidates:
                    candidates.append(users)

        def fitting(candidate):
            default = self.defaults_for(candidate, 0).get('approval')
            return sum(1 for app, app_options in zip(apps, options) if app_options and not differs_from_default(
                'approval', app['assignment_policy'], app_options['approval'], default))
        return max(candidates, key=fitting)

    @staticmethod
    def _entry(app, options, defaults):
        ca, profile, allow, group = app['conditional_access_policy'], app['filtering_profile'], app['filtering_policy'], app['group']
        package, policy = app['access_package'], app['assignment_policy']
        fqdn_rules = [rule for rule in allow['rules'] if rule['type'] == 'fqdn']
        names = {'allow_policy_name': allow['name'], 'profile_name': profile['name'], 'group_name': group['display_name'],
                 'ca_policy_name': ca['display_name'], 'access_package_name': (package or {}).get('display_name'),
                 'assignment_policy_name': (policy or {}).get('display_name')}
        name = app_name(names, fqdn_rules[0]['name'])
        entry = {'name': name, 'fqdns': sorted({fqdn for rule in fqdn_rules for fqdn in rule['destinations']})}
        derived = app_settings({'name': name}, {})
        entry.update((option, value) for option, value in names.items() if value is not None and value != derived[option])
        # Descriptions follow the final names, so they are derived once the names are settled.
        declared = app_settings(entry, {})
        if fqdn_rules[0]['name'] != declared['allow_rule_name']:
            entry['allow_rule_name'] = fqdn_rules[0]['name']
        current = {'allow_policy_description': allow.get('description'), 'profile_description': profile.get('description'),
                   'group_description': group.get('description')}
        if package:
            current['access_package_description'] = package.get('description')
        if policy:
            current['assignment_policy_description'] = policy.get('description')
        entry.update((key, value or '') for key, value in current.items() if (value or '') != declared[key])
        found = {'profile_priority': profile['priority'], 'link_priority': app['policy_link']['priority'],
                 'ca_policy_state': ca['policy_state'], 'sign_in_risk_levels': sorted(ca['sign_in_risk_levels'])}
        entry.update((key, value) for key, value in found.items()
                     if value != (sorted(defaults[key]) if key == 'sign_in_risk_levels' else defaults[key]))
        for section in SECTIONS if options else ():
            # A section the role cannot declare is left to its default; the export reports it as unsupported.
            if holds(lambda section=section: bool(new_policy({section: options[section]}))) and differs_from_default(
                    section, policy, options[section], defaults[section]):
                entry[section] = section_option(section, policy, options[section])
        return entry


def role_variables(snapshot, builtin, defaults):
    """The role's variables for ``snapshot`` (jit_ai_access_export's), only those that differ from the role's
    ``builtin`` app settings (jit_ai_access_app_builtin) and its ``defaults`` (defaults/main.yml, whose
    jit_ai_access_app_defaults applies over ``builtin``)."""
    snapshot, builtin, defaults = plain(snapshot), plain(builtin), plain(defaults)
    variables = block_variables(snapshot.get('block'), defaults)
    variables.update(catalog_variables(snapshot.get('catalog'), defaults))
    variables.update(AppVariables(builtin, defaults).variables(snapshot.get('apps') or []))
    return variables
