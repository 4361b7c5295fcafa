"""The unauthenticated control plane under /_emulator/ (for subprocesses and the demo; never logged)."""

import json
from urllib.parse import parse_qs


def _json(body):
    if not body:
        return {}
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def handle(emulator, method, path, raw_query, body):  # pylint: disable=too-many-return-statements
    """Answer a control-plane call: ``(status, JSON-able payload or None)``."""
    query = {key: values[0] for key, values in parse_qs(raw_query, keep_blank_values=True).items()}
    resource = path[len("/_emulator/"):].strip("/")
    try:
        if resource == "requests" and method == "GET":
            kind = query.get("kind", "graph")
            return 200, emulator.requests(tenant_id=query.get("tenant") or None,
                                          kind=None if kind in ("", "all") else kind)
        if resource == "requests" and method == "DELETE":
            emulator.clear_log()
            return 204, None
        if resource == "faults" and method == "GET":
            return 200, emulator.fault_rules()
        if resource == "faults" and method == "POST":
            spec = _json(body)
            kind = spec.pop("kind", None)
            return 201, {"id": emulator.inject(kind, **spec)}
        if resource == "faults" and method == "DELETE":
            emulator.clear_faults()
            return 204, None
        if resource == "clock" and method in ("GET", "POST"):
            if method == "POST":
                emulator.advance_clock(float(_json(body).get("advance_seconds", 0)))
            return 200, {"now": emulator.now().isoformat().replace("+00:00", "Z"),
                         "offset_seconds": emulator.clock_offset}
        if resource == "devicelogin" and method == "POST":
            spec = _json(body)
            return 200, emulator.complete_device_sign_in(spec.get("tenant"), spec.get("user_code"), spec.get("upn"))
        if resource == "tenants" and method == "GET":
            return 200, [info.to_dict() for info in emulator.tenants]
        if resource == "tenants" and method == "POST":
            return 201, emulator.add_tenant(_json(body).get("tenant_id")).to_dict()
        if resource == "snapshots" and method == "POST":
            return 201, {"id": emulator.snapshot(_json(body).get("tenant", ""))}
        if resource.startswith("snapshots/") and resource.endswith("/restore") and method == "POST":
            return 200, emulator.restore(resource[len("snapshots/"):-len("/restore")]).to_dict()
    except KeyError as exc:
        return 404, {"error": f"no tenant {exc}"}
    except (ValueError, TypeError) as exc:
        return 400, {"error": str(exc)}
    return 404, {"error": f"unknown control-plane call {method} {path}"}
