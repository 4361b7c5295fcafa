"""The shared pieces areas build on: schema validation (odata dialect, complex and derived types), $filter, paging,
routing and clock-driven tickers."""
# pylint: disable=missing-function-docstring

import types

import pytest

from tests.emulator.graph import odata
from tests.emulator.graph.errors import ODATA, GraphError
from tests.emulator.graph.router import Router, router
from tests.emulator.graph.schema import Prop, Schema
from tests.emulator.tenant import TenantState

from .helpers import Graph

FQDN = Schema("microsoft.graph.networkaccess.fqdn", {"value": Prop(required=True)}, dialect=ODATA)
CATEGORY = Schema("microsoft.graph.networkaccess.webCategory", {"name": Prop(required=True)}, dialect=ODATA)
DESTINATION = Schema("microsoft.graph.networkaccess.ruleDestination", {}, abstract=True, dialect=ODATA,
                     derived={"#microsoft.graph.networkaccess.fqdn": FQDN,
                              "#microsoft.graph.networkaccess.webCategory": CATEGORY})
RULE = Schema("microsoft.graph.networkaccess.policyRule", {
    "id": Prop(read_only=True),
    "name": Prop(required=True, nullable=False),
    "priority": Prop("Int32"),
    "expiry": Prop("Duration"),
    "action": Prop(enum=("allow", "block")),
    "destinations": Prop("Object", collection=True, schema=DESTINATION),
}, dialect=ODATA)


def _raises(func, *args, **kwargs):
    with pytest.raises(GraphError) as info:
        func(*args, **kwargs)
    return info.value


def test_odata_dialect_messages_name_the_property():
    error = _raises(RULE.validate, {"name": "r", "colour": "red"})
    assert (error.status, error.code) == (400, "BadRequest")
    assert "'colour'" in error.message and "microsoft.graph.networkaccess.policyRule" in error.message
    assert "'priority'" in _raises(RULE.validate, {"name": "r", "priority": "1"}).message
    assert "'priority'" in _raises(RULE.validate, {"name": "r", "priority": True}).message
    assert "'expiry'" in _raises(RULE.validate, {"name": "r", "expiry": "2 hours"}).message
    assert "'action'" in _raises(RULE.validate, {"name": "r", "action": "maybe"}).message
    assert "'name'" in _raises(RULE.validate, {"priority": 1}).message
    assert "'id'" in _raises(RULE.validate, {"name": "r", "id": "x"}).message
    assert RULE.validate({"priority": 5}, mode="update")[1] == {"priority": 5}


def test_derived_complex_types_are_chosen_by_odata_type():
    _schema, values, _binds = RULE.validate({"name": "r", "expiry": "PT2H", "destinations": [
        {"@odata.type": "#microsoft.graph.networkaccess.fqdn", "value": "chatgpt.com"},
        {"@odata.type": "#microsoft.graph.networkaccess.webCategory", "name": "ArtificialIntelligence"},
    ]})
    assert values["destinations"][0] == {"@odata.type": "#microsoft.graph.networkaccess.fqdn", "value": "chatgpt.com"}
    assert "'name' does not exist on type 'microsoft.graph.networkaccess.fqdn'" in _raises(RULE.validate, {
        "name": "r", "destinations": [{"@odata.type": "#microsoft.graph.networkaccess.fqdn", "name": "x"}]}).message
    assert "'value'" in _raises(RULE.validate, {"name": "r", "destinations": [
        {"@odata.type": "#microsoft.graph.networkaccess.fqdn"}]}).message
    assert "@odata.type" in _raises(RULE.validate, {"name": "r", "destinations": [{"value": "x"}]}).message
    assert "could not be resolved" in _raises(RULE.validate, {"name": "r", "destinations": [
        {"@odata.type": "#microsoft.graph.networkaccess.ipAddress", "value": "1.2.3.4"}]}).message
    assert "'destinations'" in _raises(RULE.validate, {"name": "r", "destinations": {"value": "x"}}).message


def test_filter_subset():
    rows = [{"id": "1", "name": "A", "on": True, "resource": {"id": "r1"}},
            {"id": "2", "name": "b", "on": False, "resource": {"id": "r2"}}]
    parsed = odata.Filter("(name eq 'a' and on eq true)")
    assert [r["id"] for r in rows if parsed.matches(r)] == ["1"]
    parsed = odata.Filter("resource/id in ('R2', 'r3') and on eq false")
    assert parsed.paths == {"resource/id", "on"}
    assert [r["id"] for r in rows if parsed.matches(r)] == ["2"]
    assert odata.Filter("name eq 'it''s'").tree == ("eq", "name", "it's")
    for text in ("name ne 'a'", "contains(name,'a')", "name eq", "name eq 'a' or on eq true", "name gt 5"):
        assert _raises(odata.Filter, text).code == "Request_UnsupportedQuery"
    assert _raises(odata.Filter, "name ne 'a'", ODATA).code == "BadRequest"
    with pytest.raises(GraphError):
        odata.Filter("name eq 'a'").check({"id"}, "Thing")


def _fake_ctx(state, raw_query, path="/things"):
    hidden = set()
    return types.SimpleNamespace(query=odata.Query(raw_query), state=state, headers={}, base_url="https://127.0.0.1:1",
                                 version="beta", path=path, paging_key=b"k" * 16,
                                 visible=lambda object_id: object_id not in hidden, hidden=hidden)


def test_list_response_pages_and_shapes():
    state = TenantState("3a1f7a5e-0000-4000-8000-000000000001", now=None)
    things = state.table("things")
    for index in range(7):
        things.add({"id": f"id{index}", "name": f"n{index}", "kind": "even" if index % 2 == 0 else "odd"})
    schema = Schema("microsoft.graph.thing", {"id": Prop(read_only=True), "name": Prop(), "kind": Prop()}, dialect=ODATA)
    ctx = _fake_ctx(state, "$top=3&$select=name&$filter=kind eq 'even'")
    status, body = odata.list_response(ctx, things.values(), "things", schema, filterable=("kind",))
    assert status == 200
    assert body["@odata.context"] == "https://127.0.0.1:1/beta/$metadata#things(name)"
    assert body["value"] == [{"id": "id0", "name": "n0"}, {"id": "id2", "name": "n2"}, {"id": "id4", "name": "n4"}]
    ctx = _fake_ctx(state, body["@odata.nextLink"].split("?", 1)[1])
    _status, page2 = odata.list_response(ctx, things.values(), "things", schema, filterable=("kind",))
    assert [v["id"] for v in page2["value"]] == ["id6"] and "@odata.nextLink" not in page2
    other_path = _fake_ctx(state, body["@odata.nextLink"].split("?", 1)[1], path="/others")
    assert _raises(odata.list_response, other_path, things.values(), "things", schema, filterable=("kind",)).status == 400
    ctx = _fake_ctx(state, "$filter=kind eq 'odd'")
    ctx.hidden.add("id1")
    _status, visible = odata.list_response(ctx, things.values(), "things", schema, filterable=("kind",))
    assert [v["id"] for v in visible["value"]] == ["id3", "id5"]
    assert _raises(odata.list_response, _fake_ctx(state, "$orderby=name"), things.values(), "things", schema).status == 400
    assert _raises(odata.list_response, _fake_ctx(state, "$filter=name eq 'x'"), things.values(), "things", schema).status == 400
    assert _raises(odata.Query, "$top=1&$top=2").status == 400


def test_router_prefers_literal_segments_and_names_the_bad_segment():
    table = Router()
    table.route("GET", "/things/{id}")(lambda ctx: (200, {"by": "id"}))
    table.route("GET", "/things/special", versions=("beta",))(lambda ctx: (200, {"by": "literal"}))
    route, params = table.resolve("GET", "beta", ["things", "special"])
    assert route.pattern == "/things/special" and params == {}
    route, params = table.resolve("GET", "v1.0", ["Things", "special"])
    assert route.pattern == "/things/{id}" and params == {"id": "special"}
    assert _raises(table.resolve, "GET", "beta", ["things", "x", "extra"]).message == \
        "Resource not found for the segment 'extra'."
    assert _raises(table.resolve, "DELETE", "beta", ["things", "x"]).status == 405


def test_tickers_run_when_the_clock_moves(emulator, tenant):
    seen = []

    def record(state, now):
        if state.tenant_id == tenant.tenant_id:
            seen.append(now)

    router.tickers.append(record)
    try:
        emulator.advance_clock(3600)
        assert seen and abs((seen[-1] - emulator.now()).total_seconds()) < 1
    finally:
        router.tickers.remove(record)


def test_delegated_only_routes_refuse_app_tokens(emulator, tenant):
    pattern = "/emulatorSelfTest/whoAmI"
    router.route("GET", pattern, delegated_only=True)(lambda ctx: (200, {"upn": ctx.identity.upn}))
    try:
        app = Graph(emulator, emulator.token_for(tenant.tenant_id))
        response = app.get(pattern)
        assert response.status_code == 403 and response.json()["error"]["code"] == "Forbidden"
        sarah = f"sarah.jones@{tenant.domain}"
        assert Graph(emulator, emulator.token_for(tenant.tenant_id, upn=sarah)).get(pattern).json() == {"upn": sarah}
    finally:
        router.routes = [r for r in router.routes if r.pattern != pattern]
