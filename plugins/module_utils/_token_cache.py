# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A per-user cache of Graph access tokens shared by the module processes of a run.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a new process. Without a cache each task loads azure-identity and asks the token service
again; with it, the tasks after the first reuse the token until shortly before it expires. Entries are keyed by a
hash of everything that identifies the credential, the secret or certificate included, so a changed or wrong
secret never reuses a token. Files are readable by their owner only (like the Azure CLI's token cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

# A token closer than this to its expiry is not handed out: a long task must not run out of token midway.
MIN_REMAINING_SECONDS = 300


def default_directory():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'jitaccess.entra', 'tokens')


def cache_key(connection):
    """Hash of what identifies a credential; secrets enter only through the hash."""
    params = connection.params
    material = [connection.source, connection.authority_host, connection.scope, params.get('tenant_id') or '',
                params.get('client_id') or '', params.get('client_secret') or '']
    for path_option in ('client_certificate_path', 'federated_token_file'):
        path = params.get(path_option)
        if path:
            material.append(_file_digest(path))
    material.append(params.get('client_certificate_password') or '')
    return hashlib.sha256('\0'.join(material).encode('utf-8')).hexdigest()


def _file_digest(path):
    try:
        with open(path, 'rb') as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return 'unreadable:' + path


class TokenCache:
    """Reads and writes one token per credential key in a private directory."""

    def __init__(self, directory):
        self.directory = directory

    def _path(self, key):
        return os.path.join(self.directory, key + '.json')

    def get(self, key):
        try:
            with open(self._path(key), encoding='utf-8') as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get('expires_on', 0) - time.time() < MIN_REMAINING_SECONDS:
            return None
        return entry.get('token')

    def put(self, key, token, expires_on):
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix='.tmp-')
            with os.fdopen(handle, 'w', encoding='utf-8') as stream:
                json.dump({'token': token, 'expires_on': expires_on}, stream)
            os.replace(temporary, self._path(key))
        except OSError:
            # The cache only saves time; a read-only or full disk must not fail the task.
            return

    def forget(self, key):
        try:
            os.unlink(self._path(key))
        except OSError:
            pass
