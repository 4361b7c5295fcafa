"""Fault injection: status answers with Retry-After, latency, replication lag, lost responses, after_writes, scoping."""
# pylint: disable=missing-function-docstring

import time

import httpx
import pytest

from .helpers import Graph, tls, upn


def _group_count(emulator, tenant):
    with emulator.lock:
        return len(emulator.state(tenant.tenant_id).table("groups"))


def _body(name):
    return {"displayName": name, "mailEnabled": False, "mailNickname": name.replace(" ", ""), "securityEnabled": True}


def test_429_with_retry_after_is_not_processed(emulator, graph, tenant):
    before = _group_count(emulator, tenant)
    emulator.inject("status", status=429, retry_after=3, method="POST", path=r"/groups$", count=1)
    response = graph.post("/groups", _body("Throttled"))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    error = response.json()["error"]
    assert error["code"] == "TooManyRequests"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert _group_count(emulator, tenant) == before
    assert graph.get("/groups").status_code == 200  # GET is not covered by the rule
    assert graph.post("/groups", _body("Throttled")).status_code == 201  # count=1 is spent
    faults = [(e["method"], e["status"], e["fault"]) for e in emulator.requests(tenant.tenant_id)]
    assert faults == [("POST", 429, "status"), ("GET", 200, None), ("POST", 201, None)]


def test_503_with_custom_code_and_count(emulator, graph):
    emulator.inject("status", status=503, code="ServiceUnavailable", message="Try later", count=2)
    answers = [graph.get("/users") for _attempt in range(3)]
    assert [r.status_code for r in answers] == [503, 503, 200]
    assert answers[0].json()["error"]["message"] == "Try later"
    assert "Retry-After" not in answers[0].headers


def test_probability_uses_a_seeded_rng(emulator, graph):
    emulator.inject("status", status=503, probability=0.0)
    assert all(graph.get("/groups").status_code == 200 for _attempt in range(5))
    emulator.clear_faults()
    rule = emulator.inject("status", status=503, probability=0.5)
    statuses = [graph.get("/groups").status_code for _attempt in range(30)]
    assert 0 < statuses.count(503) < 30
    fired = next(r for r in emulator.fault_rules() if r["id"] == rule)["fired"]
    assert fired == statuses.count(503)


def test_a_rule_with_its_own_seed_draws_the_same_whatever_came_before(emulator, graph):
    def draws():
        emulator.inject("status", status=503, probability=0.5, seed=7)
        statuses = [graph.get("/groups").status_code for _attempt in range(20)]
        emulator.clear_faults()
        return statuses

    first = draws()
    emulator.inject("status", status=429, probability=0.0)
    emulator.clear_faults()
    assert draws() == first and 0 < first.count(503) < 20


def test_latency(emulator, graph):
    emulator.inject("latency", ms=300, path=r"/users$", count=1)
    started = time.monotonic()
    assert graph.get("/users").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    graph.get("/users")
    assert time.monotonic() - started < 0.3
    assert [e["fault"] for e in emulator.requests()[-2:]] == ["latency", None]


def test_trickle_sends_the_answer_one_byte_per_interval(emulator, graph):
    emulator.inject("trickle", path=r"/groups$", interval_ms=20, count=1)
    started = time.monotonic()
    response = graph.get("/groups?$filter=displayName eq 'Nobody'")
    assert response.status_code == 200 and response.json()["value"] == []
    assert time.monotonic() - started >= len(response.content) * 0.02 * 0.9
    assert emulator.requests()[-1]["fault"] == "trickle"


def test_handshake_latency_delays_new_connections_only(emulator, graph):
    graph.get("/users")  # the connection is open before the rule exists
    emulator.inject("handshake_latency", ms=300)
    started = time.monotonic()
    graph.get("/users")
    assert time.monotonic() - started < 0.3
    fresh = Graph(emulator, emulator.token_for(emulator.tenants[-1].tenant_id))
    try:
        started = time.monotonic()
        assert fresh.get("/users").status_code == 200
        assert time.monotonic() - started >= 0.3
    finally:
        fresh.close()
    with pytest.raises(ValueError, match="applies to every new connection; it takes no path"):
        emulator.inject("handshake_latency", ms=1, path="/users")


def test_drop_commits_then_disconnects(emulator, graph, tenant):
    emulator.inject("drop", method="POST", path=r"/groups$", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        graph.post("/groups", _body("Lost Response"))
    found = graph.get("/groups?$filter=displayName eq 'Lost Response'").json()["value"]
    assert len(found) == 1  # the write was committed although its answer never arrived
    entry = emulator.writes(tenant.tenant_id)[-1]
    assert (entry["status"], entry["fault"]) == (201, "drop")


def test_lag_hides_new_objects_for_a_while(emulator, graph, tenant):
    emulator.inject("lag", seconds=1.0)
    group = graph.post("/groups", _body("Lagging")).json()
    path = f"/groups/{group['id']}"
    response = graph.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
    assert response.json()["error"]["message"] == \
        f"Resource '{group['id']}' does not exist or one of its queried reference-property objects are not present."
    sarah = tenant.users[upn(tenant, "sarah.jones")]["id"]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{sarah}"}
    assert graph.post(f"{path}/members/$ref", ref).status_code == 404
    assert graph.patch(path, {"description": "x"}).status_code == 404
    assert graph.get("/groups?$filter=displayName eq 'Lagging'").json()["value"] == []
    assert group["id"] in [g["id"] for g in graph.get("/groups?$top=999").json()["value"]]  # unfiltered lists see it
    assert graph.get(f"/users/{sarah}").status_code == 200  # seeded objects predate the rule
    assert [e["fault"] for e in emulator.requests(tenant.tenant_id)][1:5] == ["lag"] * 4
    time.sleep(1.05)
    assert graph.get(path).status_code == 200
    assert graph.post(f"{path}/members/$ref", ref).status_code == 204
    assert len(graph.get("/groups?$filter=displayName eq 'Lagging'").json()["value"]) == 1


def test_lag_count_limits_the_404s(emulator, graph):
    emulator.inject("lag", seconds=30, count=1)
    group = graph.post("/groups", _body("Once")).json()
    assert graph.get(f"/groups/{group['id']}").status_code == 404
    assert graph.get(f"/groups/{group['id']}").status_code == 200


def test_after_writes_fires_from_the_fifth_write_on(emulator, graph, tenant):
    emulator.inject("status", status=500, method="POST", after_writes=4)
    statuses = [graph.post("/groups", _body(f"Write {i}")).status_code for i in range(6)]
    assert statuses == [201, 201, 201, 201, 500, 500]
    assert graph.get("/groups").status_code == 200
    assert _group_count(emulator, tenant) == 1 + 4


def test_rules_can_target_one_tenant(emulator, graph, tenant):
    other = emulator.add_tenant()
    emulator.inject("status", status=503, tenant=other.tenant_id)
    assert graph.get("/groups").status_code == 200
    assert Graph(emulator, emulator.token_for(other.tenant_id)).get("/groups").status_code == 503
    assert emulator.requests(tenant.tenant_id)[-1]["fault"] is None


def test_token_endpoint_faults(emulator, tenant):
    emulator.inject("status", status=503, request_kind="token", count=1)
    form = {"grant_type": "client_credentials", "client_id": tenant.client_id, "client_secret": tenant.client_secret,
            "scope": "https://graph.microsoft.com/.default"}
    url = f"{emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/token"
    response = httpx.post(url, data=form, verify=tls(emulator))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert httpx.post(url, data=form, verify=tls(emulator)).status_code == 200
    assert [e["fault"] for e in emulator.requests(tenant.tenant_id, kind="token")] == ["status", None]


@pytest.mark.parametrize("kind, rule", [
    ("explode", {}), ("status", {}), ("latency", {"ms": 1, "colour": "red"}), ("lag", {"seconds": 1, "probability": 2}),
    ("drop", {"request_kind": "ftp"}),
])
def test_malformed_rules_are_refused(emulator, kind, rule):
    with pytest.raises(ValueError):
        emulator.inject(kind, **rule)


def test_fault_timings_scale_for_rules_injected_after_the_factor_is_set(emulator, graph, tenant):
    real = emulator.inject("status", status=429, retry_after=2, method="POST", path=r"/groups$", count=1)
    emulator.fault_time_scale = 0.2
    assert emulator.fault_seconds(2) == pytest.approx(0.4)
    emulator.inject("status", status=503, retry_after=2, method="POST", path=r"/groups$", count=1)
    assert graph.post("/groups", _body("Real")).headers["Retry-After"] == "2"  # injected before: keeps its timing
    assert graph.post("/groups", _body("Scaled")).headers["Retry-After"] == "0.4"
    assert [rule["time_scale"] for rule in emulator.fault_rules()] == [1.0, 0.2]
    emulator.remove_fault(real)

    emulator.inject("lag", seconds=1.0)
    group = graph.post("/groups", _body("Lagging")).json()
    assert graph.get(f"/groups/{group['id']}").status_code == 404
    time.sleep(0.25)
    assert graph.get(f"/groups/{group['id']}").status_code == 200  # 0.2 s, not 1 s
    with pytest.raises(ValueError):
        emulator.fault_time_scale = 0
