# lib.sh - shared helpers of the issue-3 benchmarks (sourced, not run).
#
# A farm here is three processes: one `farm coordinator` and two `farm worker`s
# (4 slots, 4 cores, 4096 MiB each), on 127.0.0.1, with their state, artifacts,
# work folders and logs under $BENCH_DIR/farm-N.
#
# Environment:
#   FARM_JAR   the jar to run (default: cli/target/farm.jar of this checkout)
#   JAVA       java binary of the benchmark's own Java programs (default: java); the farm
#              runs through ./farm with the JVM flags it gives each command
#   COORD_JAVA_OPTS, WORKER_JAVA_OPTS  extra JVM flags of the coordinator and the
#              workers (word-split; @NAME@ becomes the worker's name), e.g. a JFR
#              recording; default none
#   BENCH_DIR  scratch folder (default: /tmp/farm-bench); generated inputs and
#              farm folders go there, never into the repository

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FARM_JAR=${FARM_JAR:-$BENCH_ROOT/cli/target/farm.jar}
JAVA=${JAVA:-java}
BENCH_DIR=${BENCH_DIR:-/tmp/farm-bench}
mkdir -p "$BENCH_DIR"

[[ -f $FARM_JAR ]] || { echo "bench: $FARM_JAR is missing; run: mvn -B -q -o install -DskipTests" >&2; exit 1; }

export FARM_JAR
# The CLI through the launcher, with the JVM flags it gives clients (see ../../farm).
FARM=("$BENCH_ROOT/farm")
# farm ARGS: the CLI in the foreground. Background servers are started with
# "${FARM[@]}" directly, so that $! is the java process itself and can be killed.
farm() { "${FARM[@]}" "$@"; }

now_ns() { date +%s%N; }
# secs START_NS END_NS -> seconds with 3 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# median and min of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

FARM_PIDS=() WORKER_PIDS=()
# farm_start [coordinator flags...]: starts a coordinator and 2 workers; sets FARM_ADDR,
# FARM_HOME, COORD_PID; returns when both workers are connected.
farm_start() {
    local n=0
    while [[ -e $BENCH_DIR/farm-$n ]]; do n=$((n + 1)); done
    FARM_HOME=$BENCH_DIR/farm-$n
    mkdir -p "$FARM_HOME"
    local port
    port=$(free_port)
    FARM_ADDR=127.0.0.1:$port
    # Servers start through the launcher too, with the flags it gives them (exec: $! is the JVM).
    FARM_JAVA_OPTS=${COORD_JAVA_OPTS:-} "${FARM[@]}" coordinator --listen "$FARM_ADDR" --state-dir "$FARM_HOME/state" --artifact-dir "$FARM_HOME/artifacts" "$@" \
        >"$FARM_HOME/coordinator.log" 2>&1 &
    COORD_PID=$!
    FARM_PIDS+=("$COORD_PID")
    local w
    for w in w1 w2; do
        local opts=${WORKER_JAVA_OPTS:-}
        FARM_JAVA_OPTS=${opts//@NAME@/$w} "${FARM[@]}" worker --coordinator "$FARM_ADDR" --name "$w" --slots 4 --cores 4 --memory-mb 4096 \
            --work-dir "$FARM_HOME/work-$w" >"$FARM_HOME/worker-$w.log" 2>&1 &
        FARM_PIDS+=("$!") WORKER_PIDS+=("$!")
    done
    local tries=0
    until [[ $(farm workers --coordinator "$FARM_ADDR" -o json 2>/dev/null | jq '[.workers[] | select(.state == "ACTIVE")] | length' 2>/dev/null) == 2 ]]; do
        tries=$((tries + 1))
        if ((tries > 60)); then
            echo "bench: the farm at $FARM_ADDR did not come up; see $FARM_HOME/*.log" >&2
            farm_stop
            exit 1
        fi
        sleep 0.5
    done
}

# farm_stop: stops the processes farm_start started (by pid), waits for them.
trap 'farm_stop' EXIT
farm_stop() {
    local pid
    for pid in "${FARM_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${FARM_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    FARM_PIDS=() WORKER_PIDS=()
}

# cpu_ticks PID -> "self children": CPU ticks (user + system) of the process and of
# its reaped children (/proc/PID/stat fields 14+15 and 16+17; see getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13, $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# machine_ticks -> "busy total" from the cpu line of /proc/stat
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }

# rss_kib PID FIELD -> VmHWM / VmRSS of a process in KiB
rss_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

bench_header() {
    echo "# $1"
    echo "# jar $FARM_JAR ($(git -C "$(dirname "$FARM_JAR")" describe --always --dirty 2>/dev/null || echo '?'))," \
        "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
