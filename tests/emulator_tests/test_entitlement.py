"""Entitlement Management area: catalogs, resource requests with replication lag, packages and role scopes,
assignment policies (PUT, questions, Graph's validation), assignments blocking deletion."""
# pylint: disable=missing-function-docstring,redefined-outer-name

import pytest

from tests.emulator.graph import entitlement

from .helpers import upn

EM = "/identityGovernance/entitlementManagement"


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _error(response, status=400, code="BadRequest"):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    return error["message"]


def _request(request_type, catalog, **resource):
    return {"requestType": request_type, "catalog": {"id": catalog["id"]}, "resource": resource}


@pytest.fixture
def catalog(graph):
    return _ok(graph.post(f"{EM}/catalogs", {"displayName": "AI tools", "description": "JIT"}), 201)


@pytest.fixture
def jit_group(graph):
    return graph.create_group("Allow ChatGPT Access")


def _add_group(emulator, graph, catalog, group):
    """adminAdd the group and move the clock past the replication lag; returns the resource with roles and scopes."""
    _ok(graph.post(f"{EM}/resourceRequests", _request("adminAdd", catalog, originId=group["id"], originSystem="AadGroup")), 201)
    emulator.advance_clock(entitlement.REPLICATION_SECONDS)
    found = _ok(graph.get(f"{EM}/catalogs/{catalog['id']}/resources?$filter=originId eq '{group['id']}'&$expand=roles,scopes"))
    return found["value"][0]


@pytest.fixture
def package(graph, catalog):
    return _ok(graph.post(f"{EM}/accessPackages", {"displayName": "ChatGPT", "catalog": {"id": catalog["id"]}}), 201)


def _policy(package, tenant, **overrides):
    body = {
        "displayName": "Finance JIT", "accessPackage": {"id": package["id"]},
        "allowedTargetScope": "allMemberUsers",
        "expiration": {"type": "afterDuration", "duration": "PT2H"},
        "requestorSettings": {"enableTargetsToSelfAddAccess": True},
        "requestApprovalSettings": {"isApprovalRequiredForAdd": True, "stages": [{
            "durationBeforeAutomaticDenial": "P14D",
            "primaryApprovers": [{"@odata.type": "#microsoft.graph.requestorManager", "managerLevel": 1}],
            "fallbackPrimaryApprovers": [{"@odata.type": "#microsoft.graph.singleUser",
                                          "userId": tenant.users[upn(tenant, "it.approvals")]["id"]}]}]},
        "questions": [{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "Why?", "isRequired": True}],
    }
    body.update(overrides)
    return body


# -- catalogs -------------------------------------------------------------------------------------------------------
def test_catalog_defaults_filter_update_and_the_general_catalog(graph, catalog):
    assert catalog["catalogType"] == "userManaged" and catalog["state"] == "published"
    assert catalog["isExternallyVisible"] is True and catalog["createdDateTime"].endswith("Z")
    assert catalog["@odata.context"].endswith("/v1.0/$metadata#identityGovernance/entitlementManagement/catalogs/$entity")
    found = _ok(graph.get(f"{EM}/catalogs?$filter=displayName eq 'AI tools'"))["value"]
    assert [c["id"] for c in found] == [catalog["id"]]
    general = _ok(graph.get(f"{EM}/catalogs?$filter=displayName eq 'General'"))["value"][0]
    assert general["catalogType"] == "serviceDefault"
    assert _ok(graph.patch(f"{EM}/catalogs/{catalog['id']}", {"state": "unpublished"}), 204) is None
    assert _ok(graph.get(f"{EM}/catalogs/{catalog['id']}"))["state"] == "unpublished"
    assert "'colour'" in _error(graph.patch(f"{EM}/catalogs/{catalog['id']}", {"colour": "red"}))
    assert "'catalogType'" in _error(graph.post(f"{EM}/catalogs", {"displayName": "x", "catalogType": "userManaged"}))
    assert "'displayName'" in _error(graph.post(f"{EM}/catalogs", {"description": "no name"}))
    assert "built-in" in _error(graph.delete(f"{EM}/catalogs/{general['id']}"))


def test_entitlement_management_is_v1_only(beta):
    assert "Resource not found for the segment" in _error(beta.get(f"{EM}/catalogs"))


def test_catalog_with_packages_cannot_be_deleted(graph, catalog, package):
    assert "1 access package" in _error(graph.delete(f"{EM}/catalogs/{catalog['id']}"))
    assert [p["id"] for p in _ok(graph.get(f"{EM}/catalogs/{catalog['id']}/accessPackages"))["value"]] == [package["id"]]
    _ok(graph.delete(f"{EM}/accessPackages/{package['id']}"), 204)
    _ok(graph.delete(f"{EM}/catalogs/{catalog['id']}"), 204)
    assert _error(graph.get(f"{EM}/catalogs/{catalog['id']}"), 404, "ResourceNotFound")


# -- resources ------------------------------------------------------------------------------------------------------
def test_group_appears_in_the_catalog_after_the_replication_lag(emulator, graph, catalog, jit_group):
    request = _ok(graph.post(f"{EM}/resourceRequests", {
        "requestType": "adminAdd", "catalog": {"id": catalog["id"]},
        "resource": {"displayName": "Allow ChatGPT Access", "originId": jit_group["id"], "originSystem": "AadGroup"}}), 201)
    assert request["requestType"] == "adminAdd" and request["state"] == "delivered"
    query = f"{EM}/catalogs/{catalog['id']}/resources?$filter=originId eq '{jit_group['id']}'&$expand=roles,scopes"
    assert _ok(graph.get(query))["value"] == []
    emulator.advance_clock(entitlement.REPLICATION_SECONDS)
    [resource] = _ok(graph.get(query))["value"]
    assert resource["displayName"] == "Allow ChatGPT Access" and resource["originSystem"] == "AadGroup"
    assert resource["id"] != jit_group["id"]
    assert sorted(r["originId"] for r in resource["roles"]) == [f"Member_{jit_group['id']}", f"Owner_{jit_group['id']}"]
    assert resource["scopes"] == [{"id": resource["scopes"][0]["id"], "displayName": "Root", "description": "Root Scope",
                                   "originId": jit_group["id"], "originSystem": "AadGroup", "isRootScope": True}]
    assert "_catalogId" not in resource
    roles = _ok(graph.get(f"{EM}/catalogs/{catalog['id']}/resourceRoles?$filter=(originSystem eq 'AadGroup' and "
                          f"resource/id eq '{resource['id']}')&$expand=resource"))["value"]
    assert sorted(r["displayName"] for r in roles) == ["Member", "Owner"] and roles[0]["resource"]["id"] == resource["id"]
    again = graph.post(f"{EM}/resourceRequests", _request("adminAdd", catalog, originId=jit_group["id"], originSystem="AadGroup"))
    assert "already part of the catalog" in _error(again)


def test_resource_request_rules(graph, catalog):
    missing = graph.post(f"{EM}/resourceRequests", _request("adminAdd", catalog, originId="00000000-0000-0000-0000-000000000001",
                                                            originSystem="AadGroup"))
    assert _error(missing, 404, "ResourceNotFound")
    assert "'requestType'" in _error(graph.post(f"{EM}/resourceRequests", _request("userAdd", catalog, originId="x")))
    assert "'resource'" in _error(graph.post(f"{EM}/resourceRequests", {"requestType": "adminAdd", "catalog": {"id": catalog["id"]}}))


# -- packages and role scopes ---------------------------------------------------------------------------------------
def test_role_scopes_attach_list_and_detach(emulator, graph, tenant, catalog, jit_group, package):
    resource = _add_group(emulator, graph, catalog, jit_group)
    member = next(r for r in resource["roles"] if r["displayName"] == "Member")
    body = {"role": {**member, "resource": {"id": resource["id"], "originId": jit_group["id"], "originSystem": "AadGroup"}},
            "scope": resource["scopes"][0]}
    created = _ok(graph.post(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes", body), 201)
    assert created["id"] == f"{member['id']}_{resource['scopes'][0]['id']}"
    assert _error(graph.post(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes", body), 409, "Conflict")
    listed = _ok(graph.get(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes?$expand=role($expand=resource),scope"))
    assert [(rs["role"]["originId"], rs["scope"]["isRootScope"], rs["role"]["resource"]["originId"]) for rs in listed["value"]] == [
        (f"Member_{jit_group['id']}", True, jit_group["id"])]
    expanded = _ok(graph.get(f"{EM}/accessPackages/{package['id']}?$expand=resourceRoleScopes($expand=role,scope),catalog"))
    assert expanded["catalog"]["id"] == catalog["id"] and len(expanded["resourceRoleScopes"]) == 1
    assert "resourceRoleScopes" not in _ok(graph.get(f"{EM}/accessPackages/{package['id']}"))
    with emulator.lock:
        assert entitlement.granted_roles(emulator.state(tenant.tenant_id), package["id"]) == [(jit_group["id"], "Member")]
    remove = graph.post(f"{EM}/resourceRequests", _request("adminRemove", catalog, id=resource["id"]))
    assert "ChatGPT" in _error(remove)
    _ok(graph.delete(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes/{created['id']}"), 204)
    assert _ok(graph.get(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes"))["value"] == []
    _ok(graph.post(f"{EM}/resourceRequests", _request("adminRemove", catalog, id=resource["id"])), 201)
    assert _ok(graph.get(f"{EM}/catalogs/{catalog['id']}/resources"))["value"] == []


def test_role_of_another_catalog_is_rejected(emulator, graph, catalog, jit_group, package):
    other = _ok(graph.post(f"{EM}/catalogs", {"displayName": "Other"}), 201)
    resource = _add_group(emulator, graph, other, jit_group)
    body = {"role": {"id": resource["roles"][0]["id"]}, "scope": {"id": resource["scopes"][0]["id"]}}
    assert _error(graph.post(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes", body), 404, "ResourceNotFound")


def test_package_create_rules_and_filter(graph, catalog, package):
    assert package["isHidden"] is False and "catalog" not in package
    assert "catalog" in _error(graph.post(f"{EM}/accessPackages", {"displayName": "No catalog"}))
    found = _ok(graph.get(f"{EM}/accessPackages?$filter=displayName eq 'ChatGPT'&$expand=catalog"))["value"]
    assert [(p["id"], p["catalog"]["displayName"]) for p in found] == [(package["id"], "AI tools")]
    _ok(graph.patch(f"{EM}/accessPackages/{package['id']}", {"isHidden": True, "description": "d"}), 204)
    assert _ok(graph.get(f"{EM}/accessPackages/{package['id']}"))["isHidden"] is True
    assert "'isHidden'" in _error(graph.patch(f"{EM}/accessPackages/{package['id']}", {"isHidden": "yes"}))


def test_active_assignments_block_package_and_policy_deletion(emulator, graph, tenant, package):
    policy = _ok(graph.post(f"{EM}/assignmentPolicies", _policy(package, tenant)), 201)
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    with emulator.lock:
        assignment = entitlement.add_assignment(emulator.state(tenant.tenant_id), package["id"], policy["id"], sarah)
    found = _ok(graph.get(f"{EM}/assignments?$filter=accessPackage/id eq '{package['id']}' and state eq 'delivered'"
                          "&$expand=target"))["value"]
    assert [(a["id"], a["target"]["objectId"]) for a in found] == [(assignment["id"], sarah)]
    assert "1 active assignment" in _error(graph.delete(f"{EM}/accessPackages/{package['id']}"))
    assert "1 active assignment" in _error(graph.delete(f"{EM}/assignmentPolicies/{policy['id']}"))
    with emulator.lock:
        assignment["state"] = "expired"
    _ok(graph.delete(f"{EM}/accessPackages/{package['id']}"), 204)
    assert _error(graph.get(f"{EM}/assignmentPolicies/{policy['id']}"), 404, "ResourceNotFound")


# -- policies -------------------------------------------------------------------------------------------------------
def test_policy_create_defaults_questions_and_durations(graph, tenant, package):
    created = _ok(graph.post(f"{EM}/assignmentPolicies", _policy(package, tenant, expiration={
        "type": "afterDuration", "duration": "PT48H"})), 201)
    assert created["expiration"] == {"type": "afterDuration", "duration": "P2D", "endDateTime": None}
    assert created["requestorSettings"]["allowCustomAssignmentSchedule"] is False
    assert created["requestorSettings"]["onBehalfRequestors"] == []
    stage = created["requestApprovalSettings"]["stages"][0]
    assert stage["durationBeforeEscalation"] == "PT0S" and stage["escalationApprovers"] == []
    assert created["reviewSettings"] is None and created["automaticRequestSettings"] is None
    [question] = created["questions"]
    assert question["id"] and question["sequence"] == 1 and question["isSingleLineQuestion"] is True
    plain = _ok(graph.get(f"{EM}/assignmentPolicies/{created['id']}"))
    assert "questions" not in plain and "accessPackage" not in plain
    expanded = _ok(graph.get(f"{EM}/assignmentPolicies/{created['id']}?$expand=questions,accessPackage"))
    assert expanded["questions"][0]["id"] == question["id"] and expanded["accessPackage"]["id"] == package["id"]
    listed = _ok(graph.get(f"{EM}/assignmentPolicies?$filter=displayName eq 'Finance JIT'&$expand=accessPackage"))["value"]
    assert [p["accessPackage"]["displayName"] for p in listed] == ["ChatGPT"]


def test_put_replaces_the_policy_and_keeps_question_ids(graph, tenant, package):
    created = _ok(graph.post(f"{EM}/assignmentPolicies", _policy(package, tenant)), 201)
    question = created["questions"][0]
    body = _policy(package, tenant, id=created["id"], expiration={"type": "afterDuration", "duration": "PT4H"},
                   questions=[{**question, "text": "Why, exactly?"},
                              {"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "Which task?"}])
    replaced = _ok(graph.request("PUT", f"{EM}/assignmentPolicies/{created['id']}", json=body))
    assert replaced["expiration"]["duration"] == "PT4H" and replaced["createdDateTime"] == created["createdDateTime"]
    assert replaced["questions"][0]["id"] == question["id"] and replaced["questions"][0]["text"] == "Why, exactly?"
    assert replaced["questions"][1]["id"] not in (None, question["id"]) and replaced["questions"][1]["sequence"] == 2
    assert _error(graph.patch(f"{EM}/assignmentPolicies/{created['id']}", {"displayName": "x"}), 405, "Request_BadRequest")
    without = {key: value for key, value in body.items() if key != "questions"}
    kept = _ok(graph.request("PUT", f"{EM}/assignmentPolicies/{created['id']}", json=without))
    assert [q["id"] for q in kept["questions"]] == [q["id"] for q in replaced["questions"]]
    stranger = _policy(package, tenant, questions=[{**question, "id": "not-a-question-of-this-policy"}])
    assert "not the id of a question" in _error(graph.request("PUT", f"{EM}/assignmentPolicies/{created['id']}", json=stranger))
    assert "read-only" in _error(graph.request("PUT", f"{EM}/assignmentPolicies/{created['id']}",
                                               json={**body, "createdDateTime": created["createdDateTime"]}))


@pytest.mark.parametrize("change, fragment", [
    (lambda b: b["requestApprovalSettings"]["stages"][0].update(fallbackPrimaryApprovers=[]), "fallback approver"),
    (lambda b: b["requestApprovalSettings"].update(stages=b["requestApprovalSettings"]["stages"] * 4), "at most 3"),
    (lambda b: b["requestApprovalSettings"].update(stages=[]), "no stages"),
    (lambda b: b.update(allowedTargetScope="specificDirectoryUsers"), "specificAllowedTargets"),
    (lambda b: b.update(expiration={"type": "afterDuration"}), "needs a duration"),
    (lambda b: b.update(expiration={"type": "afterDuration", "duration": "PT0S"}), "greater than zero"),
    (lambda b: b.update(expiration={"type": "afterDuration", "duration": "P1M"}), "'duration'"),
    (lambda b: b["questions"][0].update(text=""), "no text"),
    (lambda b: b["questions"].append({"@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion", "text": "Q"}),
     "at least one choice"),
    (lambda b: b["requestorSettings"].update(colour="red"), "'colour'"),
    (lambda b: b.update(specificAllowedTargets=[{"@odata.type": "#microsoft.graph.groupMembers",
                                                 "groupId": "00000000-0000-0000-0000-000000000001"}],
                        allowedTargetScope="specificDirectoryUsers"), "does not exist"),
    (lambda b: b.pop("accessPackage"), "'accessPackage'"),
])
def test_policy_validation(graph, tenant, package, change, fragment):
    body = _policy(package, tenant)
    change(body)
    assert fragment in _error(graph.post(f"{EM}/assignmentPolicies", body))
    assert _ok(graph.get(f"{EM}/assignmentPolicies"))["value"] == []


def test_specific_targets_and_reviews(graph, tenant, package):
    finance = _ok(graph.get("/groups?$filter=displayName eq 'Finance Team'"))["value"][0]
    body = _policy(package, tenant, allowedTargetScope="specificDirectoryUsers", specificAllowedTargets=[
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": finance["id"], "description": "Finance Team"}],
        reviewSettings={"isEnabled": True, "isSelfReview": False, "primaryReviewers": [], "expirationBehavior": "keepAccess"})
    assert "without reviewers" in _error(graph.post(f"{EM}/assignmentPolicies", body))
    body["reviewSettings"].update(isSelfReview=True, schedule={
        "startDateTime": "2026-01-01T00:00:00Z", "expiration": {"type": "afterDuration", "duration": "PT336H"},
        "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 3}, "range": {"type": "noEnd"}}})
    created = _ok(graph.post(f"{EM}/assignmentPolicies", body), 201)
    assert created["specificAllowedTargets"][0]["groupId"] == finance["id"]
    assert created["reviewSettings"]["schedule"]["expiration"]["duration"] == "P14D"
