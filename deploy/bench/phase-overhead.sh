#!/usr/bin/env bash
# phase-overhead.sh - what one no-op phase costs, outside the farm: the process chain a
# worker starts for a phase (setsid, the wrapper shell, bash -e -o pipefail -c true), started
# from a shell (hyperfine) and from the worker's own PhaseRunner in a bare JVM
# (PhaseHarness.java: workspace, cgroup, log pump, sampler, measurement; no gRPC).
#
# Usage: bash deploy/bench/phase-overhead.sh [--runs 300]
# Environment: FARM_JAR, BENCH_DIR (see lib.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RUNS=300
[[ ${1:-} == --runs ]] && RUNS=$2
bench_header "phase-overhead: the process chain of one no-op phase"
# PhaseRunner.WRAPPER, as a file (hyperfine -N passes arguments without a shell)
W=$BENCH_DIR/phase-wrapper.sh
printf '%s\n' 'if [ -n "$1" ]; then echo $$ > "$1"; fi' 'farm_times=$2' 'shift 2' '"$@"' 'farm_rc=$?' \
    'LC_ALL=C' 'times > "$farm_times" 2>/dev/null' 'exit $farm_rc' >"$W"
hyperfine -N --style basic --warmup 5 --runs "$RUNS" \
    "setsid /bin/bash --noprofile --norc $W '' $BENCH_DIR/phase.times /bin/bash --noprofile --norc -e -o pipefail -c true" \
    "/bin/bash --noprofile --norc -e -c true" "true" 2>&1 | grep -E '^Benchmark|Time|Range'
"$JAVA" -cp "$FARM_JAR" "$(dirname "${BASH_SOURCE[0]}")/PhaseHarness.java" 200 2>/dev/null | grep -v '^[0-9:.]* [A-Z]* '
rm -f "$W" "$BENCH_DIR/phase.times"
