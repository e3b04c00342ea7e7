#!/usr/bin/env bash
# run-all.sh - the no-op, log and demo benchmarks, in the order and with the options used for
# docs/performance.md ("Per-package cost and staging", "Logs", "The demo book"). About 25 minutes on
# the 2-core machine described there. Output also goes to $BENCH_DIR/results-*.txt.
#
# Usage: bash deploy/bench/run-all.sh
# Environment: FARM_JAR, BENCH_DIR (see lib.sh).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
out=${BENCH_DIR:-/tmp/farm-bench}/results-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p "$(dirname "$out")"
{
    bash "$here/noop.sh" --shape wide --n 2000 --runs 5 --cached-runs 3 --make-runs 10
    bash "$here/noop.sh" --shape chain --n 2000 --runs 3 --cached-runs 3 --make-runs 10
    bash "$here/logstream.sh" --runs 3 --local-runs 5
    bash "$here/logstream.sh" --runs 3 --local-runs 0 --delay 3
    COORD_JAVA_OPTS=-Xmx64m bash "$here/logstream.sh" --runs 3 --local-runs 0 --delay 3
    bash "$here/demo-vs-shell.sh" --runs 5
} 2>&1 | tee "$out"
echo "results in $out"
