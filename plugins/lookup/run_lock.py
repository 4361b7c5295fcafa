# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lookup plugin: take or release the controller-side run lock the jit_ai_access role holds per tenant."""

from __future__ import annotations

DOCUMENTATION = r'''
name: run_lock
short_description: Take or release a per-tenant run lock on the controller
version_added: 0.2.0
author:
  - jitaccess.entra maintainers (@jitaccess)
description:
  - Lets enforcing runs against one tenant take turns. The lock is a file C(<name>.lock) in O(dir) that records the
    run holding it (the C(ansible-playbook) process id, the host and when it started).
  - A lock whose run is gone (its process no longer exists on this host, or the host rebooted since) is taken over
    with a warning; this is what a run killed with SIGINT, SIGTERM or SIGKILL leaves behind.
  - A lock of a live run, or of a run on another host (whose process cannot be checked from here), is waited for up
    to O(timeout) seconds; then the result says who holds it.
  - Used by the jitaccess.entra.jit_ai_access role. The lookup starts no process and writes only the lock file
    (JSON, mode 0600) in a directory only its owner may write.
options:
  _terms:
    description: V(acquire) or V(release).
    type: list
    elements: str
    required: true
  dir:
    description: Directory of the locks, created with mode 0700 if missing. It must belong to the user running Ansible
      and be writable by no one else.
    type: path
    required: true
  name:
    description: The lock's name, already canonical (lower case, letters, digits, C(_), C(.) and C(-) only).
    type: str
    required: true
  timeout:
    description: Seconds V(acquire) waits for a live lock to be released before it gives up.
    type: int
    default: 0
  run:
    description: With V(release), the C(run) id V(acquire) returned; a lock another run has taken over is left alone.
    type: str
'''

EXAMPLES = r'''
- name: Take the lock of this tenant
  ansible.builtin.set_fact:
    lock: "{{ query('jitaccess.entra.run_lock', 'acquire', dir='/home/me/.ansible/locks', name='contoso', timeout=60) | first }}"

- name: Release it
  ansible.builtin.set_fact:
    released: "{{ query('jitaccess.entra.run_lock', 'release', dir='/home/me/.ansible/locks', name='contoso', run=lock.run) | first }}"
  when: lock.acquired
'''

RETURN = r'''
_raw:
  description: One result.
  type: list
  elements: dict
  contains:
    acquired:
      description: With V(acquire), whether this run holds the lock now.
      type: bool
    released:
      description: With V(release), whether this run's lock was removed.
      type: bool
    run:
      description: The id of this run's lock (pass it to V(release)).
      type: str
    path:
      description: The lock file.
      type: str
    holder:
      description: Who holds the lock when it was not acquired, or whose stale lock was taken over (C(pid), C(host), C(started)).
      type: dict
    message:
      description: Why the lock was not acquired, naming its holder.
      type: str
'''

import datetime
import errno
import fcntl
import json
import os
import re
import socket
import stat
import time
import uuid

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

display = Display()

CANONICAL_NAME = re.compile(r'[a-z0-9_.-]+')
POLL_SECONDS = 1.0


def _boot_id():
    try:
        with open('/proc/sys/kernel/random/boot_id', encoding='ascii') as handle:
            return handle.read().strip()
    except OSError:
        return None


def _process_start(pid):
    """The process's start time in clock ticks since boot (Linux), None when /proc cannot tell, False when it is gone."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii', errors='replace') as handle:
            # The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
            return handle.read().rsplit(')', 1)[1].split()[19]
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_run():
    """Who this run is: the ansible-playbook process (the parent of the worker a lookup runs in), its host and start."""
    pid = os.getppid()
    return {'pid': pid, 'process_start': _process_start(pid) or None, 'host': socket.gethostname(), 'boot_id': _boot_id(),
            'started': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'run': uuid.uuid4().hex}


def is_stale(holder, here):
    """True when ``holder`` (a lock's content) is a run of this host that no longer runs."""
    if holder.get('host') != here['host']:
        return False
    if holder.get('boot_id') and here['boot_id'] and holder['boot_id'] != here['boot_id']:
        return True
    pid = holder.get('pid')
    if not isinstance(pid, int) or pid <= 0:
        return False
    started = _process_start(pid)
    if started is False or not _alive(pid):
        return True
    # The pid may have been reused by another process since: then its start time differs from the one recorded.
    return bool(started and holder.get('process_start') and started != holder['process_start'])


def describe(holder):
    return 'run %s on %s, started %s' % (holder.get('pid', '?'), holder.get('host', '?'), holder.get('started', '?'))


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        action = terms[0] if terms else None
        if action not in ('acquire', 'release'):
            raise AnsibleLookupError('run_lock: the term must be acquire or release, not %r' % (action,))
        name = self.get_option('name')
        if not CANONICAL_NAME.fullmatch(name or ''):
            raise AnsibleLookupError('run_lock: name=%r must be lower case letters, digits, _, . and - only' % (name,))
        directory = self._directory(self.get_option('dir'))
        path = os.path.join(directory, name + '.lock')
        guard = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if action == 'release':
                return [self._release(guard, path, self.get_option('run'))]
            return [self._acquire(guard, directory, path, self.get_option('timeout'))]
        finally:
            os.close(guard)

    @staticmethod
    def _directory(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise AnsibleLookupError('run_lock: the lock directory %s must be a directory of user %d that no one else may write to '
                                     '(found owner %d, mode %o%s)' % (directory, os.geteuid(), info.st_uid, stat.S_IMODE(info.st_mode),
                                                                      ', a symbolic link' if stat.S_ISLNK(info.st_mode) else ''))
        return directory

    @staticmethod
    def _read(path):
        """The lock's content; None when there is none; {} for one that cannot be read (an earlier role's directory)."""
        try:
            with open(path, encoding='utf-8') as handle:
                holder = json.load(handle)
            return holder if isinstance(holder, dict) else {}
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}

    def _acquire(self, guard, directory, path, timeout):
        here = this_run()
        deadline = time.monotonic() + max(timeout or 0, 0)
        while True:
            # Checking and taking happen under one flock of the directory, so two runs never both see a lock as
            # free or as stale.
            fcntl.flock(guard, fcntl.LOCK_EX)
            try:
                holder = self._read(path)
                if holder is None or holder and is_stale(holder, here):
                    self._write(directory, path, here, replace=holder is not None)
                    if holder:
                        display.warning('took over the run lock %s of %s, which is no longer running (a killed or interrupted run '
                                        'leaves its lock behind)' % (path, describe(holder)))
                    return {'acquired': True, 'run': here['run'], 'path': path, 'holder': holder}
            finally:
                fcntl.flock(guard, fcntl.LOCK_UN)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(POLL_SECONDS, remaining))
        if holder:
            message = 'held by %s' % describe(holder)
        else:
            message = 'held by an unknown run (the lock is not a lock file of this role: an earlier version leaves a directory)'
        return {'acquired': False, 'run': None, 'path': path, 'holder': holder,
                'message': '%s (%s); waited %d s (jit_ai_access_lock_timeout)' % (message, path, max(timeout or 0, 0))}

    @staticmethod
    def _write(directory, path, here, replace):
        temporary = os.path.join(directory, '.%s.%s' % (os.path.basename(path), here['run']))
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(descriptor, 'w', encoding='utf-8') as handle:
                json.dump(here, handle)
            if replace:
                os.replace(temporary, path)
            else:
                os.link(temporary, path)
        finally:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass

    def _release(self, guard, path, run):
        fcntl.flock(guard, fcntl.LOCK_EX)
        try:
            holder = self._read(path)
            if not holder or holder.get('run') != run:
                if holder:
                    display.warning('the run lock %s is held by %s now, not by this run; it is left alone' % (path, describe(holder)))
                return {'released': False, 'path': path, 'holder': holder}
            try:
                os.unlink(path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise
            return {'released': True, 'path': path, 'holder': holder}
        finally:
            fcntl.flock(guard, fcntl.LOCK_UN)
