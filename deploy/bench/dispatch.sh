#!/usr/bin/env bash
# dispatch.sh - dispatch throughput, latency and coordinator heap at N no-op packages, on a real
# coordinator JVM over real gRPC, driven by DispatchLoad.java: a load-generating client that
# speaks the WorkerService protocol (Hello, heartbeats, an immediate successful AttemptResult
# for every Assign, pointing at one uploaded empty artifact). No worker processes, no phases:
# it measures the coordinator, not the workers.
#
# Usage: bash deploy/bench/dispatch.sh [--n "10000 100000"] [--runs 3] [--shape wide|layers]
#                                      [--workers 4] [--slots 16] [--timeout 900]
# (--timeout: seconds DispatchLoad waits for the last result; on timeout it prints the rate so far)
#
# Per N and run: a fresh coordinator (`farm coordinator --listen 127.0.0.1:PORT --state-dir D
# --artifact-dir D`, default JVM flags), DispatchLoad submits one build of N packages and answers
# every Assign; then `jcmd PID GC.run` and `jcmd PID GC.heap_info` give the heap in use after a
# full GC with the finished build still in memory, and /proc gives VmHWM. When the coordinator
# serves /metrics (--http), farm_dispatch_latency_seconds is read from it too.
#
# Environment: FARM_JAR, BENCH_DIR, COORD_JAVA_OPTS (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

SIZES="10000 100000" RUNS=3 SHAPE=wide WORKERS=4 SLOTS=16 TIMEOUT=900
while [[ $# -gt 0 ]]; do
    case $1 in
        --n) SIZES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --shape) SHAPE=$2; shift 2 ;;
        --workers) WORKERS=$2; shift 2 ;;
        --slots) SLOTS=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d'; exit 0 ;;
        *) echo "dispatch.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

# a coordinator alone (no workers); serves /metrics when this farm build knows --http
coord_start() {
    local n=0
    while [[ -e $BENCH_DIR/dispatch-$n ]]; do n=$((n + 1)); done
    FARM_HOME=$BENCH_DIR/dispatch-$n
    mkdir -p "$FARM_HOME"
    FARM_ADDR=127.0.0.1:$(free_port)
    HTTP_ARGS=() HTTP_ADDR=
    if "${FARM[@]}" coordinator --help 2>/dev/null | grep -q -- '--http'; then
        HTTP_ADDR=127.0.0.1:$(free_port)
        HTTP_ARGS=(--http "$HTTP_ADDR")
    fi
    # shellcheck disable=SC2086
    "$JAVA" ${COORD_JAVA_OPTS:-} -jar "$FARM_JAR" coordinator --listen "$FARM_ADDR" --state-dir "$FARM_HOME/state" \
        --artifact-dir "$FARM_HOME/artifacts" "${HTTP_ARGS[@]}" >"$FARM_HOME/coordinator.log" 2>&1 &
    COORD_PID=$!
    FARM_PIDS+=("$COORD_PID")
    local tries=0
    until farm workers --coordinator "$FARM_ADDR" -o json >/dev/null 2>&1; do
        tries=$((tries + 1))
        ((tries < 60)) || { echo "dispatch.sh: coordinator did not come up, see $FARM_HOME" >&2; exit 1; }
        sleep 0.5
    done
}

# heap in use after a full GC, in MiB (G1: "garbage-first heap   total 123K, used 45K")
heap_after_gc() {
    jcmd "$1" GC.run >/dev/null
    jcmd "$1" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); printf "%.1f\n", v / 1024; exit } }'
}

bench_header "dispatch: $SHAPE, N in {$SIZES}, $RUNS runs each; DispatchLoad: $WORKERS load workers x $SLOTS slots"
for n in $SIZES; do
    PS=() P50=() P99=() HEAP=() SUB=() HWM=()
    for ((i = 1; i <= RUNS; i++)); do
        coord_start
        line=$("$JAVA" -cp "$FARM_JAR" "$here/DispatchLoad.java" --coordinator "$FARM_ADDR" --n "$n" --shape "$SHAPE" \
            --workers "$WORKERS" --slots "$SLOTS" --timeout "$TIMEOUT" 2>"$FARM_HOME/load.err" | grep "^RESULT") || true
        [[ -n $line ]] || { echo "dispatch.sh: no RESULT from DispatchLoad, see $FARM_HOME/load.err" >&2; cat "$FARM_HOME/load.err" >&2; exit 1; }
        heap=$(heap_after_gc "$COORD_PID")
        hwm=$(rss_kib "$COORD_PID" VmHWM)
        server=
        if [[ -n $HTTP_ADDR ]]; then
            server=$(curl -s "http://$HTTP_ADDR/metrics" | python3 "$here/histq.py" farm_dispatch_latency_seconds 2>/dev/null || true)
        fi
        echo "$line heap_after_gc_mib=$heap vmhwm_mib=$((hwm / 1024)) ${server}"
        kv() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
        PS+=("$(kv pkg_per_s)") P50+=("$(kv lat_p50_ms)") P99+=("$(kv lat_p99_ms)") SUB+=("$(kv submit_s)") HEAP+=("$heap") HWM+=("$((hwm / 1024))")
        farm_stop
    done
    echo "SUMMARY dispatch $SHAPE n=$n ($RUNS runs, medians): $(median "${PS[@]}") pkg/s, submit $(median "${SUB[@]}") s," \
        "slot freed -> next Assign p50 $(median "${P50[@]}") ms p99 $(median "${P99[@]}") ms," \
        "heap after GC $(median "${HEAP[@]}") MiB, VmHWM $(median "${HWM[@]}") MiB"
done
