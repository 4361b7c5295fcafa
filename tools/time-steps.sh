#!/usr/bin/env bash
# Run each make target as its own step, carrying on past a failing one, and print
# a table of every step's wall time and result at the end (so drift in suite time
# is visible in every CI log). Exits non-zero when any step failed.
#
# Usage: tools/time-steps.sh TARGET...     (from the Makefile: $(MAKE) is taken from MAKE)
# Environment: MAKE (default make); STEP_TIMES_FILE, when set, also receives the table.
set -uo pipefail

make_command=${MAKE:-make}
names=()
seconds=()
results=()
status=0
started=$SECONDS

for target in "$@"; do
    step_started=$SECONDS
    $make_command "$target"
    rc=$?
    names+=("$target")
    seconds+=($((SECONDS - step_started)))
    if ((rc == 0)); then
        results+=(ok)
    else
        results+=("FAILED ($rc)")
        status=1
    fi
done

table() {
    printf '\n%-16s %8s  %s\n' step seconds result
    for index in "${!names[@]}"; do
        printf '%-16s %8d  %s\n' "${names[index]}" "${seconds[index]}" "${results[index]}"
    done
    printf '%-16s %8d  %s\n' total $((SECONDS - started)) "$( ((status == 0)) && echo ok || echo FAILED)"
}

table
if [[ -n ${STEP_TIMES_FILE:-} ]]; then
    table >"$STEP_TIMES_FILE"
fi
exit "$status"
