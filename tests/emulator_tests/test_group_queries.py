"""Group queries third-party clients use: $count without ConsistencyLevel, /groups/$count, transitiveMembers,
getMemberGroups, startswith, $orderby and $search (concepts/aad-advanced-queries.md)."""

EVENTUAL = {"ConsistencyLevel": "eventual"}


def _ref(object_id):
    return {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{object_id}"}


def test_count_query_without_consistency_level_is_ignored_as_azure_rm_adgroup_sends_it(graph):
    """azure_rm_adgroup looks groups up with ?$filter=...&$count=true and no header: Graph ignores $count."""
    graph.create_group("Adgroup lookup", "adgrouplookup")
    response = graph.get("/groups?$filter=displayName eq 'Adgroup lookup'&$count=true")
    assert response.status_code == 200, response.text
    assert [g["displayName"] for g in response.json()["value"]] == ["Adgroup lookup"]
    assert "@odata.count" not in response.json()
    counted = graph.get("/groups?$filter=displayName eq 'Adgroup lookup'&$count=true", headers=EVENTUAL).json()
    assert counted["@odata.count"] == 1


def test_count_segment(graph):
    graph.create_group("Counted one")
    refused = graph.get("/groups/$count")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "Request_BadRequest"
    assert refused.json()["error"]["message"] == "$count is not currently supported."
    counted = graph.get("/groups/$count", headers=EVENTUAL)
    assert counted.status_code == 200 and counted.headers["Content-Type"].startswith("text/plain")
    assert counted.text == str(len(graph.get("/groups").json()["value"]))


def test_transitive_members_and_get_member_groups(graph, tenant):
    outer = graph.create_group("Outer", "outer")
    inner = graph.create_group("Inner", "inner")
    user_id = graph.get("/users").json()["value"][0]["id"]
    assert graph.post(f"/groups/{outer['id']}/members/$ref", _ref(inner["id"])).status_code == 204
    assert graph.post(f"/groups/{inner['id']}/members/$ref", _ref(user_id)).status_code == 204
    direct = graph.get(f"/groups/{outer['id']}/members").json()["value"]
    transitive = graph.get(f"/groups/{outer['id']}/transitiveMembers").json()["value"]
    assert [m["id"] for m in direct] == [inner["id"]]
    assert sorted((m["@odata.type"], m["id"]) for m in transitive) == sorted(
        [("#microsoft.graph.group", inner["id"]), ("#microsoft.graph.user", user_id)])
    groups = graph.post(f"/groups/{inner['id']}/getMemberGroups", {"securityEnabledOnly": True})
    assert groups.status_code == 200, groups.text
    assert groups.json()["value"] == [outer["id"]]
    assert graph.post(f"/groups/{outer['id']}/getMemberGroups", {"securityEnabledOnly": False}).json()["value"] == []
    assert graph.post(f"/groups/{outer['id']}/getMemberGroups", {}).status_code == 400
    assert tenant.tenant_id


def test_startswith_orderby_and_search(graph):
    for name in ("Zeta AI", "Alpha AI", "Other"):
        graph.create_group(name)
    started = graph.get("/groups?$filter=startswith(displayName,'zeta')").json()["value"]
    assert [g["displayName"] for g in started] == ["Zeta AI"]
    names = [g["displayName"] for g in graph.get("/groups?$orderby=displayName").json()["value"]]
    assert names == sorted(names, key=str.lower)
    # $filter with $orderby is an advanced query: header and $count=true (concepts/aad-advanced-queries.md).
    assert graph.get("/groups?$filter=startswith(displayName,'a')&$orderby=displayName").status_code == 400
    both = graph.get("/groups?$filter=startswith(displayName,'a')&$orderby=displayName desc&$count=true",
                     headers=EVENTUAL).json()
    assert [g["displayName"] for g in both["value"]] == ["Alpha AI"] and both["@odata.count"] == 1
    refused = graph.get('/groups?$search="displayName:AI"')
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    found = graph.get('/groups?$search="displayName:AI"', headers=EVENTUAL).json()["value"]
    assert sorted(g["displayName"] for g in found) == ["Alpha AI", "Zeta AI"]
