# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error a Graph call raises: what Graph said and what the module was doing, and the error for a server whose
certificate is not trusted.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class GraphError(Exception):
    """A Graph call failed; carries what Graph said and what the module was doing."""

    def __init__(self, message, status=None, code=None, request_id=None, action=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.action = action
        self.permissions = None  # on a 403: what the call needs (see _permissions.py)

    def __str__(self):
        parts = []
        if self.action:
            parts.append('while %s' % self.action)
        if self.status:
            parts.append('Graph answered %s%s' % (self.status, ' %s' % self.code if self.code else ''))
        text = self.message
        if parts:
            text = '%s: %s' % (', '.join(parts), text)
        if self.request_id:
            text += ' (request-id %s)' % self.request_id
        if self.permissions:
            # Imported only here and on a 403: the permission table is a large file, and converged tasks never need it.
            from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import (  # pylint: disable=import-outside-toplevel
                permission_hint)

            text += '; %s' % permission_hint(self.permissions)
        return text

    def details(self):
        details = dict(status=self.status, graph_error_code=self.code, request_id=self.request_id)
        if self.permissions:
            details['required_permissions'] = self.permissions
        return details


def untrusted_certificate(connection, url, problem, action=None):
    """The error for a server whose certificate is not trusted: which server, why, and the two options that decide it."""
    parts = urlsplit(url)
    ca_bundle = connection.params.get('ca_bundle')
    trusted = 'the CA certificates in ca_bundle=%s' % ca_bundle if ca_bundle else 'the system certificate store (ca_bundle is not set)'
    return GraphError('the TLS certificate of %s://%s could not be verified against %s (%s). Set ca_bundle to a PEM file holding the CA '
                      'that signed it (ca_bundle falls back to ENTRA_CA_BUNDLE, REQUESTS_CA_BUNDLE, then SSL_CERT_FILE); '
                      'validate_certs=false turns checking off and is only for a throwaway test endpoint' % (parts.scheme, parts.netloc, trusted, problem),
                      action=action or 'connecting to %s' % parts.netloc)
