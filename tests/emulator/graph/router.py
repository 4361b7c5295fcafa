"""Graph routing: areas register handlers with ``@route``; the dispatcher resolves a request to one of them.

A handler is ``func(ctx) -> (status, body)`` or ``(status, body, headers)``; it runs under the emulator lock and
raises :class:`~tests.emulator.graph.errors.GraphError` for error answers.
"""

from .errors import GraphError, bad_request, forbidden, not_found, segment_not_found
from .odata import iso_z

VERSIONS = ("v1.0", "beta")


class Route:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One registered endpoint."""

    def __init__(self, method, pattern, handler, versions, permissions, delegated_only):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        self.method = method.upper()
        self.pattern = pattern
        self.handler = handler
        self.versions = tuple(versions)
        self.permissions = tuple(permissions) if permissions else None
        self.delegated_only = delegated_only
        self.segments = [seg for seg in pattern.strip("/").split("/") if seg]
        # Literal segments beat parameters when two routes match ("/groups/delta" over "/groups/{id}").
        self.specificity = tuple(0 if _is_param(seg) else 1 for seg in self.segments)

    def match(self, segments):
        """Path parameters when ``segments`` fit the pattern, else None."""
        if len(segments) != len(self.segments):
            return None
        params = {}
        for pattern, actual in zip(self.segments, segments):
            if _is_param(pattern):
                params[pattern[1:-1]] = actual
            elif pattern.lower() != actual.lower():
                return None
        return params

    def prefix(self, segments):
        """How many leading segments the pattern accounts for (to name the first unknown segment)."""
        count = 0
        for pattern, actual in zip(self.segments, segments):
            if not _is_param(pattern) and pattern.lower() != actual.lower():
                break
            count += 1
        return count


def _is_param(segment):
    return segment.startswith("{") and segment.endswith("}")


class Router:
    """The table of Graph routes plus the per-tenant time hooks."""

    def __init__(self):
        self.routes = []
        self.tickers = []

    def route(self, method, pattern, versions=VERSIONS,  # pylint: disable=too-many-arguments,too-many-positional-arguments
              permissions=None, delegated_only=False):
        """Decorator registering ``handler(ctx)`` for ``method pattern`` (pattern relative to the version, with
        ``{name}`` parameters). ``permissions``: any one of these roles/scopes is needed (403 otherwise);
        ``delegated_only``: app-only tokens get 403, as Graph does for user-only APIs."""
        def register(handler):
            self.routes.append(Route(method, pattern, handler, versions, permissions, delegated_only))
            return handler
        return register

    def ticker(self, func):
        """Register ``func(state, now)``: run before every Graph request of a tenant and after each clock advance,
        so time-driven changes (e.g. expiring assignments) have happened whenever someone looks."""
        self.tickers.append(func)
        return func

    def resolve(self, method, version, segments):
        """``(route, params)`` for the request, or the GraphError Graph gives (unknown segment 400, wrong method 405)."""
        candidates = [r for r in self.routes if version in r.versions]
        matches = [(r, params) for r in candidates for params in [r.match(segments)] if params is not None]
        if not matches:
            depth = max((r.prefix(segments) for r in candidates), default=0)
            # Assumption: Graph names the first unknown segment (400 "Resource not found for the segment ...").
            raise segment_not_found(segments[min(depth, len(segments) - 1)] if segments else version)
        allowed = [(r, p) for r, p in matches if r.method == method]
        if not allowed:
            # Assumption: a known path with a method its page does not list is a 405.
            raise GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")
        return max(allowed, key=lambda item: item[0].specificity)


router = Router()
route = router.route
ticker = router.ticker


class Identity:  # pylint: disable=too-few-public-methods
    """Who a verified access token speaks for."""

    def __init__(self, tenant_id, kind, client_id, oid, upn=None, grants=()):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        self.tenant_id = tenant_id
        self.kind = kind  # "app" or "user"
        self.client_id = client_id
        self.oid = oid
        self.upn = upn
        self.grants = frozenset(grants)

    @property
    def label(self):
        """``app:CLIENT_ID`` or ``user:UPN`` (the request log's identity field)."""
        return f"app:{self.client_id}" if self.kind == "app" else f"user:{self.upn}"


class RequestContext:  # pylint: disable=too-many-instance-attributes
    """What a handler sees: the tenant state, the parsed request, the caller and the emulated clock."""

    def __init__(self, emulator, state, request, identity):
        self.emulator = emulator
        self.state = state
        self.identity = identity
        self.method = request["method"]
        self.version = request["version"]
        self.path = request["graph_path"]
        self.full_path = request["path"]
        self.writes_seen = request.get("writes_seen", 0)
        self.query = request["odata"]
        self.headers = request["headers"]
        self.body = request["body"]
        self.params = {}
        self.base_url = emulator.base_url
        self.paging_key = emulator.paging_key
        self.fault = None

    def now(self):
        """Emulated UTC time (wall clock plus the test's offset)."""
        return self.emulator.now()

    def timestamp(self, fraction=False):
        """:meth:`now` as Graph writes timestamps."""
        return iso_z(self.now(), fraction)

    def visible(self, object_id):
        """False while an injected replication-lag rule hides ``object_id`` from this request."""
        if self.emulator.lagging(self, object_id):
            self.fault = "lag"
            return False
        return True

    def require(self, table, object_id, dialect="directory"):
        """The object from ``table`` or 404 (also while it is hidden by replication lag)."""
        obj = self.state.table(table).get(object_id)
        if obj is None or not self.visible(obj["id"]):
            raise not_found(object_id, dialect)
        return obj

    def require_body(self, dialect="directory"):
        """The JSON body, or 400 when the request had none (Assumption: Graph's wording for an empty payload)."""
        if self.body is None:
            raise bad_request("Empty Payload. JSON content expected.", dialect)
        return self.body

    def check_access(self, route_):
        """403 when the caller lacks what the route needs: each route's ``permissions`` are the Permissions table of
        its docs page (cited in the area module); ``delegated_only`` where that table says Application: Not supported."""
        if route_.delegated_only and self.identity.kind == "app":
            raise forbidden("This operation requires a delegated (user) token; application permissions are not supported.",
                            code="Forbidden")
        if route_.permissions and not self.identity.grants.intersection(route_.permissions):
            raise forbidden()
