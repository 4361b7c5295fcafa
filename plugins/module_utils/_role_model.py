# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The jit_ai_access role's model of an app: the names and descriptions it derives, how an app's settings fall back to
the defaults, and the checks of every app the role runs before its first change. Pure functions; the export maps a
tenant onto the same model.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package import AccessPackageSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import (
    ACCESS_REVIEWS, APPROVAL, ARGUMENT_SPEC as POLICY_ARGUMENT_SPEC, QUESTIONS, REQUESTORS, SECTIONS, AssignmentPolicySpec, declared_sections)
from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_catalog import CatalogSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access import ConditionalAccessPolicySpec
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import fqdn_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import LINK_PRIORITIES, profile_priority_problem
from ansible_collections.jitaccess.entra.plugins.module_utils._group import GroupSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._names import name_problem

# How the role names an app's objects.
NAME_PATTERNS = (
    ('allow_policy_name', 'Allow %s'),
    ('profile_name', 'Allow %s'),
    ('group_name', 'Allow %s Access'),
    ('ca_policy_name', 'GSA - Allow %s (JIT)'),
    ('access_package_name', '%s access'),
    ('assignment_policy_name', '%s on request'),
)
# The settings jit_ai_access_app_defaults may set; an app's entry may set these and its names and descriptions.
APP_SETTINGS = ('profile_priority', 'link_priority', 'ca_policy_state', 'sign_in_risk_levels') + SECTIONS


def _limit(spec, option):
    """The longest value the module managing ``option`` accepts (Graph's limit, where the spec declares one)."""
    if option == spec.name_option and spec.name_max_length:
        return spec.name_max_length
    return next((field.max_length for field in spec.fields if field.option == option), None)


# app setting -> (the kind of object it names, its longest value): the same limits the modules check.
NAMES = {
    'name': ('app', None),
    'allow_policy_name': ('filtering policy', None),
    'allow_rule_name': ('filtering policy rule', None),
    'profile_name': ('security profile', None),
    'group_name': ('group', _limit(GroupSpec, 'display_name')),
    'ca_policy_name': ('Conditional Access policy', _limit(ConditionalAccessPolicySpec, 'display_name')),
    'access_package_name': ('access package', _limit(AccessPackageSpec, 'display_name')),
    'assignment_policy_name': ('assignment policy', _limit(AssignmentPolicySpec, 'display_name')),
}
DESCRIPTION_LIMITS = {'group_description': _limit(GroupSpec, 'description')}
CATALOG_NAME_LIMIT = _limit(CatalogSpec, 'display_name')
# Objects of these kinds are found by name (case-insensitive), so two apps may not derive the same one.
UNIQUE_NAMES = ('allow_policy_name', 'profile_name', 'group_name', 'ca_policy_name', 'access_package_name')


def derived_names(name):
    return {option: pattern % name for option, pattern in NAME_PATTERNS}


def _unformat(pattern, value):
    """The ``%s`` part of ``value`` when it has the pattern's shape, else None."""
    prefix, suffix = pattern.split('%s')
    if value and len(value) > len(prefix) + len(suffix) and value.startswith(prefix) and value.endswith(suffix):
        return value[len(prefix):len(value) - len(suffix)]
    return None


def app_name(names, rule_name):
    """The app name from which the role derives most of ``names`` (option -> object name), the reverse of
    derived_names; the allow rule's name wins a tie, since the role names that rule after the app."""
    candidates = [rule_name] + [_unformat(pattern, names.get(option)) for option, pattern in NAME_PATTERNS]
    candidates = [candidate for candidate in candidates if candidate]
    return max(candidates, key=candidates.count)


def derived_descriptions(name, names):
    """The descriptions the role writes, from the app's final object names."""
    return {
        'allow_policy_description': 'Allows %s for members of %s.' % (name, names['group_name']),
        'profile_description': 'Handed to %s by Conditional Access.' % names['group_name'],
        'group_description': 'Members may use %s. Membership is granted for a limited time by the access package %s.' % (
            name, names['access_package_name']),
        'access_package_description': 'Time-bound use of %s after approval; membership of %s ends by itself.' % (name, names['group_name']),
        'assignment_policy_description': 'Request %s in My Access; access ends by itself.' % name,
    }


# Profile priorities are unique in a tenant: the app at position N of the list defaults to the default priority plus N
# times this step (100, 200, 300, ...).
PROFILE_PRIORITY_STEP = 100


def app_defaults(builtin, overrides, position):
    """What the app at ``position`` (from 0) of jit_ai_access_apps gets where its entry sets nothing: ``overrides``
    (jit_ai_access_app_defaults) over ``builtin`` (the role's built-in app settings) key by key, and its profile priority."""
    defaults = dict(builtin or {}, **(overrides or {}))
    base = defaults.get('profile_priority')
    if not isinstance(base, int) or isinstance(base, bool):
        return defaults
    return dict(defaults, profile_priority=base + PROFILE_PRIORITY_STEP * position)


def app_settings(app, defaults):
    """Everything the role declares for one app: its entry, else ``defaults``, else the names and descriptions derived
    from its name (descriptions follow the final names)."""
    named = dict(derived_names(app['name']), allow_rule_name=app['name'])
    named.update(defaults)
    named.update(app)
    return dict(derived_descriptions(named['name'], named), **named)


_SECTIONS_SPEC = {section: POLICY_ARGUMENT_SPEC[section] for section in SECTIONS}


def _same_label(kind, reference, option):  # pylint: disable=unused-argument
    """Labels here are already the names the policy module shows (UPNs, group display names)."""
    return reference


def canonical(options):
    """The sections ``options`` declare, as access_package_assignment_policy validates and compares them; ValueError or
    ValidationError for options the module would refuse."""
    result = ArgumentSpecValidator(_SECTIONS_SPEC).validate({key: value for key, value in options.items() if value is not None})
    if result.error_messages:
        raise ValueError('; '.join(result.error_messages))
    params = result.validated_parameters
    for section in (REQUESTORS, APPROVAL, QUESTIONS, ACCESS_REVIEWS):  # the input rules of the sections the role sets
        section.validate(params.get(section.option))
    return declared_sections(params, _same_label)


def shown(value, width=60):
    """``value`` as a message shows it: repr, with long strings cut (the length is in the rule)."""
    if isinstance(value, str) and len(value) > width:
        return repr(value[:width - 3]) + '...'
    return repr(value)


def _app_problems(where, app, present):
    problems = []
    for option, (kind, limit) in NAMES.items():
        problem = name_problem(app.get(option), limit)
        if problem:
            problems.append('%s.%s=%s (the %s name): %s' % (where, option, shown(app.get(option)), kind, problem))
    for option, limit in DESCRIPTION_LIMITS.items():
        value = app.get(option)
        if isinstance(value, str) and len(value) > limit:
            problems.append('%s.%s: must be at most %d characters (has %d)' % (where, option, limit, len(value)))
    fqdns = app.get('fqdns')
    if not isinstance(fqdns, list) or not fqdns:
        problems.append('%s.fqdns=%r: must be a non-empty list of host names' % (where, fqdns))
    for fqdn in fqdns if isinstance(fqdns, list) else ():
        problem = fqdn_problem(fqdn) if isinstance(fqdn, str) else 'must be a host name'
        if problem:
            problems.append('%s.fqdns: %r %s' % (where, fqdn, problem))
    if not present:
        return problems
    priority = app.get('profile_priority')
    problem = profile_priority_problem(priority) if isinstance(priority, int) and not isinstance(priority, bool) else 'must be a number'
    if problem:
        problems.append('%s.profile_priority=%r: %s' % (where, priority, problem))
    problem = link_priority_problem(app.get('link_priority'))
    if problem:
        problems.append('%s.link_priority=%r: %s' % (where, app.get('link_priority'), problem))
    try:
        canonical({section: app.get(section) for section in SECTIONS})
    except (ValueError, ValidationError) as exc:
        problems.append('%s: %s' % (where, exc))
    return problems


def link_priority_problem(priority):
    if not isinstance(priority, int) or isinstance(priority, bool):
        return 'must be a number'
    if not LINK_PRIORITIES[0] <= priority <= LINK_PRIORITIES[1]:
        return 'must be between %d and %d' % LINK_PRIORITIES
    return None


def plain(value):
    """``value`` as plain dicts and lists. Ansible hands a filter its variables as lazily templated containers; reading
    them here resolves every template at once, so no copy of a container (the argument spec validator deep-copies)
    carries Ansible's templating state with it (under ansible-core 2.19 such a copy breaks later filter lookups)."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def plan_apps(apps, overrides, builtin, state='present', block_policy_name=None, catalog_name=None, baseline_link_priority=None):
    """Every app's settings and every problem with them, before anything is changed.

    ``overrides`` (jit_ai_access_app_defaults) replaces ``builtin`` (the role's built-in app settings) key by key, and an
    app's entry replaces both, key by key. Returns ``{'apps': [settings], 'problems': [message]}``; each message names
    the variable, the app, the value and the rule."""
    apps, overrides, builtin = plain(apps), plain(overrides), plain(builtin)
    problems = []
    present = state == 'present'
    if not isinstance(apps, list) or not apps:
        return {'apps': [], 'problems': ['jit_ai_access_apps must be a non-empty list of apps (got %r)' % (apps,)]}
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(APP_SETTINGS)) if isinstance(overrides, dict) else None
    if unknown is None or unknown:
        problems.append('jit_ai_access_app_defaults may set only %s (got %s)' % (
            ', '.join(APP_SETTINGS), ', '.join(unknown) if unknown else repr(overrides)))
        overrides = {}
    settled, seen = [], {}
    for number, app in enumerate(apps, 1):
        if not isinstance(app, dict) or not isinstance(app.get('name'), str):
            problems.append('jit_ai_access_apps[%d]: every app needs a name (got %r)' % (number, app))
            continue
        where = 'jit_ai_access_apps[%s]' % (app['name'] if len(app['name']) <= 40 else app['name'][:37] + '...')
        settings = app_settings(app, app_defaults(builtin, overrides, number - 1))
        problems.extend(_app_problems(where, settings, present))
        for option in ('name',) + UNIQUE_NAMES:
            key = (option if option == 'name' else NAMES[option][0], str(settings.get(option)).lower())
            if key in seen:
                problems.append('%s.%s=%s: %s already has this %s name (names are compared ignoring case)' % (
                    where, option, shown(settings.get(option)), seen[key], NAMES[option][0]))
            seen.setdefault(key, where)
        if present:
            # Whether Graph refuses two profiles at one priority is undocumented; the role refuses them, since a user in
            # both groups would get the two profiles in an order nobody chose.
            key = ('profile_priority', settings.get('profile_priority'))
            if key in seen:
                problems.append('%s.profile_priority=%r: %s already has this priority; give each security profile its own, or '
                                'their order is undefined' % (where, settings.get('profile_priority'), seen[key]))
            seen.setdefault(key, where)
        settled.append(settings)
    if block_policy_name is not None:
        problem = name_problem(block_policy_name)
        if problem:
            problems.append('jit_ai_access_block_policy_name=%r: %s' % (block_policy_name, problem))
        clash = seen.get(('filtering policy', str(block_policy_name).lower()))
        if clash:
            problems.append('jit_ai_access_block_policy_name=%r: %s derives an allow policy of this name' % (block_policy_name, clash))
    if catalog_name is not None:
        problem = name_problem(catalog_name, CATALOG_NAME_LIMIT)
        if problem:
            problems.append('jit_ai_access_catalog_name=%r: %s' % (catalog_name, problem))
    if present and baseline_link_priority is not None:
        problem = link_priority_problem(baseline_link_priority)
        if problem:
            problems.append('jit_ai_access_baseline_link_priority=%r: %s' % (baseline_link_priority, problem))
    return {'apps': settled, 'problems': problems}
