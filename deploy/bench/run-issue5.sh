#!/usr/bin/env bash
# run-issue5.sh - the schedule-quality and dispatch measurements in one go, as recorded in
# docs/performance.md ("Schedule quality", "Dispatch throughput"). About 10 minutes on the 2-core machine.
# Output also goes to $BENCH_DIR/results-issue5-*.txt.
#
# Usage: bash deploy/bench/run-issue5.sh [--quick]
#   --quick: 2 runs per schedule figure, 1 per dispatch size, no 0.2 s/SBU row (a smoke test)
# Environment: FARM_JAR, BENCH_DIR (see lib.sh).
#
# 1. schedule quality: examples/lfs-chapter8.json and a synthetic 1,000-package BLFS (seed 5),
#    every package `sleep sbu x 0.05 s`, farm (1 coordinator + 2 workers x 4 slots) against
#    make -j8 on the jhalfs-style Makefile (schedule.sh), with the lower bound from the graph;
#    then the same graphs in `farm simulate` (virtual time, no overhead), critical-path and FIFO
#    (book order) policies, 2 workers x 4 slots; and the BLFS graph again at 0.2 s per SBU.
# 2. dispatch throughput, latency and coordinator heap at 10,000 and 100,000 no-op packages
#    (dispatch.sh: a real coordinator JVM driven by the DispatchLoad.java load client).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/farm-bench}
FARM_JAR=${FARM_JAR:-$root/cli/target/farm.jar}
export BENCH_DIR FARM_JAR
RUNS=5 DRUNS=3 EXTRA=1
[[ ${1:-} == --quick ]] && RUNS=2 DRUNS=1 EXTRA=0
out=$BENCH_DIR/results-issue5-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p "$BENCH_DIR"
{
    # 8 warm-up builds: at 0.05 s/SBU the JIT of fresh JVMs settles after about 8,000 packages
    bash "$here/schedule.sh" --graph "$root/examples/lfs-chapter8.json" --runs "$RUNS" --warmup 8
    bash "$here/schedule.sh" --blfs 1000 --seed 5 --runs "$RUNS" --warmup 8
    echo "# farm simulate (virtual time, 0.05 s per SBU, 2 workers x 4 cores x 4 slots): makespan by policy"
    for g in lfs-chapter8 blfs-1000-s5; do
        for policy in critical-path fifo; do
            java -jar "$FARM_JAR" simulate --graph "$BENCH_DIR/sleep-$g/graph.json" --workers 2 --cores-per-worker 4 --slots 4 \
                --sbu-seconds 0.05 --policy "$policy" -o json 2>/dev/null |
                jq -r --arg g "$g" --arg p "$policy" '"SUMMARY simulate \($g) \($p): makespan \(.makespan_seconds) s, lower bound \(.lower_bound_seconds | . * 1000 | round / 1000) s"'
        done
    done
    if ((EXTRA)); then
        bash "$here/schedule.sh" --blfs 1000 --seed 5 --scale 0.2 --runs 3
    fi
    bash "$here/dispatch.sh" --n "10000 100000" --runs "$DRUNS" --timeout 900
} 2>&1 | tee "$out"
echo "results in $out"
