"""Body recording for the SDK-model oracle (``tests/emulator/oracle.py``).

With ``Emulator(record_dir=DIR)`` or ``EMULATOR_RECORD_DIR=DIR`` in the environment, every Graph request is appended
to ``DIR/bodies-<pid>-<random>.jsonl`` as one JSON line: method, API version, the matched route template, status,
the request body and the JSON response body. Each emulator writes a file of its own, so pytest-xdist workers and
several emulator processes can record into one directory at once.
"""

import json
import os
import threading
import uuid

RECORD_DIR_ENV = "EMULATOR_RECORD_DIR"


class BodyRecorder:
    """Appends one line per Graph request to this emulator's own JSONL file (opened on first use)."""

    def __init__(self, directory):
        self.directory = directory
        self.path = os.path.join(directory, f"bodies-{os.getpid()}-{uuid.uuid4().hex[:12]}.jsonl")
        self._lock = threading.Lock()
        self._handle = None

    @classmethod
    def from_setting(cls, directory):
        """A recorder for ``directory``, else for ``$EMULATOR_RECORD_DIR``, else None (recording off)."""
        directory = directory or os.environ.get(RECORD_DIR_ENV)
        return cls(str(directory)) if directory else None

    def record(self, entry):
        """Append ``entry`` (JSON-serialisable) as one line; flushed at once so a killed process loses nothing."""
        line = json.dumps(entry, separators=(",", ":"), default=str) + "\n"
        with self._lock:
            if self._handle is None:
                os.makedirs(self.directory, exist_ok=True)
                self._handle = open(self.path, "a", encoding="utf-8")  # pylint: disable=consider-using-with
            self._handle.write(line)
            self._handle.flush()

    def close(self):
        """Close the file (recording reopens it on the next request)."""
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
