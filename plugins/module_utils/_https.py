# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTPS transport under the Graph client: one keep-alive connection per task, each exchange bounded in time.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a fresh process, so the transport is the standard library's ``http.client`` and ``ssl``: one
keep-alive HTTPS connection carries every request of the task, and nothing outlives the task. Measured against
msgraph-core's httpx client factory, this costs a converged task less (no httpx, anyio or kiota imports; see the
README's figures). Proxies come from the environment; a certificate that is not trusted is told apart from an outage.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode, urlsplit


class LostResponse(Exception):
    """The connection broke; ``maybe_committed`` when the request may have reached Graph before it did."""

    def __init__(self, message, maybe_committed=True):
        super().__init__(message)
        self.maybe_committed = maybe_committed


class TransportFailure(Exception):
    """No answer from Graph: ``kind`` is ``connect`` (nothing was sent), ``certificate`` (the server's TLS certificate
    is not trusted; ``problem`` says why) or ``lost`` (the request may have reached Graph before the connection broke)."""

    def __init__(self, kind, message, problem=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.problem = problem


class Response:  # pylint: disable=too-few-public-methods
    """A complete HTTP answer: status, headers (names compare case-insensitively) and the whole body."""

    def __init__(self, status_code, reason_phrase, headers, content):
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content

    def json(self):
        return json.loads(self.content)


class Transport:
    """One keep-alive HTTPS connection to Graph for the requests of one task (``http.client`` and ``ssl`` only).

    ``timeout`` bounds each whole exchange: connecting, sending and reading the complete answer. A watchdog cuts the
    connection at the deadline, so a server that trickles its answer cannot hold a task past it."""

    def __init__(self, verify, timeout):
        import ssl  # pylint: disable=import-outside-toplevel

        if verify is False:
            self._context = ssl._create_unverified_context()  # pylint: disable=protected-access  # nosec B323 - validate_certs=false
        else:
            self._context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        self._timeout = timeout
        self._connection = None
        self._origin = None
        self._expired = False

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, method, url, params, headers, content):
        """One HTTP exchange; a failure without a complete answer is a ``TransportFailure``."""
        import threading  # pylint: disable=import-outside-toplevel

        parts = urlsplit(url)
        target = (parts.path or '/') + ('?' + parts.query if parts.query else '')
        if params:
            target += ('&' if parts.query else '?') + urlencode(params, quote_via=quote, safe="$',()")
        self._expired = False
        watchdog = threading.Timer(self._timeout, self._expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            self._connect(parts)
            return self._exchange(method, target, headers, content)
        finally:
            watchdog.cancel()
            if self._expired:
                self.close()  # cut at the deadline, perhaps just after the answer arrived: not reusable

    def _expire(self):
        """At the deadline: cut the connection under whatever read or write is waiting on it."""
        import socket  # pylint: disable=import-outside-toplevel

        self._expired = True
        sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def _connect(self, parts):
        import http.client  # pylint: disable=import-outside-toplevel
        import ssl  # pylint: disable=import-outside-toplevel

        origin = (parts.scheme, parts.hostname, parts.port)
        if self._connection is not None and (origin != self._origin or self._connection.sock is None):
            self.close()
        if self._connection is not None:
            return
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        proxy = _proxy_for(parts)
        if parts.scheme == 'https':
            connection = http.client.HTTPSConnection(proxy[0] if proxy else parts.hostname, proxy[1] if proxy else port,
                                                     timeout=self._timeout, context=self._context)
        else:
            connection = http.client.HTTPConnection(proxy[0] if proxy else parts.hostname, proxy[1] if proxy else port,
                                                    timeout=self._timeout)
        if proxy:
            connection.set_tunnel(parts.hostname, port)
        # Held before connecting, so the watchdog can cut a handshake that stalls too.
        self._connection, self._origin = connection, origin
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise TransportFailure('certificate', str(exc), exc.verify_message or exc.reason or str(exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportFailure('connect', 'could not connect to %s: %s' % (parts.netloc, self._why(exc))) from exc

    def _exchange(self, method, target, headers, content):
        import http.client  # pylint: disable=import-outside-toplevel

        connection = self._connection
        try:
            connection.request(method, target, body=content.encode('utf-8') if content is not None else None, headers=headers)
            answer = connection.getresponse()
            body = []
            while True:
                chunk = answer.read1(65536)
                if not chunk:
                    break
                body.append(chunk)
            answer.close()  # the whole answer is read: the connection is ready for the next request
            if self._expired:
                raise TimeoutError('the deadline passed while reading the answer')
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportFailure('lost', self._why(exc)) from exc
        if answer.will_close:
            self.close()
        return Response(answer.status, answer.reason, answer.headers, b''.join(body))

    def _why(self, exc):
        if self._expired:
            return 'no complete answer within request_timeout=%s s' % self._timeout
        return '%s: %s' % (type(exc).__name__, exc or 'no response')


def _proxy_for(parts):
    """(host, port) of the HTTP(S)_PROXY that the environment sets for this URL, or None (NO_PROXY honoured)."""
    import os  # pylint: disable=import-outside-toplevel

    if not any(name.lower().endswith('_proxy') for name in os.environ):
        return None
    import urllib.request  # pylint: disable=import-outside-toplevel

    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get('all')
    if not proxy or urllib.request.proxy_bypass_environment(parts.hostname, proxies):
        return None
    proxy_parts = urlsplit(proxy if '://' in proxy else 'http://' + proxy)
    return proxy_parts.hostname, proxy_parts.port or 8080
