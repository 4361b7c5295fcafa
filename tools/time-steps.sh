#!/usr/bin/env bash
# Run each make target as its own step, carrying on past a failing one, and print
# a table of every step's wall time, CPU time (user + system, of the step and
# everything it waited for) and result at the end, so drift in suite time is
# visible in every CI log. Exits non-zero when any step failed.
#
# Usage: tools/time-steps.sh TARGET...
# Environment: MAKE (default make; the Makefile passes its own); STEP_TIMES_FILE,
# when set, also receives the table.
set -uo pipefail

make_command=${MAKE:-make}
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
names=()
walls=()
cpus=()
results=()
status=0
started=$SECONDS
TIMEFORMAT='%R %U %S'

for target in "$@"; do
    # The step's own output keeps going to stderr (fd 3); only the `time` report lands in $timing.
    { time $make_command "$target" 2>&3; } 3>&2 2>"$timing"
    rc=$?
    read -r wall user system <"$timing" || { wall=0 user=0 system=0; }
    names+=("$target")
    walls+=("$(printf '%.0f' "$wall")")
    cpus+=("$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.0f", u + s }')")
    if ((rc == 0)); then
        results+=(ok)
    else
        results+=("FAILED ($rc)")
        status=1
    fi
done

table() {
    printf '\n%-16s %8s %8s  %s\n' step 'wall s' 'cpu s' result
    local index cpu_total=0
    for index in "${!names[@]}"; do
        printf '%-16s %8s %8s  %s\n' "${names[index]}" "${walls[index]}" "${cpus[index]}" "${results[index]}"
        cpu_total=$((cpu_total + cpus[index]))
    done
    printf '%-16s %8d %8d  %s\n' total $((SECONDS - started)) "$cpu_total" "$( ((status == 0)) && echo ok || echo FAILED)"
}

table
if [[ -n ${STEP_TIMES_FILE:-} ]]; then
    table >"$STEP_TIMES_FILE"
fi
exit "$status"
