# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the module processes of a run share through a per-user cache directory: Graph access tokens, and the
objects recent tasks created.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a new process. Without a cache each task loads azure-identity and asks the token service
again; with it, the tasks after the first reuse the token until shortly before it expires. Entries are keyed by a
hash of everything that identifies the credential, the secret or certificate included, so a changed or wrong
secret never reuses a token. Each entry also records whom the token was issued to (tenant, object and app id, user
name) and is used only when the token itself says the same and that is what the task asked for. Tokens of sources
whose identity the task cannot name (the Azure CLI's signed-in account, a system-assigned managed identity) are
never cached: the account behind them can change between two tasks.

The directory must be the user's own, not a symbolic link and not writable by others; it is opened once and every
file is reached through that open directory, so it cannot be swapped while in use. Files are readable by their
owner only (like the Azure CLI's token cache). An entry of the wrong shape is ignored and rewritten.

Entra replicates a new object for a few seconds, during which a lookup by name may not find it yet. The next task
of a play often looks up what the previous one created, so the ids and names of objects created moments ago are
kept too (``RecentCreates``), for the Graph client to wait for them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

# A token closer than this to its expiry is not handed out: a long task must not run out of token midway.
MIN_REMAINING_SECONDS = 300
# Sources whose token is for an identity the task names (tenant_id and client_id), so a cached one can be checked.
NAMED_SOURCES = ('client_secret', 'certificate', 'workload_identity')
# Sources where a person signs in: the token is delegated and names the user (username), who is part of its identity.
SIGN_IN_SOURCES = ('device_code', 'interactive_browser')
# What a cache entry records of its token, from the token's own claims.
IDENTITY_CLAIMS = ('tid', 'oid', 'appid', 'upn')


class CacheDirectoryError(Exception):
    """The cache directory is not safe to use: another user's, a symbolic link, or writable by others."""


class TokenMismatch(Exception):
    """A token is for another tenant than tenant_id, or its tenant cannot be read."""


def default_directory(kind='tokens'):
    """Where the cache of ``kind`` (``tokens``, ``created``) lives unless an option says otherwise."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'jitaccess.entra', kind)


def cache_key(connection):
    """Hash of what identifies a credential; secrets enter only through the hash."""
    params = connection.params
    material = [connection.source, connection.authority_host, connection.scope, (params.get('tenant_id') or '').lower(),
                (params.get('client_id') or '').lower(), params.get('client_secret') or '', (params.get('username') or '').lower()]
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


def token_claims(token):
    """The claims of a JWT access token (not verified: Graph does that), or None when it is not one."""
    try:
        payload = token.split('.')[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
    except (AttributeError, IndexError, ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def token_identity(claims):
    """Whom a token was issued to: tenant, object id, app id (v1 ``appid`` or v2 ``azp``) and user name."""
    identity = {name: claims.get(name) for name in IDENTITY_CLAIMS}
    identity['appid'] = claims.get('appid') or claims.get('azp')
    identity['upn'] = claims.get('upn') or claims.get('preferred_username')
    return {name: str(value).lower() if value else None for name, value in identity.items()}


def check_token_tenant(token, tenant_id):
    """Refuse a token for another tenant than ``tenant_id`` (ids only in the message, never the token)."""
    if not tenant_id:
        return
    claims = token_claims(token)
    tid = claims.get('tid') if claims else None
    if not isinstance(tid, str) or not tid:
        raise TokenMismatch('tenant_id=%s is set, but the token does not say which tenant it was issued for (no tid claim); '
                            'refusing to send it to Graph' % tenant_id)
    if tid.lower() != tenant_id.lower():
        raise TokenMismatch('tenant_id=%s, but the token was issued for tenant %s; refusing to send any request. Use a '
                            'token of tenant %s, or set tenant_id to the tenant you mean' % (tenant_id, tid, tenant_id))


def check_token_user(token, username):
    """Refuse a delegated token of another person than ``username`` (who signed in is the person's choice, not ours)."""
    if not username:
        return
    identity = token_identity(token_claims(token) or {})
    if identity['upn'] != username.lower():
        raise TokenMismatch('username=%s, but %s signed in; refusing to act for another person. Sign in again as %s'
                            % (username, identity['upn'] or 'an unnamed account', username))


class CacheDirectory:
    """A directory of the user's own, opened once without following symbolic links; files are reached through it."""

    def __init__(self, path, option):
        self.path = path
        self.option = option
        self._fd = None

    def descriptor(self):
        """The directory's file descriptor; opened (owner and mode checked) on first use."""
        if self._fd is not None:
            return self._fd
        try:
            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            os.mkdir(self.path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise CacheDirectoryError('%s=%s cannot be created: %s' % (self.option, self.path, exc.strerror)) from exc
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            if os.path.islink(self.path):
                raise CacheDirectoryError('%s=%s is a symbolic link; refusing to follow it (the collection keeps tokens only in a '
                                          'directory of your own); point %s at the directory itself' % (self.option, self.path, self.option)) from exc
            raise CacheDirectoryError('%s=%s cannot be opened as a directory: %s' % (self.option, self.path, exc.strerror)) from exc
        info = os.fstat(fd)
        problem = None
        if info.st_uid != os.geteuid():
            problem = 'belongs to uid %d, not to the user running the task (uid %d)' % (info.st_uid, os.geteuid())
        elif info.st_mode & 0o022:
            problem = 'is writable by other users (mode %04o)' % (info.st_mode & 0o7777)
        if problem:
            os.close(fd)
            raise CacheDirectoryError('%s=%s %s; refusing to read or write tokens there, since anyone who can write to it can '
                                      'plant a token for another tenant. Use a directory of your own with mode 0700 (e.g. chmod 700 it)%s'
                                      % (self.option, self.path, problem, ', or set token_cache=false' if self.option == 'token_cache_dir' else ''))
        self._fd = fd
        return fd

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read_json(self, name):
        """The JSON in ``name``, or None when it is missing, not ours, not private or not JSON."""
        fd = self.descriptor()
        try:
            handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
        except OSError:
            return None
        with os.fdopen(handle, 'rb') as stream:
            info = os.fstat(stream.fileno())
            if info.st_uid != os.geteuid() or info.st_mode & 0o077:
                return None
            try:
                return json.loads(stream.read())
            except ValueError:
                return None

    def names(self):
        try:
            return os.listdir(self.descriptor())
        except OSError:
            return []


class TokenCache:
    """One token per credential key in a private directory, each bound to the identity it was issued to."""

    def __init__(self, directory, option='token_cache_dir'):
        self.directory = CacheDirectory(directory, option)

    def get(self, key, expected):
        """The cached token for ``key`` if it is still valid and issued to ``expected`` (tid, appid: what the task named)."""
        entry = self.directory.read_json(key + '.json')
        if not isinstance(entry, dict) or not isinstance(entry.get('token'), str) or \
                not isinstance(entry.get('expires_on'), (int, float)) or entry['expires_on'] - time.time() < MIN_REMAINING_SECONDS:
            return None
        claims = token_claims(entry['token'])
        if claims is None:
            return None
        identity = token_identity(claims)
        if any(entry.get(name) != identity[name] for name in IDENTITY_CLAIMS):
            return None
        if any(value and identity.get(name) != value.lower() for name, value in expected.items()):
            return None
        return entry['token']

    def put(self, key, token, expires_on):
        # Loaded only by a task that writes to the cache: module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache_write import put_token  # pylint: disable=import-outside-toplevel

        put_token(self, key, token, expires_on)

    def forget(self, key):
        # Loaded only by a task that writes to the cache: module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache_write import forget_token  # pylint: disable=import-outside-toplevel

        forget_token(self, key)


class RecentCreates:
    """Objects created in one tenant within the last ``window`` seconds, by this or an earlier module process.

    An entry is the collection's API version and path, the object's name and id, and when it was created: nothing
    secret. A process that loses the race to update the file loses only a hint.
    """

    def __init__(self, directory, key, window, option='token_cache_dir'):
        self.directory = CacheDirectory(directory, option)
        self.name = 'created-%s.json' % key
        self.window = window

    def entries(self):
        entries = self.directory.read_json(self.name)
        if not isinstance(entries, list):
            return []
        now = time.time()
        return [entry for entry in entries if isinstance(entry, dict) and isinstance(entry.get('at'), (int, float))
                and isinstance(entry.get('id'), str) and isinstance(entry.get('api'), str) and isinstance(entry.get('path'), str)
                and 0 <= now - entry['at'] < self.window]

    def add(self, api, path, name, object_id):
        # Loaded only by a task that writes to the cache: module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache_write import add_created  # pylint: disable=import-outside-toplevel

        add_created(self, api, path, name, object_id)

    def forget(self, object_id):
        # Loaded only by a task that writes to the cache: module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache_write import forget_created  # pylint: disable=import-outside-toplevel

        forget_created(self, object_id)


def tenant_key(connection):
    """Hash naming a tenant's entries: the same tenant through the same Graph endpoint, whatever the credential."""
    return hashlib.sha256('\0'.join([connection.graph_endpoint, (connection.tenant_id or '').lower()]).encode('utf-8')).hexdigest()[:32]
