#!/usr/bin/env python3
"""gen-sleep.py - a book of `sleep` packages and a jhalfs-style Makefile with the same graph.

Usage:
  python3 deploy/bench/gen-sleep.py --graph examples/lfs-chapter8.json --out DIR [--scale 0.05] [--slots 8]
  python3 deploy/bench/gen-sleep.py --blfs 1000 --seed 5 --out DIR [--scale 0.05] [--slots 8]

--graph takes a graph file (docs: `farm plan --graph`): the packages' `required` (and
`recommended`) lists are the ordering edges, the file's order is the book order.
--blfs N writes a synthetic BLFS-sized graph (deterministic for a seed, see blfs()).

Writes:
  DIR/book/farm.yaml, DIR/book/packages/<id>.yaml  one recipe per package whose only phase is
      `build: "sleep S"` with S = sbu x scale seconds; parallel_jobs 1 and 64 MiB, so a
      `--slots 4 --cores 4 --memory-mb 4096` worker runs 4 at a time, like 4 make jobs;
  DIR/Makefile   one target per package, prerequisites = its dependencies, recipe `@sleep S`,
      `all` lists every package in book order (how jhalfs drives a book); every target is
      .PHONY, so `make -j8 -f DIR/Makefile` sleeps every package every time;
  DIR/graph.json the graph (for `farm plan/simulate --graph`);
  DIR/bounds.json and stdout: packages, edges, total work, critical path (seconds, packages),
      total work / slots and the lower bound max(critical path, work / slots).
The generated files are inputs only; do not commit them.
"""
import argparse
import json
import math
import os
import random
import sys


def load_graph(path):
    with open(path) as f:
        data = json.load(f)
    pkgs = []
    # a few LFS entries name a dependency by the package's name ("Python", "Lz4"), not its id
    ids = {p["id"] for p in data["packages"]}
    alias = {p.get("name", p["id"]).lower(): p["id"] for p in data["packages"]}
    alias.update({i.lower(): i for i in ids})
    for p in data["packages"]:
        deps = [d if d in ids else alias.get(d.lower(), d) for d in list(p.get("required", [])) + list(p.get("recommended", []))]
        pkgs.append({"id": p["id"], "sbu": float(p.get("sbu", 0.1) or 0.1), "deps": list(dict.fromkeys(deps))})
    return data.get("metadata", {}).get("book", os.path.basename(path)), pkgs


# BLFS's big packages: (name, sbu, share of the book where it appears, dependencies among the
# other big ones). SBUs are of the order the BLFS book gives at -j4 (LLVM with clang, rustc,
# QtWebEngine, WebKitGTK, Firefox, LibreOffice ...); book positions follow BLFS's chapters
# (programming in the middle, toolkits later, browsers and office near the end).
BIG = [
    ("cmake", 1.5, 0.30, []),
    ("llvm", 24.0, 0.42, ["cmake"]),
    ("rustc", 10.0, 0.43, ["llvm", "cmake"]),
    ("gcc-blfs", 13.0, 0.44, []),
    ("openjdk", 11.0, 0.45, []),
    ("boost", 3.5, 0.40, ["cmake"]),
    ("mesa", 2.6, 0.60, ["llvm"]),
    ("gtk3", 1.4, 0.70, ["mesa"]),
    ("gtk4", 1.8, 0.72, ["mesa"]),
    ("qt6", 14.0, 0.74, ["mesa", "cmake"]),
    ("qtwebengine", 40.0, 0.75, ["qt6"]),
    ("webkitgtk", 30.0, 0.80, ["gtk3", "gtk4"]),
    ("epiphany", 0.5, 0.93, ["webkitgtk"]),
    ("falkon", 0.8, 0.94, ["qtwebengine"]),
    ("firefox", 24.0, 0.95, ["rustc", "gtk3"]),
    ("thunderbird", 26.0, 0.96, ["rustc", "gtk3"]),
    ("libreoffice", 40.0, 0.97, ["boost", "gtk3", "openjdk"]),
]


def blfs(n, seed):
    """A synthetic BLFS: n packages in book order.

    Most are small (sbu log-normal, median 0.3, clipped to 0.1 .. 8): libraries that early
    packages of the book provide and later ones use (a dependency is drawn from earlier packages,
    preferring popular ones: glib-like hubs collect many dependents), and leaves (programs, fonts,
    data) nobody depends on. The big packages of BIG sit on long chains (cmake -> llvm -> rustc ->
    firefox, mesa -> qt6 -> qtwebengine -> falkon, ...), each also depending on a handful of small
    libraries, placed where BLFS has them.
    """
    rnd = random.Random(seed)
    small = n - len(BIG)
    slots = {}
    for name, sbu, pos, deps in BIG:
        slots.setdefault(min(n - 1, int(pos * n)), []).append((name, sbu, deps))
    order = []
    k = 0
    for i in range(n):
        for b in slots.get(i, []):
            order.append(("big",) + b)
        if k < small and len(order) < n:
            order.append(("small", f"b{k:04d}"))
            k += 1
    order = order[:n]
    pkgs = []
    weight = []  # popularity of each earlier package as a dependency (libraries only)
    ids = []
    for i, entry in enumerate(order):
        if entry[0] == "big":
            _, name, sbu, bigdeps = entry
            deps = list(bigdeps)
            libs = [j for j in range(len(pkgs)) if weight[j] > 0]
            for _ in range(min(len(libs), rnd.randint(4, 12))):
                deps.append(ids[rnd.choices(libs, weights=[weight[j] for j in libs])[0]])
            pkgs.append({"id": name, "sbu": sbu, "deps": list(dict.fromkeys(deps))})
            ids.append(name)
            weight.append(0)  # only the explicit chains above depend on big packages
            continue
        pid = entry[1]
        sbu = min(8.0, max(0.1, round(math.exp(rnd.gauss(math.log(0.3), 1.0)), 1)))
        is_lib = rnd.random() < 0.55
        ndeps = 0 if i < 20 else min(i, int(rnd.paretovariate(1.6)) + rnd.randint(0, 2) - 1)
        libs = [j for j in range(len(pkgs)) if weight[j] > 0]
        deps = []
        for _ in range(min(ndeps, len(libs))):
            deps.append(ids[rnd.choices(libs, weights=[weight[j] for j in libs])[0]])
        pkgs.append({"id": pid, "sbu": sbu, "deps": list(dict.fromkeys(deps))})
        ids.append(pid)
        weight.append(rnd.paretovariate(1.2) if is_lib else 0)
    return f"synthetic BLFS n={n} seed={seed}", pkgs


def bounds(pkgs, scale, slots):
    index = {p["id"]: i for i, p in enumerate(pkgs)}
    dur = [p["sbu"] * scale for p in pkgs]
    finish = [0.0] * len(pkgs)
    prev = [-1] * len(pkgs)
    # book order is a topological order (every dependency comes earlier): checked here
    for i, p in enumerate(pkgs):
        start = 0.0
        for d in p["deps"]:
            j = index[d]
            if j >= i:
                sys.exit(f"gen-sleep.py: {p['id']} depends on {d}, which comes later in the book")
            if finish[j] > start:
                start, prev[i] = finish[j], j
        finish[i] = start + dur[i]
    end = max(range(len(pkgs)), key=lambda i: finish[i])
    path = []
    while end >= 0:
        path.append(pkgs[end]["id"])
        end = prev[end]
    work = sum(dur)
    cp = max(finish)
    return {"packages": len(pkgs), "edges": sum(len(p["deps"]) for p in pkgs), "sbu_total": round(sum(p["sbu"] for p in pkgs), 1),
            "scale_s_per_sbu": scale, "slots": slots, "work_s": round(work, 3), "critical_path_s": round(cp, 3),
            "critical_path_packages": len(path), "critical_path": list(reversed(path)),
            "work_per_slot_s": round(work / slots, 3), "lower_bound_s": round(max(cp, work / slots), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--graph")
    src.add_argument("--blfs", type=int)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--scale", type=float, default=0.05, help="seconds of sleep per SBU")
    ap.add_argument("--slots", type=int, default=8, help="for the lower bound: make -j / farm slots")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    name, pkgs = load_graph(a.graph) if a.graph else blfs(a.blfs, a.seed)
    book = os.path.join(a.out, "book")
    pdir = os.path.join(book, "packages")
    os.makedirs(pdir, exist_ok=True)
    for f in os.listdir(pdir):
        os.remove(os.path.join(pdir, f))

    def secs(p):
        return f"{p['sbu'] * a.scale:.3f}"

    with open(os.path.join(book, "farm.yaml"), "w") as f:
        f.write(f"name: sleep-{os.path.basename(os.path.normpath(a.out))}\n"
                f"description: \"generated by deploy/bench/gen-sleep.py from {name}, {a.scale} s per SBU\"\n"
                "defaults:\n  parallel_jobs: 1\n  resources: {memory_mb: 64, disk_mb: 0}\n")
    for p in pkgs:
        dep = "depends:\n  required: [" + ", ".join(f'"{d}"' for d in p["deps"]) + "]\n" if p["deps"] else ""
        with open(os.path.join(pdir, p["id"] + ".yaml"), "w") as f:
            f.write(f"version: \"1.0\"\nsbu: {p['sbu']}\n{dep}phases:\n  build: \"sleep {secs(p)}\"\n")
    with open(os.path.join(a.out, "Makefile"), "w") as f:
        f.write(f"# generated by deploy/bench/gen-sleep.py from {name}: one target per package, book order\n")
        f.write(".PHONY: all " + " ".join(p["id"] for p in pkgs) + "\n")
        f.write("all: " + " ".join(p["id"] for p in pkgs) + "\n")
        for p in pkgs:
            f.write(f"{p['id']}: {' '.join(p['deps'])}\n\t@sleep {secs(p)}\n")
    with open(os.path.join(a.out, "graph.json"), "w") as f:
        json.dump({"packages": [{"id": p["id"], "version": "1.0", "sbu": p["sbu"], "parallel_jobs": 1,
                                 "required": p["deps"]} for p in pkgs]}, f)
    b = bounds(pkgs, a.scale, a.slots)
    b["source"] = name
    with open(os.path.join(a.out, "bounds.json"), "w") as f:
        json.dump(b, f, indent=1)
    print(f"gen-sleep.py: {name}: {b['packages']} packages, {b['edges']} edges, {b['sbu_total']} SBU = {b['work_s']} s of sleep; "
          f"critical path {b['critical_path_s']} s ({b['critical_path_packages']} packages), work/{a.slots} {b['work_per_slot_s']} s, "
          f"lower bound {b['lower_bound_s']} s")


if __name__ == "__main__":
    main()
