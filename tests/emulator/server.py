"""The emulator process: an HTTPS server on 127.0.0.1 dispatching to the token service, Graph and the control plane."""

import base64
import copy
import datetime
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import control
from .faults import Faults, Match
from . import graph  # noqa: F401  pylint: disable=unused-import  # importing the package registers every area
from .graph.errors import GraphError, bad_request, not_found
from .graph.odata import Query
from .graph.router import VERSIONS, RequestContext
from .graph.router import router as graph_router
from .recorder import BodyRecorder
from .requestlog import WRITE_METHODS, RequestLog, mask_form
from .tenant import create_tenant
from .tls import ServerTLS
from .tokens import TokenError, TokenService, entra_error_body

GRAPH_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
MULTI_TENANT_ALIASES = ("common", "organizations", "consumers")


@dataclass
class Outcome:  # pylint: disable=too-many-instance-attributes
    """What the dispatcher decided for one request: the answer and what the log records about it."""

    kind: str
    status: int = 200
    payload: object = None
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    tenant: str = None
    version: str = None
    identity: str = None
    fault: str = None
    log_body: object = None
    drop: bool = False
    trickle_ms: float = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jitaccess-emulator"
    sys_version = ""

    def setup(self):
        self.request.settimeout(self.server.emulator.idle_timeout)
        delay = self.server.emulator.handshake_delay_ms()
        if delay:
            time.sleep(delay / 1000.0)
        self.request.do_handshake()
        super().setup()

    def _serve(self):
        self.server.emulator.serve(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence the default stderr access log; the emulator keeps its own."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, emulator, port, context):
        self.emulator = emulator
        self.context = context
        self.connections = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self):
        sock, address = super().get_request()
        # Without this, a response's header and body writes meet the peer's delayed ACK (40 ms per request).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The TLS handshake runs in the connection's own thread (setup), so one slow client cannot stall accept().
        wrapped = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self.connections_lock:
            self.connections.add(wrapped)
        return wrapped, address

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError, socket.timeout, OSError)):
            return  # clients hanging up, probing or timing out are not the emulator's problem
        super().handle_error(request, client_address)

    def close_all(self):
        """Cut every open connection (stop() must not wait for idle keep-alive clients)."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _parse_json(raw):
    """The request body as JSON, the raw text when it is not JSON, None when empty."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _basic_credentials(header):
    """client_secret_basic: ``Authorization: Basic base64(client_id:client_secret)`` as form fields."""
    scheme, _space, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        client_id, _colon, secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": unquote(client_id), "client_secret": unquote(secret)}


def _read_body(handler):
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


class Emulator:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """A stateful Microsoft Graph + Entra token service on https://127.0.0.1:PORT. See the package docstring."""

    idle_timeout = 60

    def __init__(self, state_dir=None, tenants=1, tenant_ids=(), port=0, seed=0,  # pylint: disable=too-many-arguments,too-many-positional-arguments
                 record_dir=None):
        self.state_dir = str(state_dir) if state_dir else tempfile.mkdtemp(prefix="jitaccess-emulator-")
        os.makedirs(self.state_dir, exist_ok=True)
        self.lock = threading.RLock()
        self.paging_key = os.urandom(16)
        self.port = port
        self.clock_offset = 0.0
        self._tls = ServerTLS(self.state_dir)
        self._tokens = TokenService(self)
        self._faults = Faults(seed)
        self._log = RequestLog()
        # Graph bodies for the SDK-model oracle (recorder.py): record_dir, else $EMULATOR_RECORD_DIR, else off.
        self._recorder = BodyRecorder.from_setting(record_dir)
        self._states = {}
        self._snapshots = {}
        self._infos = []
        self._adding = set()  # tenant ids being built outside the lock, reserved so no second thread builds one
        self._server = None
        self._thread = None
        self.base_url = None
        for tenant_id in list(tenant_ids) + [None] * max(0, tenants - len(tenant_ids)):
            self.add_tenant(tenant_id)

    # -- lifecycle ------------------------------------------------------------------------------------------------
    @property
    def ca_path(self):
        """PEM of the CA that signed the server certificate (point REQUESTS_CA_BUNDLE / SSL_CERT_FILE here)."""
        return self._tls.ca_path

    def start(self):
        """Bind and serve in a background thread; returns self."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self._tls.cert_path, self._tls.key_path)
        self._server = _Server(self, self.port, context)
        self.port = self._server.server_address[1]
        self.base_url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="jitaccess-emulator", daemon=True)
        self._thread.start()
        self._write_info()
        return self

    def stop(self):
        """Stop serving and close open connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_all()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
        if self._recorder is not None:
            self._recorder.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def info(self):
        """The emulator.json document."""
        return {"base_url": self.base_url, "ca_path": self.ca_path, "tenants": [i.to_dict() for i in self.tenants]}

    def _write_info(self):
        if self.base_url is None:
            return
        path = os.path.join(self.state_dir, "emulator.json")
        # Under the lock: writers share the temporary file, and the document must list every tenant added so far.
        with self.lock:
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(self.info(), handle, indent=2)
            os.replace(path + ".tmp", path)

    # -- tenants --------------------------------------------------------------------------------------------------
    @property
    def tenants(self):
        """TenantInfo of every tenant, in creation order."""
        with self.lock:
            return list(self._infos)

    def add_tenant(self, tenant_id=None):
        """Create and seed a tenant (random GUID unless given); returns its TenantInfo."""
        tenant_id = str(uuid.UUID(tenant_id)) if tenant_id else str(uuid.uuid4())
        with self.lock:
            if tenant_id in self._states or tenant_id in self._adding:
                raise ValueError(f"tenant {tenant_id} already exists")
            self._adding.add(tenant_id)
        # Seeding generates keys (slow): it runs outside the lock, so other tenants keep being served meanwhile.
        try:
            state, info = create_tenant(tenant_id, self.now, self.state_dir)
            with self.lock:
                self._states[tenant_id] = state
                self._infos.append(info)
        finally:
            with self.lock:
                self._adding.discard(tenant_id)
        self._write_info()
        return info

    def state(self, tenant_id):
        """The live TenantState (hold ``emulator.lock`` while changing it from a test)."""
        return self._states[str(tenant_id).lower()]

    def snapshot(self, tenant_id):
        """Keep a copy of a tenant's state (objects, links, apps, seed) as it is now; returns the snapshot's id.

        Tests converge a tenant once and start every scenario that needs a converged tenant from :meth:`restore`."""
        with self.lock:
            state = self.state(tenant_id)
            snapshot_id = str(uuid.uuid4())
            self._snapshots[snapshot_id] = self._copy(state)
        return snapshot_id

    def restore(self, snapshot_id):
        """Put a snapshot's tenant back as it was when the snapshot was taken (a fresh copy: the snapshot stays
        reusable); returns the tenant's TenantInfo. Faults, the request log and the clock are left alone."""
        with self.lock:
            if snapshot_id not in self._snapshots:
                raise ValueError(f"no snapshot {snapshot_id}")
            state = self._copy(self._snapshots[snapshot_id])
            self._states[state.tenant_id] = state
            return next(info for info in self._infos if info.tenant_id == state.tenant_id)

    def _copy(self, state):
        # The state's clock is this emulator's bound method: copy the tenant, not the emulator behind it.
        return copy.deepcopy(state, {id(self): self})

    def _tenant_for_segment(self, segment):
        """A tenant by id or by its onmicrosoft.com domain (how Entra accepts either in authority URLs)."""
        key = segment.lower()
        with self.lock:
            if key in self._states:
                return self._states[key]
            return next((s for s in self._states.values() if s.domain == key), None)

    def token_for(self, tenant_id, upn=None, client_id=None, lifetime=3599):
        """Mint an access token without HTTP: app-only (default) or delegated for ``upn``; negative ``lifetime`` gives an
        expired one."""
        with self.lock:
            return self._tokens.issue(self.state(tenant_id), upn, client_id, lifetime)

    # -- clock, log, faults -----------------------------------------------------------------------------------------
    def now(self):
        """Emulated time: wall clock plus the offset tests add with advance_clock (aware UTC datetime)."""
        return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.clock_offset)

    def advance_clock(self, seconds):
        """Move emulated time forward and let time-driven changes happen in every tenant."""
        with self.lock:
            self.clock_offset += float(seconds)
            now = self.now()
            for state in self._states.values():
                for func in graph_router.tickers:
                    func(state, now)
        return self.now()

    def reset_clock(self):
        """Put emulated time back on the wall clock (offset 0)."""
        with self.lock:
            self.clock_offset = 0.0

    def requests(self, tenant_id=None, kind="graph"):
        """Log entries (oldest first) for one tenant or all, of one kind ("graph", "token", "discovery") or all (None)."""
        return self._log.entries(tenant_id, kind)

    def writes(self, tenant_id=None):
        """Graph log entries whose method is POST, PATCH, PUT or DELETE."""
        return self._log.writes(tenant_id)

    def clear_log(self):
        """Forget the request log."""
        self._log.clear()

    def inject(self, kind, **rule):
        """Add a fault rule (see the package docstring); returns its id."""
        return self._faults.inject({"kind": kind, **rule})

    @property
    def fault_time_scale(self):
        """Factor on the timings of rules injected from now on (a status rule's Retry-After, a lag rule's window), so
        tests can wait 0.2 s where Graph would say 1 s. 1.0 (real timings) unless set."""
        return self._faults.time_scale

    @fault_time_scale.setter
    def fault_time_scale(self, factor):
        if not factor > 0:
            raise ValueError("fault_time_scale must be above 0")
        self._faults.time_scale = float(factor)

    def fault_seconds(self, seconds):
        """How long ``seconds`` of a rule injected now lasts (Retry-After, lag window): ``seconds * fault_time_scale``."""
        return float(seconds) * self._faults.time_scale

    def remove_fault(self, rule_id):
        """Drop one fault rule."""
        return self._faults.remove(rule_id)

    def clear_faults(self):
        """Drop every fault rule."""
        self._faults.clear()

    def fault_rules(self):
        """The active rules with their remaining counts."""
        return self._faults.list()

    def lagging(self, ctx, object_id):
        """Whether a lag rule hides ``object_id`` from the request behind ``ctx`` (spends a firing when it does)."""
        if not isinstance(object_id, str):
            return False
        created = ctx.state.created_wall(object_id.lower())
        if created is None:
            return False
        now = time.time()
        match = Match("graph", ctx.state.tenant_id, ctx.method, ctx.full_path, ctx.writes_seen)
        for rule in self._faults.matching("lag", match):
            if rule.hides(created, now) and self._faults.fire(rule):
                return True
        return False

    # -- HTTP -------------------------------------------------------------------------------------------------------
    def serve(self, handler):
        """Answer one HTTP request on ``handler`` (called in the connection's thread)."""
        arrival = time.time()
        raw_path, _mark, raw_query = handler.path.partition("?")
        path = unquote(raw_path)
        body = _read_body(handler)
        if path.startswith("/_emulator/"):
            status, payload = control.handle(self, handler.command, path, raw_query, body)
            self._send(handler, status, payload, {"request-id": str(uuid.uuid4())}, "application/json; charset=utf-8")
            return
        request = {"method": handler.command, "path": path, "raw_path": raw_path, "query": raw_query,
                   "headers": handler.headers, "raw_body": body, "request_id": str(uuid.uuid4()),
                   "client_request_id": handler.headers.get("client-request-id") or str(uuid.uuid4())}
        try:
            outcome = self._dispatch(request)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc()
            outcome = Outcome(kind="graph", status=500, payload=self._graph_error_body(
                request, GraphError(500, "InternalServerError", f"Emulator failure: {exc!r}")))
        self._log.add({
            "time": arrival, "kind": outcome.kind, "tenant": outcome.tenant, "method": request["method"], "path": path,
            "query": raw_query, "version": outcome.version, "status": outcome.status, "body": outcome.log_body,
            "fault": outcome.fault, "identity": outcome.identity,
            # Which TCP connection carried the request: shows clients keeping connections open across requests.
            "connection": "%s:%s" % handler.client_address[:2],
        })
        if self._recorder is not None and outcome.kind == "graph":
            self._recorder.record({"method": request["method"], "version": outcome.version, "route": request.get("route"),
                                   "path": path, "status": outcome.status, "request": outcome.log_body,
                                   "response": outcome.payload})
        if outcome.drop:
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        headers = {"request-id": request["request_id"], "client-request-id": request["client_request_id"]}
        headers.update(outcome.headers)
        self._send(handler, outcome.status, outcome.payload, headers, outcome.content_type, outcome.trickle_ms)

    def handshake_delay_ms(self):
        """Milliseconds a handshake_latency fault adds before a new TLS connection's handshake."""
        return self._faults.handshake_ms()

    @staticmethod
    def _send(handler, status, payload, headers, content_type, trickle_ms=None):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        # A handler's own Content-Type (text/plain for a $count segment) replaces the JSON one.
        content_type = headers.pop("Content-Type", content_type)
        plain = content_type.startswith("text/plain") and payload is not None
        data = b"" if payload is None or status == 204 else (str(payload) if plain else json.dumps(payload)).encode("utf-8")
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 204:
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if data and trickle_ms:
            for index in range(len(data)):
                handler.wfile.write(data[index:index + 1])
                handler.wfile.flush()
                time.sleep(trickle_ms / 1000.0)
        elif data:
            handler.wfile.write(data)

    def _dispatch(self, request):
        segments = [unquote(s) for s in request["raw_path"].split("/") if s]
        first = segments[0].lower() if segments else ""
        if first in VERSIONS or (first[:1] == "v" and first[1:2].isdigit()) or first == "beta" or not segments:
            return self._graph(request, segments)
        return self._identity(request, segments)

    # -- Graph ------------------------------------------------------------------------------------------------------
    # concepts/errors.md: the error resource (code, message, innerError with date, request-id, client-request-id).
    def _graph_error_body(self, request, error):
        return {"error": {"code": error.code, "message": error.message, "innerError": {
            "date": self.now().strftime("%Y-%m-%dT%H:%M:%S"), "request-id": request["request_id"],
            "client-request-id": request["client_request_id"]}}}

    def _graph_answer(self, request, outcome, error):
        outcome.status = error.status
        outcome.payload = self._graph_error_body(request, error)
        outcome.headers.update(error.headers)
        return outcome

    def _before(self, outcome, match):
        """Latency, then a status fault: returns the firing status rule (the request is then not processed) or None."""
        delay = self._faults.latency_ms(match)
        if delay:
            outcome.fault = "latency"
            time.sleep(delay / 1000.0)
        rule = self._faults.fire_first("status", match)
        if rule is not None:
            outcome.fault = "status"
        return rule

    def _after(self, outcome, match, request=None):
        """A status fault ``after_commit`` (Graph requests): the request was processed and committed, and the answer is
        the status; a drop fault: the answer is computed (and committed) but never sent."""
        rule = self._faults.fire_first("status", match, after_commit=True) if request is not None else None
        if rule is not None:
            outcome.headers.clear()
            self._graph_answer(request, outcome, GraphError(*rule.error()))
            outcome.fault = "status"
        if self._faults.fire_first("drop", match) is not None:
            outcome.fault, outcome.drop = "drop", True
            return
        rule = self._faults.fire_first("trickle", match)
        if rule is not None:
            outcome.fault, outcome.trickle_ms = "trickle", float(rule.spec["interval_ms"])

    def _graph(self, request, segments):
        outcome = Outcome(kind="graph", content_type=GRAPH_CONTENT_TYPE)
        body = outcome.log_body = _parse_json(request["raw_body"])
        if not segments or segments[0] not in VERSIONS:
            version = segments[0] if segments else ""
            # Assumption: an unknown version segment is a 400 naming it.
            return self._graph_answer(request, outcome, GraphError(400, "BadRequest", f"Invalid version: {version}"))
        outcome.version = segments[0]
        try:
            with self.lock:
                state, identity = self._tokens.verify_access_token(request["headers"].get("Authorization"), self._states)
        except GraphError as error:
            return self._graph_answer(request, outcome, error)
        outcome.tenant, outcome.identity = state.tenant_id, identity.label
        with self.lock:
            writes_seen = state.writes
            if request["method"] in WRITE_METHODS:
                state.writes += 1
        match = Match("graph", state.tenant_id, request["method"], request["path"], writes_seen)
        rule = self._before(outcome, match)
        if rule is not None:
            return self._graph_answer(request, outcome, GraphError(*rule.error()))
        request.update(version=segments[0], graph_path="/" + "/".join(segments[1:]), body=body, writes_seen=writes_seen)
        try:
            with self.lock:
                outcome.status, outcome.payload, headers, lag = self._run_graph(request, segments, state, identity)
            outcome.headers.update(headers)
            outcome.fault = lag or outcome.fault
        except GraphError as error:
            outcome.fault = request.get("fault") or outcome.fault
            self._graph_answer(request, outcome, error)
        self._after(outcome, match, request)
        return outcome

    def _run_graph(self, request, segments, state, identity):
        """Resolve and run the handler under the lock; returns ``(status, payload, headers, fault)``."""
        now = self.now()
        for func in graph_router.tickers:
            func(state, now)
        request["odata"] = Query(request["query"])
        ctx = RequestContext(self, state, request, identity)
        if request["method"] in ("GET", "DELETE"):
            ctx.body = None
        try:
            route, ctx.params = graph_router.resolve(request["method"], segments[0], segments[1:])
            request["route"] = route.pattern
            # concepts/best-practices-concept.md (eventual consistency): a just-created object may 404 for a while elsewhere;
            # injected lag rules replay that.
            for segment in segments[1:]:
                if state.created_wall(segment.lower()) is not None and not ctx.visible(segment):
                    raise not_found(segment)
            ctx.check_access(route)
            if isinstance(ctx.body, str):  # Assumption: Graph's wording for a body that is not JSON
                raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and "
                                  "payload is of valid JSON format.")
            result = route.handler(ctx)
        except GraphError:
            request["fault"] = ctx.fault
            raise
        status, payload = result[0], result[1]
        headers = result[2] if len(result) > 2 else {}
        return status, payload, headers, ctx.fault

    # -- identity platform ------------------------------------------------------------------------------------------
    def _identity(self, request, segments):  # pylint: disable=too-many-return-statements
        method = request["method"]
        lowered = [s.lower() for s in segments]
        outcome = Outcome(kind="discovery")
        tenant_segment = segments[0]
        state = self._tenant_for_segment(tenant_segment)
        outcome.tenant = state.tenant_id if state else None
        if method == "POST" and lowered[1:] in (["oauth2", "v2.0", "token"], ["oauth2", "token"]):
            outcome.kind = "token"
            return self._token(request, outcome, tenant_segment, state)
        if method == "POST" and lowered[1:] == ["oauth2", "v2.0", "devicecode"]:
            outcome.kind = "token"
            return self._device_code(request, outcome, state)
        if method == "GET" and lowered[:2] == ["common", "userrealm"] and len(segments) == 3:
            user_state = self._tenant_for_segment(segments[2].rpartition("@")[2])
            outcome.tenant = user_state.tenant_id if user_state else None
            return self._faulted_identity(request, outcome, lambda: (200, self._tokens.user_realm(segments[2], user_state)))
        known = lowered[1:] in (["v2.0", ".well-known", "openid-configuration"], ["discovery", "v2.0", "keys"])
        if method != "GET" or not known:
            outcome.status, outcome.payload = 404, {"error": "not_found", "error_description": f"No endpoint at {request['path']}."}
            return outcome
        if state is None and lowered[0] not in MULTI_TENANT_ALIASES:
            return self._token_error(outcome, request, TokenError(
                400, "invalid_tenant", 90002, f"Tenant '{tenant_segment}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, "
                "this may happen if there are no active subscriptions for the tenant."))
        if lowered[1] == "discovery":
            return self._faulted_identity(request, outcome, lambda: (200, self._tokens.keys()))
        return self._faulted_identity(request, outcome, lambda: (200, self._tokens.discovery(tenant_segment, state)))

    def _faulted_identity(self, request, outcome, produce, writes=0):
        match = Match(outcome.kind, outcome.tenant, request["method"], request["path"], writes)
        rule = self._before(outcome, match)
        if rule is not None:
            status, code, message, headers = rule.error()
            outcome.headers.update(headers)
            error = code if rule.spec.get("code") else "temporarily_unavailable"
            return self._token_error(outcome, request, TokenError(status, error, None, message))
        try:
            with self.lock:
                outcome.status, outcome.payload = produce()
        except TokenError as error:
            self._token_error(outcome, request, error)
        self._after(outcome, match)
        return outcome

    def _token_error(self, outcome, request, error):
        outcome.status = error.status
        outcome.payload = entra_error_body(error, request["headers"].get("client-request-id"))
        return outcome

    def _device_code(self, request, outcome, state):
        """docs/identity-platform/v2-oauth2-device-code.md: POST /{tenant}/oauth2/v2.0/devicecode with client_id and scope."""
        form = dict(parse_qsl(request["raw_body"].decode("utf-8", "replace"), keep_blank_values=True))
        outcome.log_body = mask_form(form)
        if state is None:
            return self._token_error(outcome, request, TokenError(
                400, "invalid_tenant", 90002, f"Tenant '{request['path'].split('/')[1]}' not found."))
        return self._faulted_identity(request, outcome, lambda: (200, self._tokens.device_authorization(state, form)))

    def complete_device_sign_in(self, tenant_id, user_code, upn):
        """The person behind a device code signs in as ``upn`` (for tests and the demo)."""
        with self.lock:
            return self._tokens.complete_device_sign_in(self.state(tenant_id), user_code, upn)

    def _token(self, request, outcome, tenant_segment, state):
        form = dict(parse_qsl(request["raw_body"].decode("utf-8", "replace"), keep_blank_values=True))
        form.update(_basic_credentials(request["headers"].get("Authorization")))
        outcome.log_body = mask_form(form)
        outcome.headers["Cache-Control"] = "no-store, no-cache"
        if state is None and tenant_segment.lower() in MULTI_TENANT_ALIASES and form.get("username"):
            state = self._tenant_for_segment(form["username"].rpartition("@")[2])
            outcome.tenant = state.tenant_id if state else None
        if state is None:
            return self._token_error(outcome, request, TokenError(
                400, "invalid_tenant", 90002, f"Tenant '{tenant_segment}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud."))

        def produce():
            body, label = self._tokens.token(state, tenant_segment, form)
            outcome.identity = label
            return 200, body
        return self._faulted_identity(request, outcome, produce, state.writes)
