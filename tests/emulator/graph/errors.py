"""Graph error answers: one exception type that the dispatcher turns into Graph's error body."""

# Directory (users, groups, directoryObjects) errors use the Request_* codes; the newer workloads (Global Secure
# Access, Conditional Access, Entitlement Management) answer with plain OData codes. Areas pick the dialect.
DIRECTORY = "directory"
ODATA = "odata"

_CODES = {
    DIRECTORY: {"bad_request": "Request_BadRequest", "not_found": "Request_ResourceNotFound",
                "unsupported_query": "Request_UnsupportedQuery"},
    ODATA: {"bad_request": "BadRequest", "not_found": "ResourceNotFound", "unsupported_query": "BadRequest"},
}


class GraphError(Exception):
    """An answer other than success. ``headers`` are extra response headers (e.g. Retry-After)."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def code_for(kind, dialect=DIRECTORY):
    """The error code Graph uses for ``kind`` (bad_request / not_found / unsupported_query) in ``dialect``."""
    return _CODES[dialect][kind]


def bad_request(message, dialect=DIRECTORY):
    """400 with the dialect's bad-request code."""
    return GraphError(400, code_for("bad_request", dialect), message)


def not_found(object_id, dialect=DIRECTORY):
    """404 for an id that does not exist (or has not replicated yet), with Graph's directory wording."""
    return GraphError(404, code_for("not_found", dialect),
                      f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present.")


def unsupported_query(message="Unsupported Query.", dialect=DIRECTORY):
    """400 for a query option the service does not implement."""
    return GraphError(400, code_for("unsupported_query", dialect), message)


def segment_not_found(segment):
    """What Graph answers for a URL segment it cannot resolve."""
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def forbidden(message="Insufficient privileges to complete the operation.", code="Authorization_RequestDenied"):
    """403: the caller's token lacks a permission (or is app-only on a delegated-only API)."""
    return GraphError(403, code, message)


def unauthorized(message):
    """401 InvalidAuthenticationToken, with the WWW-Authenticate challenge Graph sends."""
    return GraphError(401, "InvalidAuthenticationToken", message, {
        "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
                            'client_id="00000003-0000-0000-c000-000000000000"',
    })
