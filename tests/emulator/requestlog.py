"""The request log tests read: one entry per request the emulator answered (or dropped), oldest first."""

import copy
import itertools
import threading

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
# POST actions that only read (api-reference/v1.0/api/accesspackage-getapplicablepolicyrequirements.md: it "retrieves"
# the requirements); the log does not count them as writes.
READING_ACTIONS = ("/getApplicablePolicyRequirements",)
MASKED_FORM_FIELDS = ("client_secret", "client_assertion", "password", "refresh_token", "device_code")


def mask_form(form):
    """A token request form with its secrets replaced by ``***``."""
    return {key: ("***" if key in MASKED_FORM_FIELDS else value) for key, value in form.items()}


class RequestLog:
    """Thread-safe, append-only (until cleared) list of entry dicts."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []
        self._seq = itertools.count(1)

    def add(self, entry):
        """Append ``entry`` (a dict without ``seq``); returns the stored entry."""
        with self._lock:
            entry = {"seq": next(self._seq), **entry}
            self._entries.append(entry)
            return entry

    def entries(self, tenant=None, kind="graph"):
        """Copies of the entries, optionally for one tenant and/or one kind (None = every kind)."""
        with self._lock:
            selected = [entry for entry in self._entries
                        if (kind is None or entry["kind"] == kind)
                        and (tenant is None or (entry["tenant"] or "").lower() == tenant.lower())]
            return copy.deepcopy(selected)

    def writes(self, tenant=None):
        """Graph entries whose method changes state."""
        return [entry for entry in self.entries(tenant, "graph") if entry["method"] in WRITE_METHODS
                and not entry["path"].endswith(READING_ACTIONS)]

    def clear(self):
        """Forget every entry (sequence numbers keep counting)."""
        with self._lock:
            self._entries = []
