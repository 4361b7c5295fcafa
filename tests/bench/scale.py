"""Scale benchmark: the jit_ai_access role across many emulator tenants, one inventory host per tenant.

Not a test: it prints numbers (run with `make scale`). Steps:
1. converge TENANTS tenants from empty;
2. check mode over 1, 10 and TENANTS tenants with injected Graph latency and forks 10: wall time, Graph and
   token requests per tenant;
3. drift injected in 3 tenants (stray member, disabled CA policy, unlinked Baseline policy) is reported for exactly
   those 3 by a check-mode run, fixed by an enforcing run, and a last check-mode run reports no drift.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.harness import collection_root  # noqa: E402  pylint: disable=wrong-import-position


class Fleet:
    """The emulator with many tenants in a subprocess, and role runs against a slice of them."""

    def __init__(self, workdir, tenants):
        self.workdir = workdir
        command = [sys.executable, '-m', 'tests.emulator', '--state-dir', str(workdir / 'emulator'), '--tenants', str(tenants)]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        self.info = json.loads(self.process.stdout.readline())
        self.tls = ssl.create_default_context(cafile=self.info['ca_path'])
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root(workdir / 'collections')),
                        ANSIBLE_LOCALHOST_WARNING='0', AZURE_AUTHORITY_HOST=self.info['base_url'],
                        ENTRA_GRAPH_ENDPOINT=self.info['base_url'], ENTRA_CA_BUNDLE=self.info['ca_path'],
                        ENTRA_TOKEN_CACHE_DIR=str(workdir / 'tokens'))

    def call(self, method, path, body=None, token=None):
        headers = {'Content-Type': 'application/json'}
        if token:
            headers['Authorization'] = 'Bearer ' + token
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.info['base_url'] + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, context=self.tls) as response:  # nosec B310 - loopback emulator
            answer = response.read()
        return json.loads(answer) if answer else None

    def token(self, tenant):
        form = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': tenant['client_id'],
                                       'client_secret': tenant['client_secret'], 'scope': 'https://graph.microsoft.com/.default'}).encode()
        url = '%s/%s/oauth2/v2.0/token' % (self.info['base_url'], tenant['tenant_id'])
        with urllib.request.urlopen(urllib.request.Request(url, data=form), context=self.tls) as response:  # nosec B310
            return json.loads(response.read())['access_token']

    def inventory(self, count):
        hosts = {}
        for number, tenant in enumerate(self.info['tenants'][:count]):
            hosts['tenant%02d' % number] = {
                'entra_tenant_id': tenant['tenant_id'], 'entra_client_id': tenant['client_id'], 'entra_client_secret': tenant['client_secret'],
                'jit_ai_access_fallback_approvers': [upn for upn in tenant['users'] if upn.startswith('it.approvals@')]}
        path = self.workdir / ('inventory-%d.yml' % count)
        path.write_text(yaml.safe_dump({'tenants': {'hosts': hosts, 'vars': {'ansible_connection': 'local'}}}))
        return path

    def run(self, count, check=False, forks=10, **extra):
        summary = self.workdir / 'summary.json'
        variables = dict(extra, ansible_python_interpreter=sys.executable, jit_ai_access_summary_path=str(summary))
        vars_file = self.workdir / 'vars.json'
        vars_file.write_text(json.dumps(variables))
        self.call('DELETE', '/_emulator/requests')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(self.inventory(count)),
                   str(REPO / 'playbooks' / 'jit_ai_access.yml'), '-e', '@%s' % vars_file, '--forks', str(forks)]
        if check:
            command.append('--check')
        started = time.perf_counter()
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        log = self.call('GET', '/_emulator/requests?kind=all')
        report = json.loads(summary.read_text()) if summary.exists() else {}
        return result, elapsed, log, report

    def close(self):
        self.process.terminate()
        self.process.wait()


def per_tenant(log, kind, count):
    return len([entry for entry in log if entry['kind'] == kind]) / float(count)


def drift_in_three(fleet):
    """A stray member, a disabled CA policy and an unlinked Baseline policy, one per tenant, through raw Graph calls."""
    first, second, third = fleet.info['tenants'][:3]
    token = fleet.token(first)
    group = fleet.call('GET', "/v1.0/groups?$filter=displayName%20eq%20'Allow%20ChatGPT%20Access'", token=token)['value'][0]
    sarah = next(user['id'] for upn, user in first['users'].items() if upn.startswith('sarah.jones@'))
    fleet.call('POST', '/v1.0/groups/%s/members/$ref' % group['id'],
               {'@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' + sarah}, token=token)
    token = fleet.token(second)
    policy = fleet.call('GET', '/beta/identity/conditionalAccess/policies', token=token)['value'][0]
    fleet.call('PATCH', '/beta/identity/conditionalAccess/policies/' + policy['id'], {'state': 'disabled'}, token=token)
    token = fleet.token(third)
    profiles = fleet.call('GET', '/beta/networkAccess/filteringProfiles?$expand=policies($expand=policy)', token=token)['value']
    baseline = next(profile for profile in profiles if profile['priority'] == 65000)
    link = next(link for link in baseline['policies'] if (link.get('policy') or {}).get('name') == 'Block Artificial Intelligence')
    fleet.call('DELETE', '/beta/networkAccess/filteringProfiles/%s/policies/%s' % (baseline['id'], link['id']), token=token)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--tenants', type=int, default=50)
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--forks', type=int, default=10)
    options = parser.parse_args()
    fleet = Fleet(Path(tempfile.mkdtemp(prefix='jitaccess-scale-')), options.tenants)
    rows = []
    try:
        result, elapsed, log, report = fleet.run(options.tenants, forks=options.forks)
        if result.returncode:
            raise SystemExit('converge failed:\n' + result.stdout[-4000:])
        rows.append(('converge from empty', options.tenants, elapsed, per_tenant(log, 'graph', options.tenants),
                     per_tenant(log, 'token', options.tenants), sum(1 for body in report.values() if body['drift'])))
        fleet.call('POST', '/_emulator/faults', {'kind': 'latency', 'ms': options.latency_ms})
        for count in sorted({1, 10, options.tenants}):
            result, elapsed, log, report = fleet.run(count, check=True, forks=options.forks)
            rows.append(('check mode, %d ms latency' % options.latency_ms, count, elapsed, per_tenant(log, 'graph', count),
                         per_tenant(log, 'token', count), sum(1 for body in report.values() if body['drift'])))
        fleet.call('DELETE', '/_emulator/faults')
        drift_in_three(fleet)
        result, elapsed, log, report = fleet.run(options.tenants, check=True, forks=options.forks)
        drifted = sorted(tenant for tenant, body in report.items() if body['drift'])
        findings = {tenant: sorted('%s %s: %s' % (o['object'], o['name'], ', '.join(o['fields'])) for o in body['objects']
                                   if o['status'] != 'ok') for tenant, body in report.items() if body['drift']}
        rows.append(('check mode after drift in 3', options.tenants, elapsed, per_tenant(log, 'graph', options.tenants),
                     per_tenant(log, 'token', options.tenants), len(drifted)))
        result, elapsed, log, report = fleet.run(options.tenants, forks=options.forks, jit_ai_access_remove_stray_members=True)
        fixed = sorted(tenant for tenant, body in report.items() if body['drift'])
        rows.append(('enforce (fixes the drift)', options.tenants, elapsed, per_tenant(log, 'graph', options.tenants),
                     per_tenant(log, 'token', options.tenants), sum(1 for body in report.values() if body['drift'])))
        result, elapsed, log, report = fleet.run(options.tenants, check=True, forks=options.forks)
        rows.append(('check mode after enforcing', options.tenants, elapsed, per_tenant(log, 'graph', options.tenants),
                     per_tenant(log, 'token', options.tenants), sum(1 for body in report.values() if body['drift'])))
    finally:
        fleet.close()
    print('machine: %d cores; forks %d; Graph latency in check-mode rows: %d ms' % (os.cpu_count(), options.forks, options.latency_ms))
    print('%-30s %8s %9s %12s %14s %14s' % ('run', 'tenants', 'wall s', 's / tenant', 'Graph req/ten', 'token req/ten') + '  drifted')
    for name, count, elapsed, graph, tokens, drift in rows:
        print('%-30s %8d %9.1f %12.2f %14.1f %14.2f  %7d' % (name, count, elapsed, elapsed / count, graph, tokens, drift))
    print('drift found after the injection:')
    for tenant, found in sorted(findings.items()):
        print('  %s: %s' % (tenant, '; '.join(found)))
    print('tenants the enforcing run changed: %s' % ', '.join(fixed))
    # The enforcing run changes exactly the drifted tenants; the check-mode run after it finds nothing left.
    if drifted != ['tenant00', 'tenant01', 'tenant02'] or fixed != drifted or rows[-1][-1]:
        raise SystemExit('drift was not reported for exactly the 3 tenants, or not fixed by the enforcing run')


if __name__ == '__main__':
    main()
