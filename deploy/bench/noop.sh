#!/usr/bin/env bash
# noop.sh - N no-op packages through a farm (1 coordinator, 2 workers x 4 slots),
# side by side with `make -j8` running the same N no-op recipes.
#
# Usage: bash deploy/bench/noop.sh [--shape wide|chain] [--n 2000] [--runs 3]
#                                  [--cached-runs 3] [--make-runs 10]
#
#   wide   N packages, no dependencies; chain: package k depends on k-1.
#
# One farm is started per invocation; the book is submitted --runs times with
# `farm submit BOOK --follow -o json --no-cache` (every package really runs),
# then --cached-runs times without --no-cache (every package CACHED). Per run it
# prints the client wall (submit start to exit: CLI JVM, book load, upload,
# follow), the coordinator's build wall (build started -> finished, from the
# JSON), packages/s and wall per package. Then hyperfine (or a loop) times
# `make -j8` on the generated Makefile (recipe `true`) and Makefile.bash
# (recipe `bash --noprofile --norc -e -c true`, as a farm phase's shell).
#
# Environment: FARM_JAR, BENCH_DIR (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SHAPE=wide N=2000 RUNS=3 CACHED_RUNS=3 MAKE_RUNS=10
while [[ $# -gt 0 ]]; do
    case $1 in
        --shape) SHAPE=$2; shift 2 ;;
        --n) N=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --cached-runs) CACHED_RUNS=$2; shift 2 ;;
        --make-runs) MAKE_RUNS=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
        *) echo "noop.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

INPUT=$BENCH_DIR/noop-$SHAPE-$N
python3 "$(dirname "${BASH_SOURCE[0]}")/gen-noop.py" --shape "$SHAPE" --n "$N" --out "$INPUT" >/dev/null

bench_header "noop: $N packages, $SHAPE, farm = 1 coordinator + 2 workers x 4 slots"
farm_start
echo "# farm at $FARM_ADDR, state in $FARM_HOME"

# snapshot -> "coordinator_self workers_self workers_children machine_busy machine_total" (ticks)
snapshot() {
    local c ws=0 wc=0 a b pid
    read -r c _ < <(cpu_ticks "$COORD_PID")
    for pid in "${WORKER_PIDS[@]}"; do
        read -r a b < <(cpu_ticks "$pid")
        ws=$((ws + a)) wc=$((wc + b))
    done
    echo "$c $ws $wc $(machine_ticks)"
}

# submit_once LABEL [flags]: one submit --follow; prints a result line; appends to the arrays
CLIENT=() BUILD=() CPU=()
submit_once() {
    local label=$1
    shift
    local out=$FARM_HOME/$label.json
    local t0 t1 s0 s1
    s0=$(snapshot)
    t0=$(now_ns)
    /usr/bin/time -f '%U %S' -o "$FARM_HOME/$label.time" "${FARM[@]}" submit "$INPUT/book" --coordinator "$FARM_ADDR" \
        --follow -o json "$@" >"$out" 2>"$FARM_HOME/$label.err"
    t1=$(now_ns)
    s1=$(snapshot)
    local client build state built cached
    client=$(secs "$t0" "$t1")
    read -r state build built cached < <(jq -r '[.state, .wall_seconds, .progress.succeeded, .progress.cached] | @tsv' "$out")
    CLIENT+=("$client") BUILD+=("$build")
    awk -v l="$label" -v c="$client" -v b="$build" -v n="$N" -v s="$state" -v bu="$built" -v ca="$cached" 'BEGIN {
        printf "%-10s %-9s built %4d cached %4d  client %8.3f s  build %8.3f s  %7.1f pkg/s  %7.2f ms/pkg (build wall / N)\n",
            l, s, bu, ca, c, b, n / b, 1000 * b / n }'
    # CPU used during the run, in ms per package: coordinator JVM, worker JVMs, the phases'
    # processes (children the workers reaped), the submit CLI; and how busy the whole machine was
    local cpu
    cpu=$(awk -v s0="$s0" -v s1="$s1" -v hz="$CLK_TCK" -v n="$N" -v w="$client" -v t="$(tr '\n' ' ' <"$FARM_HOME/$label.time")" 'BEGIN {
        split(s0, a, " "); split(s1, b, " "); split(t, c, " ")
        co = (b[1] - a[1]) / hz; wj = (b[2] - a[2]) / hz; ph = (b[3] - a[3]) / hz; cl = c[1] + c[2]
        busy = (b[4] - a[4]) / hz; tot = (b[5] - a[5]) / hz
        printf "%.2f %.2f %.2f %.2f %.2f %.0f %.0f", 1000 * co / n, 1000 * wj / n, 1000 * ph / n, 1000 * cl / n,
            1000 * (co + wj + ph + cl) / n, 100 * busy / tot, 100 * (co + wj + ph + cl) / tot }')
    CPU+=("$cpu")
    echo "$cpu" | awk '{ printf "           cpu ms/pkg: coordinator %.2f, worker JVMs %.2f, phase processes %.2f, submit CLI %.2f = %.2f; machine %d%% busy, farm %d%% of it all\n", $1, $2, $3, $4, $5, $6, $7 }'
}

summary() {
    local what=$1
    local mc mb nc nb
    mc=$(median "${CLIENT[@]}") nc=$(minimum "${CLIENT[@]}")
    mb=$(median "${BUILD[@]}") nb=$(minimum "${BUILD[@]}")
    awk -v w="$what" -v mc="$mc" -v nc="$nc" -v mb="$mb" -v nb="$nb" -v n="$N" -v r="${#BUILD[@]}" 'BEGIN {
        printf "SUMMARY %s (%d runs): client median %.3f s (min %.3f), build median %.3f s (min %.3f), %.1f pkg/s, %.2f ms/pkg\n",
            w, r, mc, nc, mb, nb, n / mb, 1000 * mb / n }'
    local k col
    local -a names=(coordinator worker-JVMs phases submit-CLI total)
    printf 'SUMMARY %s cpu ms/pkg (median of runs):' "$what"
    for k in 0 1 2 3 4; do
        col=()
        for r in "${CPU[@]}"; do col+=("$(echo "$r" | cut -d' ' -f$((k + 1)))"); done
        printf ' %s %s' "${names[$k]}" "$(median "${col[@]}")"
    done
    echo
    CLIENT=() BUILD=() CPU=()
}

for ((i = 1; i <= RUNS; i++)); do
    submit_once "nocache-$i" --no-cache
done
summary "farm --no-cache"
for ((i = 1; i <= CACHED_RUNS; i++)); do
    submit_once "cached-$i"
done
((CACHED_RUNS > 0)) && summary "farm cached"
echo "# coordinator VmHWM $(rss_kib "$COORD_PID" VmHWM) KiB"
farm_stop
if ((RUNS > 0)); then
    echo "# worker-side time per attempt of the last --no-cache run (INFO log lines; deploy/bench/breakdown.py):"
    python3 "$(dirname "${BASH_SOURCE[0]}")/breakdown.py" "$FARM_HOME" --build "$(jq -r .build_id "$FARM_HOME/nocache-$RUNS.json")" \
        --buckets 5 | sed 's/^/#   /'
fi

# the peer: make -j8 on the same graph
for mk in Makefile Makefile.bash; do
    if command -v hyperfine >/dev/null; then
        hyperfine -N --style basic --warmup 1 --runs "$MAKE_RUNS" --export-json "$BENCH_DIR/make-$SHAPE-$N-$mk.json" \
            "make -s -j8 -f $INPUT/$mk" >/dev/null 2>&1
        jq -r --arg n "$N" --arg mk "$mk" '.results[0] | "SUMMARY make -j8 \($mk) (\(.times | length) runs): median \(.median | . * 1000 | round / 1000) s (min \(.min | . * 1000 | round / 1000)), \(($n | tonumber) / .median | . * 10 | round / 10) pkg/s, \(.median * 1000 / ($n | tonumber) | . * 1000 | round / 1000) ms/pkg"' \
            "$BENCH_DIR/make-$SHAPE-$N-$mk.json"
    else
        T=()
        for ((i = 1; i <= MAKE_RUNS; i++)); do
            t0=$(now_ns); make -s -j8 -f "$INPUT/$mk"; t1=$(now_ns); T+=("$(secs "$t0" "$t1")")
        done
        echo "SUMMARY make -j8 $mk ($MAKE_RUNS runs): median $(median "${T[@]}") s (min $(minimum "${T[@]}"))"
    fi
done
