"""Make this checkout importable as ansible_collections.jitaccess.entra for every test; isolate the token cache and the connection broker."""

from __future__ import annotations

import os
import sys
import tempfile

from tests.integration.harness import collection_root

COLLECTIONS = collection_root(tempfile.mkdtemp(prefix='jitaccess-collections-'))
sys.path.insert(0, str(COLLECTIONS))

# Module runs (in-process and under ansible-playbook) share a token cache that belongs to the test session only.
os.environ['ENTRA_TOKEN_CACHE_DIR'] = tempfile.mkdtemp(prefix='jitaccess-tokens-')
# ... and connection brokers of their own, which leave soon after the session does.
os.environ['ENTRA_CONNECTION_BROKER_DIR'] = tempfile.mkdtemp(prefix='jitaccess-brokers-')
os.environ['ENTRA_CONNECTION_BROKER_IDLE'] = '20'
