# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules of a Conditional Access policy that need no Graph: the words each condition takes, the input checks, the
lockout guard, the risk-level warning, and the translation between Graph's controls and the module's options.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import APPLICATION_ALIASES, is_guid

POLICY_STATES = {'enabled': 'enabled', 'disabled': 'disabled', 'report_only': 'enabledForReportingButNotEnforced'}
RISK_LEVELS = ('low', 'medium', 'high', 'hidden', 'none')
CLIENT_APP_TYPES = ('all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other')
PLATFORMS = ('all', 'android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux')
BUILT_IN_CONTROLS = ('block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication',
                     'passwordChange')
SIGN_IN_FREQUENCY_LIMITS = {'hours': (1, 23), 'days': (1, 365)}

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


def keyword(option, value):
    """The canonical spelling of a keyword ``option`` accepts (Graph's casing), or None."""
    for word in KEYWORDS.get(option, ()):
        if value.lower() == word.lower():
            return word
    return None


# ---- input and plan-time rules -------------------------------------------------------------------------------------

def condition_problem(option, values):
    """ValidationError for a value a condition list cannot take: a keyword of the include list in the exclude list, an
    application that is no id, alias or keyword."""
    for value in values:
        if value.lower() in (word.lower() for word in MISPLACED_KEYWORDS.get(option, ())):
            raise ValidationError(option, value, 'this keyword only makes sense in include_%s' % option.split('_', 1)[1])
        if option.endswith('_applications') and not (keyword(option, value) or value.lower() in APPLICATION_ALIASES or is_guid(value)):
            raise ValidationError(option, value, 'must be an application id, one of %s or one of %s' % (
                ', '.join(sorted(APPLICATION_ALIASES)), ', '.join(KEYWORDS[option])))


def grant_problem(declared):
    """ValidationError for grant controls that cannot go together."""
    controls = sorted(set(declared.get('built_in_controls') or ()))
    if 'block' in controls and len(controls) > 1:
        raise ValidationError('grant_controls.built_in_controls', controls, 'block cannot be combined with other controls')


def session_problem(declared):
    """ValidationError for session controls Graph would refuse."""
    if declared.get('sign_in_frequency'):
        problem = sign_in_frequency_problem(declared['sign_in_frequency'])
        if problem:
            raise ValidationError('session_controls.sign_in_frequency', declared['sign_in_frequency'], problem)


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


# ---- Graph's controls as options, and back -------------------------------------------------------------------------

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
