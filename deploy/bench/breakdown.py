#!/usr/bin/env python3
"""breakdown.py - where each attempt's time goes, from DEBUG logs of a farm.

Usage: python3 deploy/bench/breakdown.py FARM_HOME [--build ID] [--per-attempt] [--buckets K]

Reads FARM_HOME/coordinator.log and FARM_HOME/worker-*.log written with
FARM_LOG_LEVEL=DEBUG (lib.sh's farm_start puts them there) and splits every
attempt into steps, by the log lines' millisecond timestamps (one clock: every
process runs on this machine):

  dispatch   coordinator "package P -> worker" to the worker's "building P"
  setup      "building" to "workspace ... created" (attempt folder, thread hand-off)
  sources    "workspace created" to the first dependency staged, or to the first
             phase when there is nothing to stage (fetch/unpack the path sources)
  staging    first to last "extracted ... into .../sysroot" (dependency artifacts)
  to-phase   last staging (or sources) to the first phase's start
  phases     the phases' own wall (PhaseResult wallSeconds, summed)
  gaps       between phases (starting bash, the /proc sampler, writing notes)
  pack+upl   "phases succeeded" to the attempt's result ("attempt A (P) succeeded"):
             tar.gz of DESTDIR, manifest, two uploads, deleting the workspace
  report     the result to the coordinator's next dispatch of a package of the
             same build (only meaningful where a package waits on this one: a chain)

Prints the median and the total (sum over attempts) of each step; --buckets K also
prints medians for K groups of attempts in dispatch order (for a chain: how the
cost grows with the number of dependencies staged). With INFO logs only (the
default level) it still gives each attempt's worker time ("building" to result)
and the gap to the next "building". Timestamps are HH:MM:SS.mmm, so steps
shorter than a few ms are noise.
"""
import argparse
import glob
import os
import re
import statistics
import sys
from datetime import datetime

TS = r"^(\d\d:\d\d:\d\d\.\d\d\d) "


def t(s):
    d = datetime.strptime(s, "%H:%M:%S.%f")
    return d.hour * 3600 + d.minute * 60 + d.second + d.microsecond / 1e6


def iso_t(s):
    # 2026-11-21T06:38:31.804794625Z -> seconds of the day (UTC; logs are in local time = UTC here)
    hms = s.split("T")[1].rstrip("Z")
    h, m, rest = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("home")
    ap.add_argument("--build")
    ap.add_argument("--per-attempt", action="store_true")
    ap.add_argument("--buckets", type=int, default=0, help="also print medians for K groups in dispatch order")
    a = ap.parse_args()

    att = {}
    dispatch_times = []  # (time, build, attempt)
    with open(os.path.join(a.home, "coordinator.log"), errors="replace") as f:
        for line in f:
            m = re.match(TS + r"DEBUG .*Dispatcher - build (\S+) package (\S+) -> (\S+) .*attempt (\S+)$", line)
            if m:
                ts, build, pkg, worker, aid = m.groups()
                if a.build and build != a.build:
                    continue
                att[aid] = {"build": build, "pkg": pkg, "worker": worker, "dispatch": t(ts), "phases": []}
                dispatch_times.append((t(ts), build, aid))
    for wl in sorted(glob.glob(os.path.join(a.home, "worker-*.log"))):
        with open(wl, errors="replace") as f:
            for line in f:
                m = re.match(TS, line)
                if not m:
                    continue
                ts = t(m.group(1))
                m2 = re.search(r"building (\S+) for build (\S+) \(attempt (\S+),", line)
                if m2:
                    if a.build and m2.group(2) != a.build:
                        continue
                    x = att.setdefault(m2.group(3), {"build": m2.group(2), "pkg": m2.group(1), "phases": []})
                    x["building"] = ts
                    x["worker"] = os.path.basename(wl)
                    continue
                m2 = re.search(r"workspace \S+/attempts/(\S+) created", line)
                if m2 and m2.group(1) in att:
                    att[m2.group(1)]["created"] = ts
                    continue
                m2 = re.search(r"extracted \d+ entries into \S+/attempts/([^/\s]+)/sysroot", line)
                if m2 and m2.group(1) in att:
                    x = att[m2.group(1)]
                    x.setdefault("stage_first", ts)
                    x["stage_last"] = ts
                    x["staged"] = x.get("staged", 0) + 1
                    continue
                m2 = re.search(r"PhaseRunner - (\w+) of (\S+): PhaseResult\[.*startedAt=(\S+?), usage=ResourceUse\[wallSeconds=([\d.E-]+)", line)
                if m2 and m2.group(2) in att:
                    att[m2.group(2)]["phases"].append((m2.group(1), iso_t(m2.group(3)), float(m2.group(4)), ts))
                    continue
                m2 = re.search(r"PhaseSequence - (\S+): phases succeeded", line)
                if m2 and m2.group(1) in att:
                    att[m2.group(1)]["phases_done"] = ts
                    continue
                m2 = re.search(r"WorkerAgent - attempt (\S+) \((\S+)\) (\w+)", line)
                if m2 and m2.group(1) in att:
                    att[m2.group(1)]["result"] = ts
                    att[m2.group(1)]["outcome"] = m2.group(3)

    if not dispatch_times:
        # INFO logs only: no coordinator dispatch lines; "building" stands in for the dispatch
        for aid, x in att.items():
            if "building" in x:
                x["dispatch"] = x["building"]
                dispatch_times.append((x["building"], x["build"], aid))
    # next dispatch in the same build after each result
    dispatch_times.sort()
    steps = ["dispatch", "setup", "sources", "staging", "to-phase", "phases", "gaps", "pack+upl", "report", "total"]
    rows = []
    for aid, x in att.items():
        if "result" not in x or "building" not in x or "dispatch" not in x:
            continue
        if not x["phases"] or "created" not in x:
            # INFO logs only: the worker's whole attempt and the gap to the next dispatch
            nxt = [d for d in dispatch_times if d[1] == x["build"] and d[0] >= x["result"]]
            rows.append({"id": aid, "pkg": x["pkg"], "staged": 0, "total": x["result"] - x["dispatch"],
                         "report": (nxt[0][0] - x["result"]) if nxt else float("nan"), "info_only": True})
            continue
        ph = sorted(x["phases"], key=lambda p: p[1])
        first_start = ph[0][1]
        phase_wall = sum(p[2] for p in ph)
        phase_span = (x.get("phases_done", ph[-1][3])) - first_start
        stage_first = x.get("stage_first")
        r = {
            "dispatch": x["building"] - x["dispatch"],
            "setup": x["created"] - x["building"],
            "sources": (stage_first if stage_first else first_start) - x["created"],
            "staging": (x["stage_last"] - stage_first) if stage_first else 0.0,
            "to-phase": first_start - (x["stage_last"] if stage_first else first_start),
            "phases": phase_wall,
            "gaps": max(0.0, phase_span - phase_wall),
            "pack+upl": x["result"] - x.get("phases_done", ph[-1][3]),
        }
        nxt = [d for d in dispatch_times if d[1] == x["build"] and d[0] >= x["result"]]
        r["report"] = (nxt[0][0] - x["result"]) if nxt else float("nan")
        r["total"] = x["result"] - x["dispatch"]
        r["id"] = aid
        r["pkg"] = x["pkg"]
        r["staged"] = x.get("staged", 0)
        rows.append(r)
    if not rows:
        sys.exit("breakdown.py: no complete attempts in DEBUG logs under " + a.home)
    rows.sort(key=lambda r: att[r["id"]]["dispatch"])
    if any(r.get("info_only") for r in rows):
        steps = ["total", "report"]
        print("(INFO logs only: total = the worker's 'building' to its result; report = result to the next 'building')")
    if a.per_attempt:
        print("%-12s %-12s %6s " % ("attempt", "package", "staged") + " ".join("%9s" % s for s in steps))
        for r in rows:
            print("%-12s %-12s %6d " % (r["id"], r["pkg"], r["staged"]) + " ".join("%9.1f" % (1000 * r[s]) for s in steps))
    if a.buckets:
        k = a.buckets
        print(f"in dispatch order, {k} groups of attempts: median ms per attempt")
        print("%-13s " % "attempts" + " ".join("%9s" % s for s in steps))
        for g in range(k):
            part = rows[g * len(rows) // k:(g + 1) * len(rows) // k]
            if not part:
                continue
            cells = []
            for s in steps:
                v = [r[s] for r in part if r[s] == r[s]]
                cells.append("%9.1f" % (1000 * statistics.median(v)) if v else "%9s" % "-")
            print("%-13s " % f"{g * len(rows) // k + 1}-{(g + 1) * len(rows) // k}" + " ".join(cells))
    print(f"{len(rows)} attempts; ms per attempt (median / mean / sum in s)")
    for s in steps:
        v = [r[s] for r in rows if r[s] == r[s]]
        if not v:
            continue
        print("  %-9s median %8.1f ms  mean %8.1f ms  sum %8.2f s" % (s, 1000 * statistics.median(v), 1000 * statistics.mean(v), sum(v)))


if __name__ == "__main__":
    main()
