"""The SDK-model oracle (tests/emulator/oracle.py) and the body recording that feeds it (tests/emulator/recorder.py)."""

import json
import os

import pytest

from tests.emulator import Emulator
from tests.emulator import oracle
from tests.emulator.recorder import RECORD_DIR_ENV

from .helpers import Graph


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A recording emulator (its own record dir) and its one tenant."""
    record_dir = tmp_path_factory.mktemp("bodies")
    emu = Emulator(state_dir=tmp_path_factory.mktemp("state"), tenants=1, record_dir=record_dir).start()
    yield emu, emu.tenants[0], str(record_dir)
    emu.stop()


def _lines(directory):
    return [json.loads(line) for name in sorted(os.listdir(directory)) if name.endswith(".jsonl")
            for line in open(os.path.join(directory, name), encoding="utf-8")]


def test_recording_names_route_version_and_bodies(recording):
    emu, tenant, record_dir = recording
    graph = Graph(emu, emu.token_for(tenant.tenant_id))
    group = graph.create_group("Oracle recorded")
    graph.get(f"/groups/{group['id']}/members")
    graph.close()
    entries = [e for e in _lines(record_dir) if e["path"].startswith("/v1.0/groups")]
    create = next(e for e in entries if e["method"] == "POST")
    assert create["route"] == "/groups" and create["version"] == "v1.0" and create["status"] == 201
    assert create["request"]["displayName"] == "Oracle recorded" and create["response"]["id"] == group["id"]
    members = next(e for e in entries if e["path"].endswith("/members"))
    assert members["route"] == "/groups/{id}/members" and members["response"]["value"] == []


def test_each_emulator_records_to_its_own_file(tmp_path, monkeypatch):
    monkeypatch.setenv(RECORD_DIR_ENV, str(tmp_path))
    first, second = Emulator(state_dir=tmp_path / "a", tenants=1), Emulator(state_dir=tmp_path / "b", tenants=1)
    with first, second:
        for emu in (first, second):
            graph = Graph(emu, emu.token_for(emu.tenants[0].tenant_id))
            assert graph.get("/groups").status_code == 200
            graph.close()
    files = [n for n in os.listdir(tmp_path) if n.endswith(".jsonl")]
    assert len(files) == 2 and all(n.startswith(f"bodies-{os.getpid()}-") for n in files)


def test_group_and_conditional_access_bodies_fit_the_sdk_models(recording):
    """creationOptions, and the beta policy's templateId, partialEnablementStrategy and conditions.times, are unknown
    to the models but shown by the docs: allowlisted with their pages, nothing else is unknown."""
    emu, tenant, record_dir = recording
    token = emu.token_for(tenant.tenant_id)
    v1, beta = Graph(emu, token), Graph(emu, token, version="beta")
    group = v1.create_group("Oracle models")
    policy = beta.post("/identity/conditionalAccess/policies", {
        "displayName": "Oracle policy", "state": "disabled",
        "conditions": {"users": {"includeGroups": [group["id"]]}, "applications": {"includeApplications": ["All"]},
                       "clientAppTypes": ["all"]},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]}})
    assert policy.status_code == 201, policy.text
    assert beta.get(f"/identity/conditionalAccess/policies/{policy.json()['id']}").status_code == 200
    assert v1.get(f"/identity/conditionalAccess/policies/{policy.json()['id']}").status_code == 200
    assert v1.get("/groups/not-a-guid").status_code == 404
    v1.close()
    beta.close()
    report = oracle.check_directory(record_dir)
    assert report.bodies >= 8 and report.ok, oracle.render(report)
    assert ("v1.0", "Group", "creationOptions") in report.excused
    assert report.excused[("beta", "ConditionalAccessConditionSet", "times")] == "concepts/tutorial-entra-internet-access.md"


def test_an_unknown_property_fails_and_names_its_place():
    report, seen = oracle.Report(), set()
    oracle.check_entry({"method": "GET", "version": "v1.0", "route": "/groups", "status": 200, "request": None,
                        "response": {"@odata.context": "x", "value": [
                            {"id": "1", "displayName": "a", "madeUp": 1, "creationOptions": []}]}}, report, seen)
    oracle.check_entry({"method": "PATCH", "version": "beta", "route": "/networkAccess/filteringPolicies/{id}",
                        "status": 204, "request": {"name": "n", "colour": "red"}, "response": None}, report, seen)
    assert not report.ok
    assert report.unknown == {("v1.0", "GET", "/groups", "response", "Group.madeUp"): "value[].madeUp",
                              ("beta", "PATCH", "/networkAccess/filteringPolicies/{id}", "request",
                               "FilteringPolicy.colour"): "colour"}
    assert "unknown properties: 2" in oracle.render(report)


def test_routes_resolve_through_the_sdk_request_builders():
    request, response = oracle.models_for("v1.0", "POST", "/groups/{id}/members/$ref")
    assert (request.__name__, response) == ("ReferenceCreate", None)
    request, response = oracle.models_for(
        "v1.0", "GET", "/identityGovernance/entitlementManagement/assignmentRequests/filterByCurrentUser(on='approver')")
    assert request is None and response.__name__ == "FilterByCurrentUserWithOnGetResponse"
    assert oracle.models_for("v1.0", "GET", "/me")[1].__name__ == "User"
    with pytest.raises(oracle.UnmappedRoute):
        oracle.models_for("v1.0", "GET", "/groups/{id}/noSuchThing")
