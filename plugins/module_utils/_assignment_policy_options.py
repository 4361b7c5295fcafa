# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An assignment policy as read (the view of access_package_assignment_policy) turned back into that module's options,
in their shortest form that declares the same policy. Pure functions; the export uses them to say whether the role can
carry a policy and which of its settings differ from the role's defaults.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._access_package_assignment_policy import plan_sections
from ansible_collections.jitaccess.entra.plugins.module_utils._durations import duration_seconds
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._role_model import canonical


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


def holds(check):
    """``check()``, False when the options it tries cannot be declared at all."""
    try:
        return check()
    except (ValueError, ValidationError):
        return False


def section_option(section, current, value):
    """The shortest option for one section that declares the same as ``value`` and leaves ``current`` as it is."""
    meant = new_policy({section: value})[section]
    round_trips = holds(lambda: applied(current, {section: value})[section] == current[section])

    def keeps(candidate):
        return holds(lambda: new_policy({section: candidate})[section] == meant and (
            not round_trips or applied(current, {section: candidate})[section] == current[section]))

    return minimise(value, keeps) if isinstance(value, (dict, list)) else value


def differs_from_default(section, current, value, default):
    """True when the role's default for ``section`` would not declare what the tenant has."""
    return holds(lambda: new_policy({section: value})[section] != new_policy({section: default})[section]) or not holds(
        lambda: applied(current, {section: default})[section] == current[section])
