"""Conditional Access area: policies in beta and v1.0, server defaults, PATCH merging, reference checks, named
locations and the directory role templates."""
# pylint: disable=missing-function-docstring,redefined-outer-name

import pytest

from tests.emulator.graph.odata import new_id

from .helpers import Graph, upn

POLICIES = "/identity/conditionalAccess/policies"
LOCATIONS = "/identity/conditionalAccess/namedLocations"
INTERNET = "5dc48733-b5df-475c-a49b-fa307ef00853"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


def _error(response, status=400, code="BadRequest"):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    return error["message"]


def add_profile(emulator, tenant, name="Allow ChatGPT"):
    """A security profile stored the way the GSA area stores them (table ``filteringProfiles``)."""
    profile = {"id": new_id(), "name": name, "description": None, "state": "enabled", "priority": 100,
               "version": "1.0.0", "createdDateTime": "2025-01-01T00:00:00Z", "lastModifiedDateTime": "2025-01-01T00:00:00Z"}
    with emulator.lock:
        emulator.state(tenant.tenant_id).table("filteringProfiles").add(profile)
    return profile


@pytest.fixture
def group(graph):
    return graph.create_group("Allow ChatGPT Access", "allowchatgpt")


def _policy(group_id, profile_id=None, **extra):
    body = {"displayName": "GSA - Allow ChatGPT (JIT)", "state": "enabled",
            "conditions": {"users": {"includeGroups": [group_id]},
                           "applications": {"includeApplications": [INTERNET]}, "signInRiskLevels": ["low"]}}
    if profile_id:
        body["sessionControls"] = {"globalSecureAccessFilteringProfile": {"profileId": profile_id, "isEnabled": True}}
    body.update(extra)
    return body


def test_beta_create_fills_server_defaults(emulator, tenant, beta, group):
    profile = add_profile(emulator, tenant)
    response = beta.post(POLICIES, _policy(group["id"], profile["id"]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["@odata.context"].endswith("/beta/$metadata#identity/conditionalAccess/policies/$entity")
    conditions = created["conditions"]
    assert conditions["clientAppTypes"] == ["all"]
    assert conditions["userRiskLevels"] == [] and conditions["platforms"] is None and conditions["locations"] is None
    assert conditions["users"]["includeGroups"] == [group["id"]] and conditions["users"]["excludeUsers"] == []
    assert conditions["applications"] == {"includeApplications": [INTERNET], "excludeApplications": [],
                                          "includeUserActions": [], "includeAuthenticationContextClassReferences": [],
                                          "applicationFilter": None}
    assert created["grantControls"] is None
    assert created["sessionControls"]["globalSecureAccessFilteringProfile"] == {"isEnabled": True,
                                                                                "profileId": profile["id"]}
    assert created["sessionControls"]["signInFrequency"] is None
    assert created["createdDateTime"] and created["modifiedDateTime"] is None
    # The GSA area reads the same table: the profile lists the policies that hand it out.
    referrers = beta.get(f"/networkAccess/filteringProfiles/{profile['id']}").json()["conditionalAccessPolicies"]
    assert [(p["id"], p["displayName"]) for p in referrers] == [(created["id"], "GSA - Allow ChatGPT (JIT)")]
    again = beta.get(f"{POLICIES}/{created['id']}").json()
    assert {k: v for k, v in again.items() if k != "@odata.context"} == \
        {k: v for k, v in created.items() if k != "@odata.context"}


def test_session_control_exists_only_in_beta(emulator, tenant, graph, beta, group):
    profile = add_profile(emulator, tenant)
    message = _error(graph.post(POLICIES, _policy(group["id"], profile["id"])))
    assert "'globalSecureAccessFilteringProfile' does not exist" in message
    created = beta.post(POLICIES, _policy(group["id"], profile["id"])).json()
    v1 = graph.get(f"{POLICIES}/{created['id']}").json()
    assert "globalSecureAccessFilteringProfile" not in v1["sessionControls"]
    assert "deletedDateTime" not in v1 and "times" not in v1["conditions"]
    assert [p["id"] for p in graph.get(POLICIES).json()["value"]] == [created["id"]]
    assert "globalSecureAccessFilteringProfile" not in graph.get(POLICIES).json()["value"][0]["sessionControls"]
    # A v1.0 PATCH of another session control leaves the beta-only member in place.
    assert graph.patch(f"{POLICIES}/{created['id']}", {"sessionControls": {"disableResilienceDefaults": True}}).status_code == 204
    after = beta.get(f"{POLICIES}/{created['id']}").json()["sessionControls"]
    assert after["globalSecureAccessFilteringProfile"]["profileId"] == profile["id"]
    assert after["disableResilienceDefaults"] is True


def test_a_session_controls_value_replaces_the_stored_one(emulator, tenant, beta, group):
    """Assumption (README): a PATCH with sessionControls replaces them whole; conditions members merge as the docs show."""
    profile = add_profile(emulator, tenant)
    body = _policy(group["id"], profile["id"])
    body["sessionControls"]["cloudAppSecurity"] = {"isEnabled": True, "cloudAppSecurityType": "monitorOnly"}
    created = beta.post(POLICIES, body).json()
    assert created["sessionControls"]["cloudAppSecurity"]["cloudAppSecurityType"] == "monitorOnly"
    assert beta.patch(f"{POLICIES}/{created['id']}", {"sessionControls": {"disableResilienceDefaults": True}}).status_code == 204
    after = beta.get(f"{POLICIES}/{created['id']}").json()
    assert after["sessionControls"]["cloudAppSecurity"] is None and after["sessionControls"]["globalSecureAccessFilteringProfile"] is None
    assert beta.patch(f"{POLICIES}/{created['id']}", {"conditions": {"signInRiskLevels": ["none", "low"]}}).status_code == 204
    after = beta.get(f"{POLICIES}/{created['id']}").json()
    assert after["conditions"]["signInRiskLevels"] == ["none", "low"] and after["conditions"]["users"]["includeGroups"] == [group["id"]]


@pytest.mark.parametrize("mutate, fragment", [
    (lambda b, ids: b["conditions"]["users"].update(includeGroups=[new_id()]), "includeGroups"),
    (lambda b, ids: b["conditions"]["users"].update(excludeUsers=[new_id()]), "excludeUsers"),
    (lambda b, ids: b["conditions"]["users"].update(includeRoles=[new_id()]), "includeRoles"),
    (lambda b, ids: b["conditions"]["users"].update(excludeGroups=["Finance Team"]), "excludeGroups"),
    (lambda b, ids: b["conditions"]["applications"].update(includeApplications=["ChatGPT"]), "includeApplications"),
    (lambda b, ids: b["conditions"].update(locations={"includeLocations": [new_id()]}), "includeLocations"),
    (lambda b, ids: b.update(sessionControls={"globalSecureAccessFilteringProfile": {"profileId": new_id()}}),
     "filtering profile"),
    (lambda b, ids: b["conditions"].update(users={}), "must include users"),
    (lambda b, ids: b["conditions"].update(applications={"excludeApplications": [INTERNET]}), "must target applications"),
    (lambda b, ids: b["conditions"].update(signInRiskLevels=["lowish"]), "'signInRiskLevels'"),
    (lambda b, ids: b["conditions"].update(clientAppTypes=["desktop"]), "'clientAppTypes'"),
    (lambda b, ids: b.update(state="on"), "'state'"),
    (lambda b, ids: b.update(colour="red"), "'colour' does not exist"),
    (lambda b, ids: b["conditions"]["users"].update(includeGroupz=[]), "'includeGroupz' does not exist"),
    (lambda b, ids: b.update(grantControls={"builtInControls": ["mfa"]}), "operator"),
    (lambda b, ids: b.update(grantControls={"operator": "OR", "builtInControls": ["block", "mfa"]}), "block"),
    (lambda b, ids: b.update(sessionControls={"signInFrequency": {"value": 4}}), "signInFrequency"),
    (lambda b, ids: b.pop("state"), "'state' is required"),
    (lambda b, ids: b.pop("conditions"), "'conditions' is required"),
])
def test_invalid_policies_are_rejected(emulator, tenant, beta, group, mutate, fragment):
    body = _policy(group["id"])
    mutate(body, group)
    assert fragment in _error(beta.post(POLICIES, body))
    assert emulator.state(tenant.tenant_id).table("conditionalAccessPolicies").values() == []


def test_keywords_users_roles_and_guests(beta, tenant, group):
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    body = _policy(group["id"])
    body["state"] = "enabledForReportingButNotEnforced"
    body["conditions"]["users"] = {"includeUsers": ["All"], "excludeUsers": [sarah, "GuestsOrExternalUsers"],
                                   "excludeGroups": [group["id"]], "excludeRoles": [GLOBAL_ADMIN]}
    body["conditions"]["applications"]["includeApplications"] = ["All"]
    response = beta.post(POLICIES, body)
    assert response.status_code == 201, response.text
    assert response.json()["conditions"]["users"]["excludeRoles"] == [GLOBAL_ADMIN]


def test_patch_merges_complex_properties_and_replaces_their_members(beta, group, tenant):
    created = beta.post(POLICIES, _policy(group["id"], grantControls={"operator": "OR", "builtInControls": ["mfa"],
                                                                      "termsOfUse": []})).json()
    path = f"{POLICIES}/{created['id']}"
    assert beta.patch(path, {"state": "enabledForReportingButNotEnforced"}).status_code == 204
    current = beta.get(path).json()
    assert current["state"] == "enabledForReportingButNotEnforced"
    assert current["conditions"] == created["conditions"] and current["modifiedDateTime"]
    # The docs' update example sends one member of conditions; the others keep their values.
    assert beta.patch(path, {"conditions": {"signInRiskLevels": ["none", "low"]}}).status_code == 204
    current = beta.get(path).json()
    assert current["conditions"]["signInRiskLevels"] == ["none", "low"]
    assert current["conditions"]["users"]["includeGroups"] == [group["id"]]
    # A member that is itself complex is replaced as a whole, with its defaults.
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    assert beta.patch(path, {"conditions": {"users": {"includeUsers": [sarah]}}}).status_code == 204
    users = beta.get(path).json()["conditions"]["users"]
    assert users["includeUsers"] == [sarah] and users["includeGroups"] == []
    assert beta.patch(path, {"conditions": {"clientAppTypes": []}}).status_code == 204
    assert beta.get(path).json()["conditions"]["clientAppTypes"] == ["all"]
    assert beta.patch(path, {"grantControls": None}).status_code == 204
    assert beta.get(path).json()["grantControls"] is None
    assert "must include users" in _error(beta.patch(path, {"conditions": {"users": {"excludeUsers": [sarah]}}}))
    assert "'conditions'" in _error(beta.patch(path, {"conditions": None}))
    assert "'id'" in _error(beta.patch(path, {"id": new_id()}))


def test_list_filter_select_and_delete(beta, group):
    first = beta.post(POLICIES, _policy(group["id"])).json()
    second = beta.post(POLICIES, _policy(group["id"], displayName="Other")).json()
    found = beta.get(f"{POLICIES}?$filter=displayName eq 'Other'&$select=displayName,state").json()
    assert found["value"] == [{"id": second["id"], "displayName": "Other", "state": "enabled"}]
    assert _error(beta.get(f"{POLICIES}?$select=colour"))
    assert beta.delete(f"{POLICIES}/{first['id']}").status_code == 204
    _error(beta.get(f"{POLICIES}/{first['id']}"), 404, "ResourceNotFound")
    _error(beta.delete(f"{POLICIES}/{first['id']}"), 404, "ResourceNotFound")
    assert [p["id"] for p in beta.get(POLICIES).json()["value"]] == [second["id"]]


def test_named_locations(beta, group):
    office = beta.post(LOCATIONS, {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Head office",
                                   "isTrusted": True, "ipRanges": [
                                       {"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "203.0.113.0/24"}]})
    assert office.status_code == 201, office.text
    country = beta.post(LOCATIONS, {"@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "Blocked",
                                    "countriesAndRegions": ["KP"]}).json()
    assert country["countryLookupMethod"] == "clientIpAddress"
    listed = beta.get(LOCATIONS).json()["value"]
    assert [(item["@odata.type"], item["displayName"]) for item in listed] == [
        ("#microsoft.graph.ipNamedLocation", "Head office"), ("#microsoft.graph.countryNamedLocation", "Blocked")]
    assert beta.get(f"{LOCATIONS}/{country['id']}").json()["countriesAndRegions"] == ["KP"]
    assert "@odata.type" in _error(beta.post(LOCATIONS, {"displayName": "x"}))
    no_ranges = {"@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "x"}
    assert "'ipRanges' is required" in _error(beta.post(LOCATIONS, no_ranges))
    body = _policy(group["id"])
    body["conditions"]["locations"] = {"includeLocations": ["All"], "excludeLocations": [office.json()["id"], "AllTrusted"]}
    assert beta.post(POLICIES, body).status_code == 201


def test_directory_role_templates(graph, beta):
    templates = {t["displayName"]: t["id"] for t in graph.get("/directoryRoleTemplates").json()["value"]}
    assert templates["Global Administrator"] == GLOBAL_ADMIN
    assert templates["Conditional Access Administrator"] == "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
    assert templates["Security Administrator"] == "194ae4cb-b126-40b2-bd5b-6091b380977d"
    assert beta.get(f"/directoryRoleTemplates/{GLOBAL_ADMIN}").json()["displayName"] == "Global Administrator"
    assert _error(graph.get("/directoryRoleTemplates?$filter=displayName eq 'x'"), code="Request_UnsupportedQuery")
    _error(graph.get(f"/directoryRoleTemplates/{new_id()}"), 404, "Request_ResourceNotFound")


def test_policies_are_isolated_per_tenant(emulator, beta, group):
    beta.post(POLICIES, _policy(group["id"]))
    other = emulator.add_tenant()
    client = Graph(emulator, emulator.token_for(other.tenant_id), version="beta")
    try:
        assert client.get(POLICIES).json()["value"] == []
    finally:
        client.close()
