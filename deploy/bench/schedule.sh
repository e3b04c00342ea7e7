#!/usr/bin/env bash
# schedule.sh - schedule quality on a real graph: the farm (1 coordinator + 2 workers x 4 slots,
# critical path first) against GNU make -j8 on a jhalfs-style Makefile (one target per package,
# prerequisites = dependencies, `all` in book order), every package a `sleep` of sbu x SCALE s.
#
# Usage: bash deploy/bench/schedule.sh (--graph FILE | --blfs N [--seed S]) [--scale 0.05] [--runs 5] [--warmup 3]
#
# gen-sleep.py writes the book, the Makefile and the bounds (critical path, total work / 8
# slots). One farm is started; rounds alternate `make -s -j8 -f Makefile` and
# `farm submit BOOK --follow -o json --no-cache` (--no-cache: every package really sleeps; the
# JSON shows built = N, cached = 0). Per run: make's wall, the farm's build wall (coordinator,
# build started -> finished) and client wall (submit JVM start -> exit, includes loading the
# book). SUMMARY lines: medians, the ratios to make and to the lower bound. --warmup W farm
# builds of the same book run first and are printed but not counted: the JIT of fresh
# coordinator and worker JVMs (a farm runs for days; make has no warm-up). On 2 cores a fresh
# farm's per-package cost settles after about 8,000 packages of 0.05 s/SBU (docs/performance.md);
# run-issue5.sh passes --warmup 8 for those graphs.
#
# Environment: FARM_JAR, BENCH_DIR, COORD_JAVA_OPTS, WORKER_JAVA_OPTS (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GEN=() RUNS=5 SCALE=0.05 LABEL= WARMUP=3
while [[ $# -gt 0 ]]; do
    case $1 in
        --graph) GEN+=(--graph "$2"); LABEL=$(basename "$2" .json); shift 2 ;;
        --blfs) GEN+=(--blfs "$2"); LABEL=blfs-$2; shift 2 ;;
        --seed) GEN+=(--seed "$2"); LABEL=$LABEL-s$2; shift 2 ;;
        --scale) SCALE=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
        *) echo "schedule.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $LABEL ]] || { echo "schedule.sh: --graph FILE or --blfs N" >&2; exit 2; }

[[ $SCALE == 0.05 ]] || LABEL=$LABEL-x$SCALE
INPUT=$BENCH_DIR/sleep-$LABEL
python3 "$(dirname "${BASH_SOURCE[0]}")/gen-sleep.py" "${GEN[@]}" --scale "$SCALE" --slots 8 --out "$INPUT"
N=$(jq .packages "$INPUT/bounds.json")
LB=$(jq .lower_bound_s "$INPUT/bounds.json") CP=$(jq .critical_path_s "$INPUT/bounds.json") WS=$(jq .work_per_slot_s "$INPUT/bounds.json")

bench_header "schedule: $LABEL, $N packages, sleep = sbu x $SCALE s, farm = 1 coordinator + 2 workers x 4 slots vs make -j8"
farm_start
echo "# farm at $FARM_ADDR, state in $FARM_HOME"

for ((i = 1; i <= WARMUP; i++)); do
    "${FARM[@]}" submit "$INPUT/book" --coordinator "$FARM_ADDR" --follow -o json --no-cache >"$FARM_HOME/warmup-$i.json" 2>/dev/null
    jq -r '"warm-up \(.state) build \(.wall_seconds) s (not counted)"' "$FARM_HOME/warmup-$i.json"
done
MAKE=() BUILD=() CLIENT=()
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now_ns); make -s -j8 -f "$INPUT/Makefile"; t1=$(now_ns)
    MAKE+=("$(secs "$t0" "$t1")")
    out=$FARM_HOME/run-$i.json
    t0=$(now_ns)
    "${FARM[@]}" submit "$INPUT/book" --coordinator "$FARM_ADDR" --follow -o json --no-cache >"$out" 2>"$FARM_HOME/run-$i.err"
    t1=$(now_ns)
    client=$(secs "$t0" "$t1")
    read -r state build built cached < <(jq -r '[.state, .wall_seconds, .progress.succeeded, .progress.cached] | @tsv' "$out")
    BUILD+=("$build") CLIENT+=("$client")
    printf 'run %d: make -j8 %7.3f s | farm %-9s built %4d cached %d  build %7.3f s  client %7.3f s\n' \
        "$i" "${MAKE[-1]}" "$state" "$built" "$cached" "$build" "$client"
done
mm=$(median "${MAKE[@]}") mb=$(median "${BUILD[@]}") mc=$(median "${CLIENT[@]}")
awk -v l="$LABEL" -v n="$N" -v r="$RUNS" -v mm="$mm" -v mb="$mb" -v mc="$mc" -v lb="$LB" -v cp="$CP" -v ws="$WS" \
    -v nm="$(minimum "${MAKE[@]}")" -v nb="$(minimum "${BUILD[@]}")" 'BEGIN {
    printf "SUMMARY %s (%d packages, %d runs): lower bound %.3f s (critical path %.3f s, work/8 %.3f s)\n", l, n, r, lb, cp, ws
    printf "SUMMARY %s make -j8 median %.3f s (min %.3f) = %.2f x bound | farm build median %.3f s (min %.3f) = %.2f x bound | farm client median %.3f s\n", l, mm, nm, mm / lb, mb, nb, mb / lb, mc
    printf "SUMMARY %s farm build / make = %.3f (farm %s by %.1f %%)\n", l, mb / mm, mb < mm ? "faster" : "slower", 100 * (mb < mm ? mm - mb : mb - mm) / mm
}'
farm_stop
