"""Interpreter wrapper for the benchmark: runs the module with the real Python and records its peak RSS (KiB)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys


def main():
    code = subprocess.call([os.environ['BENCH_REAL_PYTHON']] + sys.argv[1:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(os.environ['BENCH_RSS_LOG'], 'a', encoding='utf-8') as log:
        log.write('%d\n' % peak)
    sys.exit(code)


if __name__ == '__main__':
    main()
