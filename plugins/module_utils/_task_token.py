# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The token a task sends: taken from the identity-bound token cache or acquired (and cached) on first use, and checked
against the tenant and identity the task asked for before Graph sees it.

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import (
    SIGN_IN_SOURCES, CacheDirectoryError, TokenMismatch, cache_key, check_token_tenant, check_token_user, token_claims)


def open_cache_directory(directory, action):
    """Open a cache directory (its owner and mode checked) or fail as a Graph call would, naming ``action``."""
    try:
        directory.names()
    except CacheDirectoryError as exc:
        raise GraphError(str(exc), action=action) from exc


class TaskToken:
    """The bearer token of one task, acquired at most once."""

    def __init__(self, connection):
        self.connection = connection
        self.prompt = None  # shows a person the code to sign in with (device code)
        self.from_cache = False
        self.directories = []  # cache directories opened, for the client to close
        self._token = None
        self._cache = None
        self._key = None

    def value(self):
        """The token, checked against tenant_id (and the signed-in user) before its first use."""
        if self._token is None:
            cache = self._cache_store()
            if cache is not None:
                self._token = cache.get(self._cache_key, self.connection.expected_identity())
                self.from_cache = self._token is not None
            if self._token is None:
                self._token = self._new(cache)
            try:
                # Before the first request: a token for another tenant never reaches Graph (ids only, never the token).
                check_token_tenant(self._token, self.connection.tenant_id)
                if self.connection.source in SIGN_IN_SOURCES:
                    check_token_user(self._token, self.connection.params.get('username'))
            except TokenMismatch as exc:
                raise GraphError(str(exc), action='checking the token against tenant_id') from exc
        return self._token

    def claims(self):
        """The claims of the token (the one checked against tenant_id), or None if it is not a JWT."""
        return token_claims(self.value())

    def drop_cached(self):
        """A cached token Graph refused (revoked, or issued by another token service) is forgotten; True if there was one."""
        if not self.from_cache:
            return False
        self._cache.forget(self._cache_key)
        self._token = None
        self.from_cache = False
        return True

    def _cache_store(self):
        if self._cache is None:
            self._cache = self.connection.token_cache()
            if self._cache is not None:
                self.directories.append(self._cache.directory)
                open_cache_directory(self._cache.directory, 'opening the token cache')
        return self._cache

    def _new(self, cache):
        # Loaded on a token miss only (the tasks after the first find their token cached): module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._token_acquire import acquire_token  # pylint: disable=import-outside-toplevel

        access = acquire_token(self.connection, self.prompt)
        if cache is not None and getattr(access, 'expires_on', None):
            cache.put(self._cache_key, access.token, access.expires_on)
        return access.token

    @property
    def _cache_key(self):
        if self._key is None:
            self._key = cache_key(self.connection)
        return self._key
