"""Every task is a fresh process that compiles the module_utils it imports: what only an error path needs is imported
there, not by every task."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid

from ansible_collections.jitaccess.entra.plugins.module_utils._graph import request_id

PROBE = r'''
import json, sys
from ansible_collections.jitaccess.entra.plugins.module_utils import _group, _lifecycle  # what the group module imports
print(json.dumps(sorted(name.rsplit('.', 1)[-1] for name in sys.modules if name.startswith('ansible_collections.jitaccess'))))
'''


def test_a_module_does_not_load_the_permission_table_until_graph_answers_403():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    loaded = json.loads(subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True, check=True).stdout)
    assert '_graph' in loaded and '_permissions' not in loaded


# What a converged task (token in the cache, every request answered 200) never runs, each with a name it defines.
RARE_PATHS = {
    '_graph_retry': 'Retries',  # a failed attempt: retry, recovery of a lost write, Graph's error
    '_token_acquire': 'acquire_token',  # a token miss: the azure-identity credential, the sign-in prompt
    '_token_cache_write': 'put_token',  # a write to the cache: a new token, a created or deleted object
}


def test_a_module_loads_the_retry_token_acquisition_and_cache_write_paths_only_when_a_task_takes_them():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    loaded = json.loads(subprocess.run([sys.executable, '-c', PROBE], env=env, capture_output=True, text=True, check=True).stdout)
    assert {'_graph', '_task_token', '_token_cache', '_auth'} <= set(loaded)
    assert not set(RARE_PATHS) & set(loaded)
    for name, defined in RARE_PATHS.items():
        module = importlib.import_module('ansible_collections.jitaccess.entra.plugins.module_utils.' + name)
        assert hasattr(module, defined)


def test_the_client_request_id_is_a_random_version_4_uuid_made_without_the_uuid_module():
    made = [request_id() for dummy in range(500)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    probe = 'import sys; from ansible_collections.jitaccess.entra.plugins.module_utils import _group, _lifecycle; print("uuid" in sys.modules)'
    assert subprocess.run([sys.executable, '-c', probe], env=env, capture_output=True, text=True, check=True).stdout.strip() == 'False'
