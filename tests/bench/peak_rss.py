"""Interpreter wrapper for the benchmark: runs the module with the real Python and records its peak RSS (KiB) and CPU time."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys


def main():
    code = subprocess.call([os.environ['BENCH_REAL_PYTHON']] + sys.argv[1:])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Ansible runs the module as .../AnsiballZ_<module>.py; the name says which module this was.
    match = re.search(r'AnsiballZ_(\w+)\.py', ' '.join(sys.argv[1:]))
    with open(os.environ['BENCH_RSS_LOG'], 'a', encoding='utf-8') as log:
        log.write('%s %d %.3f\n' % (match.group(1) if match else 'unknown', usage.ru_maxrss, usage.ru_utime + usage.ru_stime))
    sys.exit(code)


if __name__ == '__main__':
    main()
