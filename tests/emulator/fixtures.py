"""Pytest fixtures: ``emulator`` (one per session) and ``tenant`` (a fresh tenant per test).

Use from a conftest: ``from tests.emulator.fixtures import emulator, tenant  # noqa: F401``.
"""

import pytest

from .server import Emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A started emulator with one seeded tenant, stopped at the end of the session."""
    emu = Emulator(state_dir=tmp_path_factory.mktemp("emulator"), tenants=1).start()
    yield emu
    emu.stop()


@pytest.fixture
def tenant(request, emulator):  # pylint: disable=redefined-outer-name
    """A fresh tenant (TenantInfo); afterwards faults, their time scale and the request log are cleared and the clock is reset.

    A test marked ``@pytest.mark.converged`` gets instead the tenant of the ``converged_snapshot`` fixture (which the
    test directory's conftest provides), restored to its snapshot: converged once per session, not once per test."""
    emulator.clear_faults()
    if request.node.get_closest_marker("converged"):
        info = request.getfixturevalue("converged_snapshot").restore()
    else:
        info = emulator.add_tenant()
    yield info
    emulator.fault_time_scale = 1.0
    emulator.clear_faults()
    emulator.clear_log()
    emulator.reset_clock()


@pytest.fixture
def emulator_env(emulator, monkeypatch):  # pylint: disable=redefined-outer-name
    """Trust the emulator's CA in this test's environment (requests, httpx, azure-identity)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_path)
    monkeypatch.setenv("SSL_CERT_FILE", emulator.ca_path)
    return emulator
