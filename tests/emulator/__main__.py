"""Command line: ``python -m tests.emulator [--port N] [--state-dir DIR] [--tenants N] [--tenant-id GUID ...]``.

Starts the emulator, writes DIR/emulator.json, prints the same JSON on one line and serves until SIGTERM/SIGINT.
"""

import argparse
import json
import signal
import sys
import threading

from .server import Emulator


def main(argv=None):
    """Run the emulator in the foreground."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--state-dir", help="where ca.pem, certificates and emulator.json go (default: a temp dir)")
    parser.add_argument("--tenants", type=int, default=1, help="how many tenants to seed (default 1)")
    parser.add_argument("--tenant-id", action="append", default=[], metavar="GUID",
                        help="seed a tenant with this id (repeatable; counts towards --tenants)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault-probability random numbers")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    emulator = Emulator(state_dir=args.state_dir, tenants=args.tenants, tenant_ids=args.tenant_id, port=args.port,
                        seed=args.seed).start()
    try:
        sys.stdout.write(json.dumps(emulator.info()) + "\n")
        sys.stdout.flush()
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
