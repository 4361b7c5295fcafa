"""The README's main command: the seed scenario against the embedded Entra emulator, step by step.

Starts the emulator (one tenant), dry-runs the jit_ai_access playbook with diff (its readiness checklist first),
applies it, shows a second run writes nothing, then plays the end-user journey: Sarah requests ChatGPT, Conditional
Access What If shows the allow profile does not reach her, her manager approves, What If shows it does, she is a
member of the JIT group, the emulator's clock moves two hours on, and her membership is gone.
"""

from __future__ import annotations

import collections
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.harness import collection_root  # noqa: E402  pylint: disable=wrong-import-position

GUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')


def banner(text):
    print('\n== %s ==' % text, flush=True)


class Demo:
    """The emulator in a subprocess, plus helpers to run playbooks against it and read its request log."""

    def __init__(self, workdir):
        self.workdir = workdir
        command = [sys.executable, '-m', 'tests.emulator', '--state-dir', str(workdir / 'emulator')]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        self.info = json.loads(self.process.stdout.readline())
        self.tenant = self.info['tenants'][0]
        self.users = {upn.split('@')[0]: upn for upn in self.tenant['users']}
        self.tls = ssl.create_default_context(cafile=self.info['ca_path'])
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root(workdir / 'collections')),
                        ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1',
                        ANSIBLE_FORCE_COLOR='0', ENTRA_TOKEN_CACHE_DIR=str(workdir / 'tokens'),
                        AZURE_TENANT_ID=self.tenant['tenant_id'], AZURE_CLIENT_ID=self.tenant['client_id'],
                        AZURE_CLIENT_SECRET=self.tenant['client_secret'], AZURE_AUTHORITY_HOST=self.info['base_url'],
                        ENTRA_GRAPH_ENDPOINT=self.info['base_url'], ENTRA_CA_BUNDLE=self.info['ca_path'])
        self.extra_vars = workdir / 'vars.yml'
        self.extra_vars.write_text(yaml.safe_dump({
            'ansible_python_interpreter': sys.executable,
            'jit_ai_access_fallback_approvers': [self.users['it.approvals']],
        }))

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.info['base_url'] + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, context=self.tls) as response:  # nosec B310 - loopback emulator
            answer = response.read()
        return json.loads(answer) if answer else None

    def user_token(self, name):
        """A delegated token for a seeded user, as the user would get by signing in."""
        user = self.tenant['users'][self.users[name]]
        form = urllib.parse.urlencode({'grant_type': 'password', 'client_id': self.tenant['client_id'],
                                       'username': self.users[name], 'password': user['password'],
                                       'scope': 'https://graph.microsoft.com/.default'}).encode()
        url = '%s/%s/oauth2/v2.0/token' % (self.info['base_url'], self.tenant['tenant_id'])
        with urllib.request.urlopen(urllib.request.Request(url, data=form), context=self.tls) as response:  # nosec B310
            return json.loads(response.read())['access_token']

    def playbook(self, name, *args, extra=None, show=True):
        self.control('DELETE', '/_emulator/requests')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                   str(REPO / 'playbooks' / name), '-e', '@%s' % self.extra_vars] + list(args)
        if extra:
            extra_file = self.workdir / 'extra.json'
            extra_file.write_text(json.dumps(extra))
            command += ['-e', '@%s' % extra_file]
        print('$ ansible-playbook playbooks/%s %s' % (name, ' '.join(args)), flush=True)
        result = subprocess.run(command, env=self.env, cwd=REPO, capture_output=not show, text=True, check=False)
        if result.returncode:
            raise SystemExit('playbook failed with exit code %d\n%s' % (result.returncode, result.stdout or ''))
        log = self.control('GET', '/_emulator/requests?kind=graph')
        writes = [entry for entry in log if entry['method'] != 'GET']
        print('Graph saw %d requests, %d of them writes.' % (len(log), len(writes)), flush=True)
        return writes

    def close(self):
        self.process.terminate()
        self.process.wait()


def main():
    demo = Demo(Path(tempfile.mkdtemp(prefix='jitaccess-demo-')))
    try:
        print('Emulated Entra tenant %s at %s' % (demo.tenant['tenant_id'], demo.info['base_url']))
        banner('1. Dry run: is the tenant ready, and what would be created (check mode with diff)')
        summary = demo.workdir / 'summary.json'
        assert not demo.playbook('jit_ai_access.yml', '--check', '--diff', extra={'jit_ai_access_summary_path': str(summary)}), \
            'check mode must not write'
        readiness = json.loads(summary.read_text())['localhost']['readiness']
        print('Readiness checklist (tenant_readiness, before any write): ready=%s' % readiness['ready'])
        print('\n'.join('  %-7s %-45s %s' % (item['status'], item['check'], item['reason']) for item in readiness['checklist']))
        assert readiness['ready'], 'the emulated tenant must be ready'
        banner('2. Apply')
        written = demo.playbook('jit_ai_access.yml', show=False)
        calls = collections.Counter('%s %s' % (w['method'], GUID.sub('{id}', w['path'])) for w in written)
        print('\n'.join('  %dx %s' % (count, call) for call, count in sorted(calls.items())))
        for write in written:
            if write['method'] == 'POST' and write['path'].endswith('/identity/conditionalAccess/policies'):
                levels = ((write.get('body') or {}).get('conditions') or {}).get('signInRiskLevels') or ['any']
                print('  Conditional Access hands the security profile out at sign-in risk %s (none is its own level; the '
                      'condition needs Entra ID P2)' % ', '.join(sorted(levels, key=['none', 'low', 'medium', 'high'].index)))
        banner('3. Apply again: converged, nothing is written')
        assert not demo.playbook('jit_ai_access.yml'), 'a converged run must not write'

        banner('4. Sarah asks for ChatGPT in My Access; her manager Michael approves (What If before and after)')
        demo.playbook('demo_journey.yml', show=True, extra={
            'journey_requestor_token': demo.user_token('sarah.jones'),
            'journey_approver_token': demo.user_token('michael.brown'),
            'journey_requestor': demo.users['sarah.jones'],
        })
        banner('5. Two hours later (the emulator clock moves on): access has ended by itself')
        demo.control('POST', '/_emulator/clock', {'advance_seconds': 2 * 3600 + 60})
        demo.playbook('audit.yml')
        banner('Done')
        print('To run the same playbook against a real tenant, export AZURE_TENANT_ID, AZURE_CLIENT_ID and\n'
              'AZURE_CLIENT_SECRET for an app registration with the permissions listed in README.md, then:\n'
              '  ansible-playbook -i localhost, playbooks/jit_ai_access.yml --check --diff\n'
              'or keep one host per tenant in an inventory like inventories/example.')
    finally:
        demo.close()


if __name__ == '__main__':
    main()
