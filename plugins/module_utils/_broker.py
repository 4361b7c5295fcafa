# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTPS transport to Graph: msgraph-core's httpx middleware stack, in the module process or kept in a broker.

Internal use only: this file is not part of the collection's public API and may change without notice.

Every Ansible task is a new process. Importing httpx and msgraph-core and opening a TLS connection cost a converged
task more than its own work (about 0.2 s of imports on 2 cores). The connection broker is a small process of the
same user that holds the transport, with its open connections, between tasks: a module process hands it each request
over a Unix socket using the standard library only, and the broker sends it through msgraph-core. The first task of a
run starts the broker; it exits once no request came for ``idle`` seconds.

The broker sees requests, not credentials: the module process gets the token (see _token_cache.py) and sends it in the
request's header. It keeps nothing on disk but its socket, in a directory only its owner may enter, and it answers
only processes of its own user. Retries, paging and consistency stay in the Graph client (_graph.py): to it the broker
is only a transport that answers or fails like the in-process one.

This file also runs as a script (the broker itself), so it imports nothing from the collection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

# Bumped when the request/answer messages change, so a module never talks to a broker that speaks another version.
PROTOCOL = 1
FRAME = struct.Struct('>I')
# How long a module waits for the broker it started (imports on a busy 2-core machine take about half a second).
START_WAIT = 10.0
# Environment that changes where or how the broker's httpx connects: part of the broker's identity.
TRANSPORT_ENVIRONMENT = ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy',
                         'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR')
# All the broker inherits of the task's environment: what Python, TLS and proxies need, never the credentials (an
# execution environment hands the task AZURE_CLIENT_SECRET and the like; the broker outlives the task).
BROKER_ENVIRONMENT = TRANSPORT_ENVIRONMENT + (
    'PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'XDG_RUNTIME_DIR', 'XDG_CACHE_HOME')
# sockaddr_un holds 108 bytes on Linux (104 on BSDs); longer socket paths are moved to the temporary directory.
MAX_SOCKET_PATH = 100


class TransportFailure(Exception):
    """No answer from Graph: ``kind`` is ``connect`` (nothing was sent), ``certificate`` (the server's TLS certificate
    is not trusted; ``problem`` says why), ``setup`` (the broker could not load the CA bundle) or ``lost`` (the request
    may have reached Graph before the connection broke)."""

    def __init__(self, kind, message, problem=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.problem = problem


class Answer:
    """A Graph answer as the broker relays it; offers what the Graph client reads of an httpx response."""

    def __init__(self, status_code, reason_phrase, headers, content):
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = _Headers(headers)
        self.content = content

    def json(self):
        return json.loads(self.content)


class _Headers(dict):
    """Header names compare case-insensitively, as in HTTP."""

    def __init__(self, pairs):
        super().__init__((name.lower(), value) for name, value in pairs)

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def certificate_problem(exc):
    """Why TLS certificate verification failed somewhere in ``exc``'s chain of causes, or None when it did not."""
    import ssl  # pylint: disable=import-outside-toplevel

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc.verify_message or exc.reason or str(exc)
        # azure-core keeps only the text of the transport's error (and sometimes the error as inner_exception).
        found = re.search(r'CERTIFICATE_VERIFY_FAILED\] certificate verify failed: ([^(]*)', str(exc))
        if found:
            return found.group(1).strip()
        exc = exc.__cause__ or exc.__context__ or getattr(exc, 'inner_exception', None)
    return None


# ---- the transport itself (in the module process, or in the broker) ---------------------------------------------

def graph_http_client(verify, timeout):
    """msgraph-core's httpx client: redirects, parameter name decoding and Graph telemetry headers.

    Retries are not in the middleware: the Graph client keeps them in one loop with its bounded total wait,
    read-your-writes and lost-create recovery."""
    import httpx  # pylint: disable=import-outside-toplevel
    from kiota_http.middleware import ParametersNameDecodingHandler, RedirectHandler  # pylint: disable=import-outside-toplevel
    from msgraph_core import GraphClientFactory  # pylint: disable=import-outside-toplevel
    from msgraph_core.middleware import GraphTelemetryHandler  # pylint: disable=import-outside-toplevel

    base = httpx.AsyncClient(verify=verify, timeout=timeout, follow_redirects=False)
    return GraphClientFactory.create_with_custom_middleware(
        [RedirectHandler(), ParametersNameDecodingHandler(), GraphTelemetryHandler()], client=base)


def tls_context(verify):
    """httpx's ``verify`` from the connection's: True, False, or a context trusting the CA bundle at that path."""
    if isinstance(verify, str):
        import ssl  # pylint: disable=import-outside-toplevel

        return ssl.create_default_context(cafile=verify)
    return verify


async def send(http, method, url, params, headers, content, timeout=None):
    """One HTTP exchange through ``http``; a failure without an answer is a ``TransportFailure``."""
    import httpx  # pylint: disable=import-outside-toplevel

    options = {} if timeout is None else {'timeout': timeout}
    try:
        return await http.request(method, url, params=params, content=content, headers=headers,
                                  extensions={'kiota_request_options': {}}, **options)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        problem = certificate_problem(exc)
        if problem:
            raise TransportFailure('certificate', str(exc), problem) from exc
        raise TransportFailure('connect', 'could not connect: %s' % exc) from exc
    except httpx.TransportError as exc:
        raise TransportFailure('lost', '%s: %s' % (type(exc).__name__, exc or 'no response')) from exc


# ---- the module's side --------------------------------------------------------------------------------------------

def broker_directory(configured=None):
    """A directory for broker sockets that only this user may enter, or None when there is none to be had."""
    base = os.environ.get('XDG_RUNTIME_DIR') or os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    candidates = [configured] if configured else [os.path.join(base, 'jitaccess.entra', 'broker')]
    candidates.append(os.path.join(tempfile.gettempdir(), 'jitaccess.entra-%d' % os.getuid()))
    for directory in candidates:
        if len(os.path.join(directory, 'x' * 24)) > MAX_SOCKET_PATH:
            continue
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            info = os.stat(directory)
        except OSError:
            continue
        # Another user's directory, or one others may enter, could hold a socket that is not ours.
        if info.st_uid == os.getuid() and not info.st_mode & 0o077:
            return directory
    return None


def broker_key(source, verify, timeout):
    """What a broker is for: this interpreter, this file's code (``source``), the TLS trust and the transport's
    environment; None when the CA bundle cannot be read."""
    material = [str(PROTOCOL), sys.executable, sys.version, source, repr(timeout)]
    if isinstance(verify, str):
        try:
            with open(verify, 'rb') as handle:
                material.append(hashlib.sha256(handle.read()).hexdigest())
        except OSError:
            return None
    else:
        material.append(repr(verify))
    material.extend('%s=%s' % (name, os.environ.get(name, '')) for name in TRANSPORT_ENVIRONMENT)
    return hashlib.sha256('\0'.join(material).encode('utf-8')).hexdigest()[:20]


def _own_source():
    """This file's source, from disk or from the zip Ansible ships modules in."""
    try:
        return __loader__.get_source(__name__)  # pylint: disable=undefined-variable
    except (NameError, AttributeError, ImportError, OSError):
        return None


class BrokerGone(TransportFailure):
    """The broker itself stopped answering (killed, or its socket removed): the client goes on without it."""


class BrokerSession:
    """A module process's connection to the broker: one request at a time, each answered or failed."""

    def __init__(self, sock):
        self._sock = sock

    @classmethod
    def open(cls, directory, verify, timeout, idle):
        """Connect to the broker for this transport, starting it when there is none; None when it cannot be had."""
        source = _own_source()
        if directory is None or source is None:
            return None
        key = broker_key(source, verify, timeout)
        if key is None:
            return None
        path = os.path.join(directory, key + '.sock')
        sock = _connect(path)
        if sock is None:
            if not _start(directory, path, source, verify, timeout, idle):
                return None
            deadline = time.monotonic() + START_WAIT
            while sock is None and time.monotonic() < deadline:
                time.sleep(0.02)
                sock = _connect(path)
        return cls(sock) if sock is not None else None

    def send(self, method, url, params, headers, content, timeout):
        message = {'method': method, 'url': url, 'params': params, 'headers': headers, 'content': content, 'timeout': timeout}
        try:
            _write_frame(self._sock, message)
        except OSError as exc:
            raise BrokerGone('connect', 'the connection broker went away: %s' % exc) from exc
        self._sock.settimeout(timeout + 30)
        try:
            answer = _read_frame(self._sock)
        except (OSError, ValueError) as exc:
            raise BrokerGone('lost', 'the connection broker went away before Graph answered: %s' % exc) from exc
        if 'failure' in answer:
            raise TransportFailure(answer['failure'], answer['message'], answer.get('problem'))
        return Answer(answer['status'], answer['reason'], answer['headers'], base64.b64decode(answer['content']))

    def close(self):
        try:
            self._sock.close()
        except OSError:
            pass


def _connect(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def _start(directory, path, source, verify, timeout, idle):
    """Start a broker in a session of its own, detached from the task's output so Ansible does not wait for it."""
    script = os.path.join(directory, 'broker-%s.py' % hashlib.sha256(source.encode('utf-8')).hexdigest()[:20])
    try:
        if not os.path.exists(script):
            handle, temporary = tempfile.mkstemp(dir=directory, prefix='.tmp-')
            with os.fdopen(handle, 'w', encoding='utf-8') as stream:
                stream.write(source)
            os.replace(temporary, script)
        config = json.dumps({'socket': path, 'verify': verify, 'timeout': timeout, 'idle': idle})
        environment = {name: os.environ[name] for name in BROKER_ENVIRONMENT if name in os.environ}
        subprocess.Popen([sys.executable, script, config], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                         stderr=subprocess.DEVNULL, cwd=directory, env=environment, start_new_session=True, close_fds=True)
    except OSError:
        return False
    return True


def _write_frame(sock, message):
    data = json.dumps(message).encode('utf-8')
    sock.sendall(FRAME.pack(len(data)) + data)


def _read_frame(sock):
    header = _read_exactly(sock, FRAME.size)
    return json.loads(_read_exactly(sock, FRAME.unpack(header)[0]))


def _read_exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ValueError('connection closed')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


# ---- the broker -------------------------------------------------------------------------------------------------

def serve(config):
    """Run the broker until it has been idle for ``config['idle']`` seconds. One broker per socket: the first to
    lock ``<socket>.lock`` serves; any other started at the same moment leaves."""
    import asyncio  # pylint: disable=import-outside-toplevel
    import fcntl  # pylint: disable=import-outside-toplevel

    os.umask(0o077)
    path = config['socket']
    lock = os.open(path + '.lock', os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    try:
        os.unlink(path)  # a broker that was killed leaves its socket behind
    except FileNotFoundError:
        pass
    try:
        asyncio.run(_Broker(config).run(path))
    finally:
        _unlink_if_same(path + '.lock', os.fstat(lock).st_ino)


def _unlink_if_same(path, inode):
    """Remove ``path`` if it is still the file this broker made; a broker started since may have replaced it."""
    try:
        if os.stat(path).st_ino == inode:
            os.unlink(path)
    except FileNotFoundError:
        pass


class _Broker:
    def __init__(self, config):
        self.config = config
        self.http, self.setup_error = None, None
        try:
            self.http = graph_http_client(tls_context(config['verify']), config['timeout'])
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: an unreadable or broken CA bundle
            self.setup_error = str(exc)
        self.busy = 0
        self.last = time.monotonic()

    async def run(self, path):
        import asyncio  # pylint: disable=import-outside-toplevel

        server = await asyncio.start_unix_server(self.serve_client, path=path)
        bound = os.stat(path).st_ino
        try:
            while self.busy or time.monotonic() - self.last < self.config['idle']:
                await asyncio.sleep(min(1.0, self.config['idle'] / 4))
        finally:
            server.close()
            _unlink_if_same(path, bound)
            if self.http is not None:
                await self.http.aclose()

    async def serve_client(self, reader, writer):
        import asyncio  # pylint: disable=import-outside-toplevel

        self.busy += 1
        try:
            if not _same_user(writer.get_extra_info('socket')):
                return
            while True:
                try:
                    header = await reader.readexactly(FRAME.size)
                    request = json.loads(await reader.readexactly(FRAME.unpack(header)[0]))
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    return
                answer = await self.relay(request)
                data = json.dumps(answer).encode('utf-8')
                writer.write(FRAME.pack(len(data)) + data)
                await writer.drain()
                self.last = time.monotonic()
        finally:
            self.busy -= 1
            self.last = time.monotonic()
            writer.close()

    async def relay(self, request):
        if self.setup_error:
            return {'failure': 'setup', 'message': self.setup_error}
        try:
            response = await send(self.http, request['method'], request['url'], request['params'], request['headers'],
                                  request['content'], request['timeout'])
        except TransportFailure as exc:
            return {'failure': exc.kind, 'message': exc.message, 'problem': exc.problem}
        return {'status': response.status_code, 'reason': response.reason_phrase, 'headers': list(response.headers.items()),
                'content': base64.b64encode(response.content).decode('ascii')}


def _same_user(sock):
    """Whether the peer runs as this user (Linux says so; elsewhere the private directory has to do)."""
    if sock is None or not hasattr(socket, 'SO_PEERCRED'):
        return True
    pid_uid_gid = struct.unpack('3i', sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i')))
    return pid_uid_gid[1] == os.getuid()


if __name__ == '__main__':
    serve(json.loads(sys.argv[1]))
