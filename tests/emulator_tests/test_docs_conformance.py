"""Docs conformance: the HTTP examples of the Graph docs pages (data/docs_examples.json) replayed against the emulator.

Status and response property set must match the page; a page marked "truncated" shows a subset of the properties.
An example whose mismatch is a documented exception carries an ``excuse``; it must still mismatch (so a stale excuse
fails too). The test prints: examples replayed, matched, excused by reason.
"""

import json
import os
import re
from collections import Counter

from .helpers import Graph, upn

DATA = os.path.join(os.path.dirname(__file__), "data", "docs_examples.json")


def _examples():
    with open(DATA, encoding="utf-8") as handle:
        return json.load(handle)["examples"]


def _substitute(value, ids):
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_substitute(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, ids) for key, item in value.items()}
    return value


def _mismatch(example, response):
    """Why the answer differs from the page, or None."""
    if response.status_code != example["status"]:
        return f"status {response.status_code} (page: {example['status']}): {response.text[:300]}"
    if "error" in example:
        code = response.json()["error"]["code"]
        return None if code == example["error"] else f"error code {code} (page: {example['error']})"
    documented = set(example.get("properties", ()))
    if not documented:
        return None
    actual = set(response.json())
    missing = documented - actual
    extra = set() if example.get("truncated") else actual - documented
    if missing or extra:
        return f"missing {sorted(missing)}, not on the page {sorted(extra)}"
    return None


def test_docs_examples_replay(emulator, tenant):
    token = emulator.token_for(tenant.tenant_id)
    clients = {"v1.0": Graph(emulator, token), "beta": Graph(emulator, token, version="beta")}
    ids = {"user": tenant.users[upn(tenant, "sarah.jones")]["id"],
           "user2": tenant.users[upn(tenant, "david.miller")]["id"],
           "group2": clients["v1.0"].create_group("Docs spare group")["id"]}
    matched, excused, unexplained = 0, Counter(), []
    for example in _examples():
        client = clients[example["version"]]
        response = client.request(example["method"], _substitute(example["path"], ids),
                                  json=_substitute(example.get("body"), ids), headers=example.get("headers"))
        if response.status_code < 300 and response.content:
            body = response.json()
            if example.get("save"):
                ids[example["save"]] = body["id"]
            if example.get("save_first") and body.get("value"):
                ids[example["save_first"]] = body["value"][0]["id"]
        if example.get("advance_clock"):
            emulator.advance_clock(example["advance_clock"])
        problem = _mismatch(example, response)
        where = f"{example['page']} ({example['name']})"
        if example.get("excuse"):
            if problem is None:
                unexplained.append(f"{where}: excused but now matches; drop the excuse")
            else:
                excused[example["excuse"].split(":")[0]] += 1
        elif problem:
            unexplained.append(f"{where}: {problem}")
        else:
            matched += 1
    for client in clients.values():
        client.close()
    total = len(_examples())
    print(f"\ndocs conformance: {total} examples replayed, {matched} matched, "
          f"{sum(excused.values())} excused ({dict(excused)}), {len(unexplained)} unexplained")
    assert not unexplained, "\n".join(unexplained)
    assert matched + sum(excused.values()) == total
