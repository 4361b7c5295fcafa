# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The write side of the per-user cache directory (_token_cache.py): keeping and forgetting a token, recording and
forgetting an object a task created, and the file operations under them.

Internal use only: this file is not part of the collection's public API and may change without notice.

Loaded only by a task that writes to the cache (a token miss, a create or delete, a cached token Graph refused): a
converged task only reads it, and never compiles this file (module_utils ship as source and are compiled by every task).
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import token_claims, token_identity


def put_token(cache, key, token, expires_on):
    """Keep ``token`` for the credential ``key``, with whom its claims say it was issued to (a token that is not a JWT
    is not kept: it could not be checked when read back)."""
    claims = token_claims(token)
    if claims is None:
        return
    write_json(cache.directory, key + '.json', dict(token_identity(claims), token=token, expires_on=expires_on))


def forget_token(cache, key):
    _unlink(cache.directory, key + '.json')


def add_created(recent, api, path, name, object_id):
    entries = [entry for entry in recent.entries() if entry.get('id') != object_id]
    entries.append({'api': api, 'path': path, 'name': name, 'id': object_id, 'at': time.time()})
    _prune(recent)
    write_json(recent.directory, recent.name, entries)


def forget_created(recent, object_id):
    entries = recent.entries()
    kept = [entry for entry in entries if entry.get('id') != object_id]
    if len(kept) != len(entries):
        write_json(recent.directory, recent.name, kept)


def _prune(recent):
    """Remove the files of tenants with nothing created lately (one file per tenant would pile up otherwise)."""
    for name in recent.directory.names():
        if name.startswith('created-'):
            age = _age(recent.directory, name)
            if age is not None and age > recent.window:
                _unlink(recent.directory, name)


def write_json(directory, name, data):
    """Replace ``name`` in ``directory`` with ``data`` as JSON, readable by its owner only."""
    fd = directory.descriptor()
    temporary = '.tmp-%s' % os.urandom(8).hex()
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=fd)
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            json.dump(data, stream)
        os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError:
        # The cache only saves time; a read-only or full disk must not fail the task.
        _unlink(directory, temporary)


def _unlink(directory, name):
    try:
        os.unlink(name, dir_fd=directory.descriptor())
    except OSError:
        pass


def _age(directory, name):
    try:
        return time.time() - os.stat(name, dir_fd=directory.descriptor(), follow_symlinks=False).st_mtime
    except OSError:
        return None
