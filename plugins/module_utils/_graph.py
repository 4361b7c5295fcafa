# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one Microsoft Graph client: token, retries, paging, errors and read-your-writes.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a fresh process, so the client exchanges plain JSON instead of deserialising into the SDK's
typed models (seconds per task; see the design notes), over one keep-alive HTTPS connection per task (_https.py).
The token is acquired once per process, kept in the token cache across processes, and checked against the tenant
and identity the task asked for before it is sent (_task_token.py, _token_cache.py).
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from urllib.parse import urlsplit

from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError, untrusted_certificate
from ansible_collections.jitaccess.entra.plugins.module_utils._https import LostResponse, Transport, TransportFailure
from ansible_collections.jitaccess.entra.plugins.module_utils._task_token import TaskToken, open_cache_directory
from ansible_collections.jitaccess.entra.plugins.module_utils._token_cache import RecentCreates, tenant_key, token_identity

RETRY_STATUSES = (429, 503, 504)
# Sent with every request, as Microsoft's SDKs send theirs (Graph support asks for it with the request-id).
SDK_VERSION = 'jitaccess.entra'

MAX_ATTEMPTS = 10
# Requests safe to repeat after the connection dropped: the same call twice leaves the same state.
IDEMPOTENT_METHODS = ('GET', 'PUT', 'PATCH', 'DELETE')
# How Graph says an object it was given does not exist (directory: "Resource '<id>' does not exist or ...").
MISSING = re.compile(r'does not exist|not found', re.IGNORECASE)
# How long a listing waits for an object created moments ago by an earlier task (Entra replicates within seconds).
RECENT_WINDOW = 15.0
# A $filter the client can check itself: one property equal to a string literal.
NAME_FILTER = re.compile(r"^\s*\w+\s+eq\s+'((?:[^']|'')*)'\s*$")


class GraphClient:
    """Sends Graph requests for one module run; use as a context manager."""

    def __init__(self, connection, sleep=time.sleep):
        self.connection = connection
        self._sleep = sleep
        self._http = None
        self._token = TaskToken(connection)
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
        for directory in self._closing + self._token.directories:
            directory.close()
        self._closing = []
        self._token.directories = []

    # ---- public calls ------------------------------------------------------------------------------------

    def token_claims(self):
        """The claims of the token this client sends (the one checked against tenant_id), or None if not a JWT."""
        return self._token.claims()

    def get(self, path, api='v1.0', params=None, action=None):
        return self.request('GET', path, api=api, params=params, action=action)

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
            attempt += 1
            delay = min(self._backoff(attempt), 2.0)
            self.retry_events.append(('replication', delay))
            self._sleep(delay)

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
        what = action or '%s %s' % (method, path.split('?')[0])
        started = time.monotonic()
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._exchange(method, url, params, body)
            except LostResponse as exc:
                if exc.maybe_committed and method not in IDEMPOTENT_METHODS:
                    if recover is None:
                        raise GraphError('the connection broke before Graph answered (%s); the write may or may not have '
                                         'happened' % exc, action=what) from exc
                    found = self._recover(recover, started)
                    if found is not None:
                        return found
                delay = self._backoff(attempt)
                if attempt >= MAX_ATTEMPTS or waited + delay > self.connection.params['max_retry_wait']:
                    raise GraphError('the connection kept breaking (%s); gave up after %d attempts' % (exc, attempt), action=what)
                self.retry_events.append(('connection', delay))
                self._sleep(delay)
                waited += delay
                continue
            status = response.status_code
            if status in (503, 504) and method not in IDEMPOTENT_METHODS and recover is not None:
                # A gateway may answer 503 / 504 after the service acted: look once before sending the write again.
                found = recover()
                if found is not None:
                    if isinstance(found, dict) and found.get('id'):
                        self.remember(found['id'])
                    return found
            if status in RETRY_STATUSES:
                delay = self._retry_after(response, attempt)
                if attempt >= MAX_ATTEMPTS or waited + delay > self.connection.params['max_retry_wait']:
                    error = self._error(response, what)
                    error.message = '%s; gave up after %d attempts and %.0f s of waiting (max_retry_wait=%s)' % (
                        error.message, attempt, waited, self.connection.params['max_retry_wait'])
                    raise error
                self.retry_events.append((status, delay))
                self._sleep(delay)
                waited += delay
                continue
            if self._not_replicated(response, url) and time.monotonic() - started < self.connection.params['consistency_timeout']:
                delay = min(self._backoff(attempt), 5.0)
                self.retry_events.append(('replication', delay))
                self._sleep(delay)
                continue
            if status == 401 and self._token.drop_cached():
                continue
            if status >= 400:
                error = self._error(response, what)
                if status == 403:
                    from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import (  # pylint: disable=import-outside-toplevel
                        required_permissions)

                    error.permissions = required_permissions(method, self._graph_path(url))
                raise error
            if status == 204 or not response.content:
                return None
            return response.json()

    def _exchange(self, method, url, params, body):
        """One HTTP exchange over the task's connection; no answer at all is a ``LostResponse``."""
        headers = {'Authorization': 'Bearer ' + self._token.value(), 'Accept': 'application/json',
                   'client-request-id': str(uuid.uuid4()), 'SdkVersion': SDK_VERSION}
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
        self._token.prompt = prompt
        return token_identity(self.token_claims() or {})

    def _recover(self, recover, started):
        """Look for the result of a lost write, waiting out replication lag before concluding it never happened."""
        while True:
            found = recover()
            if found is not None:
                if isinstance(found, dict) and found.get('id'):
                    self.remember(found['id'])
                return found
            if time.monotonic() - started >= min(self.connection.params['consistency_timeout'], 15.0):
                return None
            self._sleep(1.0)

    def _graph_path(self, url):
        """The path of a Graph URL below the version (``/groups/{id}``)."""
        base = urlsplit(self.connection.graph_endpoint).path.rstrip('/')
        path = urlsplit(url).path[len(base):]
        return '/' + path.lstrip('/').partition('/')[2]

    def _recent(self):
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

    def _not_replicated(self, response, url):
        """Whether an answer is replication lag: a 404 on an object just created or resolved, or a 400 / 404 saying that
        such an object, referred to in the request body, does not exist (not every Graph replica has seen it yet)."""
        if response.status_code not in (400, 404):
            return False
        recent = self._recent()
        if response.status_code == 404 and any(object_id in url for object_id in recent):
            return True
        message = _error_message(response)
        return bool(MISSING.search(message)) and any(object_id in message for object_id in recent)

    @staticmethod
    def _backoff(attempt):
        return min(2 ** (attempt - 1), 30) * (0.5 + random.random() / 2)  # nosec B311 - jitter, not security

    def _retry_after(self, response, attempt):
        value = response.headers.get('Retry-After')
        if value:
            try:
                return max(float(value), 0.0)
            except ValueError:
                pass
        return self._backoff(attempt)

    @staticmethod
    def _error(response, action):
        request_id = response.headers.get('request-id')
        error = _error_body(response)
        message = error.get('message') or response.reason_phrase or 'HTTP %s' % response.status_code
        request_id = request_id or (error.get('innerError') or {}).get('request-id')
        return GraphError(message, status=response.status_code, code=error.get('code'), request_id=request_id, action=action)

    def retry_summary(self):
        """One line for a warning, or None when nothing was retried."""
        if not self.retry_events:
            return None
        counts = {}
        for reason, dummy in self.retry_events:
            counts[reason] = counts.get(reason, 0) + 1
        waited = sum(delay for dummy, delay in self.retry_events)
        reasons = ', '.join('%s x%d' % (_reason_name(reason), n) for reason, n in sorted(counts.items(), key=str))
        return 'Graph calls were retried %d times (%s), waiting %.1f s in total' % (len(self.retry_events), reasons, waited)


def _error_body(response):
    """The ``error`` object of a Graph error answer ({} when the body is not one)."""
    try:
        error = response.json().get('error')
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _error_message(response):
    return str(_error_body(response).get('message') or '')


def _reason_name(reason):
    return {429: 'throttled (429)', 503: 'unavailable (503)', 504: 'gateway timeout (504)',
            'replication': 'not yet replicated', 'connection': 'connection lost'}.get(reason, str(reason))


def odata_quote(value):
    """Quote a string for an OData $filter literal."""
    return "'%s'" % value.replace("'", "''")
