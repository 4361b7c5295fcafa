"""Fixtures for the emulator's own tests: the shared emulator/tenant fixtures plus Graph clients."""

import pytest

from tests.emulator.fixtures import emulator, emulator_env, tenant  # noqa: F401  pylint: disable=unused-import

from .helpers import Graph


@pytest.fixture
def graph(emulator, tenant):  # pylint: disable=redefined-outer-name
    """A v1.0 Graph client with an app-only token for the test's tenant."""
    client = Graph(emulator, emulator.token_for(tenant.tenant_id))
    yield client
    client.close()


@pytest.fixture
def beta(emulator, tenant):  # pylint: disable=redefined-outer-name
    """Same as ``graph`` against /beta."""
    client = Graph(emulator, emulator.token_for(tenant.tenant_id), version="beta")
    yield client
    client.close()
