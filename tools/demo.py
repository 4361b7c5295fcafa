"""The README's main command: the seed scenario against the embedded Entra emulator, step by step.

Starts the emulator, runs the playbook in check mode with diff, applies it, re-runs it to show nothing changes,
and prints what Graph saw at each step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import ssl
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.integration.harness import collection_root  # noqa: E402  pylint: disable=wrong-import-position


def banner(text):
    print('\n\033[1m== %s ==\033[0m' % text if sys.stdout.isatty() else '\n== %s ==' % text, flush=True)


class Demo:
    def __init__(self, workdir):
        self.workdir = workdir
        command = [sys.executable, '-m', 'tests.emulator', '--state-dir', str(workdir / 'emulator')]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        self.info = json.loads(self.process.stdout.readline())
        self.tenant = self.info['tenants'][0]
        self.tls = ssl.create_default_context(cafile=self.info['ca_path'])
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root(workdir / 'collections')),
                        ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                        AZURE_TENANT_ID=self.tenant['tenant_id'], AZURE_CLIENT_ID=self.tenant['client_id'],
                        AZURE_CLIENT_SECRET=self.tenant['client_secret'], AZURE_AUTHORITY_HOST=self.info['base_url'],
                        ENTRA_GRAPH_ENDPOINT=self.info['base_url'], ENTRA_CA_BUNDLE=self.info['ca_path'])

    def control(self, method, path):
        request = urllib.request.Request(self.info['base_url'] + path, method=method)
        with urllib.request.urlopen(request, context=self.tls) as response:  # nosec B310 - loopback emulator
            body = response.read()
        return json.loads(body) if body else None

    def playbook(self, *args):
        self.control('DELETE', '/_emulator/requests')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(REPO / 'playbooks' / 'jit_ai_access.yml'),
                   '-e', 'ansible_python_interpreter=%s' % sys.executable] + list(args)
        print('$ ansible-playbook playbooks/jit_ai_access.yml %s' % ' '.join(args), flush=True)
        code = subprocess.call(command, env=self.env, cwd=REPO)
        if code:
            raise SystemExit('playbook failed with exit code %d' % code)
        log = self.control('GET', '/_emulator/requests?kind=graph')
        writes = [entry for entry in log if entry['method'] != 'GET']
        print('Graph saw %d requests, %d of them writes: %s' % (
            len(log), len(writes), ', '.join('%s %s' % (w['method'], w['path']) for w in writes) or 'none'))
        return writes

    def close(self):
        self.process.terminate()
        self.process.wait()


def main():
    demo = Demo(Path(tempfile.mkdtemp(prefix='jitaccess-demo-')))
    try:
        print('Emulated Entra tenant %s at %s' % (demo.tenant['tenant_id'], demo.info['base_url']))
        banner('1. Dry run: what would change (check mode with diff)')
        assert not demo.playbook('--check', '--diff'), 'check mode must not write'
        banner('2. Apply')
        demo.playbook('--diff')
        banner('3. Apply again: already converged, nothing is written')
        assert not demo.playbook(), 'a converged run must not write'
        banner('Done')
        print('Point the same playbook at a real tenant by exporting AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET\n'
              '(an app registration with Group.ReadWrite.All) and running:\n'
              '  ansible-playbook playbooks/jit_ai_access.yml --check --diff')
    finally:
        demo.close()


if __name__ == '__main__':
    main()
