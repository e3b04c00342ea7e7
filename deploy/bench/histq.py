#!/usr/bin/env python3
"""histq.py NAME < /metrics - median and p99 of a Prometheus histogram (all label sets summed),
from its cumulative buckets (the upper bound of the bucket the quantile falls in), as
"server_NAME_count=C server_NAME_p50_ms=X server_NAME_p99_ms=Y"."""
import re
import sys

name = sys.argv[1]
buckets = {}
count = 0
for line in sys.stdin:
    m = re.match(rf'{name}_bucket{{(.*)}} ([0-9.eE+-]+)', line)
    if m:
        le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
        buckets[float("inf") if le == "+Inf" else float(le)] = buckets.get(float("inf") if le == "+Inf" else float(le), 0) + float(m.group(2))
    m = re.match(rf'{name}_count(?:{{.*}})? ([0-9.eE+-]+)', line)
    if m:
        count += float(m.group(1))
if not count:
    sys.exit(1)
bounds = sorted(buckets)


def q(p):
    for b in bounds:
        if buckets[b] >= p * count:
            return b * 1000
    return float("inf")


short = name.replace("farm_", "").replace("_seconds", "")
print(f"server_{short}_count={int(count)} server_{short}_p50_ms={q(0.5):g} server_{short}_p99_ms={q(0.99):g}")
