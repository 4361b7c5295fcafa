"""Pure parts of tenant_readiness and conditional_access_what_if: what a token holds, which service plans count, the
What If request a module sends, and its input rules."""

from __future__ import annotations

import pytest

from ansible_collections.jitaccess.entra.plugins.module_utils._fields import ValidationError
from ansible_collections.jitaccess.entra.plugins.module_utils._readiness import active_service_plans, credential_view
from ansible_collections.jitaccess.entra.plugins.module_utils._what_if import request_body, validate

USER_ID = '0f3c7a0e-2f3b-4c57-9b6f-1c1c1b8f1a11'


@pytest.mark.parametrize('claims, expected', [
    ({'idtyp': 'app', 'roles': ['Group.ReadWrite.All', 'Policy.Read.All']},
     {'kind': 'application', 'permissions': ['Group.ReadWrite.All', 'Policy.Read.All'], 'roles': [], 'wids': []}),
    # Older app-only tokens carry no idtyp: roles without scp.
    ({'roles': ['User.Read.All']}, {'kind': 'application', 'permissions': ['User.Read.All'], 'roles': [], 'wids': []}),
    ({'idtyp': 'user', 'scp': 'User.Read Group.Read.All', 'wids': ['62E90394-69F5-4237-9190-012177145E10', 'a-custom-role']},
     {'kind': 'delegated', 'permissions': ['Group.Read.All', 'User.Read'], 'roles': ['Global Administrator', 'a-custom-role'],
      'wids': ['62E90394-69F5-4237-9190-012177145E10', 'a-custom-role']}),
    ({'scp': 'User.Read'}, {'kind': 'delegated', 'permissions': ['User.Read'], 'roles': [], 'wids': []}),
])
def test_credential_view(claims, expected):
    assert credential_view(claims) == expected


def test_only_provisioned_plans_of_working_subscriptions_count():
    def sku(status, *plans):
        return {'capabilityStatus': status, 'servicePlans': [{'servicePlanName': name, 'provisioningStatus': state} for name, state in plans]}
    skus = [sku('Enabled', ('AAD_PREMIUM', 'Success'), ('MFA_PREMIUM', 'Disabled')),
            sku('Warning', ('Entra_Identity_Governance', 'Success')),
            sku('Suspended', ('Entra_Premium_Internet_Access', 'Success')),
            sku('Enabled', ('AAD_PREMIUM_P2', 'PendingActivation'))]
    assert active_service_plans(skus) == {'AAD_PREMIUM', 'Entra_Identity_Governance'}


def params(**options):
    base = dict(user='sarah@contoso.com', application='all_internet_resources_gsa', sign_in_risk_level='none',
                user_risk_level='none', client_app_type=None, device_platform=None, country=None, ip_address=None,
                applied_only=False, policies=None)
    base.update(options)
    return base


def test_request_body_sends_the_risk_levels_and_only_the_conditions_given():
    assert request_body(params(country='us', device_platform='windows'), USER_ID) == {
        'signInIdentity': {'@odata.type': '#microsoft.graph.userSignIn', 'userId': USER_ID},
        'signInContext': {'@odata.type': '#microsoft.graph.applicationContext',
                          'includeApplications': ['5dc48733-b5df-475c-a49b-fa307ef00853']},
        'signInConditions': {'signInRiskLevel': 'none', 'userRiskLevel': 'none', 'devicePlatform': 'windows', 'country': 'US'},
        'appliedPoliciesOnly': False,
    }
    assert request_body(params(application=USER_ID), USER_ID)['signInContext']['includeApplications'] == [USER_ID]


@pytest.mark.parametrize('options, message', [
    (dict(application='chatgpt'), "application='chatgpt': must be an application id"),
    (dict(country='USA'), "country='USA': must be a two-letter ISO 3166 country code"),
    (dict(ip_address='10.0.0.300'), "ip_address='10.0.0.300': must be an IPv4 or IPv6 address"),
])
def test_bad_input(options, message):
    with pytest.raises(ValidationError, match=message):
        validate(params(**options))


def test_good_input():
    validate(params(application='MICROSOFT_APPS_GSA', country='fr', ip_address='2001:db8::1'))
