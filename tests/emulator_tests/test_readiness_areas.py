"""What a readiness check reads: licences (subscribedSkus), traffic forwarding profiles, and directory roles in
delegated tokens; and Conditional Access What If (evaluate) with the documented verdicts."""
# pylint: disable=missing-function-docstring,redefined-outer-name

import base64
import json

import pytest

from tests.emulator.graph.gsa import forwarding_profile
from tests.emulator.graph.licensing import remove_service_plan

from .helpers import Graph, upn

POLICIES = "/identity/conditionalAccess/policies"
EVALUATE = "/identity/conditionalAccess/evaluate"
INTERNET = "5dc48733-b5df-475c-a49b-fa307ef00853"
FORWARDING = "/networkAccess/forwardingProfiles"


def _claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# -- licences -------------------------------------------------------------------------------------------------------
def test_a_tenant_starts_licensed_for_the_collection(graph):
    response = graph.get("/subscribedSkus")
    assert response.status_code == 200, response.text
    plans = {plan["servicePlanName"]: plan["provisioningStatus"] for sku in response.json()["value"] for plan in sku["servicePlans"]}
    for name in ("AAD_PREMIUM", "AAD_PREMIUM_P2", "Entra_Identity_Governance", "Entra_Premium_Internet_Access"):
        assert plans[name] == "Success"
    sku = response.json()["value"][0]
    assert sku["skuPartNumber"] == "AAD_PREMIUM_P2" and sku["capabilityStatus"] == "Enabled"
    assert sku["id"].endswith("_" + sku["skuId"])


def test_subscribed_skus_take_no_filter_and_need_a_directory_permission(emulator, tenant, graph):
    assert graph.get("/subscribedSkus", params={"$filter": "skuPartNumber eq 'AAD_PREMIUM'"}).status_code == 400
    with emulator.lock:
        emulator.state(tenant.tenant_id).apps[tenant.client_id]["roles"] = ["Policy.Read.All"]
    limited = Graph(emulator, emulator.token_for(tenant.tenant_id))
    try:
        assert limited.get("/subscribedSkus").status_code == 403
    finally:
        limited.close()


def test_a_plan_removed_is_gone_from_every_subscription(emulator, tenant, graph):
    with emulator.lock:
        remove_service_plan(emulator.state(tenant.tenant_id), "Entra_Premium_Internet_Access")
    names = {plan["servicePlanName"] for sku in graph.get("/subscribedSkus").json()["value"] for plan in sku["servicePlans"]}
    assert "Entra_Premium_Internet_Access" not in names and "AAD_PREMIUM" in names


# -- traffic forwarding profiles ------------------------------------------------------------------------------------
def test_three_forwarding_profiles_internet_enabled_and_assigned_to_all(beta, graph):
    assert graph.get(FORWARDING).status_code == 400  # beta only
    profiles = {p["trafficForwardingType"]: p for p in beta.get(FORWARDING).json()["value"]}
    assert set(profiles) == {"m365", "private", "internet"}
    internet = profiles["internet"]
    assert internet["state"] == "enabled" and internet["priority"] == 2 and internet["associations"] == []
    principal = beta.get("%s/%s/servicePrincipal" % (FORWARDING, internet["id"])).json()
    assert principal["appId"] == INTERNET and principal["appRoleAssignmentRequired"] is False


def test_patch_enables_a_profile_and_answers_with_it(emulator, tenant, beta):
    with emulator.lock:
        profile = forwarding_profile(emulator.state(tenant.tenant_id), "internet")
        profile["state"] = "disabled"
    response = beta.patch("%s/%s" % (FORWARDING, profile["id"]), {"state": "enabled"})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "enabled" and response.json()["trafficForwardingType"] == "internet"
    assert beta.get("%s/%s" % (FORWARDING, profile["id"])).json()["state"] == "enabled"
    for body in ({"state": "on"}, {"trafficForwardingType": "m365"}, {"priority": 5},
                 {"associations": [{"branchId": "x"}]}):
        assert beta.patch("%s/%s" % (FORWARDING, profile["id"]), body).status_code == 400, body


# -- directory roles in delegated tokens ----------------------------------------------------------------------------
def test_delegated_tokens_carry_the_users_directory_roles(emulator, tenant):
    admin = _claims(emulator.token_for(tenant.tenant_id, upn=upn(tenant, "admin")))
    assert admin["wids"] == ["62e90394-69f5-4237-9190-012177145e10"]
    assert "wids" not in _claims(emulator.token_for(tenant.tenant_id, upn=upn(tenant, "sarah.jones")))


# -- What If --------------------------------------------------------------------------------------------------------
@pytest.fixture
def jit_policy(graph, beta):
    """The collection's pattern: a group-targeted policy for the GSA internet resources at sign-in risk low only."""
    group = graph.create_group("Allow ChatGPT Access", "allowchatgpt")
    body = {"displayName": "GSA - Allow ChatGPT (JIT)", "state": "enabled",
            "conditions": {"users": {"includeGroups": [group["id"]]}, "applications": {"includeApplications": [INTERNET]},
                           "signInRiskLevels": ["low"]}}
    policy = beta.post(POLICIES, body).json()
    return group, policy


def _evaluate(client, tenant, nickname, risk=None, application=INTERNET, **conditions):
    if risk is not None:
        conditions["signInRiskLevel"] = risk
    response = client.post(EVALUATE, {
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": tenant.users[upn(tenant, nickname)]["id"]},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [application]},
        "signInConditions": conditions})
    assert response.status_code == 200, response.text
    return {result["displayName"]: result for result in response.json()["value"]}


def test_member_at_low_risk_gets_the_policy(graph, beta, tenant, jit_policy):
    group, _policy = jit_policy
    graph.post("/groups/%s/members/$ref" % group["id"],
               {"@odata.id": "%s/v1.0/directoryObjects/%s" % (graph.emulator.base_url, tenant.users[upn(tenant, "sarah.jones")]["id"])})
    result = _evaluate(beta, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]
    assert result["policyApplies"] is True and result["analysisReasons"] == "notSet"


def test_risk_none_misses_a_low_only_policy_with_sign_in_risk(graph, beta, tenant, jit_policy):
    group, _policy = jit_policy
    graph.post("/groups/%s/members/$ref" % group["id"],
               {"@odata.id": "%s/v1.0/directoryObjects/%s" % (graph.emulator.base_url, tenant.users[upn(tenant, "sarah.jones")]["id"])})
    assert _evaluate(beta, tenant, "sarah.jones", "none")["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "signInRisk"
    assert _evaluate(beta, tenant, "sarah.jones", "medium")["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "signInRisk"
    # signinconditions.md: an omitted sign-in risk level is evaluated as low.
    assert _evaluate(beta, tenant, "sarah.jones")["GSA - Allow ChatGPT (JIT)"]["policyApplies"] is True


def test_non_member_misses_with_users_and_another_app_with_application(beta, tenant, jit_policy):
    assert _evaluate(beta, tenant, "james.wilson", "low")["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "users"


def test_nested_group_member_exclusions_states_and_applied_only(emulator, tenant, graph, beta, jit_policy):
    group, policy = jit_policy
    finance = next(g for g in graph.get("/groups").json()["value"] if g["displayName"] == "Finance Team")
    graph.post("/groups/%s/members/$ref" % group["id"], {"@odata.id": "%s/v1.0/directoryObjects/%s" % (emulator.base_url, finance["id"])})
    assert _evaluate(beta, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]["policyApplies"] is True
    other_app = _evaluate(beta, tenant, "sarah.jones", "low", application="00000003-0000-0ff1-ce00-000000000000")
    assert other_app["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "application"
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    response = beta.patch("%s/%s" % (POLICIES, policy["id"]), {"conditions": {"users": {"includeGroups": [group["id"]], "excludeUsers": [sarah]}}})
    assert response.status_code == 204, response.text
    assert _evaluate(beta, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "users"
    report_only = {"state": "enabledForReportingButNotEnforced", "conditions": {"users": {"includeGroups": [group["id"]]}}}
    response = beta.patch("%s/%s" % (POLICIES, policy["id"]), report_only)
    assert response.status_code == 204, response.text
    result = _evaluate(beta, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]
    assert result["policyApplies"] is True and result["state"] == "enabledForReportingButNotEnforced"
    beta.patch("%s/%s" % (POLICIES, policy["id"]), {"state": "disabled"})
    assert _evaluate(beta, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]["analysisReasons"] == "policyNotEnabled"
    response = beta.post(EVALUATE, {
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": tenant.users[upn(tenant, "sarah.jones")]["id"]},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [INTERNET]},
        "signInConditions": {"signInRiskLevel": "low"}, "appliedPoliciesOnly": True})
    assert response.json()["value"] == []


def test_platform_client_app_and_location_conditions(tenant, graph, beta):
    location = beta.post("/identity/conditionalAccess/namedLocations", {
        "@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Home", "countriesAndRegions": ["US"]}).json()
    beta.post(POLICIES, {"displayName": "Browsers on Windows at home", "state": "enabled", "conditions": {
        "users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["browser"],
        "platforms": {"includePlatforms": ["windows"]}, "locations": {"includeLocations": [location["id"]]}}})
    name = "Browsers on Windows at home"
    assert _evaluate(beta, tenant, "sarah.jones", devicePlatform="windows", clientAppType="browser", country="US")[name]["policyApplies"]
    assert _evaluate(beta, tenant, "sarah.jones", devicePlatform="iOS", country="US")[name]["analysisReasons"] == "devicePlatform"
    assert _evaluate(beta, tenant, "sarah.jones", devicePlatform="windows", clientAppType="other",
                     country="US")[name]["analysisReasons"] == "clientApps"
    assert _evaluate(beta, tenant, "sarah.jones", devicePlatform="windows", country="FR")[name]["analysisReasons"] == "location"
    assert _evaluate(beta, tenant, "sarah.jones", devicePlatform="windows")[name]["analysisReasons"] == "notEnoughInformation"


def test_v1_answers_without_beta_only_controls_and_validation(emulator, tenant, graph, beta, jit_policy):
    result = _evaluate(graph, tenant, "sarah.jones", "low")["GSA - Allow ChatGPT (JIT)"]
    assert "globalSecureAccessFilteringProfile" not in (result["sessionControls"] or {}) and "partialEnablementStrategy" not in result
    response = beta.post(EVALUATE, {"signInIdentity": {"userId": "x"}, "signInContext": {}, "signInConditions": {}})
    assert response.status_code == 400
    response = beta.post(EVALUATE, {
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": "00000000-0000-0000-0000-000000000001"},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [INTERNET]},
        "signInConditions": {"signInRiskLevel": "extreme"}})
    assert response.status_code == 400
    with emulator.lock:
        state = emulator.state(tenant.tenant_id)
        remove_service_plan(state, "AAD_PREMIUM")
        remove_service_plan(state, "AAD_PREMIUM_P2")
    response = beta.post(EVALUATE, {
        "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": tenant.users[upn(tenant, "sarah.jones")]["id"]},
        "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [INTERNET]},
        "signInConditions": {}})
    assert response.status_code == 403 and "P1" in response.json()["error"]["message"]
