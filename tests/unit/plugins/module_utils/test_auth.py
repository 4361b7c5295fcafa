"""Connection options: credential source selection, endpoint rules, and the doc fragment staying in step."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.jitaccess.entra.plugins.doc_fragments.auth import ModuleDocFragment
from ansible_collections.jitaccess.entra.plugins.module_utils._auth import AUTH_ARGSPEC, ConfigError, Connection


T = '11111111-1111-4111-8111-111111111111'


def params(**values):
    base = {name: spec.get('default') for name, spec in AUTH_ARGSPEC.items()}
    base.update(values)
    return base


@pytest.mark.parametrize('values, source', [
    (dict(tenant_id=T, client_id='c', client_secret='s'), 'client_secret'),
    (dict(tenant_id=T, client_id='c', client_certificate_path='/x.pem'), 'certificate'),
    (dict(tenant_id=T, client_id='c', federated_token_file='/t'), 'workload_identity'),
    (dict(access_token='tok', client_secret='s'), 'access_token'),
    (dict(auth_source='managed_identity'), 'managed_identity'),
    (dict(auth_source='azure_cli'), 'azure_cli'),
])
def test_source_selection(values, source):
    assert Connection(params(**values)).source == source


@pytest.mark.parametrize('values, message', [
    ({}, 'no credentials'),
    (dict(client_secret='s'), 'auth_source=client_secret needs tenant_id, client_id'),
    (dict(auth_source='certificate', tenant_id=T, client_id='c'), 'needs client_certificate_path'),
    (dict(access_token='t', graph_endpoint='http://127.0.0.1:1'), 'graph_endpoint=http://127.0.0.1:1: plain http is refused'),
    (dict(access_token='t', authority_host='ftp://x'), 'authority_host=ftp://x: must be an absolute https:// URL'),
    (dict(access_token='t', tenant_id='contoso.onmicrosoft.com'), 'tenant_id=contoso.onmicrosoft.com: must be the directory'),
    (dict(access_token='t', tenant_id=T + '\n'), 'must be the directory'),
    (dict(tenant_id=T, client_id='c', client_secret_env='NO_SUCH_SECRET_VARIABLE'), 'client_secret_env=NO_SUCH_SECRET_VARIABLE: the task'),
])
def test_config_errors(values, message):
    with pytest.raises(ConfigError, match=message.replace('(', r'\(')):
        Connection(params(**values))


@pytest.mark.parametrize('cloud, graph', [('public', 'https://graph.microsoft.com'), ('usgov', 'https://graph.microsoft.us'),
                                          ('china', 'https://microsoftgraph.chinacloudapi.cn')])
def test_clouds(cloud, graph):
    connection = Connection(params(access_token='t', cloud=cloud))
    assert connection.graph_endpoint == graph
    assert connection.scope == graph + '/.default'


def test_explicit_endpoints_and_insecure_opt_in():
    connection = Connection(params(access_token='t', graph_endpoint='http://127.0.0.1:8/', allow_insecure_http=True))
    assert connection.graph_endpoint == 'http://127.0.0.1:8'


def test_tls_verification_settings():
    assert Connection(params(access_token='t')).verify is True
    assert Connection(params(access_token='t', ca_bundle='/ca.pem')).verify == '/ca.pem'
    assert Connection(params(access_token='t', ca_bundle='/ca.pem', validate_certs=False)).verify is False


def test_doc_fragment_matches_argspec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert set(documented) == set(AUTH_ARGSPEC)
    for name, spec in AUTH_ARGSPEC.items():
        assert documented[name]['type'] == spec['type'], name
        assert documented[name].get('default') == spec.get('default'), name
        assert documented[name].get('choices') == spec.get('choices'), name
    secrets = {name for name, spec in AUTH_ARGSPEC.items() if spec.get('no_log')}
    assert secrets == {'client_secret', 'client_certificate_password', 'access_token'}


def test_client_secret_env_reads_the_secret_without_changing_the_module_params(monkeypatch):
    monkeypatch.setenv('CONTOSO_CLIENT_SECRET', 's3cret')
    given = params(tenant_id=T, client_id='c', client_secret_env='CONTOSO_CLIENT_SECRET')
    connection = Connection(given)
    assert connection.source == 'client_secret' and connection.params['client_secret'] == 's3cret'
    assert given['client_secret'] is None
