#!/usr/bin/env bash
# demo-vs-shell.sh - a real build of examples/demo on the farm, side by side with
# the same phases run in sequence by examples/demo/build-sequential.sh.
#
# Usage: bash deploy/bench/demo-vs-shell.sh [--runs 5] [--no-breakdown]
#
# Each round runs, one after the other (interleaved, so that the machine's noise
# hits all three alike):
#   shell   bash examples/demo/build-sequential.sh
#   local   farm local examples/demo --workers 2 --no-cache --dir FRESH_DIR
#           (coordinator and 2 workers in the CLI's own JVM, as `farm demo` does;
#           includes JVM start-up)
#   submit  farm submit examples/demo --coordinator ADDR --follow -o json --no-cache
#           against a farm of separate processes started once before the first
#           round (1 coordinator, 2 workers x 4 slots): warm servers, cold CLI
# Prints every time, then the median and min of each, and the ratios to shell.
# Then (unless --no-breakdown) one more submit on a fresh farm with
# FARM_LOG_LEVEL=DEBUG, and deploy/bench/breakdown.py's per-package split
# (staging, phases, packing and upload, dispatch), plus the JVM start-up
# (`farm --version`) for reference.
#
# Environment: FARM_JAR, BENCH_DIR (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=5 BREAKDOWN=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --no-breakdown) BREAKDOWN=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
        *) echo "demo-vs-shell.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

BOOK=$BENCH_ROOT/examples/demo
bench_header "demo: examples/demo (7 packages) on the farm vs build-sequential.sh"
farm_start
echo "# farm at $FARM_ADDR (separate processes, 2 workers x 4 slots) for 'submit'; state in $FARM_HOME"

SHELL_T=() SHELL_IN=() LOCAL_T=() SUBMIT_T=() SUBMIT_B=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now_ns)
    bash "$BOOK/build-sequential.sh" >"$FARM_HOME/shell-$i.out" 2>&1
    t1=$(now_ns)
    SHELL_T+=("$(secs "$t0" "$t1")")
    SHELL_IN+=("$(sed -n 's/^build-sequential: 7 packages in \([0-9.]*\)s wall.*/\1/p' "$FARM_HOME/shell-$i.out")")

    dir=$FARM_HOME/local-$i
    t0=$(now_ns)
    farm local "$BOOK" --workers 2 --no-cache --dir "$dir" -o json >"$FARM_HOME/local-$i.json" 2>"$FARM_HOME/local-$i.err"
    t1=$(now_ns)
    LOCAL_T+=("$(secs "$t0" "$t1")")
    [[ $(jq -r .state "$FARM_HOME/local-$i.json") == SUCCEEDED ]] || { echo "local run $i failed; see $FARM_HOME/local-$i.err" >&2; exit 1; }
    rm -rf "$dir"

    t0=$(now_ns)
    farm submit "$BOOK" --coordinator "$FARM_ADDR" --follow -o json --no-cache >"$FARM_HOME/submit-$i.json" 2>"$FARM_HOME/submit-$i.err"
    t1=$(now_ns)
    SUBMIT_T+=("$(secs "$t0" "$t1")")
    SUBMIT_B+=("$(jq -r .wall_seconds "$FARM_HOME/submit-$i.json")")
    [[ $(jq -r .state "$FARM_HOME/submit-$i.json") == SUCCEEDED ]] || { echo "submit run $i failed; see $FARM_HOME/submit-$i.err" >&2; exit 1; }
    printf 'round %d: shell %s s (its own clock %s s)  local %s s  submit %s s (build wall %s s)\n' "$i" "${SHELL_T[-1]}" \
        "${SHELL_IN[-1]}" "${LOCAL_T[-1]}" "${SUBMIT_T[-1]}" "${SUBMIT_B[-1]}"
done
# the packages' own phase time on the farm, last submit round
jq -r '"# last submit: per package wall (phases only, on the worker): " + ([.packages[] | "\(.id) \(.wall_seconds * 100 | round / 100)"] | join(", ")) + "; sum \([.packages[].wall_seconds] | add * 100 | round / 100) s"' \
    "$FARM_HOME/submit-$RUNS.json"
farm_stop

ms=$(median "${SHELL_T[@]}")
summ() { awk -v w="$1" -v m="$2" -v n="$3" -v s="$ms" 'BEGIN { printf "SUMMARY %-40s median %6.2f s  min %6.2f s  ratio to shell (medians) %.2f\n", w, m, n, m / s }'; }
summ "shell build-sequential.sh" "$ms" "$(minimum "${SHELL_T[@]}")"
summ "shell, its own clock" "$(median "${SHELL_IN[@]}")" "$(minimum "${SHELL_IN[@]}")"
summ "farm local --workers 2 (cold JVM)" "$(median "${LOCAL_T[@]}")" "$(minimum "${LOCAL_T[@]}")"
summ "farm submit --follow (warm farm)" "$(median "${SUBMIT_T[@]}")" "$(minimum "${SUBMIT_T[@]}")"
summ "  of which coordinator build wall" "$(median "${SUBMIT_B[@]}")" "$(minimum "${SUBMIT_B[@]}")"

if ((BREAKDOWN)); then
    V=()
    for ((i = 1; i <= 5; i++)); do
        t0=$(now_ns); farm --version >/dev/null; t1=$(now_ns); V+=("$(secs "$t0" "$t1")")
    done
    echo "# JVM start-up, farm --version: median $(median "${V[@]}") s (min $(minimum "${V[@]}"))"
    export FARM_LOG_LEVEL=DEBUG
    farm_start
    for i in 1 2; do
        farm submit "$BOOK" --coordinator "$FARM_ADDR" --follow -o json --no-cache >"$FARM_HOME/debug-$i.json" 2>/dev/null
    done
    build=$(jq -r .build_id "$FARM_HOME/debug-2.json")
    farm_stop
    echo "# breakdown of the second DEBUG submit (build $build, warm farm; DEBUG logging slows it a little):"
    python3 "$(dirname "${BASH_SOURCE[0]}")/breakdown.py" "$FARM_HOME" --build "$build" --per-attempt
fi
