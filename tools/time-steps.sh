#!/usr/bin/env bash
# Run each make target as its own step, carrying on past a failing one, and print
# a table of every step's wall time, CPU time (user + system, of the step and
# everything it waited for) and result at the end, so drift in suite time is
# visible in every CI log. Exits non-zero when any step failed.
#
# A STEP is a make target, or lanes run side by side: LANE+LANE..., each lane a
# comma-separated list of targets run one after another (e.g.
# `sanity+molecule,lint`). Side by side, a lane's output is kept in a file and
# printed once the lane is done, so the logs do not interleave; the table's lane
# column names the lane a step ran in, and the total is the wall time of the
# whole run.
#
# Usage: tools/time-steps.sh STEP...
# Environment: MAKE (default make; the Makefile passes its own); STEP_TIMES_FILE,
# when set, also receives the table.
set -uo pipefail

make_command=${MAKE:-make}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
names=()
lanes=()
walls=()
cpus=()
results=()
status=0
started=$SECONDS
TIMEFORMAT='%R %U %S'

# run_target TARGET RESULTS_FILE: run one make target; the step's own output keeps going to
# stderr (fd 3), only the `time` report lands in a file; appends "target wall cpu rc" to RESULTS_FILE.
run_target() {
    local target=$1 timing rc wall user system
    timing=$(mktemp -p "$scratch")
    { time $make_command "$target" 2>&3; } 3>&2 2>"$timing"
    rc=$?
    read -r wall user system <"$timing" || { wall=0 user=0 system=0; }
    printf '%s %.0f %s %s\n' "$target" "$wall" \
        "$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.0f", u + s }')" "$rc" >>"$2"
}

# record LANE RESULTS_FILE: add the steps RESULTS_FILE lists to the table.
record() {
    local target wall cpu rc
    while read -r target wall cpu rc; do
        names+=("$target")
        lanes+=("$1")
        walls+=("$wall")
        cpus+=("$cpu")
        if ((rc == 0)); then
            results+=(ok)
        else
            results+=("FAILED ($rc)")
            status=1
        fi
    done <"$2"
}

for step in "$@"; do
    if [[ $step != *+* && $step != *,* ]]; then
        run_target "$step" "$scratch/results"
        record - "$scratch/results"
        rm -f "$scratch/results"
        continue
    fi
    IFS=+ read -r -a step_lanes <<<"$step"
    pids=()
    for index in "${!step_lanes[@]}"; do
        (
            IFS=, read -r -a targets <<<"${step_lanes[index]}"
            for target in "${targets[@]}"; do
                run_target "$target" "$scratch/lane$index.results"
            done
        ) >"$scratch/lane$index.log" 2>&1 &
        pids+=($!)
    done
    for index in "${!step_lanes[@]}"; do
        wait "${pids[index]}"
        printf '\n===== lane %s: %s =====\n' $((index + 1)) "${step_lanes[index]//,/ }"
        cat "$scratch/lane$index.log"
        record $((index + 1)) "$scratch/lane$index.results"
        rm -f "$scratch/lane$index.log" "$scratch/lane$index.results"
    done
done

table() {
    printf '\n%-16s %4s %8s %8s  %s\n' step lane 'wall s' 'cpu s' result
    local index cpu_total=0
    for index in "${!names[@]}"; do
        printf '%-16s %4s %8s %8s  %s\n' "${names[index]}" "${lanes[index]}" "${walls[index]}" "${cpus[index]}" \
            "${results[index]}"
        cpu_total=$((cpu_total + cpus[index]))
    done
    printf '%-16s %4s %8d %8d  %s\n' total '' $((SECONDS - started)) "$cpu_total" \
        "$( ((status == 0)) && echo ok || echo FAILED)"
}

table
if [[ -n ${STEP_TIMES_FILE:-} ]]; then
    table >"$STEP_TIMES_FILE"
fi
exit "$status"
