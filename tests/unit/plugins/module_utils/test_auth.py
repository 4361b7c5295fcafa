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


# -- the credentials operators already have: AWX's Azure Resource Manager credential and azure.azcollection's names --
AWX_AZURE_RM_ENV = {'AZURE_SUBSCRIPTION_ID': 'd7245080-b4ae-4fe5-b6fa-2e71b3dae6c8', 'AZURE_CLIENT_ID': 'c',
                    'AZURE_SECRET': 's', 'AZURE_TENANT': T, 'AZURE_CLOUD_ENVIRONMENT': 'AzureUSGovernment'}


def validated(args):
    """Module arguments as AnsibleModule sees them: aliases, defaults and environment fallbacks applied."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # pylint: disable=import-outside-toplevel
    result = ArgumentSpecValidator(AUTH_ARGSPEC).validate(args)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture
def clean_env(monkeypatch):
    for spec in AUTH_ARGSPEC.values():
        for name in spec.get('fallback', (None, ()))[1]:
            monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_awx_azure_resource_manager_environment_authenticates(clean_env):
    for name, value in AWX_AZURE_RM_ENV.items():
        clean_env.setenv(name, value)
    connection = Connection(validated({}))
    assert connection.source == 'client_secret'
    assert (connection.tenant_id, connection.params['client_id'], connection.params['client_secret']) == (T, 'c', 's')
    assert connection.authority_host == 'https://login.microsoftonline.us' and connection.graph_endpoint == 'https://graph.microsoft.us'


def test_azure_identity_names_come_before_azcollection_names(clean_env):
    other = '22222222-2222-4222-8222-222222222222'
    for name, value in dict(AZURE_TENANT_ID=T, AZURE_TENANT=other, AZURE_CLIENT_SECRET='first', AZURE_SECRET='second',
                            ENTRA_CLOUD='china', AZURE_CLOUD_ENVIRONMENT='AzureUSGovernment',
                            ENTRA_AUTH_SOURCE='client_secret', ANSIBLE_AZURE_AUTH_SOURCE='cli').items():
        clean_env.setenv(name, value)
    connection = Connection(validated({'client_id': 'c'}))
    assert (connection.tenant_id, connection.params['client_secret'], connection.source) == (T, 'first', 'client_secret')
    assert connection.graph_endpoint == 'https://microsoftgraph.chinacloudapi.cn'


@pytest.mark.parametrize('given, source', [('cli', 'azure_cli'), ('msi', 'managed_identity'), ('env', 'client_secret')])
def test_azcollection_option_names_and_auth_sources(clean_env, given, source):
    connection = Connection(validated({'auth_source': given, 'tenant': T, 'client_id': 'c', 'secret': 's',
                                       'cloud_environment': 'AzureChinaCloud'}))
    assert connection.source == source and connection.tenant_id == T
    assert connection.authority_host == 'https://login.chinacloudapi.cn'


def test_ansible_azure_auth_source_environment(clean_env):
    clean_env.setenv('ANSIBLE_AZURE_AUTH_SOURCE', 'msi')
    assert Connection(validated({})).source == 'managed_identity'


@pytest.mark.parametrize('source', ['device_code', 'interactive_browser'])
def test_sign_in_sources_need_the_user_and_bind_the_token_to_them(source):
    with pytest.raises(ConfigError, match='auth_source=%s needs username' % source):
        Connection(params(auth_source=source, tenant_id=T, client_id='c'))
    connection = Connection(params(auth_source=source, tenant_id=T, client_id='c', username='Sarah@contoso.example'))
    assert connection.expected_identity() == {'tid': T, 'appid': 'c', 'upn': 'Sarah@contoso.example'}
    assert connection.token_cache() is not None


def test_certificate_password_env_reads_the_password_without_changing_the_module_params(monkeypatch):
    monkeypatch.setenv('CONTOSO_CERTIFICATE_PASSWORD', 'pw')
    given = params(tenant_id=T, client_id='c', client_certificate_path='/x.pem', client_certificate_password_env='CONTOSO_CERTIFICATE_PASSWORD')
    connection = Connection(given)
    assert connection.params['client_certificate_password'] == 'pw' and given['client_certificate_password'] is None
    monkeypatch.delenv('CONTOSO_CERTIFICATE_PASSWORD')
    with pytest.raises(ConfigError, match='client_certificate_password_env=CONTOSO_CERTIFICATE_PASSWORD'):
        Connection(given)
