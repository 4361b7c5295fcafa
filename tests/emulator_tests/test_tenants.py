"""Tenants added from many threads at once (as the scale benchmark does): each complete, distinct and listed."""
# pylint: disable=missing-function-docstring

import json
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.emulator.server import Emulator

from .helpers import Graph

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
