"""The jit_ai_access role stops before any change on bad input, merges a partial jit_ai_access_app_defaults with its
built-in settings, and keeps its run lock safe across killed runs, tenant id case and other controllers."""

from __future__ import annotations

import json
import os
import signal
import socket
import time

import pytest

from tests.integration.harness import Playbook

PLAYBOOK = 'playbooks/jit_ai_access.yml'


def role_env(emulator, tenant, tenant_id=None):
    return dict(AZURE_TENANT_ID=tenant_id or tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_CLIENT_SECRET=tenant.client_secret,
                AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)


def role_vars(tenant, locks, **extra):
    return dict(extra, jit_ai_access_lock_dir=str(locks),
                jit_ai_access_fallback_approvers=[upn for upn in tenant.users if upn.startswith('it.approvals@')])


def one_line(stdout, marker):
    return next((line for line in stdout.splitlines() if marker in line), '')


@pytest.mark.parametrize('apps, fragments', [
    ([{'name': 'x' * 300, 'fqdns': ['chatgpt.com']}],
     ['jit_ai_access_apps[' + 'x' * 37 + '...].group_name', 'the group name', 'at most 256 characters (has 313)']),
    ([{'name': 'ChatGPT', 'fqdns': ['chatgpt.com\n']}], ["jit_ai_access_apps[ChatGPT].fqdns: 'chatgpt.com\\n'"]),
    ([{'name': 'Chat\u202eGPT', 'fqdns': ['chatgpt.com']}], ['.name=', 'U+202E RIGHT-TO-LEFT OVERRIDE']),
    ([{'name': 'ChatGPT', 'fqdns': ['chatgpt.com']},
      {'name': 'Claude', 'fqdns': ['claude.ai'], 'group_name': 'allow chatgpt access', 'profile_priority': 110}],
     ['jit_ai_access_apps[Claude].group_name', 'jit_ai_access_apps[ChatGPT] already has this group name']),
], ids=['300-character name', 'FQDN with a trailing newline', 'right-to-left override', 'group name of another app'])
def test_bad_apps_stop_the_role_before_any_graph_call(emulator, tenant, playbook, tmp_path, apps, fragments):
    run = playbook.run_file(PLAYBOOK, role_vars(tenant, tmp_path / 'locks', jit_ai_access_apps=apps), env=role_env(emulator, tenant))
    assert run.rc != 0
    message = one_line(run.stdout, 'jit_ai_access input:')
    assert all(fragment in message for fragment in fragments), run.stdout[-3000:]
    assert 'Stop on bad input, before any change' in run.stdout
    assert emulator.requests(tenant.tenant_id) == []


def test_role_variables_templated_with_builtin_filters_reach_the_input_check(emulator, tenant, playbook, tmp_path):
    """Plays and inventories template role variables with builtin filters (molecule's does); the input check resolves
    them as it reads them, so it reports the role's own message, not a filter that failed to load."""
    play = tmp_path / 'templated.yml'
    play.write_text('''
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    jit_ai_access_fallback_approvers: "{{ approvers | select('match', 'it\\\\.approvals@') | list }}"
  roles:
    - jitaccess.entra.jit_ai_access
''')
    variables = role_vars(tenant, tmp_path / 'locks', jit_ai_access_apps=[{'name': 'ChatGPT', 'fqdns': ['chatgpt.com\n']}],
                          approvers=list(tenant.users))
    del variables['jit_ai_access_fallback_approvers']
    run = playbook.run_file(str(play), variables, env=role_env(emulator, tenant))
    assert run.rc != 0
    assert 'failed to load' not in run.stdout, run.stdout[-3000:]
    assert "jit_ai_access_apps[ChatGPT].fqdns: 'chatgpt.com\\n'" in one_line(run.stdout, 'jit_ai_access input:'), run.stdout[-3000:]
    assert emulator.requests(tenant.tenant_id) == []


def test_a_partial_app_defaults_override_keeps_the_other_builtin_settings(emulator, tenant, playbook, tmp_path):
    variables = role_vars(tenant, tmp_path / 'locks', jit_ai_access_app_defaults={'expiration': {'hours': 4}})
    dry = playbook.run_file(PLAYBOOK, variables, check=True, diff=True, env=role_env(emulator, tenant))
    assert dry.rc == 0, dry.stdout[-3000:]
    assert 'PT4H' in dry.stdout and 'What will you use the app for?' in dry.stdout  # the override, and a built-in setting kept
    assert emulator.writes(tenant.tenant_id) == []

    typo = playbook.run_file(PLAYBOOK, dict(variables, jit_ai_access_app_defaults={'expiry': {'hours': 4}}), check=True,
                             env=role_env(emulator, tenant))
    assert typo.rc != 0
    assert 'jit_ai_access_app_defaults may set only' in one_line(typo.stdout, 'jit_ai_access input:'), typo.stdout[-3000:]


def plant_lock(locks, name, **holder):
    locks.mkdir(mode=0o700, exist_ok=True)
    path = locks / (name + '.lock')
    path.write_text(json.dumps(dict({'run': 'planted'}, **holder)))
    return path


def test_an_upper_case_tenant_id_meets_the_lower_case_lock(emulator, tenant, playbook, tmp_path):
    """Before, the lock's name kept the case it was given: the same tenant in upper case took a second lock and ran."""
    locks = tmp_path / 'locks'
    # A live run of this host (this test's own process) holds the tenant's lock.
    lock = plant_lock(locks, tenant.tenant_id.lower(), pid=os.getpid(), host=socket.gethostname(), started='2026-01-01T00:00:00Z')
    run = playbook.run_file(PLAYBOOK, role_vars(tenant, locks), env=role_env(emulator, tenant, tenant.tenant_id.upper()))
    assert run.rc != 0
    message = one_line(run.stdout, 'is in progress')
    assert 'another jit_ai_access run against %s is in progress' % tenant.tenant_id.lower() in message, run.stdout[-3000:]
    assert 'run %d on %s, started 2026-01-01T00:00:00Z' % (os.getpid(), socket.gethostname()) in message
    assert emulator.requests(tenant.tenant_id) == [] and lock.exists()


def test_the_lock_is_named_after_the_tenant_an_awx_azure_credential_names(emulator, tenant, playbook, tmp_path):
    """AWX's Azure Resource Manager credential sets AZURE_TENANT, not AZURE_TENANT_ID: the lock still names the tenant."""
    locks = tmp_path / 'locks'
    lock = plant_lock(locks, tenant.tenant_id.lower(), pid=os.getpid(), host=socket.gethostname(), started='2026-01-01T00:00:00Z')
    awx_env = dict(AZURE_TENANT=tenant.tenant_id, AZURE_CLIENT_ID=tenant.client_id, AZURE_SECRET=tenant.client_secret,
                   AZURE_AUTHORITY_HOST=emulator.base_url, ENTRA_GRAPH_ENDPOINT=emulator.base_url, ENTRA_CA_BUNDLE=emulator.ca_path)
    run = playbook.run_file(PLAYBOOK, role_vars(tenant, locks), env=awx_env)
    assert run.rc != 0
    assert 'another jit_ai_access run against %s is in progress' % tenant.tenant_id.lower() in one_line(run.stdout, 'is in progress'), \
        run.stdout[-3000:]
    assert emulator.requests(tenant.tenant_id) == [] and lock.exists()


@pytest.mark.slow
def test_the_lock_of_a_killed_run_is_taken_over_with_a_warning(emulator, tenant, playbook, tmp_path):
    locks = tmp_path / 'locks'
    variables = role_vars(tenant, locks)
    killed = playbook.start_file(PLAYBOOK, variables, env=role_env(emulator, tenant))
    lock = locks / (tenant.tenant_id + '.lock')
    deadline = time.monotonic() + 120
    while not lock.is_file() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert lock.is_file(), (tmp_path / 'output.txt').read_text()[-3000:]
    holder = json.loads(lock.read_text())
    assert holder['pid'] == killed.pid and holder['host'] == socket.gethostname() and holder['started']
    # Its lock is left behind.
    assert lock.exists()

    again = playbook.run_file(PLAYBOOK, variables, env=role_env(emulator, tenant))
    assert again.rc == 0, again.stdout[-3000:] + again.stderr[-3000:]
    warning = ' '.join((again.stdout + again.stderr).split())
    assert 'took over the run lock %s of run %d on %s, started %s, which is no longer running' % (
        lock, killed.pid, holder['host'], holder['started']) in warning, warning[-3000:]
    assert list(locks.iterdir()) == []


def test_a_lock_of_another_host_is_waited_for_then_named(emulator, tenant, playbook, tmp_path):
    locks = tmp_path / 'locks'
    lock = plant_lock(locks, tenant.tenant_id, pid=4242, host='controller-2.example.com', started='2026-12-04T20:00:00Z')
    started = time.monotonic()
    run = playbook.run_file(PLAYBOOK, role_vars(tenant, locks, jit_ai_access_lock_timeout=3), env=role_env(emulator, tenant))
    assert run.rc != 0
    assert time.monotonic() - started >= 3
    message = one_line(run.stdout, 'is in progress')
    assert 'held by run 4242 on controller-2.example.com, started 2026-12-04T20:00:00Z' in message, run.stdout[-3000:]
    assert 'waited 3 s' in message
    # Not taken over: a process id of another host says nothing here.
    assert json.loads(lock.read_text())['run'] == 'planted'
    assert emulator.requests(tenant.tenant_id) == []


@pytest.mark.slow
def test_a_lock_released_while_waiting_lets_the_run_go_on(emulator, tenant, tmp_path, collections):
    locks = tmp_path / 'locks'
    lock = plant_lock(locks, tenant.tenant_id, pid=4242, host='controller-2.example.com', started='2026-12-04T20:00:00Z')
    running = Playbook(tmp_path, collections).start_file(PLAYBOOK, role_vars(tenant, locks, jit_ai_access_lock_timeout=120),
                                                         env=role_env(emulator, tenant))
    output = tmp_path / 'output.txt'
    deadline = time.monotonic() + 120
    while 'Take the run lock of this tenant' not in output.read_text() and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)
    # The run waits at the lock: still running, nothing sent to Graph.
    assert running.poll() is None, output.read_text()[-3000:]
    assert emulator.requests(tenant.tenant_id) == []
    lock.unlink()
    assert running.wait(timeout=300) == 0, output.read_text()[-3000:]
    assert emulator.writes(tenant.tenant_id) and list(locks.iterdir()) == []
