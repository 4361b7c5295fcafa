# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the Graph client does when Graph refuses a request or the connection drops: wait and send it again, look for a
write that may have happened before resending it, wait out replication lag, or give up with Graph's error.

Internal use only: this file is not part of the collection's public API and may change without notice.

The client loads this file at the first failed attempt of a task: a converged task, all of whose requests succeed,
never compiles it (module_utils ship as source and are compiled by every task).
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlsplit

from ansible_collections.jitaccess.entra.plugins.module_utils._graph import MISSING
from ansible_collections.jitaccess.entra.plugins.module_utils._graph_error import GraphError
from ansible_collections.jitaccess.entra.plugins.module_utils._https import LostResponse

RETRY_STATUSES = (429, 503, 504)
MAX_ATTEMPTS = 10
# Requests safe to repeat after the connection dropped: the same call twice leaves the same state.
IDEMPOTENT_METHODS = ('GET', 'PUT', 'PATCH', 'DELETE')


class Retries:
    """The failed attempts of one logical request, and what follows each."""

    def __init__(self, client, method, url, action, recover, started):
        self.client = client
        self.method = method
        self.url = url
        self.action = action
        self.recover = recover
        self.started = started
        self.attempt = 0
        self.waited = 0.0

    def after(self, failure):
        """After a failed attempt (a ``LostResponse``, or an answer of 400 or more): the result of the request when a
        write whose answer was lost turns out to have happened, None to send the request again. Raises ``GraphError``
        when it is time to give up."""
        self.attempt += 1
        if isinstance(failure, LostResponse):
            return self._after_lost(failure)
        return self._after_refusal(failure)

    def _after_lost(self, exc):
        params = self.client.connection.params
        if exc.maybe_committed and self.method not in IDEMPOTENT_METHODS:
            if self.recover is None:
                raise GraphError('the connection broke before Graph answered (%s); the write may or may not have '
                                 'happened' % exc, action=self.action) from exc
            found = self._look_for_lost_write()
            if found is not None:
                return found
        delay = backoff(self.attempt)
        if self.attempt >= MAX_ATTEMPTS or self.waited + delay > params['max_retry_wait']:
            raise GraphError('the connection kept breaking (%s); gave up after %d attempts' % (exc, self.attempt), action=self.action)
        self._wait('connection', delay)
        return None

    def _after_refusal(self, response):
        client, params, status = self.client, self.client.connection.params, response.status_code
        if status in (503, 504) and self.method not in IDEMPOTENT_METHODS and self.recover is not None:
            # A gateway may answer 503 / 504 after the service acted: look once before sending the write again.
            found = self.recover()
            if found is not None:
                if isinstance(found, dict) and found.get('id'):
                    client.remember(found['id'])
                return found
        if status in RETRY_STATUSES:
            delay = _retry_after(response, self.attempt)
            if self.attempt >= MAX_ATTEMPTS or self.waited + delay > params['max_retry_wait']:
                error = graph_error(response, self.action)
                error.message = '%s; gave up after %d attempts and %.0f s of waiting (max_retry_wait=%s)' % (
                    error.message, self.attempt, self.waited, params['max_retry_wait'])
                raise error
            self._wait(status, delay)
            return None
        if self._not_replicated(response) and time.monotonic() - self.started < params['consistency_timeout']:
            client.pause('replication', min(backoff(self.attempt), 5.0))
            return None
        if status == 401 and client.token.drop_cached():
            return None
        error = graph_error(response, self.action)
        if status == 403:
            from ansible_collections.jitaccess.entra.plugins.module_utils._permissions import (  # pylint: disable=import-outside-toplevel
                required_permissions)

            error.permissions = required_permissions(self.method, _graph_path(client.connection.graph_endpoint, self.url))
        raise error

    def _wait(self, reason, delay):
        self.client.pause(reason, delay)
        self.waited += delay

    def _look_for_lost_write(self):
        """Look for the result of a lost write, waiting out replication lag before concluding it never happened."""
        while True:
            found = self.recover()
            if found is not None:
                if isinstance(found, dict) and found.get('id'):
                    self.client.remember(found['id'])
                return found
            if time.monotonic() - self.started >= min(self.client.connection.params['consistency_timeout'], 15.0):
                return None
            self.client.sleep(1.0)

    def _not_replicated(self, response):
        """Whether an answer is replication lag: a 404 on an object just created or resolved, or a 400 / 404 saying that
        such an object, referred to in the request body, does not exist (not every Graph replica has seen it yet)."""
        if response.status_code not in (400, 404):
            return False
        recent = self.client.recent_ids()
        if response.status_code == 404 and any(object_id in self.url for object_id in recent):
            return True
        message = str(_error_body(response).get('message') or '')
        return bool(MISSING.search(message)) and any(object_id in message for object_id in recent)


def backoff(attempt):
    """Seconds to wait before attempt ``attempt + 1``: exponential, at most 30, with jitter."""
    return min(2 ** (attempt - 1), 30) * (0.5 + random.random() / 2)  # nosec B311 - jitter, not security


def _retry_after(response, attempt):
    value = response.headers.get('Retry-After')
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
    return backoff(attempt)


def graph_error(response, action):
    """The ``GraphError`` for an error answer: Graph's message and code, and the request-id to quote to support."""
    request_id = response.headers.get('request-id')
    error = _error_body(response)
    message = error.get('message') or response.reason_phrase or 'HTTP %s' % response.status_code
    request_id = request_id or (error.get('innerError') or {}).get('request-id')
    return GraphError(message, status=response.status_code, code=error.get('code'), request_id=request_id, action=action)


def _error_body(response):
    """The ``error`` object of a Graph error answer ({} when the body is not one)."""
    try:
        error = response.json().get('error')
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _graph_path(graph_endpoint, url):
    """The path of a Graph URL below the version (``/groups/{id}``)."""
    base = urlsplit(graph_endpoint).path.rstrip('/')
    path = urlsplit(url).path[len(base):]
    return '/' + path.lstrip('/').partition('/')[2]


def retry_summary(retry_events):
    """One line for a warning about the retries of a task (``retry_events`` is not empty)."""
    counts = {}
    for reason, dummy in retry_events:
        counts[reason] = counts.get(reason, 0) + 1
    waited = sum(delay for dummy, delay in retry_events)
    reasons = ', '.join('%s x%d' % (_reason_name(reason), n) for reason, n in sorted(counts.items(), key=str))
    return 'Graph calls were retried %d times (%s), waiting %.1f s in total' % (len(retry_events), reasons, waited)


def _reason_name(reason):
    return {429: 'throttled (429)', 503: 'unavailable (503)', 504: 'gateway timeout (504)',
            'replication': 'not yet replicated', 'connection': 'connection lost'}.get(reason, str(reason))
