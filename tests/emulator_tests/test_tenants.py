"""Tenants added from many threads at once (as the scale benchmark does): each complete, distinct and listed."""
# pylint: disable=missing-function-docstring

import json
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.emulator.server import Emulator

from .helpers import Graph, tls

THREADS = 8
TENANTS = 20


@pytest.fixture
def fresh(tmp_path):
    """An emulator of its own with no tenant, so the test sees only the tenants it adds."""
    emu = Emulator(state_dir=tmp_path, tenants=0).start()
    yield emu
    emu.stop()


def _complete(emu, info):
    """The tenant's seed, its apps and its credentials are all there, and its token works."""
    state = emu.state(info.tenant_id)
    assert len(state.table("users")) == len(info.users) >= 8
    assert [g["displayName"] for g in state.table("groups").values()] == ["Finance Team"]
    assert len(state.table("filteringProfiles")) == 1 and len(state.table("accessPackageCatalogs")) == 1
    assert {info.client_id, info.cert_client_id} == set(state.apps)
    assert os.path.exists(info.cert_path)
    graph = Graph(emu, emu.token_for(info.tenant_id))
    try:
        me = graph.get("/users").json()["value"]
    finally:
        graph.close()
    assert sorted(u["userPrincipalName"] for u in me) == sorted(info.users)


def test_twenty_tenants_from_eight_threads(fresh):
    start = threading.Barrier(THREADS)

    def add(number):
        if number < THREADS:
            start.wait()  # the first wave starts together
        return fresh.add_tenant()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        infos = list(pool.map(add, range(TENANTS)))

    ids = [info.tenant_id for info in infos]
    assert len(set(ids)) == TENANTS
    assert sorted(i.tenant_id for i in fresh.tenants) == sorted(ids)
    assert len({info.client_secret for info in infos}) == TENANTS
    assert len({info.cert_path for info in infos}) == TENANTS
    assert len({info.domain for info in infos}) == TENANTS
    for info in infos:
        _complete(fresh, info)
    # Objects of one tenant are not visible in another.
    first, second = (fresh.state(i) for i in ids[:2])
    assert not set(u["id"] for u in first.table("users").values()) & set(u["id"] for u in second.table("users").values())
    with open(os.path.join(fresh.state_dir, "emulator.json"), encoding="utf-8") as handle:
        listed = json.load(handle)["tenants"]
    assert sorted(t["tenant_id"] for t in listed) == sorted(ids)


def test_one_tenant_id_added_from_eight_threads_at_once(fresh):
    tenant_id = str(uuid.uuid4())
    start = threading.Barrier(THREADS)

    def add(_number):
        start.wait()
        try:
            return fresh.add_tenant(tenant_id)
        except ValueError:
            return None

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        added = [info for info in pool.map(add, range(THREADS)) if info is not None]

    assert len(added) == 1
    assert [i.tenant_id for i in fresh.tenants] == [tenant_id]
    _complete(fresh, added[0])


def _group(graph, name):
    created = graph.post("/groups", {"displayName": name, "mailEnabled": False, "mailNickname": name.replace(" ", ""),
                                     "securityEnabled": True})
    assert created.status_code == 201, created.text
    return created.json()


def _names(graph):
    return sorted(g["displayName"] for g in graph.get("/groups").json()["value"])


def test_a_restored_snapshot_is_the_tenant_as_it_was_each_time(emulator, tenant, graph):
    kept = _group(graph, "Kept")
    member = tenant.users[next(iter(tenant.users))]["id"]
    added = graph.post(f"/groups/{kept['id']}/members/$ref",
                       {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{member}"})
    assert added.status_code == 204, added.text
    snapshot = emulator.snapshot(tenant.tenant_id)
    other = emulator.add_tenant()
    other_graph = Graph(emulator, emulator.token_for(other.tenant_id))
    _group(other_graph, "Elsewhere")

    for attempt in range(2):  # the snapshot stays as taken: restoring it twice gives the same tenant twice
        _group(graph, f"Later {attempt}")
        assert graph.delete(f"/groups/{kept['id']}").status_code == 204
        assert emulator.restore(snapshot) == tenant
        assert _names(graph) == ["Finance Team", "Kept"]
        assert len(graph.get(f"/groups/{kept['id']}/members").json()["value"]) == 1
    # Only the snapshot's tenant goes back; the same token and credentials keep working.
    assert _names(other_graph) == ["Elsewhere", "Finance Team"]
    other_graph.close()


def test_snapshots_through_the_control_plane(emulator, tenant, graph):
    control = f"{emulator.base_url}/_emulator/snapshots"
    taken = httpx.post(control, json={"tenant": tenant.tenant_id}, verify=tls(emulator))
    assert taken.status_code == 201, taken.text
    _group(graph, "After the snapshot")
    restored = httpx.post(f"{control}/{taken.json()['id']}/restore", verify=tls(emulator))
    assert restored.status_code == 200 and restored.json() == tenant.to_dict()
    assert _names(graph) == ["Finance Team"]
    assert httpx.post(f"{control}/nope/restore", verify=tls(emulator)).status_code == 400
    assert httpx.post(control, json={"tenant": str(uuid.uuid4())}, verify=tls(emulator)).status_code == 404


def test_tenants_share_one_client_key_but_not_a_certificate(emulator, tenant):
    other = emulator.add_tenant()
    mine, theirs = (emulator.state(info.tenant_id).apps[info.cert_client_id]["cert"] for info in (tenant, other))
    assert mine.key is theirs.key, "the RSA key is made once per process, not once per tenant"
    assert mine.sha256 != theirs.sha256
