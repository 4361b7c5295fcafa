"""Entitlement Management request flow: userAdd -> approval stages -> delivery -> group membership -> expiry, adminAdd
and adminRemove, automatic denial at the deadline, delegated-only approvals, and Graph's validation."""
# pylint: disable=missing-function-docstring,redefined-outer-name

import datetime

import pytest

from tests.emulator.graph import entitlement

from .helpers import Graph, upn

EM = "/identityGovernance/entitlementManagement"
HOUR = 3600
DAY = 86400


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _error(response, status=400, code="BadRequest"):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    return error["message"]


class People:
    """Delegated Graph clients for the seeded people of one tenant, made on first use."""

    def __init__(self, emulator, tenant):
        self.emulator, self.tenant, self.clients = emulator, tenant, {}

    def __getitem__(self, nickname):
        if nickname not in self.clients:
            token = self.emulator.token_for(self.tenant.tenant_id, upn=upn(self.tenant, nickname))
            self.clients[nickname] = Graph(self.emulator, token)
        return self.clients[nickname]

    def id(self, nickname):
        return self.tenant.users[upn(self.tenant, nickname)]["id"]

    def close(self):
        for client in self.clients.values():
            client.close()


@pytest.fixture
def people(emulator, tenant):
    crowd = People(emulator, tenant)
    yield crowd
    crowd.close()


@pytest.fixture
def jit(emulator, graph):
    """Catalog, the "Allow ChatGPT Access" group as a catalog resource, and a package granting its Member role."""
    catalog = _ok(graph.post(f"{EM}/catalogs", {"displayName": "AI tools"}), 201)
    group = graph.create_group("Allow ChatGPT Access")
    add = {"requestType": "adminAdd", "catalog": {"id": catalog["id"]},
           "resource": {"originId": group["id"], "originSystem": "AadGroup"}}
    _ok(graph.post(f"{EM}/resourceRequests", add), 201)
    emulator.advance_clock(entitlement.REPLICATION_SECONDS)
    resource = _ok(graph.get(f"{EM}/catalogs/{catalog['id']}/resources?$filter=originId eq '{group['id']}'"
                             "&$expand=roles,scopes"))["value"][0]
    package = _ok(graph.post(f"{EM}/accessPackages", {"displayName": "ChatGPT", "catalog": {"id": catalog["id"]}}), 201)
    member = next(role for role in resource["roles"] if role["displayName"] == "Member")
    _ok(graph.post(f"{EM}/accessPackages/{package['id']}/resourceRoleScopes",
                   {"role": {"id": member["id"]}, "scope": {"id": resource["scopes"][0]["id"]}}), 201)
    return {"catalog": catalog, "group": group, "package": package}


def _stage(approvers, fallback=(), days="P14D", justification=True):
    return {"durationBeforeAutomaticDenial": days, "isApproverJustificationRequired": justification,
            "primaryApprovers": list(approvers), "fallbackPrimaryApprovers": list(fallback)}


def _user(user_id):
    return {"@odata.type": "#microsoft.graph.singleUser", "userId": user_id}


MANAGER = {"@odata.type": "#microsoft.graph.requestorManager", "managerLevel": 1}


def _policy(graph, people, jit, stages=None, **overrides):
    """The seed's policy: Finance Team may request, the manager approves (IT Approvals as fallback), 2 hours."""
    finance = graph.get("/groups?$filter=displayName eq 'Finance Team'").json()["value"][0]
    body = {
        "displayName": "Finance JIT", "accessPackage": {"id": jit["package"]["id"]},
        "allowedTargetScope": "specificDirectoryUsers",
        "specificAllowedTargets": [{"@odata.type": "#microsoft.graph.groupMembers", "groupId": finance["id"]}],
        "expiration": {"type": "afterDuration", "duration": "PT2H"},
        "requestorSettings": {"enableTargetsToSelfAddAccess": True, "enableTargetsToSelfRemoveAccess": True},
        "requestApprovalSettings": {
            "isApprovalRequiredForAdd": True, "isRequestorJustificationRequired": True,
            "stages": stages if stages is not None else [_stage([MANAGER], [_user(people.id("it.approvals"))])]},
        "questions": [{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "text": "Which task?",
                       "isRequired": True, "regexPattern": "[A-Za-z0-9 ]+"}],
    }
    body.update(overrides)
    return _ok(graph.post(f"{EM}/assignmentPolicies", body), 201)


def _user_add(client, jit, policy, justification="Q3 forecast summary", answer="Q3 forecast", **extra):
    body = {"requestType": "userAdd", "justification": justification,
            "assignment": {"accessPackageId": jit["package"]["id"], "assignmentPolicyId": policy["id"]}}
    if answer is not None:
        body["answers"] = [{"@odata.type": "#microsoft.graph.accessPackageAnswerString", "value": answer,
                            "displayValue": answer, "answeredQuestion": {"id": policy["questions"][0]["id"]}}]
    body.update(extra)
    return client.post(f"{EM}/assignmentRequests", body)


def _members(graph, group):
    return sorted(m["userPrincipalName"] for m in _ok(graph.get(f"/groups/{group['id']}/members"))["value"])


def _approval(client, request_id):
    return _ok(client.get(f"{EM}/accessPackageAssignmentApprovals/{request_id}"))


def _decide(client, request_id, stage_id, result="Approve", justification="OK"):
    return client.patch(f"{EM}/accessPackageAssignmentApprovals/{request_id}/stages/{stage_id}",
                        {"reviewResult": result, "justification": justification})


# -- the seed's journey -----------------------------------------------------------------------------------------------
def test_request_approve_deliver_membership_and_expiry(emulator, tenant, graph, people, jit):
    policy = _policy(graph, people, jit)
    created = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    assert created["state"] == "submitted" and created["status"] == "Accepted" and created["requestType"] == "userAdd"
    assert created["@odata.context"].endswith("/$metadata#identityGovernance/entitlementManagement/assignmentRequests/$entity")
    assert not any(key.startswith("_") for key in created)

    request = _ok(graph.get(f"{EM}/assignmentRequests/{created['id']}?$expand=requestor,accessPackage"))
    assert (request["state"], request["status"]) == ("pendingApproval", "PendingApproval")
    assert request["requestor"]["principalName"] == upn(tenant, "sarah.jones")
    assert request["accessPackage"]["id"] == jit["package"]["id"]

    [stage] = _approval(people["michael.brown"], created["id"])["stages"]
    assert stage["status"] == "InProgress" and stage["reviewResult"] == "NotReviewed" and stage["assignedToMe"] is True
    assert _approval(people["it.approvals"], created["id"])["stages"][0]["assignedToMe"] is False
    waiting = _ok(people["michael.brown"].get(f"{EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')"))
    assert [a["id"] for a in waiting["value"]] == [created["id"]]
    assert _members(graph, jit["group"]) == []

    assert _ok(_decide(people["michael.brown"], created["id"], stage["id"]), 204) is None
    decided = _approval(people["michael.brown"], created["id"])["stages"][0]
    assert decided["reviewResult"] == "Approved" and decided["status"] == "Completed"
    assert decided["reviewedBy"] == {"id": people.id("michael.brown"), "displayName": "Michael Brown"}
    delivered = _ok(graph.get(f"{EM}/assignmentRequests/{created['id']}?$expand=assignment"))
    assert delivered["state"] == "delivered" and delivered["completedDateTime"].endswith("Z")
    assignment = delivered["assignment"]
    assert assignment["state"] == "delivered" and assignment["status"] == "Delivered"
    assert assignment["schedule"]["expiration"]["type"] == "afterDateTime"
    assert _hours_between(assignment["schedule"]["startDateTime"], assignment["schedule"]["expiration"]["endDateTime"]) == 2
    assert _members(graph, jit["group"]) == [upn(tenant, "sarah.jones")]
    mine = _ok(people["sarah.jones"].get(f"{EM}/assignments/filterByCurrentUser(on='target')"))["value"]
    assert [a["id"] for a in mine] == [assignment["id"]]

    emulator.advance_clock(HOUR)
    assert _members(graph, jit["group"]) == [upn(tenant, "sarah.jones")]
    emulator.advance_clock(HOUR)
    assert _members(graph, jit["group"]) == []
    expired = _ok(graph.get(f"{EM}/assignments/{assignment['id']}?$expand=target"))
    assert expired["state"] == "expired" and expired["expiredDateTime"] == assignment["schedule"]["expiration"]["endDateTime"]
    assert expired["target"]["objectId"] == people.id("sarah.jones")


def _hours_between(start, end):
    return round((_parse(end) - _parse(start)).total_seconds() / HOUR, 3)


def _parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_two_stages_in_order_and_deny_ends_the_request(graph, people, jit):
    stages = [_stage([MANAGER], [_user(people.id("it.approvals"))]), _stage([_user(people.id("emily.clark"))])]
    policy = _policy(graph, people, jit, stages=stages)
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    first = _approval(people["michael.brown"], request["id"])["stages"]
    assert len(first) == 1
    assert "not an approver" in _error(_decide(people["emily.clark"], request["id"], first[0]["id"]), 403, "Forbidden")
    _ok(_decide(people["michael.brown"], request["id"], first[0]["id"]), 204)
    both = _approval(people["emily.clark"], request["id"])["stages"]
    assert [s["status"] for s in both] == ["Completed", "InProgress"] and both[1]["assignedToMe"] is True
    assert _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))["state"] == "pendingApproval"
    _ok(_decide(people["emily.clark"], request["id"], both[1]["id"], "Deny", "Not this quarter"), 204)
    assert _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))["state"] == "denied"
    assert _members(graph, jit["group"]) == []
    again = _decide(people["emily.clark"], request["id"], both[1]["id"], "Approve")
    assert "already been completed by Emily Clark" in _error(again, 409, "Conflict")


def test_deadline_passes_and_the_request_is_denied(emulator, graph, people, jit):
    policy = _policy(graph, people, jit)
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    stage = _approval(people["michael.brown"], request["id"])["stages"][0]
    emulator.advance_clock(14 * DAY - 60)
    assert _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))["state"] == "pendingApproval"
    emulator.advance_clock(60)
    assert _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))["state"] == "denied"
    timed_out = _approval(people["michael.brown"], request["id"])["stages"][0]
    assert (timed_out["status"], timed_out["reviewResult"], timed_out["reviewedBy"]) == ("Completed", "NotReviewed", None)
    assert "already been completed" in _error(_decide(people["michael.brown"], request["id"], stage["id"]), 409, "Conflict")
    # A denied request is no longer open: the user may ask again.
    _ok(_user_add(people["sarah.jones"], jit, policy), 201)


def test_approvals_refuse_app_only_tokens_and_the_requestor(graph, people, jit):
    policy = _policy(graph, people, jit, stages=[_stage([_user(people.id("sarah.jones")), _user(people.id("david.miller"))])])
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    for path in (f"/accessPackageAssignmentApprovals/{request['id']}", "/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')",
                 "/assignmentRequests/filterByCurrentUser(on='target')"):
        assert "delegated" in _error(graph.get(EM + path), 403, "Forbidden")
    stage = _approval(people["david.miller"], request["id"])["stages"][0]
    assert "delegated" in _error(_decide(graph, request["id"], stage["id"]), 403, "Forbidden")
    # Sarah is listed, but requestors never approve their own request.
    assert _approval(people["sarah.jones"], request["id"])["stages"][0]["assignedToMe"] is False
    assert "own request" in _error(_decide(people["sarah.jones"], request["id"], stage["id"]), 403, "Forbidden")
    assert "justification" in _error(_decide(people["david.miller"], request["id"], stage["id"], justification=""))
    assert "reviewResult" in _error(_decide(people["david.miller"], request["id"], stage["id"], result="Approved"))
    unknown = people["david.miller"].patch(f"{EM}/accessPackageAssignmentApprovals/{request['id']}/stages/{stage['id']}",
                                           {"reviewResult": "Approve", "justification": "ok", "comment": "x"})
    assert "'comment'" in _error(unknown)
    assert _error(people["david.miller"].get(f"{EM}/accessPackageAssignmentApprovals/{stage['id']}"), 404, "ResourceNotFound")


def test_fallback_approver_when_the_requestor_has_no_manager(graph, people, jit):
    policy = _policy(graph, people, jit, allowedTargetScope="allMemberUsers", specificAllowedTargets=[])
    request = _ok(_user_add(people["emily.clark"], jit, policy), 201)
    stage = _approval(people["it.approvals"], request["id"])["stages"][0]
    assert stage["assignedToMe"] is True
    _ok(_decide(people["it.approvals"], request["id"], stage["id"]), 204)
    assert _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))["state"] == "delivered"


# -- userAdd validation --------------------------------------------------------------------------------------------------
def test_user_add_rules(graph, people, jit):
    policy = _policy(graph, people, jit)
    sarah = people["sarah.jones"]
    assert "delegated" in _error(_user_add(graph, jit, policy), 403, "Forbidden")
    assert "not in the scope" in _error(_user_add(people["james.wilson"], jit, policy), 403, "Forbidden")
    assert "requires a justification" in _error(_user_add(sarah, jit, policy, justification=""))
    assert "requires an answer" in _error(_user_add(sarah, jit, policy, answer=None))
    assert "does not match the pattern" in _error(_user_add(sarah, jit, policy, answer="Q3!!"))
    assert "custom schedule" in _error(_user_add(sarah, jit, policy, schedule={"expiration": {"type": "afterDuration", "duration": "PT1H"}}))
    other = people.id("david.miller")
    assert "signed-in user" in _error(_user_add(sarah, jit, policy, assignment={
        "targetId": other, "accessPackageId": jit["package"]["id"], "assignmentPolicyId": policy["id"]}))
    assert "'colour'" in _error(_user_add(sarah, jit, policy, colour="red"))
    assert "'state'" in _error(_user_add(sarah, jit, policy, state="delivered"))
    assert "'requestType'" in _error(sarah.post(f"{EM}/assignmentRequests", {"requestType": "UserAdd", "assignment": {}}))
    bad_answer = {"@odata.type": "#microsoft.graph.accessPackageAnswerString", "value": "x",
                  "answeredQuestion": {"id": jit["package"]["id"]}}
    assert "not a question of the policy" in _error(_user_add(sarah, jit, policy, answers=[bad_answer]))
    _ok(_user_add(sarah, jit, policy), 201)
    assert _error(_user_add(sarah, jit, policy), 400, "ExistingOpenRequest")
    assert len(_ok(graph.get(f"{EM}/assignmentRequests?$filter=accessPackage/id eq '{jit['package']['id']}'"))["value"]) == 1


def test_multiple_choice_answers_and_the_only_usable_policy(graph, people, jit):
    question = {"@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion", "text": "Team?", "isRequired": True,
                "choices": [{"actualValue": "FIN", "text": "Finance"}, {"actualValue": "ENG", "text": "Engineering"}]}
    policy = _policy(graph, people, jit, questions=[question])
    sarah = people["sarah.jones"]
    body = {"requestType": "userAdd", "justification": "x", "assignment": {"accessPackageId": jit["package"]["id"]}}

    def answered(value):
        return dict(body, answers=[{"@odata.type": "#microsoft.graph.accessPackageAnswerString", "value": value,
                                    "answeredQuestion": {"id": policy["questions"][0]["id"]}}])
    assert "not one of the choices" in _error(sarah.post(f"{EM}/assignmentRequests", answered("Finance")))
    created = _ok(sarah.post(f"{EM}/assignmentRequests", answered("FIN")), 201)
    assert created["answers"][0]["value"] == "FIN"


def test_cancel_and_delete(graph, people, jit):
    policy = _policy(graph, people, jit)
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    assert "delegated" in _error(graph.post(f"{EM}/assignmentRequests/{request['id']}/cancel"), 403, "Forbidden")
    assert _ok(people["sarah.jones"].post(f"{EM}/assignmentRequests/{request['id']}/cancel"), 200) is None
    canceled = _ok(graph.get(f"{EM}/assignmentRequests/{request['id']}"))
    assert (canceled["state"], canceled["status"]) == ("canceled", "Canceled")
    assert "cannot be canceled" in _error(people["sarah.jones"].post(f"{EM}/assignmentRequests/{request['id']}/cancel"))
    _ok(graph.delete(f"{EM}/assignmentRequests/{request['id']}"), 204)
    assert _error(graph.get(f"{EM}/assignmentRequests/{request['id']}"), 404, "ResourceNotFound")


# -- admin assignments --------------------------------------------------------------------------------------------------
def _admin_add(graph, jit, policy, target, **extra):
    body = {"requestType": "adminAdd", "assignment": {"targetId": target, "assignmentPolicyId": policy["id"],
                                                      "accessPackageId": jit["package"]["id"]}}
    body.update(extra)
    return graph.post(f"{EM}/assignmentRequests", body)


def test_admin_add_with_a_schedule_and_admin_remove(emulator, tenant, graph, people, jit):
    policy = _policy(graph, people, jit)
    david = people.id("david.miller")
    too_long = {"expiration": {"type": "afterDuration", "duration": "PT3H"}}
    assert "later than the policy allows (PT2H)" in _error(_admin_add(graph, jit, policy, david, schedule=too_long))
    assert "later than the policy allows" in _error(_admin_add(graph, jit, policy, david, schedule={
        "expiration": {"type": "noExpiration"}}))
    created = _ok(_admin_add(graph, jit, policy, david, justification="On call",
                             schedule={"expiration": {"type": "afterDuration", "duration": "PT1H"}}), 201)
    assert created["state"] == "submitted"
    [assignment] = _ok(graph.get(f"{EM}/assignments?$filter=target/objectId eq '{david}' and state eq 'delivered'"))["value"]
    assert _hours_between(assignment["schedule"]["startDateTime"], assignment["schedule"]["expiration"]["endDateTime"]) == 1
    assert _members(graph, jit["group"]) == [upn(tenant, "david.miller")]
    assert "active assignment" in _error(_admin_add(graph, jit, policy, david))

    assert _error(graph.post(f"{EM}/assignmentRequests", {"requestType": "adminRemove", "assignment": {"id": policy["id"]}}),
                  404, "ResourceNotFound")
    removal = _ok(graph.post(f"{EM}/assignmentRequests", {"requestType": "adminRemove", "assignment": {"id": assignment["id"]}}), 201)
    assert _ok(graph.get(f"{EM}/assignmentRequests/{removal['id']}"))["state"] == "delivered"
    assert _ok(graph.get(f"{EM}/assignments/{assignment['id']}"))["state"] == "expired"
    assert _members(graph, jit["group"]) == []
    remove = {"requestType": "adminRemove", "assignment": {"id": assignment["id"]}}
    assert "not active" in _error(graph.post(f"{EM}/assignmentRequests", remove))
    emulator.advance_clock(2 * HOUR)
    assert _ok(graph.get(f"{EM}/assignments/{assignment['id']}"))["state"] == "expired"


def test_user_remove_keeps_membership_granted_by_another_assignment(graph, people, jit, tenant):
    policy = _policy(graph, people, jit)
    open_policy = _policy(graph, people, jit, displayName="Open", requestApprovalSettings={"isApprovalRequiredForAdd": False},
                          questions=[], expiration={"type": "noExpiration"})
    sarah = people.id("sarah.jones")
    _ok(_admin_add(graph, jit, policy, sarah), 201)
    _ok(_admin_add(graph, jit, open_policy, sarah), 201)
    assignments = _ok(graph.get(f"{EM}/assignments?$filter=target/objectId eq '{sarah}'&$expand=assignmentPolicy"))["value"]
    by_policy = {a["assignmentPolicy"]["displayName"]: a["id"] for a in assignments}
    _ok(people["sarah.jones"].post(f"{EM}/assignmentRequests", {"requestType": "userRemove",
                                                                "assignment": {"id": by_policy["Finance JIT"]}}), 201)
    assert _members(graph, jit["group"]) == [upn(tenant, "sarah.jones")]
    assert "whose assignment it is" in _error(people["david.miller"].post(
        f"{EM}/assignmentRequests", {"requestType": "userRemove", "assignment": {"id": by_policy["Open"]}}), 403, "Forbidden")


def test_request_flow_is_v1_only(emulator, tenant):
    beta = Graph(emulator, emulator.token_for(tenant.tenant_id, upn=upn(tenant, "sarah.jones")), version="beta")
    try:
        assert "Resource not found for the segment" in _error(beta.get(f"{EM}/assignmentRequests"))
        assert "Resource not found for the segment" in _error(beta.get(f"{EM}/accessPackageAssignmentApprovals/x"))
    finally:
        beta.close()


# -- what the docs say the end user, the approver and a catalog-scoped administrator see ---------------------------------
def test_approver_list_holds_only_requests_pending_their_decision(graph, people, jit):
    policy = _policy(graph, people, jit)
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    michael = people["michael.brown"]
    pending = _ok(michael.get(f"{EM}/assignmentRequests/filterByCurrentUser(on='approver')"))["value"]
    assert [r["id"] for r in pending] == [request["id"]]
    [stage] = _approval(michael, request["id"])["stages"]
    _ok(_decide(michael, request["id"], stage["id"]), 204)
    # accesspackageassignmentrequest-filterbycurrentuser.md: only requests still pending the caller's decision ...
    assert _ok(michael.get(f"{EM}/assignmentRequests/filterByCurrentUser(on='approver')"))["value"] == []
    # ... while approval-filterbycurrentuser.md lists the approvals in the caller's scope, decided ones too.
    scope = _ok(michael.get(f"{EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')"))["value"]
    assert [a["id"] for a in scope] == [request["id"]]
    # approvalstage-update.md takes Approve; resources/approvalstage.md reads back Approved.
    assert _approval(michael, request["id"])["stages"][0]["reviewResult"] == "Approved"


def test_undocumented_filters_are_unsupported_queries(graph, people, jit):
    package_id = jit["package"]["id"]
    sarah = people["sarah.jones"]
    for client, path in ((graph, f"/assignmentPolicies?$filter=accessPackage/id eq '{package_id}'"),
                         (graph, f"/assignmentRequests?$filter=requestor/objectId eq '{people.id('sarah.jones')}'"),
                         (sarah, f"/assignmentRequests/filterByCurrentUser(on='target')?$filter=accessPackage/id eq '{package_id}'"),
                         (sarah, "/accessPackages/filterByCurrentUser(on='allowedRequestor')?$filter=displayName eq 'ChatGPT'")):
        response = client.get(EM + path)
        assert response.status_code == 400, (path, response.text)
    # The documented ones still answer.
    _ok(graph.get(f"{EM}/assignmentRequests?$filter=accessPackage/id eq '{package_id}' and state eq 'pendingApproval'"))
    _ok(graph.get(f"{EM}/assignmentPolicies?$filter=displayName eq 'Finance JIT'"))


def test_end_user_calls_and_admin_lists_refused_to_a_user_without_a_role(emulator, tenant, graph, people, jit):
    policy = _policy(graph, people, jit)
    sarah = people["sarah.jones"]
    for path in ("/accessPackages", "/assignmentPolicies", "/assignments", "/assignmentRequests"):
        assert "no Entitlement Management role" in _error(sarah.get(EM + path), 403, "Authorization_RequestDenied")
    packages = _ok(sarah.get(f"{EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')"))["value"]
    assert [p["id"] for p in packages] == [jit["package"]["id"]]
    assert _ok(people["james.wilson"].get(f"{EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')"))["value"] == []
    [needs] = _ok(sarah.post(f"{EM}/accessPackages/{jit['package']['id']}/getApplicablePolicyRequirements", None))["value"]
    assert needs["policyId"] == policy["id"] and needs["policyDisplayName"] == "Finance JIT"
    assert needs["isApprovalRequiredForAdd"] is True and [q["text"] for q in needs["questions"]] == ["Which task?"]
    assert needs["schedule"]["expiration"] == {"type": "afterDuration", "duration": "PT2H", "endDateTime": None}
    assert _ok(people["james.wilson"].post(f"{EM}/accessPackages/{jit['package']['id']}/getApplicablePolicyRequirements",
                                           None))["value"] == []
    assert "delegated" in _error(graph.get(f"{EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')"), 403, "Forbidden")
    # The seeded admin is a Global Administrator and lists everything.
    admin = Graph(emulator, emulator.token_for(tenant.tenant_id, upn=upn(tenant, "admin")))
    try:
        assert [p["id"] for p in _ok(admin.get(f"{EM}/accessPackages"))["value"]] == [jit["package"]["id"]]
        _ok(admin.get(f"{EM}/assignments"))
    finally:
        admin.close()


def test_catalog_scoped_administrator_must_filter_assignments_by_package(emulator, tenant, graph, people, jit):
    other = _ok(graph.post(f"{EM}/catalogs", {"displayName": "Other"}), 201)
    hidden = _ok(graph.post(f"{EM}/accessPackages", {"displayName": "Elsewhere", "catalog": {"id": other["id"]}}), 201)
    with emulator.lock:
        entitlement.grant_role(emulator.state(tenant.tenant_id), people.id("james.wilson"), "Access package manager",
                               jit["catalog"]["id"])
    james = people["james.wilson"]
    assert "must filter assignments" in _error(james.get(f"{EM}/assignments"), 403, "Authorization_RequestDenied")
    assert "must filter assignments" in _error(
        james.get(f"{EM}/assignments?$filter=accessPackage/id eq '{hidden['id']}'"), 403, "Authorization_RequestDenied")
    _ok(james.get(f"{EM}/assignments?$filter=accessPackage/id eq '{jit['package']['id']}'"))
    assert [p["id"] for p in _ok(james.get(f"{EM}/accessPackages"))["value"]] == [jit["package"]["id"]]


def test_cancel_refuses_a_request_being_delivered(emulator, tenant, graph, people, jit):
    policy = _policy(graph, people, jit)
    request = _ok(_user_add(people["sarah.jones"], jit, policy), 201)
    with emulator.lock:
        stored = emulator.state(tenant.tenant_id).table("accessPackageAssignmentRequests").get(request["id"])
        stored.update(state="delivering", status="Delivering")
    # accesspackageassignmentrequest-cancel.md: only accepted, pendingApproval, pendingNotBefore (scheduled) requests.
    assert "cannot be canceled" in _error(people["sarah.jones"].post(f"{EM}/assignmentRequests/{request['id']}/cancel", None))
