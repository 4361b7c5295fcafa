"""Benchmark: per-task cost of a converged module vs a no-op module in the same run, and module peak RSS.

Not a test: it prints numbers. Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.harness import collection_root  # noqa: E402  pylint: disable=wrong-import-position

TASKS = 20
ROUNDS = 5


def start_emulator(state_dir):
    process = subprocess.Popen([sys.executable, '-m', 'tests.emulator', '--state-dir', str(state_dir)],  # pylint: disable=consider-using-with
                               cwd=REPO, stdout=subprocess.PIPE, text=True)
    info = json.loads(process.stdout.readline())
    return process, info


def playbook(path, count, task, interpreter):
    play = {'name': 'bench', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
            'vars': {'ansible_python_interpreter': interpreter}, 'tasks': [dict(task, name='task %d' % n) for n in range(count)]}
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return path


def run(path, env):
    started = time.perf_counter()
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path)],
                            env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit('benchmark playbook failed:\n%s\n%s' % (result.stdout[-3000:], result.stderr[-3000:]))
    return elapsed


def per_task(workdir, name, task, env):
    """Median over rounds of (T(TASKS tasks) - T(1 task)) / (TASKS - 1): the cost of one more task."""
    many = playbook(workdir / ('%s-many.yml' % name), TASKS, task, sys.executable)
    one = playbook(workdir / ('%s-one.yml' % name), 1, task, sys.executable)
    samples = []
    for dummy in range(ROUNDS):
        samples.append((run(many, env) - run(one, env)) / (TASKS - 1))
    return statistics.median(samples)


def peak_rss(workdir, name, task, env):
    log = workdir / ('%s-rss.log' % name)
    wrapped = dict(env, BENCH_REAL_PYTHON=sys.executable, BENCH_RSS_LOG=str(log))
    # Ansible runs the interpreter path as one word, so the wrapper gets a launcher of its own.
    launcher = workdir / 'python-peak-rss'
    launcher.write_text('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, HERE / 'peak_rss.py'))
    launcher.chmod(0o755)
    path = playbook(workdir / ('%s-rss.yml' % name), 5, task, str(launcher))
    run(path, wrapped)
    return max(int(line) for line in log.read_text().split()) / 1024.0


def main():
    workdir = Path(tempfile.mkdtemp(prefix='jitaccess-bench-'))
    collections = collection_root(workdir / 'collections')
    emulator, info = start_emulator(workdir / 'emulator')
    try:
        tenant = info['tenants'][0]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_LIBRARY=str(HERE / 'library'),
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   AZURE_TENANT_ID=tenant['tenant_id'], AZURE_CLIENT_ID=tenant['client_id'],
                   AZURE_CLIENT_SECRET=tenant['client_secret'], AZURE_AUTHORITY_HOST=info['base_url'],
                   ENTRA_GRAPH_ENDPOINT=info['base_url'], ENTRA_CA_BUNDLE=info['ca_path'])
        group = {'jitaccess.entra.group': {'display_name': 'Allow ChatGPT Access', 'members': [], 'purge_members': True}}
        noop = {'noop': {'label': 'x'}}
        run(playbook(workdir / 'converge.yml', 1, group, sys.executable), env)
        noop_cost = per_task(workdir, 'noop', noop, env)
        group_cost = per_task(workdir, 'group', group, env)
        noop_rss = peak_rss(workdir, 'noop', noop, env)
        group_rss = peak_rss(workdir, 'group', group, env)
    finally:
        emulator.terminate()
        emulator.wait()
    print('machine: %d cores, Python %s' % (os.cpu_count(), sys.version.split()[0]))
    print('per-task wall time, median of %d rounds of (T(%d tasks) - T(1 task)) / %d:' % (ROUNDS, TASKS, TASKS - 1))
    print('  %-34s %8s %12s' % ('module', 's/task', 'peak RSS MB'))
    print('  %-34s %8.3f %12.1f' % ('no-op module', noop_cost, noop_rss))
    print('  %-34s %8.3f %12.1f' % ('jitaccess.entra.group (converged)', group_cost, group_rss))
    print('ratio group / no-op: %.2fx (target <= 1.30x); group peak RSS %.1f MB (target < 60 MB)' % (group_cost / noop_cost, group_rss))


if __name__ == '__main__':
    main()
