"""Benchmark: what a converged task of each module costs next to a no-op module in the same run, how many Graph and
token requests it sends, and its peak memory.

Not a test: it prints tables. Run with `make bench` (a few minutes; BENCH_ROUNDS sets the rounds, default 5).

- Modules run with a Python that has only requirements.txt installed (.build/bench-runtime, built once with pip),
  as in an execution environment: the development venv's extra packages slow some imports down (httpx loads its
  command line's rich, click and pygments when they are installed). One row runs with the development venv.
- Per-task cost: one playbook holds every module kind in rounds (the order rotates per round); a callback records
  when each task starts, so a task costs the time until the next one starts, Ansible's own overhead included. The
  first round warms caches (module payloads, the token) and is not counted; the table shows medians.
- Requests: the emulator's request log, split by those task windows.
- Peak RSS and CPU time: the tasks again, three times, each under an interpreter wrapper that records its child's
  peak RSS and CPU time (CPU time hardly moves when other work shares the machine; wall time does).
- Connections: each task opens its own keep-alive HTTPS connection and sends all its requests over it; the
  "connections" column counts the TCP (TLS) connections the emulator saw per task, token service included.
- Latency: the same converged tasks again with the emulator adding 40 ms to every request and 40 ms to every new TLS
  connection (a distant Graph), so what a task pays per request and per handshake shows.
- Token requests: one task per module from an empty token cache, then the same with `token_cache: false`; the time the
  cache saves per task is the difference between the rows "group" and "group, token_cache: false".
"""

from __future__ import annotations

import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.harness import collection_root  # noqa: E402  pylint: disable=wrong-import-position

ROUNDS = int(os.environ.get('BENCH_ROUNDS', '5'))
# The second table: milliseconds the emulator adds to every request, and to every new TLS connection.
LATENCY_MS = 40
NOOP = 'no-op module'
GROUP = 'Allow ChatGPT Access'
CATALOG = 'AI apps'
PACKAGE = 'ChatGPT access'
ALLOW = 'Allow ChatGPT'
BLOCK = 'Block Artificial Intelligence'
CA_POLICY = 'GSA - Allow ChatGPT (JIT)'
ASSIGNMENT_POLICY = 'ChatGPT for 2 hours'


def resource_tasks(domain):
    """One converged object per resource module kind: (label, task)."""
    return [
        ('group', {'jitaccess.entra.group': {
            'display_name': GROUP, 'description': 'Members may use ChatGPT', 'members': [], 'purge_members': True}}),
        ('filtering_policy', {'jitaccess.entra.filtering_policy': {
            'name': ALLOW, 'action': 'allow', 'purge_rules': True,
            'rules': [{'name': 'ChatGPT', 'type': 'fqdn', 'destinations': ['chatgpt.com']}]}}),
        ('filtering_profile', {'jitaccess.entra.filtering_profile': {
            'name': ALLOW, 'priority': 100, 'purge_policies': True, 'policies': [{'name': ALLOW, 'priority': 100}]}}),
        ('filtering_profile (Baseline link)', {'jitaccess.entra.filtering_profile': {
            'baseline': True, 'policies': [{'name': BLOCK, 'priority': 100}]}}),
        ('conditional_access_policy', {'jitaccess.entra.conditional_access_policy': {
            'display_name': CA_POLICY, 'policy_state': 'enabled', 'include_groups': [GROUP],
            'include_applications': ['all_internet_resources_gsa'], 'session_controls': {'gsa_security_profile': ALLOW}}}),
        ('access_package_catalog', {'jitaccess.entra.access_package_catalog': {
            'display_name': CATALOG, 'description': 'Time-bound access to approved AI apps'}}),
        ('access_package', {'jitaccess.entra.access_package': {
            'display_name': PACKAGE, 'catalog': CATALOG, 'description': 'ChatGPT for two hours after approval',
            'resource_roles': [{'group': GROUP, 'role': 'member'}], 'purge_resource_roles': True}}),
        ('access_package_assignment_policy', {'jitaccess.entra.access_package_assignment_policy': {
            'display_name': ASSIGNMENT_POLICY, 'access_package': PACKAGE, 'catalog': CATALOG,
            'requestors': {'scope': 'specific', 'groups': ['Finance Team']},
            'approval': {'required': True, 'requestor_justification': True, 'stages': [{
                'approvers': {'manager': True}, 'fallback_approvers': {'users': ['it.approvals@%s' % domain]},
                'approver_justification': True, 'deadline_days': 14}]},
            'expiration': {'hours': 2}, 'allow_custom_schedule': False,
            'questions': [{'text': 'What will you use the app for?', 'required': True}],
            'access_reviews': {'enabled': False}}}),
    ]


INFO_TASKS = [
    ('group_info', {'jitaccess.entra.group_info': {'display_name': GROUP}}),
    ('filtering_policy_info', {'jitaccess.entra.filtering_policy_info': {'name': ALLOW}}),
    ('filtering_profile_info', {'jitaccess.entra.filtering_profile_info': {'name': ALLOW}}),
    ('conditional_access_policy_info', {'jitaccess.entra.conditional_access_policy_info': {'display_name': CA_POLICY}}),
    ('access_package_catalog_info', {'jitaccess.entra.access_package_catalog_info': {'display_name': CATALOG}}),
    ('access_package_info', {'jitaccess.entra.access_package_info': {'display_name': PACKAGE, 'catalog': CATALOG}}),
    ('access_package_assignment_policy_info', {'jitaccess.entra.access_package_assignment_policy_info': {
        'display_name': ASSIGNMENT_POLICY, 'access_package': PACKAGE, 'catalog': CATALOG}}),
    ('access_package_assignment_info', {'jitaccess.entra.access_package_assignment_info': {
        'access_package': PACKAGE, 'catalog': CATALOG}}),
]

# Created before the run but not measured: the block policy the Baseline profile links.
SETUP_TASKS = [
    ('block policy', {'jitaccess.entra.filtering_policy': {
        'name': BLOCK, 'action': 'block',
        'rules': [{'name': 'Artificial Intelligence', 'type': 'webCategory', 'destinations': ['ArtificialIntelligence']}]}}),
]


def runtime_python():
    """A Python with only requirements.txt installed, or (None, why not)."""
    venv = REPO / '.build' / 'bench-runtime'
    python = venv / 'bin' / 'python'
    stamp = venv / '.requirements'
    wanted = (REPO / 'requirements.txt').read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return str(python), None
    try:
        subprocess.run([sys.executable, '-m', 'venv', '--clear', str(venv)], check=True, capture_output=True, text=True)
        subprocess.run([str(python), '-m', 'pip', 'install', '--quiet', '-r', str(REPO / 'requirements.txt')],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        return None, (exc.stderr or exc.stdout or str(exc)).strip().splitlines()[-1]
    stamp.write_text(wanted)
    return str(python), None


class Emulator:
    """The emulator in a process of its own, with its control plane (request log) over HTTPS."""

    def __init__(self, state_dir):
        self.process = subprocess.Popen([sys.executable, '-m', 'tests.emulator', '--state-dir', str(state_dir)],  # pylint: disable=consider-using-with
                                        cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=self.info['ca_path']), timeout=30)

    def requests(self):
        return self.http.get(self.info['base_url'] + '/_emulator/requests', params={'kind': 'all'}).json()

    def clear_log(self):
        self.http.delete(self.info['base_url'] + '/_emulator/requests')

    def inject(self, kind, **rule):
        self.http.post(self.info['base_url'] + '/_emulator/faults', json=dict(rule, kind=kind)).raise_for_status()

    def clear_faults(self):
        self.http.delete(self.info['base_url'] + '/_emulator/faults')

    def stop(self):
        self.http.close()
        self.process.terminate()
        self.process.wait()


class Runner:
    """Writes playbooks and runs them with the timing callback; returns the tasks' windows and results."""

    def __init__(self, workdir, env, interpreter):
        self.workdir = workdir
        self.env = env
        self.interpreter = interpreter
        self.count = 0

    def run(self, tasks, interpreter=None, module_defaults=None, env=None):
        self.count += 1
        interpreter = interpreter or self.interpreter
        path = self.workdir / ('play-%d.yml' % self.count)
        log = self.workdir / ('timer-%d.jsonl' % self.count)
        play = {'name': 'bench', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                'vars': {'ansible_python_interpreter': interpreter}, 'tasks': [dict(task, name=name) for name, task in tasks]}
        if module_defaults:
            play['module_defaults'] = {'group/jitaccess.entra.graph': module_defaults}
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path)],
                                env=dict(self.env, BENCH_TIMER_LOG=str(log), **(env or {})),
                                capture_output=True, text=True, check=False)
        events = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        failed = [e for e in events if e['event'] == 'failed']
        if result.returncode != 0 or failed:
            raise SystemExit('benchmark playbook failed: %s\n%s\n%s' % (failed, result.stdout[-3000:], result.stderr[-3000:]))
        return windows(events)


def windows(events):
    """[(task name, start, end, changed)]: a task lasts until the next one starts (the last until the play ends)."""
    starts = [e for e in events if e['event'] in ('start', 'end')]
    changed = {e['task']: e['changed'] for e in events if e['event'] == 'ok'}
    return [(a['task'], a['time'], b['time'], changed.get(a['task'])) for a, b in zip(starts, starts[1:])]


def split_requests(entries, spans):
    """Request log entries per task window."""
    per_task = {name: [] for name, *dummy in spans}
    for entry in entries:
        for name, start, end, dummy in spans:
            if start <= entry['time'] < end:
                per_task[name].append(entry)
                break
    return per_task


def describe(entry):
    query = '?' + entry['query'] if entry['query'] else ''
    return '%s %s%s -> %s' % (entry['method'], entry['path'], query, entry['status'])


def measure_cost(runner, emulator, kinds):
    """Median seconds per task and Graph requests per task for each kind, from one run of ROUNDS rounds."""
    tasks = []
    for round_number in range(ROUNDS):
        shift = round_number % len(kinds)
        for label, task in kinds[shift:] + kinds[:shift]:
            tasks.append(('%s | round %d' % (label, round_number), task))
    emulator.clear_log()
    spans = runner.run(tasks)
    not_converged = sorted({name.split(' | ')[0] for name, dummy, dummy, changed in spans if changed})
    if not_converged:
        raise SystemExit('not converged, the benchmark would measure changes: %s' % ', '.join(not_converged))
    per_task = split_requests(emulator.requests(), spans)
    cost, requests, samples = {}, {}, {}
    for name, start, end, dummy in spans:
        label, round_text = name.split(' | round ')
        if int(round_text) == 0:
            continue
        samples.setdefault(label, []).append(end - start)
        requests.setdefault(label, []).append(per_task[name])
    for label, values in samples.items():
        cost[label] = statistics.median(values)
    return cost, requests


def measure_process(runner, kinds):
    """Peak RSS (MB, highest) and CPU seconds (median) of each module's process, over three runs of each kind.

    CPU time is the module process's own work (imports, TLS, JSON, the lifecycle): unlike wall time it hardly moves
    when other work shares the machine."""
    log = runner.workdir / 'process.log'
    launcher = runner.workdir / 'python-peak-rss'
    # Ansible runs the interpreter path as one word, so the wrapper gets a launcher of its own.
    launcher.write_text('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, HERE / 'peak_rss.py'))
    launcher.chmod(0o755)
    runner.run([('%s | process %d' % (label, n), task) for n in range(3) for label, task in kinds], interpreter=str(launcher),
               env={'BENCH_REAL_PYTHON': runner.interpreter, 'BENCH_RSS_LOG': str(log)})
    peaks, cpu = {}, {}
    for line in log.read_text().splitlines():
        module, kib, seconds = line.split()
        peaks[module] = max(peaks.get(module, 0), int(kib) / 1024.0)
        cpu.setdefault(module, []).append(float(seconds))
    return peaks, {module: statistics.median(values) for module, values in cpu.items()}


def measure_tokens(runner, emulator, kinds):
    """Token-service requests for one task per module from an empty cache, with and without the cache."""
    results = {}
    for label, defaults in (('token cache on (default)', None), ('token_cache: false', {'token_cache': False})):
        cache_dir = Path(tempfile.mkdtemp(dir=runner.workdir, prefix='tokens-'))
        emulator.clear_log()
        spans = runner.run(kinds, module_defaults=defaults, env={'ENTRA_TOKEN_CACHE_DIR': str(cache_dir)})
        entries = emulator.requests()
        results[label] = dict(tasks=len(spans), token=sum(1 for e in entries if e['kind'] == 'token'),
                              discovery=sum(1 for e in entries if e['kind'] == 'discovery'),
                              graph=sum(1 for e in entries if e['kind'] == 'graph'))
    return results


def module_of(task):
    return next(key for key in task if key not in ('name', 'vars')).rsplit('.', 1)[-1]


def count(entries, reads):
    return sum(1 for e in entries if e['kind'] == 'graph' and (e['method'] == 'GET') == reads)


def spread(values):
    low, high = min(values), max(values)
    return str(low) if low == high else '%d-%d' % (low, high)


def connections(entries):
    """TCP (TLS) connections a task opened: the distinct client addresses of its requests, token service included."""
    return len({entry['connection'] for entry in entries if entry.get('connection')})


def report(results, kinds, note, latency):
    cost, requests, (peaks, cpu), tokens = results
    print('machine: %d cores, load average %.1f; Python %s; %d rounds, the first not counted' % (
        os.cpu_count(), os.getloadavg()[0], sys.version.split()[0], ROUNDS))
    print('modules ran with %s' % note)
    print()
    print('Converged task per module against the no-op module in the same run, at loopback. s/task: median wall time per')
    print('task, Ansible included (target <= 1.30x the no-op task); CPU s: median CPU time of the module process; RSS: its')
    print('peak (target < 60 MB); Graph requests per task (token requests are in the next table); conn: TLS connections')
    print('per task (target <= 1):')
    print('  %-38s %7s %6s %6s %6s %6s %6s %5s %7s' % ('module', 's/task', 'ratio', 'CPU s', 'ratio', 'reads', 'writes', 'conn', 'RSS MB'))
    for label, task in kinds:
        module = module_of(task)
        measured = 'vars' not in task and 'token_cache' not in next(iter(task.values()))
        process = ('%6.3f %5.2fx' % (cpu[module], cpu[module] / cpu['noop'])) if measured else '%6s %6s' % ('', '')
        print('  %-38s %7.3f %5.2fx %s %6s %6s %5s %7s' % (
            label, cost[label], cost[label] / cost[NOOP], process, spread([count(e, True) for e in requests[label]]),
            spread([count(e, False) for e in requests[label]]), spread([connections(e) for e in requests[label]]),
            '%.1f' % peaks[module] if measured else ''))
    print()
    slow_cost, slow_requests = latency
    print('The same converged tasks with the emulator adding %d ms to every request and %d ms to every new TLS connection:'
          % (LATENCY_MS, LATENCY_MS))
    print('  %-38s %7s %6s %6s %5s' % ('module', 's/task', 'ratio', 'reads', 'conn'))
    for label, task in kinds:
        if label in slow_cost:
            reads = spread([count(e, True) for e in slow_requests[label]])
            opened = spread([connections(e) for e in slow_requests[label]])
            print('  %-38s %7.3f %5.2fx %6s %5s' % (label, slow_cost[label], slow_cost[label] / slow_cost[NOOP], reads, opened))
    print()
    first = next(iter(tokens.values()))
    print('Token service in a run of %d tasks (one per module), starting from an empty cache (the time a task saves with the' % first['tasks'])
    print('cache is the difference between the rows "group" and "group, token_cache: false" above):')
    print('  %-26s %14s %16s %14s' % ('', 'token requests', 'discovery (GET)', 'Graph requests'))
    for label, row in tokens.items():
        print('  %-26s %14d %16d %14d' % (label, row['token'], row['discovery'], row['graph']))
    print()
    print('Graph requests of one converged task (last round):')
    for label, task in kinds:
        if label != NOOP and 'vars' not in task:
            print('  %s' % label)
            for entry in requests[label][-1]:
                if entry['kind'] == 'graph':
                    print('    %s' % describe(entry))


def main():
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix='jitaccess-bench-'))
    collections = collection_root(workdir / 'collections')
    interpreter, problem = runtime_python()
    note = 'a Python that has only requirements.txt (%s)' % interpreter
    if interpreter is None:
        interpreter, note = sys.executable, 'the development venv: no runtime-only venv (%s)' % problem
    emulator = Emulator(workdir / 'emulator')
    try:
        info = emulator.info
        tenant = info['tenants'][0]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_LIBRARY=str(HERE / 'library'),
                   ANSIBLE_CALLBACK_PLUGINS=str(HERE / 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='bench_timer',
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   AZURE_TENANT_ID=tenant['tenant_id'], AZURE_CLIENT_ID=tenant['client_id'],
                   AZURE_CLIENT_SECRET=tenant['client_secret'], AZURE_AUTHORITY_HOST=info['base_url'],
                   ENTRA_GRAPH_ENDPOINT=info['base_url'], ENTRA_CA_BUNDLE=info['ca_path'],
                   ENTRA_TOKEN_CACHE_DIR=str(workdir / 'token-cache'))
        runner = Runner(workdir, env, interpreter)
        resources = resource_tasks(tenant['domain'])
        runner.run(SETUP_TASKS + resources)
        kinds = [(NOOP, {'noop': {'label': 'x'}})] + resources + INFO_TASKS
        group = resources[0][1]['jitaccess.entra.group']
        extras = [('group, token_cache: false', {'jitaccess.entra.group': dict(group, token_cache=False)})]
        if interpreter != sys.executable:
            extras.append(('group, development venv', {'jitaccess.entra.group': group,
                                                       'vars': {'ansible_python_interpreter': sys.executable}}))
        cost, requests = measure_cost(runner, emulator, kinds + extras)
        results = (cost, requests, measure_process(runner, kinds), measure_tokens(runner, emulator, kinds[1:]))
        emulator.inject('latency', request_kind='any', ms=LATENCY_MS)
        emulator.inject('handshake_latency', ms=LATENCY_MS)
        latency = measure_cost(runner, emulator, kinds + extras[:1])
        emulator.clear_faults()
    finally:
        emulator.stop()
    report(results, kinds + extras, note, latency)
    print()
    print('bench took %.0f s' % (time.monotonic() - started))


if __name__ == '__main__':
    main()
