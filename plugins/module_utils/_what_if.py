# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Conditional Access What If: which policies a described sign-in gets, and why the others do not apply.

Internal use only: this file is not part of the collection's public API and may change without notice.

``POST /identity/conditionalAccess/evaluate`` exists in v1.0 and beta (conditionalaccessroot-evaluate.md); it is called
through beta because the answer carries each policy in full and only beta's policies show the Global Secure Access
security profile session control.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.jitaccess.entra.plugins.module_utils._conditional_access_rules import POLICY_STATES, grant_view, session_view
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._references import APPLICATION_ALIASES, GUID

EVALUATE_PATH = '/identity/conditionalAccess/evaluate'
COUNTRY = re.compile(r'^[A-Za-z]{2}$')
# Module option -> signInConditions property (signinconditions.md).
CONDITIONS = (('sign_in_risk_level', 'signInRiskLevel'), ('user_risk_level', 'userRiskLevel'), ('client_app_type', 'clientAppType'),
              ('device_platform', 'devicePlatform'), ('country', 'country'), ('ip_address', 'ipAddress'))
REPORT_ONLY = POLICY_STATES['report_only']
LICENCE_HINT = ('Conditional Access What If needs a Microsoft Entra ID P1 or P2 licence in the tenant and the Graph permission '
                'Policy.Read.ConditionalAccess or Policy.Read.All')


def validate(params):
    application = params['application']
    if application.lower() not in APPLICATION_ALIASES and not GUID.match(application):
        raise ValidationError('application', application, 'must be an application id (a GUID) or one of %s' % ', '.join(sorted(APPLICATION_ALIASES)))
    if params.get('country') is not None and not COUNTRY.match(params['country']):
        raise ValidationError('country', params['country'], 'must be a two-letter ISO 3166 country code such as US')
    if params.get('ip_address') is not None:
        try:
            ipaddress.ip_address(params['ip_address'])
        except ValueError as exc:
            raise ValidationError('ip_address', params['ip_address'], 'must be an IPv4 or IPv6 address') from exc


def request_body(params, user_id):
    conditions = {prop: params[option].upper() if option == 'country' else params[option]
                  for option, prop in CONDITIONS if params.get(option) is not None}
    return {
        'signInIdentity': {'@odata.type': '#microsoft.graph.userSignIn', 'userId': user_id},
        'signInContext': {'@odata.type': '#microsoft.graph.applicationContext',
                          'includeApplications': [APPLICATION_ALIASES.get(params['application'].lower(), params['application'])]},
        'signInConditions': conditions,
        'appliedPoliciesOnly': params['applied_only'],
    }


def _profile_names(ctx, results):
    """{security profile id (lower case): name} for the profiles the results hand out; {} when none or unreadable."""
    wanted = {(session_view(r.get('sessionControls')) or {}).get('gsa_security_profile') for r in results} - {None}
    if not wanted:
        return {}
    try:
        profiles = ctx.client.list('/networkAccess/filteringProfiles', api='beta', action='naming the security profiles')
    except GraphError as exc:
        if exc.status != 403:
            raise
        ctx.warn('security profiles are shown by id only: %s' % exc)
        return {}
    return {profile['id'].lower(): profile.get('name') for profile in profiles}


def policy_view(result, profile_names):
    session = session_view(result.get('sessionControls'))
    profile_id = (session or {}).get('gsa_security_profile')
    applies = bool(result.get('policyApplies'))
    return {
        'id': result.get('id'), 'display_name': result.get('displayName'), 'state': result.get('state'),
        'report_only': result.get('state') == REPORT_ONLY, 'applies': applies,
        'analysis_reasons': None if applies else result.get('analysisReasons'),
        'grant_controls': grant_view(result.get('grantControls')),
        'session_controls': session,
        'security_profile': {'id': profile_id, 'name': profile_names.get(profile_id.lower())} if profile_id else None,
    }


def what_if(ctx):
    params = ctx.params
    user = ctx.refs.resolve('user', params['user'], 'user')
    body = request_body(params, user['id'])
    try:
        answer = ctx.client.post(EVALUATE_PATH, body, api='beta', action='evaluating Conditional Access for %s' % user['userPrincipalName'])
    except GraphError as exc:
        if exc.status == 403:
            exc.message = '%s (%s)' % (exc.message, LICENCE_HINT)
        raise
    results = (answer or {}).get('value', [])
    if params.get('policies'):
        wanted = {name.lower() for name in params['policies']}
        results = [r for r in results if (r.get('displayName') or '').lower() in wanted]
    names = _profile_names(ctx, results)
    policies = [policy_view(result, names) for result in results]
    return {
        'policies': policies,
        'applied': [p['display_name'] for p in policies if p['applies'] and p['state'] == 'enabled'],
        'report_only_applied': [p['display_name'] for p in policies if p['applies'] and p['report_only']],
        'not_applied': {p['display_name']: p['analysis_reasons'] for p in policies if not p['applies']},
        'sign_in': {'user': user['userPrincipalName'], 'user_id': user['id'], 'application': body['signInContext']['includeApplications'][0],
                    'conditions': body['signInConditions']},
    }
