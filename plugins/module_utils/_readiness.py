# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The readiness checklist of a tenant: what must be true before the role jit_ai_access writes anything.

Internal use only: this file is not part of the collection's public API and may change without notice.

Each item is ``pass``, ``fail`` or ``unknown`` (the tenant would not say, e.g. a 403 on a read) with a one-line reason
and the fix. Everything is read; the one write is enabling the Internet Access traffic forwarding profile when asked.
"""

from __future__ import annotations


from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_policy import CATEGORIES_PATH, category_index, category_name
from ansible_collections.jitaccess.entra.plugins.module_utils._filtering_profile import baseline_candidates
from ansible_collections.jitaccess.entra.plugins.module_utils._graph import odata_quote
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import (
    MODULE_PERMISSIONS, ROLE_TEMPLATE_IDS, missing_permissions, missing_role, permission_hint)
from ansible_collections.jitaccess.entra.plugins.module_utils._references import GUID

PASS, FAIL, UNKNOWN = 'pass', 'fail', 'unknown'

# Licences: (check, what it enables, the service plans (servicePlanName) that provide it). Plan names from entra-docs
# docs/identity/users/licensing-service-plan-reference.md: AAD_PREMIUM (Microsoft Entra ID P1), AAD_PREMIUM_P2
# (Microsoft Entra ID P2, whose SKUs also carry AAD_PREMIUM), Entra_Identity_Governance (Microsoft Entra ID Governance,
# also in the Microsoft Entra Suite), Entra_Premium_Internet_Access (Microsoft Entra Internet Access).
LICENCES = (
    ('licence_conditional_access', 'Microsoft Entra ID P1 (Conditional Access)', ('AAD_PREMIUM', 'AAD_PREMIUM_P2')),
    ('licence_sign_in_risk', 'Microsoft Entra ID P2 (sign-in risk conditions)', ('AAD_PREMIUM_P2',)),
    ('licence_entitlement_management', 'Microsoft Entra ID Governance or P2 (Entitlement Management)',
     ('Entra_Identity_Governance', 'AAD_PREMIUM_P2')),
    ('licence_internet_access', 'Microsoft Entra Internet Access (Global Secure Access web content filtering)',
     ('Entra_Premium_Internet_Access',)),
)
# subscribedsku.md capabilityStatus: a subscription in its grace period (Warning) still works.
USABLE_SUBSCRIPTIONS = ('Enabled', 'Warning')
FORWARDING_PATH = '/networkAccess/forwardingProfiles'
POLICIES_PATH = '/identity/conditionalAccess/policies'


def item(check, status, reason, fix=None, required=True, **extra):
    return dict(check=check, status=status, reason=reason, fix=fix if status != PASS else None, required=required, **extra)


def unreadable(check, what, exc, required=True):
    """An item for a read Graph refused: unknown, naming the permission the read needs."""
    hint = permission_hint(exc.permissions) if exc.permissions else None
    return item(check, UNKNOWN, 'could not read %s: Graph answered %s%s' % (what, exc.status, ' %s' % exc.code if exc.code else ''),
                fix=hint and hint[0].upper() + hint[1:], required=required)


def read_token_claims(client):
    """The claims of the access token the client sends to Graph (read, never verified: it only says what it holds)."""
    claims = client.token_claims()
    if claims is None:
        raise GraphError('the access token is not a JWT whose claims can be read', action='reading what the credential holds')
    return claims


def credential_view(claims):
    """What the token holds: its kind, permissions and (delegated) directory roles by name."""
    app_only = claims.get('idtyp') == 'app' or ('roles' in claims and 'scp' not in claims)
    granted = list(claims.get('roles') or []) if app_only else (claims.get('scp') or '').split()
    names = {template_id: name for name, template_id in ROLE_TEMPLATE_IDS.items()}
    roles = [] if app_only else [names.get(role_id.lower(), role_id) for role_id in claims.get('wids') or []]
    return dict(kind='application' if app_only else 'delegated', permissions=sorted(granted), roles=sorted(roles),
                wids=list(claims.get('wids') or []))


def permission_items(credential, modules):
    kind = credential['kind']
    items = []
    for module in modules:
        check = 'permissions_%s' % module
        missing = missing_permissions(module, kind, credential['permissions'])
        if missing is None:
            items.append(item(check, FAIL, '%s needs a delegated (user) token; Graph refuses application credentials for it' % module,
                              fix='run %s with access_token set to a user token' % module, missing=[]))
            continue
        roles = missing_role(module, credential['wids']) if kind == 'delegated' else []
        if not missing and not roles:
            items.append(item(check, PASS, 'the %s permissions %s cover what %s calls' % (
                kind, ', '.join(MODULE_PERMISSIONS[module][kind]), module), missing=[]))
            continue
        problems = []
        if missing:
            problems.append('%s permission %s' % (kind, ', '.join(missing)))
        if roles:
            problems.append('an Entra role of the signed-in user (%s)' % ' or '.join(roles))
        fix = ('grant the app registration the Microsoft Graph application permission %s and give admin consent' % ', '.join(missing)
               if kind == 'application' else
               'consent to the delegated permission %s and assign the user %s' % (', '.join(missing) or '(none)', ' or '.join(roles) or 'no role'))
        items.append(item(check, FAIL, '%s is missing %s' % (module, ' and '.join(problems)), fix=fix, missing=missing + roles))
    return items


def active_service_plans(skus):
    """The service plan names provisioned in subscriptions that work (subscribedsku.md, serviceplaninfo.md)."""
    return {plan.get('servicePlanName') for sku in skus if sku.get('capabilityStatus') in USABLE_SUBSCRIPTIONS
            for plan in sku.get('servicePlans') or [] if plan.get('provisioningStatus') == 'Success'}


def licence_items(client):
    try:
        skus = client.list('/subscribedSkus', action='reading the subscribed SKUs')
    except GraphError as exc:
        if exc.status not in (401, 403):
            raise
        return [unreadable(check, 'the subscribed SKU list (so %s cannot be confirmed)' % what, exc) for check, what, dummy in LICENCES]
    held = active_service_plans(skus)
    items = []
    for check, what, plans in LICENCES:
        found = sorted(held.intersection(plans))
        if found:
            items.append(item(check, PASS, '%s: service plan %s is active' % (what, ', '.join(found))))
        else:
            items.append(item(check, FAIL, '%s: no active subscription holds service plan %s' % (what, ' or '.join(plans)),
                              fix='buy or start a trial of a licence that includes %s' % ' or '.join(plans)))
    return items


def _read(client, path, what, api='beta'):
    """A listing, or the GraphError that refused it."""
    try:
        return client.list(path, api=api, action='reading %s' % what), None
    except GraphError as exc:
        if exc.status not in (400, 401, 403, 404):
            raise
        return None, exc


def forwarding_items(ctx, result):
    """The Internet Access traffic forwarding profile: exists, enabled (fixed when asked), assigned to all users."""
    client = ctx.client
    profiles, exc = _read(client, FORWARDING_PATH, 'the traffic forwarding profiles')
    if exc is not None:
        return [unreadable('internet_forwarding_profile', 'the traffic forwarding profiles', exc),
                unreadable('internet_forwarding_assignment', 'the traffic forwarding profiles', exc)]
    internet = next((p for p in profiles if p.get('trafficForwardingType') == 'internet'), None)
    if internet is None:
        missing = ('the tenant has no Internet Access traffic forwarding profile', 'activate Global Secure Access in the Microsoft Entra '
                   'admin center (Global Secure Access > Get started)')
        return [item('internet_forwarding_profile', FAIL, missing[0], fix=missing[1]),
                item('internet_forwarding_assignment', UNKNOWN, missing[0], fix=missing[1])]
    items = [enable_item(ctx, internet, result)]
    try:
        principal = client.get('%s/%s/servicePrincipal' % (FORWARDING_PATH, internet['id']), api='beta',
                               action='reading the users assigned to the Internet Access traffic forwarding profile')
    except GraphError as error:
        if error.status not in (400, 401, 403, 404):
            raise
        items.append(unreadable('internet_forwarding_assignment', 'who the Internet Access profile is assigned to', error))
        return items
    if principal.get('appRoleAssignmentRequired'):
        items.append(item('internet_forwarding_assignment', FAIL,
                          'the Internet Access profile is assigned to selected users and groups only: a member of a just-in-time '
                          'group outside them gets no Internet Access traffic forwarding, so no security profile applies',
                          fix='set User and group assignments > Assign to all users to Yes on the Internet Access profile '
                              '(Global Secure Access > Connect > Traffic forwarding)'))
    else:
        items.append(item('internet_forwarding_assignment', PASS, 'the Internet Access profile is assigned to all users'))
    return items


def enable_item(ctx, internet, result):
    """Whether the Internet Access profile is enabled; with fix_forwarding, enable it (predicted in check mode)."""
    if internet.get('state') == 'enabled':
        return item('internet_forwarding_profile', PASS, 'the Internet Access traffic forwarding profile %r is enabled' % internet.get('name'))
    fix = 'enable it in Global Secure Access > Connect > Traffic forwarding, or run tenant_readiness with fix_forwarding=true'
    if not ctx.params.get('fix_forwarding'):
        return item('internet_forwarding_profile', FAIL, 'the Internet Access traffic forwarding profile %r is %s' % (
            internet.get('name'), internet.get('state')), fix=fix)
    if not ctx.check_mode:
        try:
            ctx.client.patch('%s/%s' % (FORWARDING_PATH, internet['id']), {'state': 'enabled'}, api='beta',
                             action='enabling the Internet Access traffic forwarding profile')
        except GraphError as exc:
            if exc.status != 403:
                raise
            return item('internet_forwarding_profile', FAIL, 'the Internet Access traffic forwarding profile is %s and enabling it '
                        'was refused: %s' % (internet.get('state'), exc), fix=fix)
    result['changed'] = True
    result['diff'] = {'before': {'internet_forwarding_profile': {'id': internet['id'], 'state': internet.get('state')}},
                      'after': {'internet_forwarding_profile': {'id': internet['id'], 'state': 'enabled'}}}
    return item('internet_forwarding_profile', PASS, 'the Internet Access traffic forwarding profile %r %s enabled by this run' % (
        internet.get('name'), 'would be' if ctx.check_mode else 'was'))


def security_profile_items(ctx):
    client = ctx.client
    items = []
    profiles, exc = _read(client, '/networkAccess/filteringProfiles', 'the security profiles')
    if exc is not None:
        items.append(unreadable('baseline_profile', 'the security profiles', exc))
    elif baseline_candidates(profiles):
        items.append(item('baseline_profile', PASS, 'the Baseline profile exists (%s)' % baseline_candidates(profiles)[0].get('name')))
    else:
        items.append(item('baseline_profile', FAIL, 'the tenant has no Baseline profile (a security profile with priority 65000)',
                          fix='open Global Secure Access > Secure > Security profiles once so the service creates it'))
    categories, exc = _read(client, CATEGORIES_PATH, 'the web category list')
    for wanted in ctx.params['web_categories']:
        check = 'web_category_%s' % wanted
        if exc is not None:
            items.append(unreadable(check, 'the web category list', exc))
        elif category_name(wanted, category_index(categories)):
            items.append(item(check, PASS, 'the web category %s is in the tenant\'s list' % wanted))
        else:
            items.append(item(check, FAIL, 'the web category %s is not in the tenant\'s list' % wanted,
                              fix='check the category name against Global Secure Access > Secure > Web content filtering'))
    return items


def _find_account(ctx, kind, reference):
    """The user or group ``reference`` names (UPN / display name or id), or None when the tenant has none."""
    client = ctx.client
    if GUID.match(reference):
        select = 'id,displayName,userPrincipalName' if kind == 'user' else 'id,displayName'
        return client.get('/%ss/%s' % (kind, reference), params={'$select': select}, action='looking up %s %s' % (kind, reference),
                          missing_ok=True)
    prop = 'userPrincipalName' if kind == 'user' else 'displayName'
    found = client.list('/%ss' % kind, params={'$filter': '%s eq %s' % (prop, odata_quote(reference))},
                        action='looking up %s %r' % (kind, reference))
    if len(found) > 1:
        raise ValidationError('break_glass.%ss' % kind, reference, 'matches %d groups (ids: %s); give the id' % (
            len(found), ', '.join(sorted(obj['id'] for obj in found))))
    return found[0] if found else None


def break_glass_items(ctx):
    accounts = ctx.params.get('break_glass') or {}
    wanted = [('user', ref) for ref in accounts.get('users') or []] + [('group', ref) for ref in accounts.get('groups') or []]
    if not wanted:
        return [item('break_glass_accounts', UNKNOWN, 'no break-glass accounts are named, so no Conditional Access policy can be '
                     'checked for their exclusion', fix='set break_glass.users (and .groups) to the emergency access accounts',
                     required=False)]
    found, items = {}, []
    try:
        for kind, reference in wanted:
            found[(kind, reference)] = _find_account(ctx, kind, reference)
    except GraphError as exc:
        if exc.status != 403:
            raise
        return [unreadable('break_glass_accounts', 'the break-glass accounts', exc)]
    absent = ['%s %s' % (kind, reference) for (kind, reference), obj in found.items() if obj is None]
    if absent:
        items.append(item('break_glass_accounts', FAIL, 'break-glass accounts not found in the tenant: %s' % ', '.join(absent),
                          fix='create them, or correct break_glass'))
    else:
        items.append(item('break_glass_accounts', PASS, 'the %d break-glass accounts exist' % len(found)))
    policies, exc = _read(ctx.client, POLICIES_PATH, 'the Conditional Access policies', api='v1.0')
    if exc is not None:
        items.append(unreadable('break_glass_excluded', 'the Conditional Access policies', exc))
        return items
    named = ctx.params.get('policies')
    if named:
        targets = []
        for name in named:
            matches = [p for p in policies if (p.get('displayName') or '').lower() == name.lower()]
            if not matches:
                items.append(item('break_glass_excluded_%s' % name, UNKNOWN, 'Conditional Access policy %r does not exist yet' % name,
                                  fix='give conditional_access_policy the break_glass option when it creates the policy', required=False))
            targets.extend(matches)
    else:
        targets = [p for p in policies if 'All' in (((p.get('conditions') or {}).get('users') or {}).get('includeUsers') or [])]
    for policy in targets:
        users = (policy.get('conditions') or {}).get('users') or {}
        excluded = {'user': {v.lower() for v in users.get('excludeUsers') or []}, 'group': {v.lower() for v in users.get('excludeGroups') or []}}
        not_excluded = ['%s %s' % (kind, reference) for (kind, reference), obj in found.items()
                        if obj is not None and obj['id'].lower() not in excluded[kind]]
        check = 'break_glass_excluded_%s' % policy.get('displayName')
        if not_excluded:
            items.append(item(check, FAIL, 'Conditional Access policy %r (%s) does not exclude %s' % (
                policy.get('displayName'), policy.get('state'), ', '.join(not_excluded)),
                fix='add them to the policy\'s exclusions (conditional_access_policy option break_glass)'))
        else:
            items.append(item(check, PASS, 'Conditional Access policy %r excludes every break-glass account' % policy.get('displayName')))
    return items


def checklist(ctx):
    """The module's result: the checklist, ready, what the credential holds, and changed / diff of the one fix."""
    result = {'changed': False, 'diff': {'before': {}, 'after': {}}}
    credential = credential_view(read_token_claims(ctx.client))
    items = permission_items(credential, ctx.params['modules'])
    items += licence_items(ctx.client)
    items += forwarding_items(ctx, result)
    items += security_profile_items(ctx)
    items += break_glass_items(ctx)
    result.update(
        ready=not any(entry['status'] == FAIL and entry['required'] for entry in items),
        checklist=items,
        summary={status: sum(1 for entry in items if entry['status'] == status) for status in (PASS, FAIL, UNKNOWN)},
        credential={key: value for key, value in credential.items() if key != 'wids'},
    )
    return result
