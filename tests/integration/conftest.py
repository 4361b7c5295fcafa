"""Fixtures for integration tests: the HTTPS emulator, a fresh tenant per test (or the converged one), and module runners."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import COLLECTIONS
from tests.emulator.fixtures import emulator, tenant  # noqa: F401  pylint: disable=unused-import
from tests.integration.harness import Playbook, auth_args, role_env, role_vars


def pytest_collection_modifyitems(items):
    """Tests marked ``slow`` first, each group in collection order. Under ``--dist worksteal`` (make integration) the
    workers start on the long role runs and take the short tests from each other at the end, instead of one worker
    running a long test alone while the other has nothing left."""
    items.sort(key=lambda item: item.get_closest_marker('slow') is None)


@pytest.fixture(scope='session')
def collections():
    return COLLECTIONS


@pytest.fixture
def auth(emulator, tenant, collections):  # noqa: F811  pylint: disable=redefined-outer-name,unused-argument
    """Connection options for the test's tenant (client secret over HTTPS, trusting the emulator's CA)."""
    return auth_args(emulator, tenant)


@pytest.fixture
def playbook(tmp_path, collections):  # pylint: disable=redefined-outer-name
    return Playbook(tmp_path, collections)


def forget_recent_creates():
    """Drop every record of objects created moments ago (``created-*.json`` under this process's cache directories):
    after a restore, a record of an object the restore took away would make the next lookup wait for it."""
    for base in {os.environ.get('XDG_CACHE_HOME'), os.environ.get('ENTRA_TOKEN_CACHE_DIR')} - {None}:
        for record in Path(base).rglob('created-*.json'):
            record.unlink(missing_ok=True)


@pytest.fixture(scope='session')
def converged_snapshot(emulator, collections, tmp_path_factory):  # noqa: F811  pylint: disable=redefined-outer-name
    """A tenant the role converged (playbooks/jit_ai_access.yml, default variables) once per session, that is once per
    pytest-xdist worker, and a snapshot of it. Tests marked ``@pytest.mark.converged`` get it as ``tenant``, restored
    to the snapshot (``restore()``), instead of converging a tenant of their own.

    ``run`` is the converging run (with its JSON summary in ``run.summary``); ``writes`` the Graph writes it sent."""
    info = emulator.add_tenant()
    workdir = tmp_path_factory.mktemp('converged')
    summary = workdir / 'summary.json'
    run = Playbook(workdir, collections).run_file('playbooks/jit_ai_access.yml',
                                                  dict(role_vars(info), jit_ai_access_summary_path=str(summary)),
                                                  env=role_env(emulator, info))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-3000:]
    run.summary = json.loads(summary.read_text())['localhost']
    writes = len(emulator.writes(info.tenant_id))
    snapshot = emulator.snapshot(info.tenant_id)

    def restore():
        restored = emulator.restore(snapshot)
        forget_recent_creates()
        emulator.clear_log()
        return restored

    return SimpleNamespace(tenant=info, snapshot=snapshot, run=run, writes=writes, restore=restore)


# Fault timings in scenarios that only need a client to wait what it is told: 0.2 s where Graph says 1 s.
FAST_FAULTS = 0.2


@pytest.fixture
def fast_faults(emulator):  # noqa: F811  pylint: disable=redefined-outer-name
    """Shorten the Retry-After and lag windows of the rules the test injects (``emulator.fault_seconds(1)`` says by how
    much); the ``tenant`` fixture puts real timings back afterwards."""
    emulator.fault_time_scale = FAST_FAULTS
    return emulator
