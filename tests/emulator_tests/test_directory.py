"""Directory area: users, groups, members/owners references, OData options, paging, validation, isolation."""
# pylint: disable=missing-function-docstring

from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import Graph, upn

GROUP_PATH = "/groups/{}"


def _group_body(**overrides):
    body = {"displayName": "Allow ChatGPT Access", "mailEnabled": False, "mailNickname": "allowchatgpt",
            "securityEnabled": True}
    body.update(overrides)
    return body


def _error(response, status):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    return error


def _ref(object_id, host="https://graph.microsoft.com/v1.0"):
    return {"@odata.id": f"{host}/directoryObjects/{object_id}"}


# -- users ----------------------------------------------------------------------------------------------------
def test_seeded_users_and_managers(graph, tenant):
    sarah = upn(tenant, "sarah.jones")
    assert tenant.users[sarah]["manager_upn"] == upn(tenant, "michael.brown")
    assert upn(tenant, "it.approvals") in tenant.users and upn(tenant, "admin") in tenant.users
    user = graph.get(f"/users/{sarah}").json()
    assert user["id"] == tenant.users[sarah]["id"]
    assert user["@odata.context"].endswith("/v1.0/$metadata#users/$entity")
    assert "accountEnabled" not in user  # not in v1.0's default property set
    assert graph.get(f"/users/{user['id']}?$select=accountEnabled,displayName").json()["accountEnabled"] is True
    manager = graph.get(f"/users/{user['id']}/manager").json()
    assert manager["@odata.type"] == "#microsoft.graph.user"
    assert manager["userPrincipalName"] == upn(tenant, "michael.brown")
    error = _error(graph.get(f"/users/{upn(tenant, 'james.wilson')}/manager"), 404)
    assert error["code"] == "Request_ResourceNotFound"
    assert len(graph.get("/users").json()["value"]) == len(tenant.users) >= 8


def test_seed_is_deterministic_per_tenant_id(emulator):
    first = emulator.add_tenant("6f1c1b0e-2a37-4d55-9c0b-3f2a0e9d1a11")
    with pytest.raises(ValueError):
        emulator.add_tenant(first.tenant_id)
    assert first.domain == "contoso-6f1c1b0e.onmicrosoft.com"
    again = emulator.state(first.tenant_id).find_user(f"sarah.jones@{first.domain}")
    assert again["id"] == first.users[f"sarah.jones@{first.domain}"]["id"]


def test_user_filters(graph, tenant):
    sarah, david = (tenant.users[upn(tenant, n)]["id"] for n in ("sarah.jones", "david.miller"))
    found = graph.get(f"/users?$filter=userPrincipalName eq '{upn(tenant, 'sarah.jones').upper()}'").json()["value"]
    assert [u["id"] for u in found] == [sarah]
    found = graph.get(f"/users?$filter=id in ('{sarah}','{david}')&$select=displayName").json()["value"]
    assert sorted(u["displayName"] for u in found) == ["David Miller", "Sarah Jones"]
    assert graph.get("/users?$filter=displayName eq 'Sarah Jones' and mail eq 'nobody@x.com'").json()["value"] == []
    assert len(graph.get("/users?$filter=accountEnabled eq true").json()["value"]) == len(tenant.users)


@pytest.mark.parametrize("expression", [
    "endswith(displayName,'s')", "displayName ne 'x'", "displayName eq 'a' or displayName eq 'b'", "department eq 'IT'",
])
def test_unsupported_filters_are_rejected(graph, expression):
    error = _error(graph.get(f"/users?$filter={expression}"), 400)
    assert error["code"] == "Request_UnsupportedQuery"


def test_me_needs_a_delegated_token(emulator, graph, tenant):
    assert _error(graph.get("/me"), 400)["message"] == "/me request is only valid with delegated authentication flow."
    sarah = upn(tenant, "sarah.jones")
    me = Graph(emulator, emulator.token_for(tenant.tenant_id, upn=sarah)).get("/me").json()
    assert me["userPrincipalName"] == sarah


# -- groups ---------------------------------------------------------------------------------------------------
def test_group_crud_with_server_defaults(emulator, graph, tenant):
    emulator.advance_clock(86400)
    response = graph.post("/groups", _group_body(description="JIT"))
    assert response.status_code == 201
    group = response.json()
    assert group["@odata.context"].endswith("/v1.0/$metadata#groups/$entity")
    assert group["createdDateTime"] == group["renewedDateTime"]
    assert group["createdDateTime"][:10] == emulator.now().strftime("%Y-%m-%d")
    assert group["createdDateTime"].endswith("Z")
    assert group["groupTypes"] == [] and group["proxyAddresses"] == []
    assert group["mail"] is None and group["visibility"] is None
    assert group["securityIdentifier"].startswith("S-1-12-1-")
    path = GROUP_PATH.format(group["id"])
    assert graph.get(path).json()["description"] == "JIT"
    response = graph.patch(path, {"description": "changed", "visibility": "Private"})
    assert response.status_code == 204 and response.content == b""
    current = graph.get(path).json()
    assert (current["description"], current["visibility"]) == ("changed", "Private")
    assert graph.delete(path).status_code == 204
    assert _error(graph.get(path), 404)["message"] == \
        f"Resource '{group['id']}' does not exist or one of its queried reference-property objects are not present."
    assert _error(graph.delete(path), 404)["code"] == "Request_ResourceNotFound"
    assert graph.get(f"/groups/{group['id']}").status_code == 404
    state = emulator.state(tenant.tenant_id)
    assert group["id"] not in state.table("groups")


def test_display_names_are_not_unique(graph):
    first, second = graph.create_group("Same Name", "same1"), graph.create_group("Same Name", "same2")
    found = graph.get("/groups?$filter=displayName eq 'Same Name'").json()["value"]
    assert sorted(g["id"] for g in found) == sorted([first["id"], second["id"]])


@pytest.mark.parametrize("body, fragment", [
    (_group_body(foo=1), "Property 'foo' does not exist as a declared property or extension property."),
    (_group_body(securityEnabled="yes"), "'securityEnabled'"),
    (_group_body(displayName=5), "'displayName'"),
    (_group_body(groupTypes="Unified"), "'groupTypes'"),
    (_group_body(id="2b1c0d1e-0000-0000-0000-000000000000"), "'id'"),
    (_group_body(createdDateTime="2024-01-01T00:00:00Z"), "'createdDateTime'"),
    ({k: v for k, v in _group_body().items() if k != "mailNickname"}, "'mailNickname'"),
    ({k: v for k, v in _group_body().items() if k != "displayName"}, "'displayName'"),
    (_group_body(mailNickname="has space"), "'mailNickname'"),
    (_group_body(mailNickname="a@b"), "'mailNickname'"),
    (_group_body(mailNickname="x" * 65), "'mailNickname'"),
    (_group_body(mailNickname="caf\u00e9"), "'mailNickname'"),
    (_group_body(visibility="Secret"), "'visibility'"),
    (_group_body(mailEnabled=True), "mail-enabled"),
])
def test_strict_create_validation(graph, body, fragment):
    error = _error(graph.post("/groups", body), 400)
    assert error["code"] == "Request_BadRequest"
    assert fragment in error["message"]


def test_patch_validation_and_invalid_json(graph):
    group = graph.create_group("Patch Me")
    path = GROUP_PATH.format(group["id"])
    assert "'bar'" in _error(graph.patch(path, {"bar": True}), 400)["message"]
    assert "'mailNickname'" in _error(graph.patch(path, {"mailNickname": "bad nick"}), 400)["message"]
    assert "'id'" in _error(graph.patch(path, {"id": group["id"]}), 400)["message"]
    response = graph.request("POST", "/groups", content=b"{not json", headers={"Content-Type": "application/json"})
    assert "JSON" in _error(response, 400)["message"]
    assert graph.get(path).json()["mailNickname"] == group["mailNickname"]


def test_select_and_filter_on_groups(graph):
    group = graph.create_group("Allow ChatGPT Access", "allowchatgpt")
    body = graph.get("/groups?$filter=displayName eq 'Allow ChatGPT Access'&$select=id,displayName,securityEnabled").json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#groups(id,displayName,securityEnabled)")
    assert body["value"] == [{"id": group["id"], "displayName": "Allow ChatGPT Access", "securityEnabled": True}]
    body = graph.get(f"/groups/{group['id']}?$select=mailNickname").json()
    assert set(body) == {"@odata.context", "id", "mailNickname"}
    assert graph.get("/groups?$filter=mailNickname eq 'allowchatgpt' and securityEnabled eq true").json()["value"][0]["id"] == \
        group["id"]
    assert _error(graph.get("/groups?$select=nonsense"), 400)["message"] == \
        "Could not find a property named 'nonsense' on type 'microsoft.graph.group'."
    assert _error(graph.get("/groups?$top=1000"), 400)["code"] == "Request_BadRequest"


def test_paging_across_three_pages(emulator, graph, tenant):
    state = emulator.state(tenant.tenant_id)
    with emulator.lock:
        before = len(state.table("groups"))
    for index in range(250 - before):
        graph.create_group(f"Bulk {index:03d}", f"bulk{index:03d}")
    pages, ids, url = [], [], "/groups"
    while url:
        body = graph.get(url).json()
        pages.append(len(body["value"]))
        ids += [g["id"] for g in body["value"]]
        url = body.get("@odata.nextLink")
        if url:
            assert url.startswith(f"{emulator.base_url}/v1.0/groups?")
            assert parse_qs(urlparse(url).query)["$skiptoken"]
    assert pages == [100, 100, 50]
    assert len(set(ids)) == 250
    first = graph.get("/groups?$top=120&$select=id").json()
    assert len(first["value"]) == 120
    second = graph.get(first["@odata.nextLink"]).json()
    assert "$top=120" in first["@odata.nextLink"] and len(second["value"]) == 120
    # A page boundary does not move when objects are deleted or added meanwhile.
    assert graph.delete(GROUP_PATH.format(first["value"][0]["id"])).status_code == 204
    graph.create_group("Late Arrival", "late")
    again = graph.get(first["@odata.nextLink"]).json()
    assert [g["id"] for g in again["value"]] == [g["id"] for g in second["value"]]
    third = graph.get(again["@odata.nextLink"]).json()
    assert [g["id"] for g in third["value"]][-1] != ids[-1]  # the late arrival is at the end
    assert _error(graph.get("/groups?$skiptoken=forged"), 400)["code"] == "Directory_ExpiredPageToken"


# -- members and owners -------------------------------------------------------------------------------------------
def test_members_ref_add_list_duplicate_remove(graph, tenant):
    group = graph.create_group("Allow ChatGPT Access", "allowchatgpt")
    members = f"/groups/{group['id']}/members"
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    assert graph.post(f"{members}/$ref", _ref(sarah)).status_code == 204
    other_host = {"@odata.id": f"https://127.0.0.1:1/beta/directoryObjects/{tenant.users[upn(tenant, 'admin')]['id']}"}
    assert graph.post(f"{members}/$ref", other_host).status_code == 204
    duplicate = _error(graph.post(f"{members}/$ref", _ref(sarah)), 400)
    assert duplicate["code"] == "Request_BadRequest"
    assert duplicate["message"] == ("One or more added object references already exist for the following modified "
                                    "properties: 'members'.")
    listed = graph.get(members).json()
    assert listed["@odata.context"].endswith("/v1.0/$metadata#directoryObjects")
    assert [m["@odata.type"] for m in listed["value"]] == ["#microsoft.graph.user"] * 2
    assert listed["value"][0]["userPrincipalName"] == upn(tenant, "sarah.jones")
    selected = graph.get(f"{members}?$select=displayName").json()["value"][0]
    assert selected == {"@odata.type": "#microsoft.graph.user", "id": sarah, "displayName": "Sarah Jones"}
    assert _error(graph.post(f"{members}/$ref", _ref("5b6c3b4e-0000-4000-8000-000000000000")), 404)["code"] == \
        "Request_ResourceNotFound"
    assert _error(graph.post(f"{members}/$ref", {"@odata.id": "not a url"}), 400)
    assert _error(graph.post(f"{members}/$ref", {**_ref(sarah), "extra": 1}), 400)
    assert graph.delete(f"{members}/{sarah}/$ref").status_code == 204
    assert _error(graph.delete(f"{members}/{sarah}/$ref"), 404)["code"] == "Request_ResourceNotFound"
    assert [m["id"] for m in graph.get(members).json()["value"]] == [tenant.users[upn(tenant, "admin")]["id"]]


def test_group_members_can_be_groups_and_owners_cannot(graph, tenant):
    parent, child = graph.create_group("Parent"), graph.create_group("Child")
    assert graph.post(f"/groups/{parent['id']}/members/$ref", _ref(child["id"])).status_code == 204
    member = graph.get(f"/groups/{parent['id']}/members").json()["value"][0]
    assert member["@odata.type"] == "#microsoft.graph.group" and member["displayName"] == "Child"
    assert graph.post(f"/groups/{parent['id']}/owners/$ref", _ref(child["id"])).status_code == 400
    michael = tenant.users[upn(tenant, "michael.brown")]["id"]
    assert graph.post(f"/groups/{parent['id']}/owners/$ref", _ref(michael)).status_code == 204
    assert [o["id"] for o in graph.get(f"/groups/{parent['id']}/owners").json()["value"]] == [michael]
    groups_of_child = graph.get(f"/groups/{child['id']}").json()
    assert groups_of_child["id"] == child["id"]
    assert graph.delete(f"/groups/{child['id']}").status_code == 204
    assert graph.get(f"/groups/{parent['id']}/members").json()["value"] == []


def test_create_with_bind_and_expand(graph, tenant):
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    michael = tenant.users[upn(tenant, "michael.brown")]["id"]
    group = graph.create_group("Bound", **{
        "members@odata.bind": [f"https://graph.microsoft.com/v1.0/directoryObjects/{sarah}"],
        "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{michael}"],
    })
    expanded = graph.get(f"/groups/{group['id']}?$expand=members($select=id,displayName)").json()
    assert expanded["members"] == [{"@odata.type": "#microsoft.graph.user", "id": sarah, "displayName": "Sarah Jones"}]
    assert graph.get(f"/groups/{group['id']}/owners").json()["value"][0]["id"] == michael
    assert graph.get(f"/users/{sarah}/memberOf").json()["value"][-1]["id"] == group["id"]
    manager = graph.get(f"/users/{sarah}?$expand=manager").json()["manager"]
    assert manager["id"] == michael


def test_seeded_finance_team(graph, tenant):
    team = graph.get("/groups?$filter=displayName eq 'Finance Team'").json()["value"]
    assert len(team) == 1 and team[0]["securityEnabled"] is True
    members = {m["userPrincipalName"] for m in graph.get(f"/groups/{team[0]['id']}/members").json()["value"]}
    assert members == {upn(tenant, n) for n in ("sarah.jones", "david.miller", "olivia.davis")}


def test_directory_objects(graph, tenant):
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    body = graph.get(f"/directoryObjects/{sarah}").json()
    assert body["@odata.type"] == "#microsoft.graph.user" and body["displayName"] == "Sarah Jones"
    group = graph.create_group("Dir Obj")
    assert graph.get(f"/directoryObjects/{group['id']}").json()["@odata.type"] == "#microsoft.graph.group"


# -- routing and versions ---------------------------------------------------------------------------------------
def test_unknown_segment_version_and_method(graph, beta):
    error = _error(graph.get("/grops"), 400)
    assert (error["code"], error["message"]) == ("BadRequest", "Resource not found for the segment 'grops'.")
    assert _error(graph.get("/groups/x/membres"), 400)["message"] == "Resource not found for the segment 'membres'."
    assert _error(graph.request("PUT", "/groups"), 405)
    response = graph.get(f"{graph.emulator.base_url}/v2.0/groups")
    assert _error(response, 400)["message"] == "Invalid version: v2.0"
    assert beta.get("/groups").json()["@odata.context"].endswith("/beta/$metadata#groups")
    assert "accountEnabled" in beta.get("/users").json()["value"][0]


def test_tenants_are_isolated(emulator, graph, tenant):
    other = emulator.add_tenant()
    other_graph = Graph(emulator, emulator.token_for(other.tenant_id))
    group = graph.create_group("Only Here", "onlyhere")
    assert other_graph.get(f"/groups/{group['id']}").status_code == 404
    assert other_graph.get("/groups?$filter=displayName eq 'Only Here'").json()["value"] == []
    assert other_graph.get(f"/users/{upn(tenant, 'sarah.jones')}").status_code == 404
    sarah_here, sarah_there = tenant.users[upn(tenant, "sarah.jones")]["id"], other.users[upn(other, "sarah.jones")]["id"]
    assert sarah_here != sarah_there
    assert other_graph.post(f"/groups/{group['id']}/members/$ref", _ref(sarah_there)).status_code == 404
    assert [e["tenant"] for e in emulator.requests(other.tenant_id)] == [other.tenant_id] * 4


def test_missing_permission_is_forbidden(emulator, graph, tenant):
    state = emulator.state(tenant.tenant_id)
    with emulator.lock:
        state.apps[tenant.client_id]["roles"] = ["User.Read.All"]
    limited = Graph(emulator, emulator.token_for(tenant.tenant_id))
    error = _error(limited.post("/groups", _group_body()), 403)
    assert error["code"] == "Authorization_RequestDenied"
    assert limited.get("/users").status_code == 200
    assert graph.post("/groups", _group_body()).status_code == 201  # an earlier token keeps its roles


def test_count_needs_consistency_level(graph):
    # concepts/aad-advanced-queries.md: without the header ?$count=true is silently ignored.
    plain = graph.get("/groups?$count=true")
    assert plain.status_code == 200 and "@odata.count" not in plain.json() and len(plain.json()["value"]) == 1
    body = graph.get("/groups?$count=true&$top=1", headers={"ConsistencyLevel": "eventual"}).json()
    assert body["@odata.count"] == 1 and len(body["value"]) == 1
    graph.create_group("Counted")
    body = graph.get("/groups?$count=true&$top=1", headers={"ConsistencyLevel": "eventual"}).json()
    assert body["@odata.count"] == 2 and "@odata.nextLink" in body
    assert "@odata.count" not in graph.get(body["@odata.nextLink"], headers={"ConsistencyLevel": "eventual"}).json()


def test_the_last_user_owner_cannot_be_removed(graph, tenant):
    """group-delete-owners.md: once owners are assigned, the last owner (a user object) of a group cannot be removed."""
    group = graph.create_group("Owned")
    owners = f"/groups/{group['id']}/owners"
    michael, sarah = (tenant.users[upn(tenant, name)]["id"] for name in ("michael.brown", "sarah.jones"))
    assert graph.post(f"{owners}/$ref", _ref(michael)).status_code == 204
    assert _error(graph.delete(f"{owners}/{michael}/$ref"), 400)["code"] == "Request_BadRequest"
    assert graph.post(f"{owners}/$ref", _ref(sarah)).status_code == 204
    assert graph.delete(f"{owners}/{michael}/$ref").status_code == 204
    assert [o["id"] for o in graph.get(owners).json()["value"]] == [sarah]


def test_members_without_a_user_permission_come_back_as_type_and_id(emulator, tenant):
    """group-list-members.md / group-list-owners.md: objects of a type the caller may not read carry @odata.type and
    id only, their other properties null."""
    with emulator.lock:
        emulator.state(tenant.tenant_id).apps[tenant.client_id]["roles"] = ["Group.Read.All"]
    client = Graph(emulator, emulator.token_for(tenant.tenant_id))
    try:
        team = client.get("/groups?$filter=displayName eq 'Finance Team'").json()["value"][0]
        owner = client.get(f"/groups/{team['id']}/owners?$select=id,userPrincipalName").json()["value"]
        assert owner == [{"@odata.type": "#microsoft.graph.user", "id": tenant.users[upn(tenant, "michael.brown")]["id"],
                          "userPrincipalName": None}]
        members = client.get(f"/groups/{team['id']}/members").json()["value"]
        assert {m["displayName"] for m in members} == {None} and len(members) == 3
        expanded = client.get(f"/groups/{team['id']}?$expand=members($select=id,displayName)").json()["members"]
        assert {m["displayName"] for m in expanded} == {None}
    finally:
        client.close()
