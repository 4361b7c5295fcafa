"""tools/time-steps.sh: one row per step, lanes side by side with their output kept together, failures carried on past."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / 'tools' / 'time-steps.sh'

# Each target says when it starts and ends (a file per target), so the test can tell what overlapped.
MAKEFILE = '''\
slow-a:
\t@touch started-$@; echo out-a; echo err-a >&2; sleep 1; touch done-$@
slow-b:
\t@touch started-$@; echo out-b; sleep 1; touch done-$@
after-b:
\t@test -e done-slow-b; echo out-after-b
broken:
\t@echo out-broken; exit 3
'''


def run_steps(tmp_path, *steps):
    (tmp_path / 'Makefile').write_text(MAKEFILE)
    env = dict(os.environ, MAKE='make --no-print-directory -C %s' % tmp_path, STEP_TIMES_FILE=str(tmp_path / 'table'))
    return subprocess.run(['bash', str(SCRIPT), *steps], capture_output=True, text=True, env=env, check=False)


def rows(table):
    """step -> (lane, result) from the table's rows (wall and CPU left out: they vary)."""
    lines = table.strip().splitlines()
    assert lines[0].split() == ['step', 'lane', 'wall', 's', 'cpu', 's', 'result']
    return [(line.split()[0], line.split()[1], ' '.join(line.split()[4:])) for line in lines[1:-1]], lines[-1].split()


def test_lanes_run_side_by_side_each_lane_in_order_with_its_output_in_one_piece(tmp_path):
    done = run_steps(tmp_path, 'slow-a+slow-b,after-b')
    assert done.returncode == 0, done.stdout + done.stderr
    # slow-b started before slow-a finished: the lanes overlapped; after-b found slow-b done: a lane keeps its order.
    assert (tmp_path / 'started-slow-b').stat().st_mtime < (tmp_path / 'done-slow-a').stat().st_mtime
    table, total = rows((tmp_path / 'table').read_text())
    assert table == [('slow-a', '1', 'ok'), ('slow-b', '2', 'ok'), ('after-b', '2', 'ok')]
    assert total[0] == 'total' and total[-1] == 'ok'
    # Each lane's output (stdout and stderr) is printed whole, under its heading, lane by lane.
    out = done.stdout
    assert out.index('===== lane 1: slow-a =====') < out.index('out-a') < out.index('err-a') \
        < out.index('===== lane 2: slow-b after-b =====') < out.index('out-b') < out.index('out-after-b')


def test_a_failing_step_is_reported_and_the_rest_still_run(tmp_path):
    done = run_steps(tmp_path, 'broken', 'slow-a+broken,slow-b')
    assert done.returncode == 1
    table, total = rows((tmp_path / 'table').read_text())
    assert table == [('broken', '-', 'FAILED (2)'), ('slow-a', '1', 'ok'), ('broken', '2', 'FAILED (2)'), ('slow-b', '2', 'ok')]
    assert total[-1] == 'FAILED'
    assert 'out-broken' in done.stdout
