"""TLS, OIDC discovery and the token endpoint: azure-identity credentials, ROPC, Entra error shapes, token checks."""
# pylint: disable=missing-function-docstring

import socket
import ssl

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential

from tests.emulator import jose

from .helpers import Graph, tls, upn

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def _token_url(emulator, tenant_id):
    return f"{emulator.base_url}/{tenant_id}/oauth2/v2.0/token"


def _post_token(emulator, tenant_id, **form):
    return httpx.post(_token_url(emulator, tenant_id), data=form, verify=tls(emulator))


def test_tls_is_trusted_through_the_generated_ca(emulator):
    context = ssl.create_default_context(cafile=emulator.ca_path)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            san = dict((kind, value) for kind, value in conn.getpeercert()["subjectAltName"])
    assert san["IP Address"] == "127.0.0.1"
    assert san["DNS"] == "localhost"
    assert httpx.get(f"https://localhost:{emulator.port}/common/discovery/v2.0/keys", verify=tls(emulator)).status_code == 200


def test_tls_is_not_trusted_without_the_ca(emulator):
    context = ssl.create_default_context()
    context.load_default_certs()
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw:
            context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_discovery_document_and_keys(emulator, tenant):
    base = emulator.base_url
    doc = httpx.get(f"{base}/{tenant.tenant_id}/v2.0/.well-known/openid-configuration", verify=tls(emulator)).json()
    assert doc["issuer"] == f"{base}/{tenant.tenant_id}/v2.0"
    assert doc["token_endpoint"] == f"{base}/{tenant.tenant_id}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"].startswith(f"{base}/{tenant.tenant_id}/")
    assert doc["tenant_region_scope"]
    keys = httpx.get(doc["jwks_uri"], verify=tls(emulator)).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"]
    by_domain = httpx.get(f"{base}/{tenant.domain}/v2.0/.well-known/openid-configuration", verify=tls(emulator)).json()
    assert by_domain["issuer"] == doc["issuer"]


def test_unknown_tenant_discovery_is_invalid_tenant(emulator):
    response = httpx.get(f"{emulator.base_url}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration",
                         verify=tls(emulator))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tenant"
    assert body["error_description"].startswith("AADSTS90002: Tenant '00000000-1111-2222-3333-444444444444' not found")
    assert body["error_codes"] == [90002]


def test_client_secret_credential(emulator_env, tenant):
    credential = ClientSecretCredential(tenant.tenant_id, tenant.client_id, tenant.client_secret,
                                        authority=emulator_env.base_url, disable_instance_discovery=True)
    token = credential.get_token(GRAPH_DEFAULT).token
    claims = jose.split(token)[1]
    assert claims["tid"] == tenant.tenant_id
    assert claims["appid"] == tenant.client_id
    assert claims["idtyp"] == "app"
    assert "Group.ReadWrite.All" in claims["roles"]
    response = Graph(emulator_env, token).get("/groups")
    assert response.status_code == 200
    assert emulator_env.requests(tenant.tenant_id)[-1]["identity"] == f"app:{tenant.client_id}"


def test_certificate_credential(emulator_env, tenant):
    credential = CertificateCredential(tenant.tenant_id, tenant.cert_client_id, tenant.cert_path,
                                       authority=emulator_env.base_url, disable_instance_discovery=True)
    token = credential.get_token(GRAPH_DEFAULT).token
    claims = jose.split(token)[1]
    assert claims["appid"] == tenant.cert_client_id
    assert claims["appidacr"] == "2"
    token_entry = emulator_env.requests(tenant.tenant_id, kind="token")[-1]
    assert token_entry["body"]["client_assertion"] == "***"
    assert token_entry["body"]["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert Graph(emulator_env, token).get("/users").status_code == 200


def test_certificate_of_another_tenant_is_rejected(emulator_env, tenant):
    other = emulator_env.tenants[0]
    credential = CertificateCredential(tenant.tenant_id, tenant.cert_client_id, other.cert_path,
                                       authority=emulator_env.base_url, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        credential.get_token(GRAPH_DEFAULT)


def test_wrong_secret_has_entras_error_shape(emulator_env, tenant):
    response = _post_token(emulator_env, tenant.tenant_id, grant_type="client_credentials", client_id=tenant.client_id,
                           client_secret="not-the-secret", scope=GRAPH_DEFAULT)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [7000215]
    assert body["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)
    credential = ClientSecretCredential(tenant.tenant_id, tenant.client_id, "not-the-secret",
                                        authority=emulator_env.base_url, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(GRAPH_DEFAULT)


def test_unknown_client_and_bad_scope(emulator, tenant):
    response = _post_token(emulator, tenant.tenant_id, grant_type="client_credentials",
                           client_id="11111111-2222-3333-4444-555555555555", client_secret="x", scope=GRAPH_DEFAULT)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert response.json()["error_codes"] == [700016]
    response = _post_token(emulator, tenant.tenant_id, grant_type="client_credentials", client_id=tenant.client_id,
                           client_secret=tenant.client_secret, scope="https://graph.microsoft.com/User.Read")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    response = _post_token(emulator, tenant.tenant_id, grant_type="client_credentials", client_id=tenant.client_id,
                           client_secret=tenant.client_secret, scope="https://management.azure.com/.default")
    assert response.json()["error"] == "invalid_resource"


def test_scope_host_is_lenient(emulator, tenant):
    for scope in (f"{emulator.base_url}/.default", "https://graph.microsoft.us/.default"):
        response = _post_token(emulator, tenant.tenant_id, grant_type="client_credentials", client_id=tenant.client_id,
                               client_secret=tenant.client_secret, scope=scope)
        assert response.status_code == 200, response.text
        assert Graph(emulator, response.json()["access_token"]).get("/groups").status_code == 200


def test_password_grant_gives_a_delegated_token(emulator, tenant):
    sarah = upn(tenant, "sarah.jones")
    response = _post_token(emulator, tenant.tenant_id, grant_type="password", client_id=tenant.client_id, username=sarah,
                           password=tenant.users[sarah]["password"], scope=f"{GRAPH_DEFAULT} offline_access openid profile")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599 and body["ext_expires_in"] == 3599
    assert "refresh_token" in body and "id_token" in body
    claims = jose.split(body["access_token"])[1]
    assert claims["idtyp"] == "user"
    assert claims["upn"] == sarah
    assert claims["oid"] == tenant.users[sarah]["id"]
    assert "EntitlementManagement.ReadWrite.All" in claims["scp"].split()
    me = Graph(emulator, body["access_token"]).get("/me")
    assert me.json()["userPrincipalName"] == sarah
    entry = emulator.requests(tenant.tenant_id, kind="token")[-1]
    assert entry["identity"] == f"user:{sarah}"
    assert entry["body"]["password"] == "***" and entry["body"]["username"] == sarah
    refreshed = _post_token(emulator, tenant.tenant_id, grant_type="refresh_token", client_id=tenant.client_id,
                            refresh_token=body["refresh_token"], scope=GRAPH_DEFAULT)
    assert jose.split(refreshed.json()["access_token"])[1]["upn"] == sarah


def test_password_grant_errors(emulator, tenant):
    sarah = upn(tenant, "sarah.jones")
    response = _post_token(emulator, tenant.tenant_id, grant_type="password", client_id=tenant.client_id, username=sarah,
                           password="wrong", scope=GRAPH_DEFAULT)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_codes"] == [50126]
    response = _post_token(emulator, tenant.tenant_id, grant_type="password", client_id=tenant.client_id,
                           username=f"nobody@{tenant.domain}", password="x", scope=GRAPH_DEFAULT)
    assert response.json()["error_codes"] == [50034]


def test_graph_rejects_missing_invalid_and_expired_tokens(emulator, tenant):
    for token, message in ((None, "Access token is empty."), ("garbage", "IDX14100"),
                           (emulator.token_for(tenant.tenant_id, lifetime=-10), "expired")):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(f"{emulator.base_url}/v1.0/groups", headers=headers, verify=tls(emulator))
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert message in response.json()["error"]["message"]
        assert response.headers["request-id"]


def test_token_signed_by_someone_else_is_rejected(emulator, tenant):
    header, claims, _input, _signature = jose.split(emulator.token_for(tenant.tenant_id))
    forged = jose.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), header["kid"])
    response = httpx.get(f"{emulator.base_url}/v1.0/groups", headers={"Authorization": f"Bearer {forged}"},
                         verify=tls(emulator))
    assert response.status_code == 401


def test_advancing_the_clock_does_not_expire_tokens(emulator, graph):
    emulator.advance_clock(7200)
    assert graph.get("/groups").status_code == 200


def test_client_secret_basic(emulator, tenant):
    response = httpx.post(_token_url(emulator, tenant.tenant_id), verify=tls(emulator),
                          auth=(tenant.client_id, tenant.client_secret),
                          data={"grant_type": "client_credentials", "scope": GRAPH_DEFAULT})
    assert response.status_code == 200, response.text
    assert emulator.requests(tenant.tenant_id, kind="token")[-1]["body"]["client_secret"] == "***"


DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def test_device_code_grant_pending_until_the_user_signs_in(emulator, tenant):
    """docs/identity-platform/v2-oauth2-device-code.md: /devicecode, then authorization_pending until the user completes."""
    started = httpx.post(f"{emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/devicecode",
                         data={"client_id": tenant.client_id, "scope": GRAPH_DEFAULT + " offline_access"}, verify=tls(emulator))
    assert started.status_code == 200, started.text
    flow = started.json()
    assert flow["expires_in"] == 900 and flow["interval"] == 5 and flow["user_code"] in flow["message"]
    poll = {"grant_type": DEVICE_CODE_GRANT, "client_id": tenant.client_id, "device_code": flow["device_code"]}
    pending = _post_token(emulator, tenant.tenant_id, **poll)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert pending.json()["error_codes"] == [70016]

    done = httpx.post(f"{emulator.base_url}/_emulator/devicelogin", verify=tls(emulator),
                      json={"tenant": tenant.tenant_id, "user_code": flow["user_code"], "upn": upn(tenant, "sarah.jones")})
    assert done.status_code == 200, done.text
    token = _post_token(emulator, tenant.tenant_id, **poll)
    assert token.status_code == 200, token.text
    body = token.json()
    claims = jose.split(body["access_token"])[1]
    assert claims["upn"] == upn(tenant, "sarah.jones") and claims["appid"] == tenant.client_id and "refresh_token" in body
    again = _post_token(emulator, tenant.tenant_id, **poll)  # a device code is redeemed once
    assert again.status_code == 400 and again.json()["error"] == "bad_verification_code"
    [logged] = [e for e in emulator.requests(tenant.tenant_id, kind="token") if "devicecode" in e["path"]]
    assert logged["status"] == 200


def test_device_code_of_unknown_user_or_code_is_refused(emulator, tenant):
    done = httpx.post(f"{emulator.base_url}/_emulator/devicelogin", verify=tls(emulator),
                      json={"tenant": tenant.tenant_id, "user_code": "NOSUCHCODE", "upn": upn(tenant, "sarah.jones")})
    assert done.status_code == 400 and "no pending device sign-in" in done.json()["error"]
    refused = _post_token(emulator, tenant.tenant_id, grant_type=DEVICE_CODE_GRANT, client_id=tenant.client_id, device_code="x")
    assert refused.status_code == 400 and refused.json()["error"] == "bad_verification_code"
