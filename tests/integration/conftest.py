"""Fixtures for integration tests: the HTTPS emulator, a fresh tenant per test, and module runners."""

from __future__ import annotations

import pytest

from tests.conftest import COLLECTIONS
from tests.emulator.fixtures import emulator, tenant  # noqa: F401  pylint: disable=unused-import
from tests.integration.harness import Playbook, auth_args


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
