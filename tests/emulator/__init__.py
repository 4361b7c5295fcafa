"""A faithful, stateful Microsoft Graph + Entra token service for tests and the demo, on https://127.0.0.1:PORT.

    emu = Emulator(state_dir=path, tenants=1).start()
    emu.base_url            # authority host and Graph endpoint ({base_url}/v1.0, {base_url}/beta)
    emu.ca_path             # trust this CA (REQUESTS_CA_BUNDLE / SSL_CERT_FILE / httpx verify=)
    emu.tenants[0]          # TenantInfo: tenant_id, client_id, client_secret, cert_client_id, cert_path, users
    emu.requests(), emu.writes(), emu.clear_log()
    emu.inject("status", status=429, retry_after=2, path=r"/groups$", count=1)
    emu.advance_clock(7200); emu.now()
    snap = emu.snapshot(tenant_id); emu.restore(snap)   # a tenant back as it was
    emu.stop()

Fault rules (``emu.inject(kind, **rule)``): common fields ``tenant``, ``method``, ``path`` (regex searched in the
path without query), ``count``, ``probability`` (seeded; ``seed`` fixes a rule's own draws), ``after_writes`` (the tenant's first N writes pass),
``request_kind`` ("graph" default, "token", "discovery", "any"). Kinds: ``latency`` (``ms``), ``status``
(``status``, ``code``, ``message``, ``retry_after``; the request is not processed, unless ``after_commit``: then it is
processed and committed and the status is the answer, as a gateway's 503 / 504 after the service acted), ``lag`` (``seconds``: objects
created after the rule was added 404 for that long, on the wall clock), ``drop`` (processed and committed, then the
connection is closed without an answer), ``trickle`` (``interval_ms``: processed, then the body is sent one byte per
interval), ``handshake_latency`` (``ms`` before every new TLS handshake; only ``count``, ``probability``, ``seed``).
"""

from .server import Emulator
from .tenant import TenantInfo

__all__ = ["Emulator", "TenantInfo"]
