"""The connection broker: the tasks of a run hand their requests to one msgraph-core transport that keeps its HTTPS
connections open, instead of each task loading httpx and connecting anew.

The emulator logs which TCP connection carried each request, so sharing shows as one connection across tasks."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest

from tests.integration.harness import Playbook, broker_pids, graph_client, run_module

GROUP = 'Allow ChatGPT Access'


def gone(pid):
    """Whether a process has finished exiting (its files, the broker's socket and lock, closed): a zombie or no more."""
    try:
        return Path('/proc/%d/stat' % pid).read_text().rsplit(')', 1)[1].split()[0] == 'Z'
    except (OSError, IndexError):
        return True


def wait_for(condition, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def connections(emulator, tenant):
    return [entry['connection'] for entry in emulator.requests(tenant.tenant_id)]


@pytest.fixture
def broker_dir(tmp_path):
    directory = tmp_path / 'brokers'
    yield directory
    for pid in broker_pids(directory):
        os.kill(pid, signal.SIGTERM)


def test_the_tasks_of_a_run_share_one_connection_through_the_broker(emulator, tenant, auth, broker_dir):
    args = dict(auth, connection_broker_dir=str(broker_dir))
    assert run_module('group', dict(args, display_name=GROUP))['changed'] is True
    assert run_module('group', dict(args, display_name=GROUP))['changed'] is False
    assert run_module('group_info', dict(args, display_name=GROUP))['groups'][0]['display_name'] == GROUP

    used = connections(emulator, tenant)
    assert len(used) >= 5 and len(set(used)) == 1, used
    assert len(broker_pids(broker_dir)) == 1
    # A directory only its owner may enter, holding the socket and nothing of the credential.
    assert stat.S_IMODE(broker_dir.stat().st_mode) == 0o700
    sockets = [path for path in broker_dir.iterdir() if stat.S_ISSOCK(path.stat().st_mode)]
    assert len(sockets) == 1 and not stat.S_IMODE(sockets[0].stat().st_mode) & 0o077


def test_without_the_broker_each_task_connects_itself(emulator, tenant, auth, broker_dir):
    args = dict(auth, connection_broker=False, connection_broker_dir=str(broker_dir))
    run_module('group', dict(args, display_name=GROUP))
    run_module('group_info', dict(args, display_name=GROUP))
    assert len(set(connections(emulator, tenant))) == 2
    assert not broker_dir.exists()


def test_the_broker_leaves_once_idle(auth, broker_dir):
    run_module('group_info', dict(auth, display_name=GROUP, connection_broker_dir=str(broker_dir), connection_broker_idle=1))
    assert wait_for(lambda: not broker_pids(broker_dir)), 'the broker outlived its idle time'
    assert [path.name for path in broker_dir.iterdir() if not path.name.startswith('broker-')] == []


def test_a_broker_that_was_killed_is_replaced(emulator, tenant, auth, broker_dir):
    args = dict(auth, display_name=GROUP, connection_broker_dir=str(broker_dir))
    run_module('group', args)
    [first] = broker_pids(broker_dir)
    os.kill(first, signal.SIGKILL)
    assert wait_for(lambda: gone(first))
    emulator.clear_log()
    assert run_module('group', args)['changed'] is False
    [second] = broker_pids(broker_dir)
    assert second != first
    assert len(set(connections(emulator, tenant))) == 1


def test_a_broker_lost_in_the_middle_of_a_task_is_done_without(emulator, tenant, auth, broker_dir):
    created = run_module('group', dict(auth, display_name=GROUP, connection_broker_dir=str(broker_dir)))['group']
    with graph_client(dict(auth, connection_broker_dir=str(broker_dir))) as client:
        assert client.get('/groups/%s' % created['id'])['displayName'] == GROUP
        [pid] = broker_pids(broker_dir)
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: gone(pid))
        # The next request finds the broker gone, is sent again from this process, and the rest follows it.
        assert client.get('/groups/%s' % created['id'])['displayName'] == GROUP
        assert client.list('/groups')
        assert [reason for reason, dummy in client.retry_events] == ['connection']
    assert len(set(connections(emulator, tenant))) == 2


def test_the_broker_inherits_no_credential(monkeypatch, emulator, tenant, auth, broker_dir):
    secret = tenant.client_secret
    monkeypatch.setenv('AZURE_CLIENT_SECRET', secret)
    monkeypatch.setenv('AZURE_CLIENT_CERTIFICATE_PASSWORD', 'distinctive-certificate-password')
    args = {key: value for key, value in auth.items() if key != 'client_secret'}
    assert run_module('group', dict(args, display_name=GROUP, connection_broker_dir=str(broker_dir)))['changed'] is True
    [pid] = broker_pids(broker_dir)
    proc = Path('/proc/%d' % pid)
    seen = (proc / 'environ').read_bytes() + (proc / 'cmdline').read_bytes()
    seen += b''.join(path.read_bytes() for path in broker_dir.iterdir() if path.is_file())
    assert secret.encode() not in seen
    assert b'distinctive-certificate-password' not in seen


def test_playbook_tasks_share_the_broker(emulator, tenant, auth, tmp_path, collections, broker_dir):
    """Under ansible-playbook each task is a process of its own, its code unpacked from Ansible's module payload."""
    tasks = [{'name': 'Group', 'jitaccess.entra.group': {'display_name': GROUP}},
             {'name': 'Again', 'jitaccess.entra.group': {'display_name': GROUP}},
             {'name': 'Read', 'jitaccess.entra.group_info': {'display_name': GROUP}}]
    run = Playbook(tmp_path, collections).run(tasks, module_defaults=dict(auth, connection_broker_dir=str(broker_dir)))
    assert run.rc == 0, run.stdout[-2000:]
    assert [result['changed'] for result in run.results] == [True, False, False]
    used = connections(emulator, tenant)
    assert len(used) >= 5 and len(set(used)) == 1, used
    assert len(broker_pids(broker_dir)) == 1
