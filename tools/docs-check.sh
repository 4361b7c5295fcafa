#!/usr/bin/env bash
# Render every module's documentation with ansible-doc and fail if any does not.
#
# ansible-doc reports some problems (a module it cannot find, documentation it
# cannot parse) as warnings with exit status 0, so its stderr is checked too.
#
# Expects ANSIBLE_COLLECTIONS_PATH to reach this collection (see `make collection`).
# Environment: VENV (default .venv).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-.venv}
[[ $venv = /* ]] || venv=$repo/$venv
fqcn_prefix=jitaccess.entra

shopt -s nullglob
modules=()
for path in "$repo"/plugins/modules/*.py; do
    name=$(basename "$path" .py)
    [[ $name = __init__ ]] || modules+=("$name")
done

if ((${#modules[@]} == 0)); then
    echo "docs-check: no modules in plugins/modules yet, nothing to render"
    exit 0
fi

log=$(mktemp)
trap 'rm -f "$log" "$log.out"' EXIT
failed=()
for name in "${modules[@]}"; do
    if "$venv/bin/ansible-doc" -t module "$fqcn_prefix.$name" >"$log.out" 2>"$log" \
        && ! grep -Eq '\[(WARNING|ERROR)\]' "$log" \
        && grep -q "$fqcn_prefix.$name" "$log.out"; then
        echo "ok      $fqcn_prefix.$name"
    else
        echo "FAILED  $fqcn_prefix.$name"
        sed 's/^/        /' "$log" "$log.out" | head -n 40
        failed+=("$name")
    fi
done

echo "docs-check: $((${#modules[@]} - ${#failed[@]})) rendered, ${#failed[@]} failed"
((${#failed[@]} == 0))
