"""The Entra token service: OIDC discovery, signing keys, the v2.0 token endpoint and access-token verification."""

import datetime
import hashlib
import time
import uuid
from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import jose
from .graph.errors import unauthorized
from .graph.router import Identity

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_HOSTS = ("graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn")
RESERVED_SCOPES = ("openid", "profile", "offline_access", "email")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# docs/identity-platform/v2-oauth2-device-code.md (MicrosoftDocs/entra-docs): the user has 15 minutes (expires_in 900)
# and the client polls every `interval` seconds, 5 by default.
DEVICE_CODE_LIFETIME = 900
DEVICE_CODE_INTERVAL = 5
LIFETIME = 3599
REFRESH_LIFETIME = 90 * 24 * 3600
CLOCK_SKEW = 300


class TokenError(Exception):
    """An Entra error answer: ``error`` (OAuth code), AADSTS number and description, HTTP status."""

    def __init__(self, status, error, aadsts, description):
        super().__init__(f"{error}: AADSTS{aadsts}: {description}")
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.description = description


def _missing(param):
    return TokenError(400, "invalid_request", 900144, f"The request body must contain the following parameter: '{param}'.")


class TokenService:
    """Stateless apart from the signing key; tenant data comes from the emulator (callers hold its lock)."""

    def __init__(self, emulator):
        self.emulator = emulator
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self._key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.kid = jose.b64url_encode(hashlib.sha1(der).digest())  # nosec - a key id, not a security control
        self.device_flows = {}  # device_code -> the pending sign-in (tenant, app, scope, user_code, user once completed)

    # -- endpoints ------------------------------------------------------------------------------------------------
    def issuer(self, tenant_id):
        """The v2.0 issuer of a tenant."""
        return f"{self.emulator.base_url}/{tenant_id}/v2.0"

    def discovery(self, tenant_segment, state):
        """The openid-configuration document; ``state`` None means the multi-tenant aliases (common, organizations)."""
        base = self.emulator.base_url
        tenant_id = state.tenant_id if state else "{tenantid}"
        segment = state.tenant_id if state else tenant_segment
        return {
            "token_endpoint": f"{base}/{segment}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{segment}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tenant_id}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/{segment}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{segment}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{segment}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                                 "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
                                 "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": f"{base}/{segment}/kerberos",
            "tenant_region_scope": "NA" if state else None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": urlparse(base).netloc,
            "rbac_url": "https://pas.windows.net",
        }

    def keys(self):
        """The JWKS access and ID tokens are signed with."""
        jwk = jose.rsa_jwk(self._key.public_key(), self.kid)
        jwk["x5t"] = self.kid
        return {"keys": [jwk]}

    def user_realm(self, username, state):
        """MSAL's home-realm lookup before a password grant: every emulated tenant is a managed (cloud-only) domain."""
        domain = username.rpartition("@")[2]
        if state is None:
            return {"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "microsoftonline.com"}
        return {"ver": "1.0", "account_type": "Managed", "domain_name": domain, "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline"}

    @staticmethod
    def _client_app(state, form):
        """The app registration ``client_id`` names; Entra answers AADSTS700016 for one the tenant does not have."""
        client_id = form.get("client_id")
        if not client_id:
            raise _missing("client_id")
        app = state.apps.get(client_id.lower())
        if app is None:
            raise TokenError(400, "unauthorized_client", 700016,
                             f"Application with identifier '{client_id}' was not found in the directory '{state.display_name}'. "
                             "This can happen if the application has not been installed by the administrator of the tenant "
                             "or consented to by any user in the tenant. You may have sent your authentication request to "
                             "the wrong tenant.")
        return app

    def token(self, state, tenant_segment, form):
        """Handle a token request for ``state``; returns ``(body, identity_label)`` or raises :class:`TokenError`."""
        grant = form.get("grant_type")
        if not grant:
            raise _missing("grant_type")
        app = self._client_app(state, form)
        if grant == "client_credentials":
            self._authenticate_client(state, tenant_segment, app, form, required=True)
            resource = self._app_resource(state, form.get("scope"))
            claims = self._app_claims(state, app, resource, "2" if form.get("client_assertion") else "1")
            body = self._token_body(claims)
            return body, f"app:{app['client_id']}"
        if grant in ("password", "refresh_token"):
            self._authenticate_client(state, tenant_segment, app, form, required=not app["public_client"])
            user = self._password_user(state, form) if grant == "password" else self._refresh_user(state, app, form)
            return self._user_body(state, app, user, form), f"user:{user['userPrincipalName']}"
        if grant == DEVICE_CODE_GRANT:
            user, scope = self._device_code_user(state, app, form)
            return self._user_body(state, app, user, dict(form, scope=scope)), f"user:{user['userPrincipalName']}"
        raise TokenError(400, "unsupported_grant_type", 70003,
                         f"The app requested an unsupported grant type '{grant}'.")

    # -- device authorization grant (docs/identity-platform/v2-oauth2-device-code.md) ------------------------------
    def device_authorization(self, state, form):
        """The /devicecode answer: a device code for the client to poll with and a user code for the person."""
        app = self._client_app(state, form)
        if not app["public_client"]:
            # Assumption: an app that is not a public client cannot start the flow (the docs require "Allow public client flows").
            raise TokenError(400, "invalid_client", 7000218,
                             "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        self._user_scopes(state, app, form.get("scope"))  # the same consent check as the token request
        device_code = jose.b64url_encode(uuid.uuid4().bytes + uuid.uuid4().bytes)
        user_code = uuid.uuid4().hex[:9].upper()  # Assumption: the user code's shape; the docs show only examples
        self.device_flows[device_code] = {"tenant": state.tenant_id, "client_id": app["client_id"], "scope": form["scope"],
                                          "user_code": user_code, "expires": time.time() + DEVICE_CODE_LIFETIME, "user": None}
        uri = f"{self.emulator.base_url}/devicelogin"
        return {"user_code": user_code, "device_code": device_code, "verification_uri": uri,
                "expires_in": DEVICE_CODE_LIFETIME, "interval": DEVICE_CODE_INTERVAL,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to "
                           "authenticate."}

    def complete_device_sign_in(self, state, user_code, upn):
        """What the person does in the browser: enter ``user_code`` and sign in as ``upn`` (the control plane's call)."""
        user = state.find_user(upn)
        if user is None:
            raise ValueError(f"no user {upn} in tenant {state.tenant_id}")
        for flow in self.device_flows.values():
            if flow["tenant"] == state.tenant_id and flow["user_code"] == user_code.upper() and flow["user"] is None:
                flow["user"] = user["id"]
                return {"user_code": flow["user_code"], "upn": user["userPrincipalName"], "client_id": flow["client_id"]}
        raise ValueError(f"no pending device sign-in with code {user_code} in tenant {state.tenant_id}")

    def _device_code_user(self, state, app, form):
        """The user who completed the sign-in of ``device_code``, and the scope the client asked for at /devicecode."""
        device_code = form.get("device_code")
        if not device_code:
            raise _missing("device_code")
        flow = self.device_flows.get(device_code)
        # v2-oauth2-device-code.md, "Expected errors": bad_verification_code, expired_token, authorization_pending.
        # Assumption: the AADSTS numbers of bad_verification_code (70019) and expired_token (70020); the docs name only the errors.
        if flow is None or flow["tenant"] != state.tenant_id or flow["client_id"] != app["client_id"]:
            raise TokenError(400, "bad_verification_code", 70019, "The device_code sent to the /token endpoint wasn't recognized.")
        if flow["expires"] < time.time():
            del self.device_flows[device_code]
            raise TokenError(400, "expired_token", 70020, "The device code has expired; start a new sign-in.")
        if flow["user"] is None:
            raise TokenError(400, "authorization_pending", 70016,
                             "The provided request has not yet been authorized by the user. The user must input their code.")
        del self.device_flows[device_code]  # a device code is redeemed once
        user = state.table("users").get(flow["user"])
        return user, flow["scope"]

    # -- client authentication -------------------------------------------------------------------------------------
    def _authenticate_client(self, state, tenant_segment, app, form, required):
        if form.get("client_secret") is not None:
            if app["secret"] is None or form["client_secret"] != app["secret"]:
                raise TokenError(401, "invalid_client", 7000215,
                                 "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                                 "secret value, not the client secret ID, for a secret added to app "
                                 f"'{app['client_id']}'.")
            return
        if form.get("client_assertion") is not None:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise TokenError(400, "invalid_request", 700010,
                                 "Invalid client_assertion_type: expected "
                                 f"'{ASSERTION_TYPE}'.")
            self._verify_assertion(state, tenant_segment, app, form["client_assertion"])
            return
        if required:
            raise TokenError(401, "invalid_client", 7000218,
                             "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")

    def _verify_assertion(self, state, tenant_segment, app, assertion):  # pylint: disable=too-many-locals
        try:
            header, _claims, _signing_input, _signature = jose.split(assertion)
        except jose.JoseError as exc:
            raise TokenError(401, "invalid_client", 50027, "JWT token is invalid or malformed.") from exc
        cert = app["cert"]
        # Thumbprints are compared without base64 padding: MSAL pads them, RFC 7515 does not.
        sha256, sha1 = str(header.get("x5t#S256", "")).rstrip("="), str(header.get("x5t", "")).rstrip("=")
        thumbprint_ok = cert is not None and (sha256 == jose.b64url_encode(cert.sha256) or sha1 == jose.b64url_encode(cert.sha1))
        if not thumbprint_ok:
            raise TokenError(401, "invalid_client", 700027,
                             "Client assertion failed signature validation. The certificate (x5t / x5t#S256) used to sign "
                             f"the assertion is not registered on application '{app['client_id']}'.")
        try:
            _header, claims = jose.verify(assertion, cert.public_key())
        except jose.JoseError as exc:
            raise TokenError(401, "invalid_client", 700027, f"Client assertion failed signature validation: {exc}.") from exc
        if claims.get("iss") != app["client_id"] or claims.get("sub") != app["client_id"]:
            raise TokenError(401, "invalid_client", 700021,
                             "Client assertion application identifier doesn't match 'client_id' parameter.")
        base = self.emulator.base_url
        audiences = {f"{base}/{t}/oauth2/v2.0/token" for t in (state.tenant_id, state.domain, tenant_segment)}
        audiences |= {f"{base}/{t}/oauth2/token" for t in (state.tenant_id, state.domain, tenant_segment)}
        audiences.add(self.issuer(state.tenant_id))
        aud = claims.get("aud")
        if not any(a in audiences for a in (aud if isinstance(aud, list) else [aud])):
            raise TokenError(401, "invalid_client", 700212,
                             f"No matching federated identity record found for presented assertion audience '{aud}'.")
        now = time.time()
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] + CLOCK_SKEW < now or \
                (isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] - CLOCK_SKEW > now):
            raise TokenError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.")

    # -- scopes ---------------------------------------------------------------------------------------------------
    def _is_graph(self, resource):
        if resource == GRAPH_APP_ID:
            return True
        parsed = urlparse(resource)
        host = (parsed.hostname or "").lower()
        return parsed.scheme == "https" and (host in GRAPH_HOSTS or host in ("127.0.0.1", "localhost"))

    def _unknown_resource(self, state, resource):
        return TokenError(400, "invalid_resource", 500011,
                          f"The resource principal named {resource} was not found in the tenant named {state.display_name}. "
                          "This can happen if the application has not been installed by the administrator of the tenant or "
                          "consented to by any user in the tenant. You might have sent your authentication request to the "
                          "wrong tenant.")

    def _app_resource(self, state, scope):
        if not scope:
            raise _missing("scope")
        scopes = [s for s in scope.split() if s not in RESERVED_SCOPES]
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            raise TokenError(400, "invalid_scope", 1002012,
                             f"The provided value for scope {scope} is not valid. Client credential flows must have a scope "
                             "value with /.default suffixed to the resource identifier (application ID URI).")
        resource = scopes[0][:-len("/.default")]
        if not self._is_graph(resource):
            raise self._unknown_resource(state, resource)
        return resource

    def _user_scopes(self, state, app, scope):
        """``(resource, granted scopes)`` for a delegated request."""
        requested = [s for s in (scope or "").split() if s not in RESERVED_SCOPES]
        if not requested:
            raise _missing("scope")
        resource, names = None, []
        for item in requested:
            res, _slash, name = item.rpartition("/")
            res = res or "https://graph.microsoft.com"
            if not self._is_graph(res):
                raise self._unknown_resource(state, res)
            resource = resource or res
            names.append(name)
        if ".default" in names:
            return resource, list(app["scopes"])
        missing = [n for n in names if n not in app["scopes"]]
        if missing:
            raise TokenError(400, "invalid_grant", 65001,
                             f"The user or administrator has not consented to use the application with ID '{app['client_id']}' "
                             f"named '{app['display_name']}'. Send an interactive authorization request for this user and "
                             "resource.")
        return resource, names

    # -- users ----------------------------------------------------------------------------------------------------
    def _password_user(self, state, form):
        username, password = form.get("username"), form.get("password")
        if not username:
            raise _missing("username")
        if password is None:
            raise _missing("password")
        user = state.find_user(username)
        if user is None:
            raise TokenError(400, "invalid_grant", 50034,
                             f"The user account {{EmailHidden}} does not exist in the {state.tenant_id} directory. To sign "
                             "into this application, the account must be added to the directory.")
        if state.passwords.get(user["id"]) != password:
            raise TokenError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
        if not user.get("accountEnabled", True):
            raise TokenError(400, "invalid_grant", 50057, "The user account is disabled.")
        return user

    def _refresh_user(self, state, app, form):
        token = form.get("refresh_token")
        if not token:
            raise _missing("refresh_token")
        try:
            _header, claims = jose.verify(token, self._key.public_key())
        except jose.JoseError as exc:
            raise TokenError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.") from exc
        user = state.table("users").get(claims.get("oid"))
        if claims.get("typ") != "refresh" or claims.get("tid") != state.tenant_id or claims.get("appid") != app["client_id"] \
                or claims.get("exp", 0) < time.time() or user is None:
            raise TokenError(400, "invalid_grant", 70008,
                             "The provided authorization code or refresh token has expired due to inactivity.")
        return user

    # -- token bodies ---------------------------------------------------------------------------------------------
    def _base_claims(self, state, aud, lifetime=LIFETIME):
        now = int(time.time())
        return {"aud": aud, "iss": f"https://sts.windows.net/{state.tenant_id}/", "iat": now, "nbf": now,
                "exp": now + lifetime, "tid": state.tenant_id, "ver": "1.0", "uti": uuid.uuid4().hex[:22]}

    def _app_claims(self, state, app, resource, appidacr, lifetime=LIFETIME):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        claims = self._base_claims(state, resource, lifetime)
        claims.update({"appid": app["client_id"], "app_displayname": app["display_name"], "appidacr": appidacr,
                       "idp": f"https://sts.windows.net/{state.tenant_id}/", "idtyp": "app", "oid": app["sp_id"],
                       "sub": app["sp_id"], "roles": list(app["roles"])})
        return claims

    def _user_claims(self, state, app, user, resource, scopes, lifetime=LIFETIME):  # pylint: disable=too-many-arguments,too-many-positional-arguments
        claims = self._base_claims(state, resource, lifetime)
        claims.update({"appid": app["client_id"], "app_displayname": app["display_name"], "appidacr": "0",
                       "idtyp": "user", "oid": user["id"], "sub": user["id"], "upn": user["userPrincipalName"],
                       "unique_name": user["userPrincipalName"], "name": user["displayName"],
                       "scp": " ".join(scopes), "amr": ["pwd"]})
        # entra-docs docs/identity-platform/access-token-claims-reference.md: wids lists the template ids of the
        # tenant-wide directory roles the user holds.
        roles = state.extra.get("directoryRoles", {}).get(user["id"])
        if roles:
            claims["wids"] = list(roles)
        return claims

    def _token_body(self, claims):
        return {"token_type": "Bearer", "expires_in": claims["exp"] - claims["iat"],
                "ext_expires_in": claims["exp"] - claims["iat"], "access_token": jose.encode(claims, self._key, self.kid)}

    def _user_body(self, state, app, user, form):
        requested = (form.get("scope") or "").split()
        resource, scopes = self._user_scopes(state, app, form.get("scope"))
        body = self._token_body(self._user_claims(state, app, user, resource, scopes))
        prefix = "" if resource == "https://graph.microsoft.com" else resource + "/"
        granted = [f"{prefix}{s}" if prefix else s for s in scopes]
        body = {"token_type": "Bearer", "scope": " ".join(granted + [s for s in requested if s in RESERVED_SCOPES]), **body}
        now = int(time.time())
        if "offline_access" in requested:
            body["refresh_token"] = jose.encode({"typ": "refresh", "tid": state.tenant_id, "oid": user["id"],
                                                 "appid": app["client_id"], "iat": now, "exp": now + REFRESH_LIFETIME,
                                                 "jti": uuid.uuid4().hex}, self._key, self.kid)
        if "openid" in requested:
            body["id_token"] = jose.encode({
                "aud": app["client_id"], "iss": self.issuer(state.tenant_id), "iat": now, "nbf": now,
                "exp": now + LIFETIME, "name": user["displayName"], "oid": user["id"], "sub": user["id"],
                "preferred_username": user["userPrincipalName"], "tid": state.tenant_id, "ver": "2.0",
            }, self._key, self.kid)
        if form.get("client_info") == "1":
            body["client_info"] = jose.b64url_encode(
                ('{"uid":"%s","utid":"%s"}' % (user["id"], state.tenant_id)).encode())  # pylint: disable=consider-using-f-string
        return body

    # -- helpers for tests ------------------------------------------------------------------------------------------
    def issue(self, state, upn=None, client_id=None, lifetime=LIFETIME):
        """An access token minted directly (no HTTP): app-only for ``client_id`` (default: the secret app), or
        delegated for ``upn``. ``lifetime`` may be negative to get an already expired token."""
        app = state.apps[client_id] if client_id else next(iter(state.apps.values()))
        resource = "https://graph.microsoft.com"
        if upn is None:
            claims = self._app_claims(state, app, resource, "1", lifetime)
        else:
            user = state.find_user(upn)
            if user is None:
                raise KeyError(upn)
            claims = self._user_claims(state, app, user, resource, app["scopes"], lifetime)
        return jose.encode(claims, self._key, self.kid)

    # -- verification ---------------------------------------------------------------------------------------------
    def verify_access_token(self, header_value, tenants):
        """Identity for an ``Authorization`` header value; raises the 401 GraphError Graph would answer."""
        if not header_value:
            raise unauthorized("Access token is empty.")
        scheme, _space, token = header_value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Access token is empty.")
        try:
            header, claims, _si, _sig = jose.split(token.strip())
        except jose.JoseError as exc:
            raise unauthorized("IDX14100: JWT is not well formed, there are no dots (.).") from exc
        if header.get("kid") != self.kid:
            raise unauthorized("Access token validation failure. Invalid signing key.")
        try:
            jose.verify(token.strip(), self._key.public_key())
        except jose.JoseError as exc:
            raise unauthorized("Access token validation failure. Invalid signature.") from exc
        if claims.get("typ") == "refresh" or claims.get("idtyp") not in ("app", "user"):
            raise unauthorized("Access token validation failure. Invalid token type.")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
            raise unauthorized("Lifetime validation failed, the token is expired.")
        if not self._is_graph(str(claims.get("aud"))):
            raise unauthorized("Access token validation failure. Invalid audience.")
        state = tenants.get(claims.get("tid"))
        if state is None:
            raise unauthorized("Access token validation failure. Invalid issuer.")
        if claims["idtyp"] == "app":
            return state, Identity(state.tenant_id, "app", claims["appid"], claims["oid"], grants=claims.get("roles", ()))
        return state, Identity(state.tenant_id, "user", claims["appid"], claims["oid"], upn=claims.get("upn"),
                               grants=claims.get("scp", "").split())


def entra_error_body(error, correlation_id=None):
    """Entra's error JSON for a :class:`TokenError` (``aadsts`` None: an answer without an AADSTS code)."""
    timestamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    prefix = f"AADSTS{error.aadsts}: " if error.aadsts is not None else ""
    body = {
        "error": error.error,
        "error_description": f"{prefix}{error.description} Trace ID: {trace_id} Correlation ID: {correlation_id} "
                             f"Timestamp: {timestamp}",
        "error_codes": [error.aadsts] if error.aadsts is not None else [],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    if error.aadsts is not None:
        body["error_uri"] = f"https://login.microsoftonline.com/error?code={error.aadsts}"
    return body
