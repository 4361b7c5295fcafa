"""What a task loads. Ansible ships module_utils as source and every task compiles what its module imports, so code
a run does not need is imported where that need starts: the reference resolver when a task names another object.
Each run here is a fresh interpreter (as a module process is), against the HTTPS emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import COLLECTIONS
from tests.integration.harness import run_module

REPO = Path(__file__).resolve().parents[2]
UTILS = 'ansible_collections.jitaccess.entra.plugins.module_utils.'
# Runs one module in this fresh interpreter and prints its result and the module_utils it imported.
RUN_ONCE = '''
import json, sys
sys.path[:0] = [%r, %r]
from tests.integration.harness import run_module
result = run_module(sys.argv[1], json.loads(sys.argv[2]))
print(json.dumps({"result": result, "loaded": sorted(name for name in sys.modules if name.startswith(%r))}))
'''


def run_fresh(name, args):
    """(result, names of the module_utils loaded) of one run of module ``name`` in a new interpreter."""
    answer = subprocess.run([sys.executable, '-c', RUN_ONCE % (str(REPO), str(COLLECTIONS), UTILS), name, json.dumps(args)],
                            capture_output=True, text=True, check=True, cwd=REPO)
    found = json.loads(answer.stdout.splitlines()[-1])
    return found['result'], {module[len(UTILS):] for module in found['loaded']}


def test_a_run_that_names_no_other_object_does_not_load_the_resolver(emulator, tenant, auth):
    upn = 'sarah.jones@%s' % tenant.domain
    group = dict(auth, display_name='Allow ChatGPT Access', members=[], purge_members=True)
    catalog = dict(auth, display_name='AI apps', description='Time-bound access to approved AI apps')
    # A filtering policy's listing is read to find it by name: handed to the resolver only if one is made.
    policy = dict(auth, name='Allow ChatGPT', action='allow', rules=[{'name': 'ChatGPT', 'type': 'fqdn', 'destinations': ['chatgpt.com']}])
    runs = (('group', group), ('access_package_catalog', catalog), ('filtering_policy', policy))
    for name, args in runs:
        assert run_module(name, args)['changed'] is True
    emulator.clear_log()

    for name, args in runs:
        result, loaded = run_fresh(name, args)
        assert result['changed'] is False, result
        assert '_resolver' not in loaded and '_run_context' in loaded, (name, sorted(loaded))
    # The same task naming a member (one the group has not got yet) resolves it: the resolver loads, and is used.
    result, loaded = run_fresh('group', dict(group, members=[upn]))
    assert result['changed'] is True and result['group']['members'] == [upn]
    assert '_resolver' in loaded
    assert [(w['method'], w['path'].rsplit('/', 2)[-2:]) for w in emulator.writes(tenant.tenant_id)] == [('POST', ['members', '$ref'])]
