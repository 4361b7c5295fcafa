"""Every task is a fresh process that compiles the module_utils it imports: what only an error path needs is imported
there, not by every task."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = r'''
import json, sys
from ansible_collections.jitaccess.entra.plugins.module_utils import _group, _lifecycle  # what the group module imports
print(json.dumps(sorted(name.rsplit('.', 1)[-1] for name in sys.modules if name.startswith('ansible_collections.jitaccess'))))
'''


def test_a_module_does_not_load_the_permission_table_until_graph_answers_403():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    loaded = json.loads(subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True, check=True).stdout)
    assert '_graph' in loaded and '_permissions' not in loaded
