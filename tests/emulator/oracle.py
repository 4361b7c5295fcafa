"""The SDK-model oracle: Microsoft's generated models judge every body the emulator saw.

The emulator records Graph requests when ``EMULATOR_RECORD_DIR`` (or ``Emulator(record_dir=...)``) is set
(``recorder.py``). This checker parses each recorded request and response body with the ``msgraph-sdk`` (v1.0) or
``msgraph-beta-sdk`` (beta) model of its route (kiota's ``JsonParseNode`` and the model's discriminator factory),
walks nested objects and collections, and reports every property that lands in ``additional_data``: a property the
model does not know. An unknown property passes only when ``ALLOWLIST`` names the docs page showing Graph returns or
accepts it.

The model of a route comes from the SDK's own request builders: the route template is walked segment by segment
through the fluent API (``groups`` -> ``by_group_id`` -> ``members`` -> ``ref``) and the model is the annotated return
type (response) or ``body`` parameter type (request) of the builder's method for the HTTP method. Error answers are
parsed with ``ODataError``.

    python -m tests.emulator.oracle DIR     # exit 1 on any unknown property or unmapped route
"""

import functools
import importlib
import inspect
import json
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field

# Unknown properties Graph does send or accept although the generated model lacks them. Each entry names the docs
# page (microsoftgraph/microsoft-graph-docs-contrib) that shows it. Keys: (API version or "*", model class, property).
ALLOWLIST = {
    # Every documented group answer carries creationOptions (e.g. "creationOptions": [] in the 201 of example 1).
    ("v1.0", "Group", "creationOptions"): "api-reference/v1.0/api/group-post-groups.md",
    ("beta", "Group", "creationOptions"): "api-reference/beta/api/group-post-groups.md",
    # A beta Conditional Access policy as Graph answers its create (the 201 of step 3) carries templateId,
    # partialEnablementStrategy and conditions.times, none of which the beta model has.
    ("beta", "ConditionalAccessPolicy", "templateId"): "concepts/tutorial-entra-internet-access.md",
    ("beta", "ConditionalAccessPolicy", "partialEnablementStrategy"): "concepts/tutorial-entra-internet-access.md",
    ("beta", "ConditionalAccessConditionSet", "times"): "concepts/tutorial-entra-internet-access.md",
    # A What If result is a conditionalAccessPolicy with two more properties (api-reference/beta/resources/
    # whatifanalysisresult.md: "Inherits from conditionalAccessPolicy"), so it carries what a policy carries (above).
    ("beta", "WhatIfAnalysisResult", "templateId"): "api-reference/beta/resources/whatifanalysisresult.md",
    ("beta", "WhatIfAnalysisResult", "partialEnablementStrategy"): "api-reference/beta/resources/whatifanalysisresult.md",
    # The admin direct-assignment request names user, policy and package by id inside "assignment" (example 1).
    ("v1.0", "AccessPackageAssignment", "targetId"): "api-reference/v1.0/api/entitlementmanagement-post-assignmentrequests.md",
    ("v1.0", "AccessPackageAssignment", "assignmentPolicyId"):
        "api-reference/v1.0/api/entitlementmanagement-post-assignmentrequests.md",
    ("v1.0", "AccessPackageAssignment", "accessPackageId"):
        "api-reference/v1.0/api/entitlementmanagement-post-assignmentrequests.md",
}

# OData control information is not a property of the model: "@odata.context" tops every documented response
# (e.g. api-reference/v1.0/api/group-get.md), "members@odata.bind" / "owners@odata.bind" bind on create
# (api-reference/v1.0/api/group-post-groups.md, example 2).
_ANNOTATION = re.compile(r"^(?:[A-Za-z0-9_.]*@odata\.[A-Za-z]+|@odata\.[A-Za-z]+)$")

# Routes the SDK reaches another way, or not at all. "me" is the signed-in user's users/{id} (the Python SDK builds it
# in GraphServiceClient, not in the generated base client). webCategories is a structural collection property of
# connectivity, read as its own path by concepts/tutorial-entra-internet-access.md: its items are webCategory.
_ALIASES = {"me": "users/{id}"}
COLLECTION_ROUTES = {
    ("beta", "GET", "/networkAccess/connectivity/webCategories"): "msgraph_beta.generated.models.networkaccess.web_category.WebCategory",
}
# Routes only the emulator's own tests register (tests/emulator_tests/test_framework.py): not Graph, not checked.
EMULATOR_ONLY_PREFIXES = ("/emulatorSelfTest/",)

_SDK_PACKAGES = {"v1.0": "msgraph", "beta": "msgraph_beta"}
_FUNCTION = re.compile(r"^(?:microsoft\.graph\.)?(\w+)\((\w+)='([^']*)'\)$")
_HTTP_METHODS = ("get", "post", "patch", "put", "delete")


class UnmappedRoute(Exception):
    """The SDK has no request builder (or no method) for a route the emulator serves."""


def _snake(name):
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return name.lower()


class _Adapter:  # pylint: disable=too-few-public-methods
    """Just enough of a kiota RequestAdapter to build request builders (nothing is ever sent)."""

    base_url = "https://graph.microsoft.com"

    def enable_backing_store(self, _factory):
        """Request builders call this on construction."""


@functools.lru_cache(maxsize=None)
def _root(version):
    module = importlib.import_module(f"{_SDK_PACKAGES[version]}.generated.base_graph_service_client")
    return module.BaseGraphServiceClient(_Adapter())


def _step(builder, segment):
    """The request builder one path segment below ``builder``."""
    if segment.startswith("{") and segment.endswith("}"):
        indexers = [name for name in dir(type(builder)) if name.startswith("by_") and name.endswith("_id")]
        if len(indexers) != 1:
            raise UnmappedRoute(f"{type(builder).__name__} has indexers {indexers}")
        return getattr(builder, indexers[0])("x")
    function = _FUNCTION.match(segment)
    if function:
        name, argument, value = function.groups()
        method = getattr(builder, f"{_snake(name)}_with_{_snake(argument)}", None)
        if method is None:
            raise UnmappedRoute(f"{type(builder).__name__} has no function {segment}")
        return method(value)
    name = {"$ref": "ref", "$count": "count", "$value": "content"}.get(segment)
    name = name or _snake(segment.rpartition("microsoft.graph.")[2])
    if not isinstance(getattr(type(builder), name, None), property):
        raise UnmappedRoute(f"{type(builder).__name__} has no segment {segment}")
    return getattr(builder, name)


def _resolve_annotation(owner, annotation):
    """The class an annotation string such as ``'Optional[GroupCollectionResponse]'`` names, from its module's imports."""
    if not isinstance(annotation, str):
        return None
    name = re.sub(r"^Optional\[(.*)\]$", r"\1", annotation.strip())
    if not re.fullmatch(r"\w+", name) or name in ("None", "bytes", "str", "int", "bool", "float"):
        return None
    module = sys.modules[owner.__module__]
    found = re.search(rf"from (\.+[\w.]*) import {name}\b", inspect.getsource(module))
    if not found:
        raise UnmappedRoute(f"no import of {name} in {module.__name__}")
    return getattr(importlib.import_module(found.group(1), module.__package__), name)


def _quiet(func):
    """Run ``func`` with the SDK's import-time DeprecationWarnings (generated request configurations) silenced."""
    @functools.wraps(func)
    def quiet(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return func(*args)
    return quiet


@_quiet
@functools.lru_cache(maxsize=None)
def models_for(version, method, route):
    """``(request model, response model)`` of ``method route`` in the SDK of ``version`` (None where there is no body)."""
    collection = COLLECTION_ROUTES.get((version, method, route))
    if collection:
        module, _dot, name = collection.rpartition(".")
        return None, _CollectionOf(getattr(importlib.import_module(module), name))
    builder = _root(version)
    path = route.strip("/")
    for alias, target in _ALIASES.items():
        path = re.sub(rf"^{alias}(?=/|$)", target, path)
    for segment in path.split("/"):
        builder = _step(builder, segment)
    operation = getattr(type(builder), method.lower(), None) if method.lower() in _HTTP_METHODS else None
    if operation is None:
        raise UnmappedRoute(f"{type(builder).__name__} has no {method}")
    signature = inspect.signature(operation)
    body = signature.parameters.get("body")
    return (_resolve_annotation(operation, body.annotation) if body is not None else None,
            _resolve_annotation(operation, signature.return_annotation))


class _CollectionOf:  # pylint: disable=too-few-public-methods
    """A ``{"value": [...]}`` answer whose items are ``item_model`` (for COLLECTION_ROUTES)."""

    def __init__(self, item_model):
        self.item_model = item_model
        self.__name__ = f"collection of {item_model.__name__}"


@functools.lru_cache(maxsize=None)
def error_model(version):
    """``ODataError`` of the SDK for ``version``."""
    module = importlib.import_module(f"{_SDK_PACKAGES[version]}.generated.models.o_data_errors.o_data_error")
    return module.ODataError


@functools.lru_cache(maxsize=1)
def _parse_node():
    from kiota_serialization_json.json_parse_node import JsonParseNode  # pylint: disable=import-outside-toplevel
    return JsonParseNode


@_quiet
def parse(model, body):
    """``body`` (JSON-decoded) as an instance of ``model`` (its discriminator picks derived types)."""
    if isinstance(model, _CollectionOf):
        extra = [key for key in body if key != "value" and not _ANNOTATION.match(key)]
        if extra:
            raise ValueError(f"unexpected members {extra} beside value")
        return _parse_node()(body).get_child_node("value").get_collection_of_object_values(model.item_model)
    return _parse_node()(body).get_object_value(model)


def unknown_properties(obj, path=""):
    """``(path, model class name, property)`` for every key in ``additional_data`` in ``obj`` and below it."""
    found = []
    if isinstance(obj, list):
        for item in obj:
            found.extend(unknown_properties(item, path + "[]"))
        return found
    extra = getattr(obj, "additional_data", None)
    if extra is None:
        return found
    for key in extra:
        if not _ANNOTATION.match(key):
            found.append((f"{path}.{key}".lstrip("."), type(obj).__name__, key))
    for name, value in vars(obj).items():
        if name in ("additional_data", "backing_store") or value is None:
            continue
        if isinstance(value, list) or hasattr(value, "additional_data"):
            found.extend(unknown_properties(value, f"{path}.{name}"))
    return found


def _shape(value):
    """The structure of a JSON value (keys, nesting and @odata.type values; other leaves dropped): bodies with one
    shape parse alike, so the oracle parses each shape once."""
    if isinstance(value, dict):
        return {key: (item if key == "@odata.type" else _shape(item)) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return sorted({json.dumps(_shape(item), sort_keys=True) for item in value})
    return None


def allowed(version, model, prop):
    """The allowlist entry (its docs page) that excuses ``model.prop`` in ``version``, or None."""
    return ALLOWLIST.get((version, model, prop)) or ALLOWLIST.get(("*", model, prop))


@dataclass
class Report:
    """What a check found."""

    bodies: int = 0
    parsed: int = 0
    unknown: dict = field(default_factory=dict)    # (version, method, route, side, path) -> example
    excused: dict = field(default_factory=dict)    # (version, model, property) -> docs page
    unmapped: dict = field(default_factory=dict)   # (version, method, route) -> reason
    failures: dict = field(default_factory=dict)   # (version, method, route, side) -> parse error

    @property
    def ok(self):
        """No unknown property, no unmapped route, no body the model cannot read."""
        return not (self.unknown or self.unmapped or self.failures)


def check_entry(entry, report, seen):
    """Parse one recorded request's bodies and add what they show to ``report``."""
    version, method, route = entry.get("version"), entry["method"], entry.get("route")
    if version not in _SDK_PACKAGES or (route or "").startswith(EMULATOR_ONLY_PREFIXES):
        return
    sides = []
    error = (entry.get("status") or 0) >= 400
    if isinstance(entry.get("response"), dict):
        sides.append(("response", entry["response"]))
    if isinstance(entry.get("request"), dict) and route is not None and not error:
        sides.append(("request", entry["request"]))
    for side, body in sides:
        report.bodies += 1
        key = json.dumps([version, method, route, side, error, _shape(body)], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            if side == "response" and error:
                model = error_model(version)
            else:
                request_model, response_model = models_for(version, method, route)
                model = request_model if side == "request" else response_model
        except UnmappedRoute as exc:
            report.unmapped[(version, method, route)] = str(exc)
            continue
        if model is None:
            report.unmapped[(version, method, route)] = f"the SDK's {method} has no {side} body"
            continue
        try:
            parsed = parse(model, body)
        except Exception as exc:  # pylint: disable=broad-except
            report.failures[(version, method, route, side)] = f"{model.__name__}: {exc!r}"
            continue
        report.parsed += 1
        for path, model_name, prop in unknown_properties(parsed):
            page = allowed(version, model_name, prop)
            if page:
                report.excused[(version, model_name, prop)] = page
            else:
                report.unknown.setdefault((version, method, route, side, f"{model_name}.{prop}"), path)


def check_directory(directory):
    """Check every ``*.jsonl`` recording in ``directory``; returns a :class:`Report`."""
    report, seen = Report(), set()
    names = sorted(n for n in os.listdir(directory) if n.endswith(".jsonl")) if os.path.isdir(directory) else []
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            for line in handle:
                # A line without its newline is still being written by a live emulator: not yet a record.
                if line.strip() and line.endswith("\n"):
                    check_entry(json.loads(line), report, seen)
    return report


def render(report, elapsed=None):
    """The report as text: allowlist with pages, counts, and every finding."""
    lines = ["SDK-model oracle", "allowlist (unknown to the models, shown by the docs):"]
    for (version, model, prop), page in sorted(ALLOWLIST.items()):
        lines.append(f"  {version} {model}.{prop}: {page}")
    if not ALLOWLIST:
        lines.append("  (empty)")
    lines.append(f"bodies checked: {report.bodies} ({report.parsed} distinct shapes parsed)")
    lines.append(f"allowlisted properties seen: {len(report.excused)}")
    lines.append(f"unknown properties: {len(report.unknown)}")
    for (version, method, route, side, prop), path in sorted(report.unknown.items()):
        lines.append(f"  {version} {method} {route} {side}: {prop} (at {path})")
    lines.append(f"unmapped routes: {len(report.unmapped)}")
    for (version, method, route), reason in sorted(report.unmapped.items(), key=str):
        lines.append(f"  {version} {method} {route}: {reason}")
    lines.append(f"unparseable bodies: {len(report.failures)}")
    for (version, method, route, side), reason in sorted(report.failures.items(), key=str):
        lines.append(f"  {version} {method} {route} {side}: {reason}")
    if elapsed is not None:
        lines.append(f"time: {elapsed:.1f}s")
    return "\n".join(lines)


def main(argv=None):
    """``python -m tests.emulator.oracle DIR``: print the report; exit 1 unless it is clean (or nothing was recorded)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tests.emulator.oracle RECORD_DIR", file=sys.stderr)
        return 2
    started = time.monotonic()
    report = check_directory(argv[0])
    print(render(report, time.monotonic() - started))
    if report.bodies == 0:
        print(f"oracle: nothing recorded in {argv[0]} (run the tests with EMULATOR_RECORD_DIR={argv[0]})", file=sys.stderr)
        return 1
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
