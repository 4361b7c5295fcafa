# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection and authentication options shared by every module.

Internal use only: this file is not part of the collection's public API and may change without notice.
AUTH_ARGSPEC is paired with the ``jitaccess.entra.auth`` doc fragment; a unit test keeps the two in step.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.jitaccess.entra.plugins.module_utils._references import is_guid
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import NAMED_SOURCES, SIGN_IN_SOURCES, TokenCache, default_directory

AUTH_SOURCES = ('auto', 'client_secret', 'certificate', 'managed_identity', 'workload_identity', 'azure_cli', 'access_token',
                'device_code', 'interactive_browser')
# azure.azcollection's auth_source values that mean the same as one of ours (its credential_file has no counterpart).
AUTH_SOURCE_ALIASES = {'cli': 'azure_cli', 'msi': 'managed_identity', 'env': 'auto'}

# Authority (token service) and Microsoft Graph host per national cloud.
CLOUDS = {
    'public': ('https://login.microsoftonline.com', 'https://graph.microsoft.com'),
    'usgov': ('https://login.microsoftonline.us', 'https://graph.microsoft.us'),
    'china': ('https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'),
}
# azure.azcollection's cloud_environment names (AWX's Azure Resource Manager credential injects them as
# AZURE_CLOUD_ENVIRONMENT) for the same clouds.
CLOUD_ALIASES = {'AzureCloud': 'public', 'AzureUSGovernment': 'usgov', 'AzureChinaCloud': 'china'}

AUTH_ARGSPEC = dict(
    # Environment fallbacks: azure-identity's names first, then azure.azcollection's (what AWX's built-in Microsoft Azure
    # Resource Manager credential injects).
    auth_source=dict(type='str', default='auto', choices=list(AUTH_SOURCES) + list(AUTH_SOURCE_ALIASES),
                     fallback=(env_fallback, ['ENTRA_AUTH_SOURCE', 'ANSIBLE_AZURE_AUTH_SOURCE'])),
    tenant_id=dict(type='str', aliases=['tenant'], fallback=(env_fallback, ['AZURE_TENANT_ID', 'AZURE_TENANT'])),
    client_id=dict(type='str', fallback=(env_fallback, ['AZURE_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True, aliases=['secret'], fallback=(env_fallback, ['AZURE_CLIENT_SECRET', 'AZURE_SECRET'])),
    client_secret_env=dict(type='str', no_log=False),
    client_certificate_path=dict(type='path', fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PATH'])),
    client_certificate_password=dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PASSWORD'])),
    client_certificate_password_env=dict(type='str', no_log=False),
    username=dict(type='str'),
    federated_token_file=dict(type='path', fallback=(env_fallback, ['AZURE_FEDERATED_TOKEN_FILE'])),
    access_token=dict(type='str', no_log=True, fallback=(env_fallback, ['ENTRA_ACCESS_TOKEN'])),
    cloud=dict(type='str', default='public', choices=list(CLOUDS) + list(CLOUD_ALIASES), aliases=['cloud_environment'],
               fallback=(env_fallback, ['ENTRA_CLOUD', 'AZURE_CLOUD_ENVIRONMENT'])),
    authority_host=dict(type='str', fallback=(env_fallback, ['AZURE_AUTHORITY_HOST'])),
    graph_endpoint=dict(type='str', fallback=(env_fallback, ['ENTRA_GRAPH_ENDPOINT'])),
    ca_bundle=dict(type='path', fallback=(env_fallback, ['ENTRA_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE'])),
    validate_certs=dict(type='bool', default=True),
    allow_insecure_http=dict(type='bool', default=False),
    request_timeout=dict(type='float', default=30.0),
    sign_in_timeout=dict(type='float', default=300.0),
    max_retry_wait=dict(type='float', default=120.0),
    consistency_timeout=dict(type='float', default=60.0),
    token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['ENTRA_TOKEN_CACHE'])),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['ENTRA_TOKEN_CACHE_DIR'])),
)


class ConfigError(Exception):
    """A connection or credential option is missing or wrong; raised before any network call."""


class Connection:
    """Resolved endpoints and the credential source chosen from the module's auth options (the credential itself is
    built on a token miss only, in _token_acquire.py)."""

    def __init__(self, params):
        # A copy: a secret read from the environment below must never reach the module's own params (its invocation).
        self.params = params = dict(params)
        for option in ('client_secret', 'client_certificate_password'):
            variable = params.get(option + '_env')
            if variable and not params.get(option):
                params[option] = os.environ.get(variable)
                if not params[option]:
                    raise ConfigError('%s_env=%s: the task\'s environment has no such variable, or it is empty; set it in the '
                                      'environment of ansible-playbook (an AWX credential, a CI secret)' % (option, variable))
        params['auth_source'] = AUTH_SOURCE_ALIASES.get(params['auth_source'], params['auth_source'])
        params['cloud'] = CLOUD_ALIASES.get(params['cloud'], params['cloud'])
        authority, graph = CLOUDS[params['cloud']]
        self.authority_host = (params.get('authority_host') or authority).rstrip('/')
        self.graph_endpoint = (params.get('graph_endpoint') or graph).rstrip('/')
        self.custom_authority = bool(params.get('authority_host'))
        for option, url in (('authority_host', self.authority_host), ('graph_endpoint', self.graph_endpoint)):
            if url.startswith('http://') and not params['allow_insecure_http']:
                raise ConfigError('%s=%s: plain http is refused because tokens would travel unencrypted; '
                                  'use https, or set allow_insecure_http=true for a local test endpoint' % (option, url))
            if not url.startswith(('https://', 'http://')):
                raise ConfigError('%s=%s: must be an absolute https:// URL' % (option, url))
        if params['request_timeout'] <= 0:
            raise ConfigError('request_timeout=%s: must be more than 0 seconds' % params['request_timeout'])
        if params.get('tenant_id') and not is_guid(params['tenant_id']):
            raise ConfigError('tenant_id=%s: must be the directory (tenant) id, a GUID such as 00000000-0000-0000-0000-000000000000 '
                              '(Entra admin center > Overview > Tenant ID); a domain name cannot be checked against the '
                              "token's tenant" % params['tenant_id'])
        for option in ('max_retry_wait', 'consistency_timeout'):
            if params[option] < 0:
                raise ConfigError('%s=%s: must be 0 seconds or more' % (option, params[option]))
        if not params['validate_certs']:
            self.verify = False
        else:
            self.verify = params['ca_bundle'] or True
        self.source = self._choose_source()

    @property
    def scope(self):
        return self.graph_endpoint + '/.default'

    @property
    def tenant_id(self):
        return self.params.get('tenant_id')

    def token_cache(self):
        """The shared token cache, or None when disabled, pointless (a token the caller supplied) or unsafe: the Azure
        CLI's account and a system-assigned managed identity can change between tasks without the task saying so."""
        if not self.params.get('token_cache') or not self.token_identity_named:
            return None
        return TokenCache(self.params.get('token_cache_dir') or default_directory())

    @property
    def token_identity_named(self):
        """Whether the task names the identity its token is for (tenant and app, and the user who signs in), so a cached
        token can be checked."""
        return self.source in NAMED_SOURCES or (self.source == 'managed_identity' and bool(self.params.get('client_id'))) or \
            (self.source in SIGN_IN_SOURCES and bool(self.params.get('username')))

    def expected_identity(self):
        """What a token for this task must say: its tenant, the app (or managed identity) when the task names one, and
        the user when a person signs in."""
        named = self.token_identity_named
        return {'tid': self.tenant_id, 'appid': self.params.get('client_id') if named else None,
                'upn': self.params.get('username') if self.source in SIGN_IN_SOURCES else None}

    def cache_directory(self, kind):
        """Where files of ``kind`` go: token_cache_dir when set (tokens and recent creates alike), else the default."""
        return self.params.get('token_cache_dir') or default_directory(kind)

    def _choose_source(self):
        p = self.params
        source = p['auth_source']
        if source == 'auto':
            if p.get('access_token'):
                source = 'access_token'
            elif p.get('client_secret'):
                source = 'client_secret'
            elif p.get('client_certificate_path'):
                source = 'certificate'
            elif p.get('federated_token_file'):
                source = 'workload_identity'
            else:
                raise ConfigError(
                    'no credentials: set client_secret, client_certificate_path, federated_token_file or access_token (or their '
                    'environment variables: AZURE_CLIENT_SECRET or AZURE_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, ...), or choose '
                    'auth_source=managed_identity, azure_cli or device_code')
        required = {
            'device_code': ('tenant_id', 'client_id', 'username'),
            'interactive_browser': ('tenant_id', 'client_id', 'username'),
            'client_secret': ('tenant_id', 'client_id', 'client_secret'),
            'certificate': ('tenant_id', 'client_id', 'client_certificate_path'),
            'workload_identity': ('tenant_id', 'client_id', 'federated_token_file'),
            'access_token': ('access_token',),
        }.get(source, ())
        missing = [name for name in required if not p.get(name)]
        if missing:
            raise ConfigError('auth_source=%s needs %s' % (source, ', '.join(missing)))
        return source
