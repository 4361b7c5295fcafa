#!/usr/bin/env bash
# Run pytest on one test directory from the repository root.
#
# A directory that does not exist yet, or holds no test files, is reported and
# passes. Anything else keeps pytest's exit status, including 5 ("no tests
# collected") for a directory that does have test files, since that means the
# tests were deselected or failed to be collected.
#
# Usage: tools/run-pytest.sh DIR [extra pytest arguments]
# Environment: VENV (default .venv).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-.venv}
[[ $venv = /* ]] || venv=$repo/$venv
dir=${1:?usage: run-pytest.sh DIR [pytest args]}
shift

cd "$repo"
if [[ ! -d $dir ]] || [[ -z $(find "$dir" -type f \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit) ]]; then
    echo "$dir: no test files yet, nothing to run"
    exit 0
fi

exec "$venv/bin/python" -m pytest --rootdir "$repo" "$dir" "$@"
