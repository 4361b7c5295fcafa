# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a task acquires a new Graph token when the token cache has none: the azure-identity credential for its
auth_source, the prompt for a person who signs in, and the error a failed acquisition becomes.

Internal use only: this file is not part of the collection's public API and may change without notice.

Loaded on a token miss only: the tasks after the first find their token in the cache and never compile this file
(module_utils ship as source and are compiled by every task).
"""

from __future__ import annotations

import re
import ssl
import sys

from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError, untrusted_certificate


def acquire_token(connection, prompt=None):
    """A new token from the credential of ``connection.source``: an object with ``token`` (and ``expires_on`` when the
    credential says when it expires). A failure is a ``GraphError`` that never carries the secret."""
    try:
        return credential(connection, prompt).get_token(connection.scope)
    except Exception as exc:  # pylint: disable=broad-except
        problem = certificate_problem(exc)
        if problem:
            raise untrusted_certificate(connection, connection.authority_host, problem, action='acquiring a Graph token') from exc
        # azure-identity raises several types; the message carries Entra's AADSTS code and never the secret.
        raise GraphError('authentication with auth_source=%s failed: %s' % (
            connection.source, one_line(str(exc))), action='acquiring a Graph token') from exc


def credential(connection, prompt=None):
    """Return an azure-identity credential (or a static token holder) for the source ``connection`` chose.

    ``prompt(verification_uri, user_code, expires_on)`` tells the person signing in with device_code what to do."""
    if connection.source == 'access_token':
        return StaticToken(connection.params['access_token'])
    # Imported here: only the credential in use is loaded, and a missing library is reported by the caller.
    from azure import identity  # pylint: disable=import-outside-toplevel
    p = connection.params
    common = dict(authority=connection.authority_host)
    if connection.custom_authority:
        # Instance discovery asks the public cloud about the authority; a sovereign or test authority answers itself.
        common['disable_instance_discovery'] = True
    if connection.verify is not True:
        common['connection_verify'] = connection.verify
    if connection.source == 'client_secret':
        return identity.ClientSecretCredential(p['tenant_id'], p['client_id'], p['client_secret'], **common)
    if connection.source == 'certificate':
        password = p.get('client_certificate_password')
        return identity.CertificateCredential(
            p['tenant_id'], p['client_id'], p['client_certificate_path'],
            password=password.encode() if password else None, **common)
    if connection.source == 'workload_identity':
        return identity.WorkloadIdentityCredential(
            tenant_id=p['tenant_id'], client_id=p['client_id'], token_file_path=p['federated_token_file'], **common)
    if connection.source == 'device_code':
        return identity.DeviceCodeCredential(
            client_id=p['client_id'], tenant_id=p['tenant_id'], prompt_callback=prompt or _prompt_on_stderr,
            timeout=int(p['sign_in_timeout']), **common)
    if connection.source == 'interactive_browser':
        return identity.InteractiveBrowserCredential(
            client_id=p['client_id'], tenant_id=p['tenant_id'], login_hint=p['username'],
            timeout=int(p['sign_in_timeout']), **common)
    if connection.source == 'managed_identity':
        return identity.ManagedIdentityCredential(client_id=p.get('client_id'))
    return identity.AzureCliCredential(tenant_id=p.get('tenant_id'))


def _prompt_on_stderr(verification_uri, user_code, expires_on):
    """Without the controller's display (a module run on its own) the prompt goes to the process's standard error."""
    sys.stderr.write('To sign in, open %s and enter the code %s (valid until %s)\n'
                     % (verification_uri, user_code, expires_on.strftime('%H:%M UTC')))
    sys.stderr.flush()


class StaticToken:
    """A caller-supplied bearer token, typically delegated (a user's) for request and approval flows."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes):  # pylint: disable=unused-argument
        return _Token(self.token)


class _Token:  # pylint: disable=too-few-public-methods
    def __init__(self, token):
        self.token = token


def certificate_problem(exc):
    """Why TLS certificate verification failed somewhere in ``exc``'s chain of causes, or None when it did not."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc.verify_message or exc.reason or str(exc)
        # azure-core keeps only the text of the transport's error (and sometimes the error as inner_exception).
        found = re.search(r'CERTIFICATE_VERIFY_FAILED\] certificate verify failed: ([^(]*)', str(exc))
        if found:
            return found.group(1).strip()
        exc = exc.__cause__ or exc.__context__ or getattr(exc, 'inner_exception', None)
    return None


def one_line(text):
    return re.sub(r'\s+', ' ', text).strip()
