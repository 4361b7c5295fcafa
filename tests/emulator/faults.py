"""Fault injection rules: latency, status answers, replication lag, responses lost after commit, answers trickled
slowly, and latency on every new TLS connection.

These are test faults: they model networks and outages, not Graph rules, so they cite no docs page."""

import random
import re
import threading
import time
from collections import namedtuple

KINDS = ("latency", "status", "lag", "drop", "trickle", "handshake_latency")
REQUEST_KINDS = ("graph", "token", "discovery", "any")
_COMMON = {"kind", "tenant", "method", "path", "count", "probability", "after_writes", "request_kind", "seed"}
_SPECIFIC = {
    "latency": {"ms"},
    "status": {"status", "code", "message", "retry_after", "after_commit"},
    "lag": {"seconds"},
    "drop": set(),
    # Test fault: the answer is processed, then its body is sent one byte every ``interval_ms`` (a slow or stalling
    # network), so a client that bounds only each read, not the whole request, waits for all of it.
    "trickle": {"interval_ms"},
    # Test fault: ``ms`` of delay before every new TLS handshake (a distant server: each new connection costs a round
    # trip more than a request on an open one). Matched per connection, so tenant, method and path do not apply.
    "handshake_latency": {"ms"},
}
_REQUIRED = {"latency": "ms", "status": "status", "lag": "seconds", "trickle": "interval_ms", "handshake_latency": "ms"}
_PER_CONNECTION = {"tenant", "method", "path", "after_writes", "request_kind"}
# What rules are matched against: request kind, tenant id (or None), method, path without query, and how many writes
# the tenant had seen before this request.
Match = namedtuple("Match", "request_kind tenant method path writes_seen")

_DEFAULT_CODES = {
    400: "BadRequest", 401: "InvalidAuthenticationToken", 403: "Forbidden", 404: "ResourceNotFound", 409: "Conflict",
    412: "PreconditionFailed", 429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway",
    503: "ServiceUnavailable", 504: "GatewayTimeout",
}
_DEFAULT_MESSAGES = {
    429: "Too many requests.", 503: "The service is temporarily unavailable. Please try again later.",
    504: "The gateway did not receive a timely response.",
}


class FaultRule:  # pylint: disable=too-many-instance-attributes
    """One injected rule; see :meth:`tests.emulator.Emulator.inject` for the fields."""

    def __init__(self, rule_id, spec, seed, time_scale=1.0):
        spec = dict(spec)
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, not {kind!r}")
        unknown = set(spec) - _COMMON - _SPECIFIC[kind]
        if unknown:
            raise ValueError(f"unknown field(s) for a {kind} fault: {', '.join(sorted(unknown))}")
        if kind in _REQUIRED and spec.get(_REQUIRED[kind]) is None:
            raise ValueError(f"a {kind} fault needs '{_REQUIRED[kind]}'")
        if kind == "handshake_latency" and _PER_CONNECTION & set(spec):
            raise ValueError(f"a handshake_latency fault applies to every new connection; it takes no "
                             f"{', '.join(sorted(_PER_CONNECTION & set(spec)))}")
        self.id = rule_id
        self.spec = spec
        self.kind = kind
        self.tenant = spec.get("tenant")
        self.method = spec["method"].upper() if spec.get("method") else None
        self.path = re.compile(spec["path"]) if spec.get("path") else None
        self.remaining = spec.get("count")
        self.probability = float(spec.get("probability", 1.0))
        self.after_writes = spec.get("after_writes")
        self.request_kind = spec.get("request_kind", "graph")
        if self.request_kind not in REQUEST_KINDS:
            raise ValueError(f"request_kind must be one of {', '.join(REQUEST_KINDS)}")
        if self.remaining is not None and (not isinstance(self.remaining, int) or self.remaining < 0):
            raise ValueError("count must be a non-negative integer")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        self.created = time.time()
        # Tests shorten fault timings (Retry-After, the lag window) by this factor; the rule keeps the one it was made with.
        self.time_scale = float(time_scale)
        self.fired = 0
        # A rule's own seed alone fixes its draws, whatever was injected before it; otherwise the emulator's seed and
        # the rule id do.
        self._rng = random.Random(f"rule:{spec['seed']}" if spec.get("seed") is not None else f"{seed}:{rule_id}")

    def applies(self, match):
        """Whether the rule covers the request described by ``match`` (a :data:`Match`), without spending a firing."""
        if self.remaining == 0:
            return False
        if self.request_kind not in ("any", match.request_kind):
            return False
        if self.tenant is not None and (match.tenant is None or self.tenant.lower() != match.tenant.lower()):
            return False
        if self.method is not None and self.method != match.method:
            return False
        if self.path is not None and not self.path.search(match.path):
            return False
        return self.after_writes is None or match.writes_seen >= self.after_writes

    def fire(self):
        """Roll the probability and spend one of ``count``; True when the fault happens."""
        if self.remaining == 0:
            return False
        if self.probability < 1.0 and self._rng.random() >= self.probability:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.fired += 1
        return True

    def hides(self, created_wall, now_wall):
        """For a lag rule: whether an object stored at ``created_wall`` is still inside its replication window."""
        return (created_wall is not None and created_wall >= self.created
                and now_wall - created_wall < float(self.spec["seconds"]) * self.time_scale)

    def error(self):
        """``(status, code, message, headers)`` of a status fault."""
        status = int(self.spec["status"])
        code = self.spec.get("code") or _DEFAULT_CODES.get(status, "UnknownError")
        message = self.spec.get("message") or _DEFAULT_MESSAGES.get(status, f"Injected HTTP {status}.")
        headers = {}
        if self.spec.get("retry_after") is not None:
            headers["Retry-After"] = format(float(self.spec["retry_after"]) * self.time_scale, "g")
        return status, code, message, headers

    def to_dict(self):
        """JSON view for the control plane."""
        return {"id": self.id, **self.spec, "remaining": self.remaining, "fired": self.fired, "time_scale": self.time_scale}


class Faults:
    """The active rules, in injection order (the first status rule that fires answers)."""

    def __init__(self, seed=0):
        self.time_scale = 1.0
        self._lock = threading.Lock()
        self._rules = []
        self._next = 1
        self._seed = seed

    def inject(self, spec):
        """Add a rule; returns its id. Raises ValueError for a malformed rule."""
        with self._lock:
            rule = FaultRule(self._next, spec, self._seed, self.time_scale)
            self._next += 1
            self._rules.append(rule)
            return rule.id

    def remove(self, rule_id):
        """Drop one rule; True when it existed."""
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self):
        """Drop every rule."""
        with self._lock:
            self._rules = []

    def list(self):
        """JSON view of the rules."""
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def matching(self, kind, match):
        """Rules of ``kind`` that cover the request, in order (nothing spent yet)."""
        with self._lock:
            return [rule for rule in self._rules if rule.kind == kind and rule.applies(match)]

    def fire_first(self, kind, match, after_commit=False):
        """The first covering rule of ``kind`` that fires, else None; ``after_commit`` picks the status rules that answer
        after the request was processed instead of before."""
        with self._lock:
            return next((rule for rule in self._rules if rule.kind == kind and bool(rule.spec.get("after_commit")) == after_commit
                         and rule.applies(match) and rule.fire()), None)

    def latency_ms(self, match):
        """Total delay of the latency rules that fire for the request."""
        with self._lock:
            return sum(float(rule.spec["ms"]) for rule in self._rules
                       if rule.kind == "latency" and rule.applies(match) and rule.fire())

    def handshake_ms(self):
        """Total delay of the handshake_latency rules that fire for a new connection."""
        with self._lock:
            return sum(float(rule.spec["ms"]) for rule in self._rules
                       if rule.kind == "handshake_latency" and rule.remaining != 0 and rule.fire())

    def fire(self, rule):
        """Spend a firing of a rule obtained from :meth:`matching`."""
        with self._lock:
            return rule.fire()
