"""The request log, the emulated clock, the HTTP control plane and the command line."""
# pylint: disable=missing-function-docstring

import datetime
import json
import os
import subprocess
import sys
import time

import httpx

from .helpers import Graph, tls, upn

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_request_log_entries(emulator, tenant):
    form = {"grant_type": "client_credentials", "client_id": tenant.client_id, "client_secret": tenant.client_secret,
            "scope": "https://graph.microsoft.com/.default"}
    started = time.time()
    token = httpx.post(f"{emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/token", data=form,
                       verify=tls(emulator)).json()["access_token"]
    graph = Graph(emulator, token)
    created = graph.post("/groups", {"displayName": "Logged", "mailEnabled": False, "mailNickname": "logged",
                                     "securityEnabled": True}).json()
    graph.get("/groups?$filter=displayName eq 'Logged'&$select=id")
    graph.delete(f"/groups/{created['id']}/members/{created['id']}/$ref")
    httpx.get(f"{emulator.base_url}/_emulator/requests", verify=tls(emulator))  # control plane: not logged

    token_entry, = emulator.requests(tenant.tenant_id, kind="token")
    assert token_entry["body"] == {**form, "client_secret": "***"}
    assert token_entry["identity"] == f"app:{tenant.client_id}"
    assert (token_entry["status"], token_entry["version"], token_entry["fault"]) == (200, None, None)
    post, get, delete = emulator.requests(tenant.tenant_id)
    assert post["seq"] > token_entry["seq"] and get["seq"] == post["seq"] + 1
    assert started <= post["time"] <= get["time"] <= time.time()
    assert (post["kind"], post["tenant"], post["method"], post["path"], post["version"]) == \
        ("graph", tenant.tenant_id, "POST", "/v1.0/groups", "v1.0")
    assert post["body"] == {"displayName": "Logged", "mailEnabled": False, "mailNickname": "logged", "securityEnabled": True}
    assert (post["status"], post["identity"]) == (201, f"app:{tenant.client_id}")
    assert get["query"] == "$filter=displayName%20eq%20'Logged'&$select=id"  # raw, as the client sent it
    assert get["body"] is None
    assert delete["path"] == f"/v1.0/groups/{created['id']}/members/{created['id']}/$ref"
    assert delete["status"] == 404
    assert [e["method"] for e in emulator.writes(tenant.tenant_id)] == ["POST", "DELETE"]
    kinds = {e["kind"] for e in emulator.requests(tenant.tenant_id, kind=None)}
    assert kinds == {"token", "graph"}
    emulator.clear_log()
    assert emulator.requests(kind=None) == []


def test_password_and_user_identity_in_the_log(emulator, tenant):
    sarah = upn(tenant, "sarah.jones")
    form = {"grant_type": "password", "client_id": tenant.client_id, "username": sarah,
            "password": tenant.users[sarah]["password"], "scope": "https://graph.microsoft.com/.default"}
    token = httpx.post(f"{emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/token", data=form,
                       verify=tls(emulator)).json()["access_token"]
    Graph(emulator, token).get("/me")
    assert emulator.requests(tenant.tenant_id, kind="token")[0]["body"]["password"] == "***"
    assert emulator.requests(tenant.tenant_id)[0]["identity"] == f"user:{sarah}"


def test_clock_advance_moves_server_timestamps(emulator, graph):
    wall = datetime.datetime.now(datetime.timezone.utc)
    assert abs((emulator.now() - wall).total_seconds()) < 2
    emulator.advance_clock(3 * 86400)
    assert 3 * 86400 - 2 < (emulator.now() - wall).total_seconds() < 3 * 86400 + 2
    group = graph.create_group("Future")
    created = datetime.datetime.fromisoformat(group["createdDateTime"].replace("Z", "+00:00"))
    assert abs((created - emulator.now()).total_seconds()) < 2
    response = graph.get("/groups/not-a-group")
    assert response.json()["error"]["innerError"]["date"][:10] == emulator.now().strftime("%Y-%m-%d")


def test_control_plane_over_http(emulator, tenant):
    base, verify = f"{emulator.base_url}/_emulator", tls(emulator)
    created = httpx.post(f"{base}/tenants", json={}, verify=verify)
    assert created.status_code == 201
    info = created.json()
    assert set(info) >= {"tenant_id", "client_id", "client_secret", "cert_client_id", "cert_path", "users"}
    assert info["tenant_id"] in [t["tenant_id"] for t in httpx.get(f"{base}/tenants", verify=verify).json()]
    rule = httpx.post(f"{base}/faults", json={"kind": "status", "status": 503, "tenant": tenant.tenant_id, "count": 1},
                      verify=verify)
    assert rule.status_code == 201 and isinstance(rule.json()["id"], int)
    assert httpx.post(f"{base}/faults", json={"kind": "nope"}, verify=verify).status_code == 400
    graph = Graph(emulator, emulator.token_for(tenant.tenant_id))
    assert graph.get("/groups").status_code == 503
    logged = httpx.get(f"{base}/requests", params={"tenant": tenant.tenant_id, "kind": "graph"}, verify=verify).json()
    assert [(e["status"], e["fault"]) for e in logged] == [(503, "status")]
    assert httpx.get(f"{base}/requests", params={"kind": "token"}, verify=verify).json() == []
    before = httpx.get(f"{base}/clock", verify=verify).json()
    after = httpx.post(f"{base}/clock", json={"advance_seconds": 7200}, verify=verify).json()
    assert after["offset_seconds"] - before["offset_seconds"] == 7200
    assert after["now"].endswith("Z")
    httpx.post(f"{base}/faults", json={"kind": "status", "status": 500}, verify=verify)
    assert httpx.delete(f"{base}/faults", verify=verify).status_code == 204
    assert graph.get("/groups").status_code == 200
    assert httpx.delete(f"{base}/requests", verify=verify).status_code == 204
    assert emulator.requests(kind=None) == []


def test_command_line(tmp_path):
    state_dir = tmp_path / "state"
    tenant_id = "0d5c2f6a-8b1e-4c3d-9e7f-a1b2c3d4e5f6"
    env = {**os.environ, "PYTHONPATH": REPO_ROOT}
    with subprocess.Popen([sys.executable, "-m", "tests.emulator", "--state-dir", str(state_dir), "--tenants", "2",
                           "--tenant-id", tenant_id], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                          text=True) as process:
        try:
            info = json.loads(process.stdout.readline())
            assert info == json.loads((state_dir / "emulator.json").read_text())
            assert [t["tenant_id"] for t in info["tenants"]][0] == tenant_id and len(info["tenants"]) == 2
            assert info["ca_path"] == str(state_dir / "ca.pem")
            first = info["tenants"][0]
            verify = tls(type("Info", (), {"ca_path": info["ca_path"]}))
            token = httpx.post(f"{info['base_url']}/{tenant_id}/oauth2/v2.0/token", verify=verify, data={
                "grant_type": "client_credentials", "client_id": first["client_id"],
                "client_secret": first["client_secret"], "scope": "https://graph.microsoft.com/.default"}).json()
            users = httpx.get(f"{info['base_url']}/v1.0/users", verify=verify,
                              headers={"Authorization": f"Bearer {token['access_token']}"}).json()["value"]
            assert "sarah.jones@contoso-0d5c2f6a.onmicrosoft.com" in [u["userPrincipalName"] for u in users]
        finally:
            process.terminate()
            assert process.wait(timeout=10) == 0
