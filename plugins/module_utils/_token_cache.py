# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the module processes of a run share through a per-user cache directory: Graph access tokens, and the
objects recent tasks created.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a new process. Without a cache each task loads azure-identity and asks the token service
again; with it, the tasks after the first reuse the token until shortly before it expires. Entries are keyed by a
hash of everything that identifies the credential, the secret or certificate included, so a changed or wrong
secret never reuses a token. Files are readable by their owner only (like the Azure CLI's token cache).

Entra replicates a new object for a few seconds, during which a lookup by name may not find it yet. The next task
of a play often looks up what the previous one created, so the ids and names of objects created moments ago are
kept too (``RecentCreates``), for the Graph client to wait for them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

# A token closer than this to its expiry is not handed out: a long task must not run out of token midway.
MIN_REMAINING_SECONDS = 300


def default_directory(kind='tokens'):
    """Where the cache of ``kind`` (``tokens``, ``created``) lives unless an option says otherwise."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'jitaccess.entra', kind)


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


def _write_private(directory, path, data):
    """Replace ``path`` with ``data`` as JSON, readable by its owner only."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix='.tmp-')
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            json.dump(data, stream)
        os.replace(temporary, path)
    except OSError:
        # The cache only saves time; a read-only or full disk must not fail the task.
        return


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
        _write_private(self.directory, self._path(key), {'token': token, 'expires_on': expires_on})

    def forget(self, key):
        try:
            os.unlink(self._path(key))
        except OSError:
            pass


class RecentCreates:
    """Objects created in one tenant within the last ``window`` seconds, by this or an earlier module process.

    An entry is the collection's API version and path, the object's name and id, and when it was created: nothing
    secret. A process that loses the race to update the file loses only a hint.
    """

    def __init__(self, directory, key, window):
        self.directory = directory
        self.path = os.path.join(directory, 'created-%s.json' % key)
        self.window = window

    def entries(self):
        try:
            with open(self.path, encoding='utf-8') as handle:
                entries = json.load(handle)
        except (OSError, ValueError):
            return []
        if not isinstance(entries, list):
            return []
        now = time.time()
        return [entry for entry in entries if isinstance(entry, dict) and isinstance(entry.get('at'), (int, float))
                and isinstance(entry.get('id'), str) and 0 <= now - entry['at'] < self.window]

    def add(self, api, path, name, object_id):
        entries = [entry for entry in self.entries() if entry.get('id') != object_id]
        entries.append({'api': api, 'path': path, 'name': name, 'id': object_id, 'at': time.time()})
        self._prune()
        _write_private(self.directory, self.path, entries)

    def forget(self, object_id):
        entries = self.entries()
        kept = [entry for entry in entries if entry.get('id') != object_id]
        if len(kept) != len(entries):
            _write_private(self.directory, self.path, kept)

    def _prune(self):
        """Remove the files of tenants with nothing created lately (one file per tenant would pile up otherwise)."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            path = os.path.join(self.directory, name)
            try:
                if name.startswith('created-') and time.time() - os.path.getmtime(path) > self.window:
                    os.unlink(path)
            except OSError:
                pass


def tenant_key(connection):
    """Hash naming a tenant's entries: the same tenant through the same Graph endpoint, whatever the credential."""
    return hashlib.sha256('\0'.join([connection.graph_endpoint, (connection.tenant_id or '').lower()]).encode('utf-8')).hexdigest()[:32]
