"""TLS: certificates are validated by default, a custom CA bundle is an option, plain http is refused unless allowed,
and a server signed by another CA is refused before anything is sent to it.

This machine exports REQUESTS_CA_BUNDLE and SSL_CERT_FILE (the system store), and ca_bundle falls back to them, so
every test sets the environment it means."""

from __future__ import annotations

import http.client
import os
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.emulator import Emulator
from tests.integration.harness import auth_args, run_module

JIT = 'Allow ChatGPT Access'
SYSTEM_STORE = next((path for path in ('/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt') if os.path.exists(path)),
                    ssl.get_default_verify_paths().cafile)
CA_VARIABLES = ('ENTRA_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'CURL_CA_BUNDLE')


@pytest.fixture
def system_store_env(monkeypatch):
    """The environment a real host has: the CA variables, if set at all, point at the system store."""
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', SYSTEM_STORE)
    monkeypatch.setenv('SSL_CERT_FILE', SYSTEM_STORE)


@pytest.fixture
def bare_env(monkeypatch):
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def other_emulator(tmp_path):
    """A second emulator with a CA of its own (the wrong CA for anyone who trusts the first one)."""
    other = Emulator(state_dir=tmp_path / 'other', tenants=1).start()
    yield other
    other.stop()


def untrusted_message(result, netloc):
    assert result['failed'] is True, result
    message = result['msg']
    assert 'the TLS certificate of https://%s could not be verified' % netloc in message, message
    assert 'ca_bundle' in message and 'validate_certs=false' in message
    return message


def token_args(emulator, tenant, **overrides):
    """Connection options with a token minted by the emulator: the only TLS hop is the one to Graph."""
    args = auth_args(emulator, tenant, client_id=None, client_secret=None, auth_source='access_token',
                     access_token=emulator.token_for(tenant.tenant_id))
    args.update(overrides)
    return {key: value for key, value in args.items() if value is not None}


def test_validation_is_on_by_default_for_the_token_service(emulator, tenant, auth, system_store_env):
    args = dict(auth, token_cache=False, display_name=JIT)
    del args['ca_bundle']
    result = run_module('group', args)
    message = untrusted_message(result, urlsplit(emulator.base_url).netloc)
    assert message.startswith('while acquiring a Graph token: ')
    assert 'ca_bundle=%s' % SYSTEM_STORE in message
    assert tenant.client_secret not in message
    assert emulator.requests(tenant.tenant_id, kind=None) == []


@pytest.mark.parametrize('environment, trusted', [
    ('system_store_env', 'ca_bundle=' + SYSTEM_STORE),
    ('bare_env', 'the system certificate store (ca_bundle is not set)'),
])
def test_validation_is_on_by_default_for_graph(emulator, tenant, request, environment, trusted):
    request.getfixturevalue(environment)
    result = run_module('group', token_args(emulator, tenant, ca_bundle=None, display_name=JIT))
    message = untrusted_message(result, urlsplit(emulator.base_url).netloc)
    assert trusted in message
    # A certificate that is not trusted is not an outage: no retries, one clear answer.
    assert 'gave up' not in message and not any('retried' in warning for warning in result.get('warnings', []))
    assert emulator.requests(tenant.tenant_id, kind=None) == []


def test_custom_ca_bundle_wins_over_the_environment(emulator, tenant, auth, system_store_env):
    result = run_module('group', dict(auth, token_cache=False, display_name=JIT))
    assert result['changed'] is True, result
    assert [r['kind'] for r in emulator.requests(tenant.tenant_id, kind=None)][:1] == ['discovery']


def test_ca_bundle_from_its_own_environment_variable(emulator, tenant, auth, bare_env, monkeypatch):
    monkeypatch.setenv('ENTRA_CA_BUNDLE', emulator.ca_path)
    args = dict(auth, token_cache=False, display_name=JIT)
    del args['ca_bundle']
    assert run_module('group', args)['changed'] is True


def test_validate_certs_false_is_the_explicit_way_out(emulator, tenant, system_store_env):
    result = run_module('group', token_args(emulator, tenant, ca_bundle=None, validate_certs=False, display_name=JIT))
    assert result['changed'] is True, result


@pytest.mark.parametrize('content, problem', [(None, 'No such file or directory'), (b'not a certificate\n', 'no certificate')])
def test_unreadable_ca_bundle_is_named(emulator, tenant, tmp_path, content, problem):
    path = tmp_path / 'ca.pem'
    if content is not None:
        path.write_bytes(content)
    result = run_module('group', token_args(emulator, tenant, ca_bundle=str(path), display_name=JIT))
    assert result['failed'] is True
    assert result['msg'].startswith('while setting up TLS: ca_bundle=%s cannot be read as a PEM file of CA certificates' % path)
    assert problem in result['msg']
    assert emulator.requests(tenant.tenant_id, kind=None) == []


@pytest.mark.parametrize('option', ['graph_endpoint', 'authority_host'])
def test_plain_http_is_refused_before_any_request(emulator, tenant, auth, option):
    plain = emulator.base_url.replace('https://', 'http://')
    result = run_module('group', dict(auth, display_name=JIT, **{option: plain}))
    assert result['failed'] is True
    assert result['msg'] == ('%s=%s: plain http is refused because tokens would travel unencrypted; use https, or set '
                             'allow_insecure_http=true for a local test endpoint' % (option, plain))
    assert emulator.requests(tenant.tenant_id, kind=None) == []


@pytest.fixture
def plain_http_front(emulator):
    """A plain-http endpoint that forwards to the emulator (as a local test proxy would); yields its base URL."""
    context = ssl.create_default_context(cafile=emulator.ca_path)
    target = urlsplit(emulator.base_url)

    class Forward(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def _forward(self):
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            upstream = http.client.HTTPSConnection(target.hostname, target.port, context=context, timeout=30)
            headers = {key: value for key, value in self.headers.items() if key.lower() not in ('host', 'connection')}
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ('content-length', 'connection', 'transfer-encoding'):
                    self.send_header(key, value)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            """Quiet."""

    server = ThreadingHTTPServer(('127.0.0.1', 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_plain_http_works_only_when_explicitly_allowed(emulator, tenant, plain_http_front):
    args = token_args(emulator, tenant, graph_endpoint=plain_http_front, display_name=JIT)
    refused = run_module('group_info', args)
    assert refused['failed'] is True and 'plain http is refused' in refused['msg']
    assert emulator.requests(tenant.tenant_id) == []
    allowed = run_module('group_info', dict(args, allow_insecure_http=True))
    assert allowed['changed'] is False and allowed['groups'] == [], allowed
    assert [r['path'] for r in emulator.requests(tenant.tenant_id)] == ['/v1.0/groups']


def test_server_signed_by_another_ca_gets_nothing(emulator, other_emulator):
    """Everything on the second emulator, trusting only the first one's CA: refused at the handshake."""
    tenant = other_emulator.tenants[0]
    args = token_args(other_emulator, tenant, ca_bundle=emulator.ca_path, display_name=JIT, description='must not be written')
    result = run_module('group', args)
    untrusted_message(result, urlsplit(other_emulator.base_url).netloc)
    assert 'ca_bundle=%s' % emulator.ca_path in result['msg']
    assert other_emulator.requests(kind=None) == [] and other_emulator.writes() == []


def test_token_from_a_trusted_authority_is_not_sent_to_an_untrusted_graph(emulator, tenant, other_emulator):
    """The token service is the right one; the Graph endpoint is not: the token is never sent there."""
    args = auth_args(emulator, tenant, graph_endpoint=other_emulator.base_url, token_cache=False)
    result = run_module('group', dict(args, display_name=JIT))
    untrusted_message(result, urlsplit(other_emulator.base_url).netloc)
    assert [r['kind'] for r in emulator.requests(tenant.tenant_id, kind=None)] == ['discovery', 'token']
    assert other_emulator.requests(kind=None) == []
    assert emulator.writes(tenant.tenant_id) == []
