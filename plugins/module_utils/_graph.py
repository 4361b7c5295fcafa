# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one Microsoft Graph client: token, retries, paging, errors and read-your-writes.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a fresh process, so the client exchanges plain JSON instead of deserialising into the SDK's
typed models (seconds per task; see the design notes), over one keep-alive HTTPS connection per task (_https.py).
The token is acquired once per process, kept in the token cache across processes, and checked against the tenant
and identity the task asked for before it is sent (_task_token.py, _token_cache.py). What follows a failed attempt
(retries, recovery of a lost write, waiting out replication, Graph's error) is in _graph_retry.py, loaded at the first.
"""

from __future__ import annotations

import json
import os
import re
import time

from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError, untrusted_certificate
from ansible_collections.jitaccess.entra.plugins.module_utils._https import LostResponse, Transport, TransportFailure
from ansible_collections.jitaccess.entra.plugins.module_utils._task_token import TaskToken, open_cache_directory
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import RecentCreates, tenant_key, token_identity

# Sent with every request, as Microsoft's SDKs send theirs (Graph support asks for it with the request-id).
SDK_VERSION = 'jitaccess.entra'
# How Graph says an object it was given does not exist (directory: "Resource '<id>' does not exist or ..."); read by _graph_retry.py.
MISSING = re.compile(r'does not exist|not found', re.IGNORECASE)
# How long a listing waits for an object created moments ago by an earlier task (Entra replicates within seconds).
RECENT_WINDOW = 15.0
# A $filter the client can check itself: one property equal to a string literal.
NAME_FILTER = re.compile(r"^\s*\w+\s+eq\s+'((?:[^']|'')*)'\s*$")


class GraphClient:
    """Sends Graph requests for one module run; use as a context manager."""

    def __init__(self, connection, sleep=time.sleep):
        self.connection = connection
        self.sleep = sleep
        self._http = None
        self.token = TaskToken(connection)
        self._closing = []
        self._recent_ids = set()
        self._recent_creates = None
        self.retry_events = []
        self.requests_sent = 0

    def __enter__(self):
        import ssl  # pylint: disable=import-outside-toplevel

        try:
            self._http = Transport(self.connection.verify, self.connection.params['request_timeout'])
        except (OSError, ssl.SSLError) as exc:
            raise GraphError('ca_bundle=%s cannot be read as a PEM file of CA certificates: %s' % (self.connection.verify, exc),
                             action='setting up TLS') from exc
        return self

    def __exit__(self, *exc):
        if self._http is not None:
            self._http.close()
            self._http = None
        for directory in self._closing + self.token.directories:
            directory.close()
        self._closing = []
        self.token.directories = []

    # ---- public calls ------------------------------------------------------------------------------------

    def token_claims(self):
        """The claims of the token this client sends (the one checked against tenant_id), or None if not a JWT."""
        return self.token.claims()

    def get(self, path, api='v1.0', params=None, action=None, missing_ok=False):
        """GET one object; with ``missing_ok`` a 404 (Graph has no such object) is None."""
        try:
            return self.request('GET', path, api=api, params=params, action=action)
        except GraphError as exc:
            if not (missing_ok and exc.status == 404):
                raise
            return None

    def list(self, path, api='v1.0', params=None, action=None):
        """All items of a collection, following @odata.nextLink to the end.

        An object created in the collection moments ago, by this task or an earlier one, that the listing should show
        but does not yet is waited for while Entra replicates it (see ``RecentCreates``)."""
        attempt = 0
        while True:
            page = self.request('GET', path, api=api, params=params, action=action)
            items = list(page.get('value', []))
            while page.get('@odata.nextLink'):
                page = self.request('GET', page['@odata.nextLink'], api=api, action=action)
                items.extend(page.get('value', []))
            if not self._unlisted(path, api, params, items):
                return items
            # Loaded only when a listing waits: module_utils are compiled every task.
            from ansible_collections.jitaccess.entra.plugins.module_utils._graph_retry import backoff  # pylint: disable=import-outside-toplevel

            attempt += 1
            self.pause('replication', min(backoff(attempt), 2.0))

    def create(self, path, body, api='v1.0', action=None, recover=None):
        """POST a new object. If the response is lost, ``recover()`` looks for the object before any resend."""
        result = self.request('POST', path, api=api, body=body, action=action, recover=recover)
        if isinstance(result, dict) and result.get('id'):
            self.remember(result['id'])
            name = result.get('displayName') or result.get('name') or body.get('displayName') or body.get('name')
            if name and self.recent_creates is not None:
                self.recent_creates.add(api, path, name, result['id'])
        return result

    def post(self, path, body=None, api='v1.0', action=None, recover=None):
        return self.request('POST', path, api=api, body=body, action=action, recover=recover)

    def patch(self, path, body, api='v1.0', action=None):
        return self.request('PATCH', path, api=api, body=body, action=action)

    def put(self, path, body, api='v1.0', action=None):
        return self.request('PUT', path, api=api, body=body, action=action)

    def delete(self, path, api='v1.0', action=None, missing_ok=True):
        """DELETE; a 404 counts as done when ``missing_ok`` (a resent delete after a lost response lands there)."""
        try:
            result = self.request('DELETE', path, api=api, action=action)
        except GraphError as exc:
            if not (missing_ok and exc.status == 404):
                raise
            result = None
        if self.recent_creates is not None:
            self.recent_creates.forget(path.rstrip('/').rsplit('/', 1)[-1])
        return result

    def remember(self, object_id):
        """Mark an id as just created or resolved: a 404 on it is replication lag and is waited out."""
        self._recent_ids.add(object_id)

    @property
    def recent_creates(self):
        """Objects the module runs of this user created in the tenant moments ago; None without a tenant id."""
        if self._recent_creates is None and self.connection.tenant_id:
            window = min(self.connection.params.get('consistency_timeout', RECENT_WINDOW), RECENT_WINDOW)
            recent = RecentCreates(self.connection.cache_directory('created'), tenant_key(self.connection), window)
            self._closing.append(recent.directory)
            open_cache_directory(recent.directory, 'opening the directory of recently created objects')
            self._recent_creates = recent
        return self._recent_creates

    # ---- transport ---------------------------------------------------------------------------------------

    def url(self, path, api):
        if path.startswith('https://') or path.startswith('http://'):
            if not path.startswith(self.connection.graph_endpoint + '/'):
                raise GraphError('refusing to follow a link outside graph_endpoint: %s' % path)
            return path
        return '%s/%s%s' % (self.connection.graph_endpoint, api, path)

    def request(self, method, path, api='v1.0', params=None, body=None, action=None, recover=None):
        """Send one logical request; returns parsed JSON (dict) or None for an empty answer."""
        url = self.url(path, api)
        started = time.monotonic()
        retries = None
        while True:
            try:
                response = self._exchange(method, url, params, body)
            except LostResponse as exc:
                failure = exc
            else:
                if response.status_code < 400:
                    return response.json() if response.status_code != 204 and response.content else None
                failure = response
            if retries is None:
                # Loaded at the first failed attempt only: module_utils are compiled every task.
                from ansible_collections.jitaccess.entra.plugins.module_utils._graph_retry import Retries  # pylint: disable=import-outside-toplevel

                retries = Retries(self, method, url, action or '%s %s' % (method, path.split('?')[0]), recover, started)
            found = retries.after(failure)
            if found is not None:
                return found

    def pause(self, reason, delay):
        """Wait ``delay`` seconds before trying again; ``reason`` counts it in the retry summary."""
        self.retry_events.append((reason, delay))
        self.sleep(delay)

    def _exchange(self, method, url, params, body):
        """One HTTP exchange over the task's connection; no answer at all is a ``LostResponse``."""
        headers = {'Authorization': 'Bearer ' + self.token.value(), 'Accept': 'application/json',
                   'client-request-id': request_id(), 'SdkVersion': SDK_VERSION}
        content = None
        if body is not None:
            headers['Content-Type'] = 'application/json'
            content = json.dumps(body)
        self.requests_sent += 1
        try:
            return self._http.send(method, url, params, headers, content)
        except TransportFailure as exc:
            if exc.kind == 'certificate':
                # Not a passing outage: retrying would only delay the same answer.
                raise untrusted_certificate(self.connection, url, exc.problem) from exc
            # Nothing reached Graph after a failed connect: safe to send again whatever the method.
            raise LostResponse(exc.message, maybe_committed=exc.kind == 'lost') from exc

    def sign_in(self, prompt):
        """Get this task's token now (a person signs in; ``prompt`` shows them the code) and keep it in the token cache
        for the tasks that follow. Returns whom the token names."""
        self.token.prompt = prompt
        return token_identity(self.token_claims() or {})

    def recent_ids(self):
        """Ids of objects just created or resolved, by this task or (in this tenant) an earlier one."""
        ids = set(self._recent_ids)
        if self.recent_creates is not None:
            ids.update(entry.get('id') for entry in self.recent_creates.entries() if entry.get('id'))
        return ids

    def _unlisted(self, path, api, params, items):
        """Objects created moments ago in this collection that a listing of it (whole, or by a name) should show but does not."""
        if self.recent_creates is None or '?' in path:
            return []
        wanted = (params or {}).get('$filter')
        if wanted is not None:
            literal = NAME_FILTER.match(wanted)
            if not literal:
                return []
            wanted = literal.group(1).replace("''", "'").casefold()
        listed = {item.get('id') for item in items}
        return [entry for entry in self.recent_creates.entries()
                if entry.get('api') == api and entry.get('path') == path and entry.get('id') not in listed
                and (wanted is None or str(entry.get('name') or '').casefold() == wanted)]

    def retry_summary(self):
        """One line for a warning, or None when nothing was retried."""
        if not self.retry_events:
            return None
        # Loaded only when something was retried: module_utils are compiled every task.
        from ansible_collections.jitaccess.entra.plugins.module_utils._graph_retry import retry_summary  # pylint: disable=import-outside-toplevel

        return retry_summary(self.retry_events)


def request_id():
    """A random (version 4) UUID for the client-request-id header, formatted here: importing the uuid module costs
    every task more CPU than the one call it would serve."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # variant: RFC 4122
    text = raw.hex()
    return '-'.join((text[:8], text[8:12], text[12:16], text[16:20], text[20:]))


def odata_quote(value):
    """Quote a string for an OData $filter literal."""
    return "'%s'" % value.replace("'", "''")
