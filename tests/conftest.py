"""Make this checkout importable as ansible_collections.jitaccess.entra for every test."""

from __future__ import annotations

import sys
import tempfile

from tests.integration.harness import collection_root

COLLECTIONS = collection_root(tempfile.mkdtemp(prefix='jitaccess-collections-'))
sys.path.insert(0, str(COLLECTIONS))
