"""Global Secure Access area: beta only, policies with rules, profiles with links, the Baseline, validation like Graph."""
# pylint: disable=missing-function-docstring

import pytest

NA = "#microsoft.graph.networkaccess."
POLICIES = "/networkAccess/filteringPolicies"
PROFILES = "/networkAccess/filteringProfiles"


def _error(response, status, code="BadRequest"):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    return error["message"]


def _fqdn_rule(name="chatgpt.com", *values):
    return {"@odata.type": NA + "fqdnFilteringRule", "name": name, "ruleType": "fqdn",
            "destinations": [{"@odata.type": NA + "fqdn", "value": v} for v in values or ("chatgpt.com", "*.chatgpt.com")]}


def _category_rule(name="AI", *names):
    return {"@odata.type": NA + "webCategoryFilteringRule", "name": name, "ruleType": "webCategory",
            "destinations": [{"@odata.type": NA + "webCategory", "name": n} for n in names or ("ArtificialIntelligence",)]}


def _policy(beta, name="Allow ChatGPT", action="allow", rules=None):
    response = beta.post(POLICIES, {"@odata.type": NA + "filteringPolicy", "name": name, "action": action,
                                    "policyRules": [_fqdn_rule()] if rules is None else rules})
    assert response.status_code == 201, response.text
    return response.json()


def _profile(beta, name="Allow ChatGPT", priority=100):
    response = beta.post(PROFILES, {"name": name, "state": "enabled", "priority": priority, "policies": []})
    assert response.status_code == 201, response.text
    return response.json()


def _link(policy_id, priority=100, **extra):
    return {"@odata.type": NA + "filteringPolicyLink", "priority": priority, "state": "enabled", "loggingState": "enabled",
            "policy": {"@odata.type": NA + "filteringPolicy", "id": policy_id}, **extra}


def _baseline(beta):
    return next(p for p in beta.get(PROFILES).json()["value"] if p["priority"] == 65000)


# -- versions, seed, web categories ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [POLICIES, PROFILES, "/networkAccess/connectivity/webCategories"])
def test_beta_only(graph, path):
    assert _error(graph.get(path), 400) == "Resource not found for the segment 'networkAccess'."


def test_tenant_starts_with_the_baseline_profile_and_the_category_list(beta):
    profiles = beta.get(PROFILES).json()["value"]
    assert [(p["name"], p["priority"], p["state"]) for p in profiles] == [("Baseline Profile", 65000, "enabled")]
    assert profiles[0]["conditionalAccessPolicies"] == [] and profiles[0]["version"] == "1.0.0"
    categories = beta.get("/networkAccess/connectivity/webCategories").json()
    assert categories["@odata.context"].endswith("/beta/$metadata#networkAccess/connectivity/webCategories")
    assert {"name": "ArtificialIntelligence", "displayName": "Artificial Intelligence", "group": "Liability"} in categories["value"]
    assert "@odata.nextLink" not in categories
    connectivity = beta.get("/networkAccess/connectivity?$select=webCategories").json()
    assert connectivity["webCategories"] == categories["value"]


# -- policies and rules ---------------------------------------------------------------------------------------------
def test_policy_deep_insert_with_server_defaults_and_expand(beta):
    created = _policy(beta, rules=[_fqdn_rule(), _category_rule()])
    assert created["@odata.context"].endswith("/beta/$metadata#networkAccess/filteringPolicies/$entity")
    assert created["version"] == "1.0.0" and created["description"] is None and created["action"] == "allow"
    assert created["createdDateTime"].endswith("Z") and created["lastModifiedDateTime"].endswith("Z")
    assert "policyRules" not in created
    assert "policyRules" not in beta.get(f"{POLICIES}/{created['id']}").json()
    expanded = beta.get(f"{POLICIES}/{created['id']}?$expand=policyRules").json()
    rules = {rule["name"]: rule for rule in expanded["policyRules"]}
    assert rules["AI"]["@odata.type"] == NA + "webCategoryFilteringRule"
    assert rules["AI"]["destinations"] == [{"@odata.type": NA + "webCategory", "name": "ArtificialIntelligence",
                                            "displayName": "Artificial Intelligence", "group": "Liability"}]
    assert rules["chatgpt.com"]["ruleType"] == "fqdn" and rules["chatgpt.com"]["id"]
    listed = beta.get(f"{POLICIES}?$expand=policyRules").json()["value"]
    assert [len(p["policyRules"]) for p in listed] == [2]
    assert beta.get(f"{POLICIES}/{created['id']}/policyRules").json()["value"] == expanded["policyRules"]


def test_rule_type_defaults_from_odata_type(beta):
    rule = _fqdn_rule()
    del rule["ruleType"]
    created = _policy(beta, rules=[rule])
    assert beta.get(f"{POLICIES}/{created['id']}/policyRules").json()["value"][0]["ruleType"] == "fqdn"


@pytest.mark.parametrize("body, fragment", [
    ({"name": "p", "action": "block", "colour": "red"}, "'colour' does not exist"),
    ({"name": "p", "action": "maybe"}, "'action'"),
    ({"action": "block"}, "'name' is required"),
    ({"name": "p"}, "'action' is required"),
    ({"name": "p", "action": "block", "id": "x"}, "'id'"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), **{"@odata.type": None})]}, "'@odata.type'"),
    ({"name": "p", "action": "block", "policyRules": [{k: v for k, v in _fqdn_rule().items() if k != "@odata.type"}]},
     "'@odata.type' annotation is required"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), destinations=[{"value": "chatgpt.com"}])]},
     "'@odata.type' annotation is required"),
    ({"name": "p", "action": "block", "policyRules": [_category_rule("AI", "ArtificalIntelligence")]},
     "Invalid web category 'ArtificalIntelligence'"),
    ({"name": "p", "action": "block", "policyRules": [_category_rule("AI", "Artificial Intelligence")]}, "Invalid web category"),
    ({"name": "p", "action": "block", "policyRules": [_fqdn_rule("x", "chat gpt.com")]}, "Invalid FQDN 'chat gpt.com'"),
    ({"name": "p", "action": "block", "policyRules": [_fqdn_rule("x", "chat*.com")]}, "Invalid FQDN"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), destinations=[])]}, "at least one destination"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), ruleType="webCategory")]}, "does not match"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), destinations=_category_rule()["destinations"])]},
     "is not valid in a rule of type"),
    ({"name": "p", "action": "block", "policyRules": [_fqdn_rule("same"), _fqdn_rule("SAME")]}, "already exists"),
    ({"name": "p", "action": "block", "policyRules": [dict(_fqdn_rule(), **{"@odata.type": NA + "ipRule"})]}, "could not be resolved"),
])
def test_policy_validation_like_graph(beta, tenant, emulator, body, fragment):
    assert fragment in _error(beta.post(POLICIES, body), 400)
    assert beta.get(POLICIES).json()["value"] == []
    assert len(emulator.state(tenant.tenant_id).table("filteringPolicyRules")) == 0


def test_no_filter_on_gsa_collections(beta):
    for path in (POLICIES, PROFILES):
        assert _error(beta.get(f"{path}?$filter=name eq 'x'"), 400) == "Unsupported Query."


def test_paging_of_policies(beta):
    for number in range(3):
        _policy(beta, name=f"Policy {number}")
    first = beta.get(f"{POLICIES}?$top=2").json()
    assert [p["name"] for p in first["value"]] == ["Policy 0", "Policy 1"]
    second = beta.get(first["@odata.nextLink"]).json()
    assert [p["name"] for p in second["value"]] == ["Policy 2"] and "@odata.nextLink" not in second


def test_policy_patch_and_navigation_guard(beta):
    created = _policy(beta)
    response = beta.patch(f"{POLICIES}/{created['id']}", {"description": "Managed", "action": "block"})
    assert response.status_code == 204 and not response.content
    current = beta.get(f"{POLICIES}/{created['id']}").json()
    assert (current["description"], current["action"]) == ("Managed", "block")
    assert current["lastModifiedDateTime"] >= created["lastModifiedDateTime"]
    assert "cannot be changed with PATCH" in _error(beta.patch(f"{POLICIES}/{created['id']}", {"policyRules": []}), 400)
    assert "'version'" in _error(beta.patch(f"{POLICIES}/{created['id']}", {"version": "2"}), 400)


def test_rules_are_added_patched_and_deleted_one_by_one(beta):
    policy = _policy(beta)
    rules_path = f"{POLICIES}/{policy['id']}/policyRules"
    added = beta.post(rules_path, _category_rule("Gambling", "Gambling"))
    assert added.status_code == 201, added.text
    rule = added.json()
    assert rule["@odata.type"] == NA + "webCategoryFilteringRule" and rule["destinations"][0]["group"] == "Liability"
    assert "already exists" in _error(beta.post(rules_path, _category_rule("gambling", "Gambling")), 400)
    fqdn_id = next(r["id"] for r in beta.get(rules_path).json()["value"] if r["name"] == "chatgpt.com")
    openai = [{"@odata.type": NA + "fqdn", "value": "openai.com"}]
    # networkaccess-filteringrule-update.md: name and ruleType are required; @odata.type stands for ruleType as in its example.
    nameless = {"@odata.type": NA + "fqdnFilteringRule", "destinations": openai}
    assert "'name' is required" in _error(beta.patch(f"{rules_path}/{fqdn_id}", nameless), 400)
    assert "'ruleType' is required" in _error(beta.patch(f"{rules_path}/{fqdn_id}", {"name": "chatgpt.com", "destinations": openai}), 400)
    assert beta.patch(f"{rules_path}/{fqdn_id}", {"@odata.type": NA + "fqdnFilteringRule", "name": "chatgpt.com", "ruleType": "fqdn",
                                                  "destinations": openai}).status_code == 204
    patched = beta.patch(f"{rules_path}/{fqdn_id}", {"@odata.type": NA + "fqdnFilteringRule", "name": "chatgpt.com",
                                                     "destinations": openai})
    assert patched.status_code == 204
    assert beta.get(f"{rules_path}/{fqdn_id}").json()["destinations"] == [{"@odata.type": NA + "fqdn", "value": "openai.com"}]
    assert "cannot change" in _error(beta.patch(f"{rules_path}/{fqdn_id}", _category_rule()), 400)
    assert "Invalid FQDN" in _error(beta.patch(f"{rules_path}/{fqdn_id}", {
        "name": "chatgpt.com", "ruleType": "fqdn", "destinations": [{"@odata.type": NA + "fqdn", "value": "-bad.com"}]}), 400)
    assert beta.delete(f"{rules_path}/{rule['id']}").status_code == 204
    _error(beta.get(f"{rules_path}/{rule['id']}"), 404, "ResourceNotFound")
    other = _policy(beta, name="Other")
    _error(beta.get(f"{POLICIES}/{other['id']}/policyRules/{fqdn_id}"), 404, "ResourceNotFound")
    assert [r["name"] for r in beta.get(rules_path).json()["value"]] == ["chatgpt.com"]


# -- profiles and links -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, fragment", [
    ({"name": "p", "state": "enabled"}, "'priority' is required"),
    ({"name": "p", "priority": 100}, "'state' is required"),
    ({"state": "enabled", "priority": 100}, "'name' is required"),
    ({"name": "p", "state": "on", "priority": 100}, "'state'"),
    ({"name": "p", "state": "enabled", "priority": 99}, "between 100 and 65000"),
    ({"name": "p", "state": "enabled", "priority": 65001}, "between 100 and 65000"),
    ({"name": "p", "state": "enabled", "priority": 65000}, "reserved for the baseline"),
    ({"name": "p", "state": "enabled", "priority": "100"}, "'priority'"),
    ({"name": "p", "state": "enabled", "priority": 100, "conditionalAccessPolicies": []}, "read-only"),
])
def test_profile_validation_like_graph(beta, body, fragment):
    assert fragment in _error(beta.post(PROFILES, body), 400)
    assert len(beta.get(PROFILES).json()["value"]) == 1


def test_links_connect_policies_to_profiles_by_link_id(beta):
    policy = _policy(beta)
    profile = _profile(beta)
    assert profile["version"] == "1.0.0" and profile["description"] is None and profile["conditionalAccessPolicies"] == []
    links_path = f"{PROFILES}/{profile['id']}/policies"
    created = beta.post(links_path, _link(policy["id"]))
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["id"] != policy["id"] and link["@odata.type"] == NA + "filteringPolicyLink"
    assert link["policy"]["id"] == policy["id"] and link["policy"]["name"] == "Allow ChatGPT"
    assert link["policy"]["@odata.type"] == NA + "filteringPolicy" and link["version"] == "1.0.0"
    assert "already linked" in _error(beta.post(links_path, _link(policy["id"], 200)), 400)
    assert "does not exist" in _error(beta.post(links_path, _link("00000000-0000-0000-0000-000000000000")), 400)
    assert "'@odata.type' annotation is required" in _error(
        beta.post(links_path, {k: v for k, v in _link(policy["id"]).items() if k != "@odata.type"}), 400)
    assert "between 100 and 65000" in _error(beta.post(links_path, _link(_policy(beta, name="Two")["id"], 65001)), 400)
    assert "'priority' is required" in _error(
        beta.post(links_path, {k: v for k, v in _link(policy["id"]).items() if k != "priority"}), 400)
    assert "'action'" in _error(beta.post(links_path, _link(policy["id"], action="block")), 400)

    expanded = beta.get(f"{PROFILES}/{profile['id']}?$expand=policies($expand=policy)").json()
    assert [(item["id"], item["policy"]["name"]) for item in expanded["policies"]] == [(link["id"], "Allow ChatGPT")]
    listed = beta.get(f"{PROFILES}?$expand=policies($expand=policy)").json()["value"]
    assert {p["name"]: len(p["policies"]) for p in listed} == {"Baseline Profile": 0, "Allow ChatGPT": 1}
    assert beta.get(links_path).json()["value"][0]["policy"]["id"] == policy["id"]
    assert "Could not find a property named 'rules'" in _error(beta.get(f"{PROFILES}/{profile['id']}?$expand=policies($expand=rules)"), 400)

    assert beta.patch(f"{links_path}/{link['id']}", {"@odata.type": NA + "filteringPolicyLink", "state": "disabled",
                                                     "priority": 300}).status_code == 204
    current = beta.get(f"{links_path}/{link['id']}").json()
    assert (current["state"], current["priority"], current["loggingState"]) == ("disabled", 300, "enabled")
    repoint = {"policy": {"@odata.type": NA + "filteringPolicy", "id": policy["id"]}}
    assert "cannot change" in _error(beta.patch(f"{links_path}/{link['id']}", repoint), 400)
    _error(beta.delete(f"{links_path}/{policy['id']}"), 404, "ResourceNotFound")
    assert beta.delete(f"{links_path}/{link['id']}").status_code == 204
    assert beta.get(links_path).json()["value"] == []


def test_profile_inline_links_and_cascading_delete(beta, emulator, tenant):
    policy = _policy(beta)
    response = beta.post(PROFILES, {"name": "Inline", "state": "enabled", "priority": 200, "policies": [_link(policy["id"])]})
    assert response.status_code == 201, response.text
    profile = response.json()
    assert len(beta.get(f"{PROFILES}/{profile['id']}/policies").json()["value"]) == 1
    bad = beta.post(PROFILES, {"name": "Bad", "state": "enabled", "priority": 300,
                               "policies": [_link(policy["id"]), _link(policy["id"])]})
    assert "already linked" in _error(bad, 400)
    assert [p["name"] for p in beta.get(PROFILES).json()["value"]] == ["Baseline Profile", "Inline"]
    assert beta.delete(f"{PROFILES}/{profile['id']}").status_code == 204
    assert len(emulator.state(tenant.tenant_id).table("filteringPolicyLinks")) == 0
    assert beta.delete(f"{POLICIES}/{policy['id']}").status_code == 204


def test_linked_policy_cannot_be_deleted_until_unlinked(beta, emulator, tenant):
    policy = _policy(beta, rules=[_fqdn_rule(), _category_rule()])
    baseline = _baseline(beta)
    link = beta.post(f"{PROFILES}/{baseline['id']}/policies", _link(policy["id"])).json()
    message = _error(beta.delete(f"{POLICIES}/{policy['id']}"), 409, "Conflict")
    assert "'Baseline Profile'" in message
    assert beta.delete(f"{PROFILES}/{baseline['id']}/policies/{link['id']}").status_code == 204
    assert beta.delete(f"{POLICIES}/{policy['id']}").status_code == 204
    assert len(emulator.state(tenant.tenant_id).table("filteringPolicyRules")) == 0
    _error(beta.get(f"{POLICIES}/{policy['id']}"), 404, "ResourceNotFound")


def test_baseline_is_linked_but_never_renamed_reprioritised_or_deleted(beta):
    baseline = _baseline(beta)
    path = f"{PROFILES}/{baseline['id']}"
    assert "cannot be changed" in _error(beta.patch(path, {"priority": 100}), 400)
    assert "cannot be changed" in _error(beta.patch(path, {"name": "Mine"}), 400)
    assert beta.patch(path, {"description": "Tenant-wide", "priority": 65000}).status_code == 204
    assert _error(beta.delete(path), 400) == "The baseline profile cannot be deleted."
    other = _profile(beta)
    assert "reserved for the baseline" in _error(beta.patch(f"{PROFILES}/{other['id']}", {"priority": 65000}), 400)
    assert beta.patch(f"{PROFILES}/{other['id']}", {"priority": 200, "state": "disabled"}).status_code == 204
    assert "cannot be changed with PATCH" in _error(beta.patch(f"{PROFILES}/{other['id']}", {"policies": []}), 400)


def test_conditional_access_policies_of_a_profile_come_from_the_ca_policies(beta, emulator, tenant):
    profile = _profile(beta)
    ca = beta.post("/identity/conditionalAccess/policies", {
        "displayName": "Allow ChatGPT for the JIT group", "state": "enabled",
        "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]}},
        "sessionControls": {"globalSecureAccessFilteringProfile": {"profileId": profile["id"], "isEnabled": True}}})
    assert ca.status_code == 201, ca.text
    with emulator.lock:
        emulator.state(tenant.tenant_id).table("conditionalAccessPolicies").add({
            "id": "5d1c9a8e-9d55-4c7a-8f5e-0f0b3c2a1d10", "displayName": "No session control", "sessionControls": None})
    referrers = beta.get(f"{PROFILES}/{profile['id']}").json()["conditionalAccessPolicies"]
    assert [(p["id"], p["displayName"]) for p in referrers] == [(ca.json()["id"], "Allow ChatGPT for the JIT group")]
    assert set(referrers[0]) == {"id", "displayName", "description", "createdDateTime", "modifiedDateTime"}
    assert _baseline(beta)["conditionalAccessPolicies"] == []
    selected = beta.get(f"{PROFILES}/{profile['id']}?$select=name").json()
    assert "conditionalAccessPolicies" not in selected and selected["name"] == "Allow ChatGPT"
    expanded = beta.get(f"{PROFILES}/{profile['id']}?$expand=conditionalAccessPolicies").json()
    assert expanded["conditionalAccessPolicies"] == referrers


def test_app_only_calls_need_a_network_access_permission(emulator, tenant):
    from .helpers import Graph  # pylint: disable=import-outside-toplevel

    state = emulator.state(tenant.tenant_id)
    with emulator.lock:
        app = state.apps[tenant.client_id]
        app["roles"] = [role for role in app["roles"] if not role.startswith("NetworkAccess")]
    client = Graph(emulator, emulator.token_for(tenant.tenant_id), version="beta")
    try:
        assert _error(client.get(POLICIES), 403, "Authorization_RequestDenied")
    finally:
        client.close()


def test_two_profiles_never_share_a_priority(beta):
    """Assumption (README): duplicate profile priorities are refused, as Microsoft's migration tooling refuses them."""
    first = _profile(beta, name="First", priority=300)
    assert "'First'" in _error(beta.post(PROFILES, {"name": "Second", "state": "enabled", "priority": 300}), 400)
    second = _profile(beta, name="Second", priority=400)
    assert "'First'" in _error(beta.patch(f"{PROFILES}/{second['id']}", {"priority": 300}), 400)
    assert beta.patch(f"{PROFILES}/{first['id']}", {"priority": 300, "state": "disabled"}).status_code == 204


@pytest.mark.parametrize("roles", [["NetworkAccess.ReadWrite.All"], ["NetworkAccessPolicy.ReadWrite.All"]])
def test_either_permission_family_the_pages_name_is_accepted(emulator, tenant, roles):
    """The GSA pages disagree (NetworkAccess.* vs NetworkAccessPolicy.*); the emulator accepts both."""
    from .helpers import Graph  # pylint: disable=import-outside-toplevel

    with emulator.lock:
        emulator.state(tenant.tenant_id).apps[tenant.client_id]["roles"] = list(roles)
    client = Graph(emulator, emulator.token_for(tenant.tenant_id), version="beta")
    try:
        assert client.get(POLICIES).status_code == 200
        assert _policy(client, name="Either")["name"] == "Either"
    finally:
        client.close()
