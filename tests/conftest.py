"""Make this checkout importable as ansible_collections.jitaccess.entra for every test; isolate the token cache."""

from __future__ import annotations

import os
import sys
import tempfile

from tests.integration.harness import collection_root

COLLECTIONS = collection_root(tempfile.mkdtemp(prefix='jitaccess-collections-'))
sys.path.insert(0, str(COLLECTIONS))

# Module runs (in-process and under ansible-playbook) share a token cache (and the recently created
# objects) that belong to the test session only: nothing is written to the real ~/.cache. Each pytest-xdist worker
# imports this file and gets directories of its own, XDG_CACHE_HOME included for anything that falls back to it.
os.environ['XDG_CACHE_HOME'] = tempfile.mkdtemp(prefix='jitaccess-cache-')
os.environ['ENTRA_TOKEN_CACHE_DIR'] = tempfile.mkdtemp(prefix='jitaccess-tokens-')
