#!/usr/bin/env bash
# build-sequential.sh - build the LFS Farm demo book by hand, one package after
# the other on this machine, exactly as a farm worker would build each one.
#
# This is the baseline that benchmarks compare the farm against: the same
# phases, in dependency order, run in sequence by a plain shell script. The
# recipes' phases, dependencies and job counts are copied here by hand; keep
# them identical to packages/*.yaml and farm.yaml.
#
# For every package it makes a fresh workspace like a worker's (src/,
# sources/, sysroot/, dest/, log), copies the sources, stages the installed
# trees of all transitive dependencies into sysroot/ with `cp -a`, and runs
# each phase with `bash -e` in src/ under a clean environment that holds only
# the variables of the recipe environment contract (see README.md).
#
# Usage: bash examples/demo/build-sequential.sh [--profile default|quick]
#                                               [--work DIR] [--keep]
# Exit status: 0 when every package built, 1 when one failed, 2 on bad usage.

set -euo pipefail

BOOK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROFILE=default
WORK=
KEEP=0

usage() {
    sed -n '2,/^# Exit status/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
        --profile=*) PROFILE=${1#*=}; shift ;;
        --work) WORK=${2:?--work needs a directory}; shift 2 ;;
        --work=*) WORK=${1#*=}; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build-sequential.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# --- the book, as in farm.yaml and packages/*.yaml --------------------------

case $PROFILE in
    default) RECOMMENDED=1; SKIP_CHECK=0; PROFILE_ENV=(CFLAGS=-O2) ;;
    quick)   RECOMMENDED=0; SKIP_CHECK=1; PROFILE_ENV=() ;;
    *) echo "build-sequential.sh: unknown profile '$PROFILE' (default, quick)" >&2; exit 2 ;;
esac

# A dependency order of the whole book (runtime edges do not order).
ORDER=(libstr libhash hello demo-data libkv kvtool demo-suite)

declare -A VERSION REQUIRED RECOMMENDED_DEPS RUNTIME JOBS SOURCES RECIPE_ENV
declare -A PREPARE CONFIGURE BUILD CHECK INSTALL

MAKE_INSTALL='make DESTDIR="$DESTDIR" PREFIX=/usr install'

VERSION[libstr]=1.2.0
SOURCES[libstr]="src/libstr"
JOBS[libstr]=2
BUILD[libstr]='make'
CHECK[libstr]='make check'
INSTALL[libstr]=$MAKE_INSTALL

VERSION[libhash]=0.9.1
SOURCES[libhash]="src/libhash"
JOBS[libhash]=2
BUILD[libhash]='make'
CHECK[libhash]='make check'
INSTALL[libhash]=$MAKE_INSTALL

VERSION[hello]=1.0.0
SOURCES[hello]="src/hello"
JOBS[hello]=1
RECIPE_ENV[hello]="HELLO_GREETING=Hello from LFS Farm"
BUILD[hello]='make'
CHECK[hello]='make check'
INSTALL[hello]=$MAKE_INSTALL

VERSION[demo-data]=1.0
SOURCES[demo-data]="src/demo-data"
JOBS[demo-data]=1
INSTALL[demo-data]='install -d "$DESTDIR/usr/share/demo" "$DESTDIR/usr/share/doc/demo-data-1.0"
install -m 644 *.ini "$DESTDIR/usr/share/demo/"
install -m 644 README "$DESTDIR/usr/share/doc/demo-data-1.0/"'

VERSION[libkv]=2.0.0
SOURCES[libkv]="src/libkv patches/libkv-2.0.0-inline_comments-1.patch"
REQUIRED[libkv]="libstr"                       # libstr >= 1.0
JOBS[libkv]=2
PREPARE[libkv]='patch -Np1 -i "$FARM_SOURCES/libkv-2.0.0-inline_comments-1.patch"'
BUILD[libkv]='make'
CHECK[libkv]='make check'
INSTALL[libkv]=$MAKE_INSTALL

VERSION[kvtool]=1.0.0
SOURCES[kvtool]="src/kvtool"
REQUIRED[kvtool]="libkv libstr"                # libkv >= 2.0, libstr >= 1.0
RECOMMENDED_DEPS[kvtool]="libhash"
JOBS[kvtool]=2
CONFIGURE[kvtool]='./configure --prefix=/usr'
BUILD[kvtool]='make'
CHECK[kvtool]='make check'
INSTALL[kvtool]=$MAKE_INSTALL

VERSION[demo-suite]=1.0
SOURCES[demo-suite]="src/demo-suite"
REQUIRED[demo-suite]="kvtool demo-data"       # kvtool >= 1.0
RUNTIME[demo-suite]="hello"
JOBS[demo-suite]=1
BUILD[demo-suite]='make'
CHECK[demo-suite]='make check TESTDATA="$FARM_SYSROOT/usr/share/demo"'
INSTALL[demo-suite]=$MAKE_INSTALL

# --- helpers -----------------------------------------------------------------

# Direct build-time dependencies of $1 under the profile.
direct_deps() {
    local deps=${REQUIRED[$1]:-}
    if [[ $RECOMMENDED == 1 ]]; then
        deps+=" ${RECOMMENDED_DEPS[$1]:-}"
    fi
    echo $deps
}

# All transitive build-time dependencies of $1, in ORDER.
declare -A SEEN
collect() {
    local dep
    for dep in $(direct_deps "$1"); do
        if [[ -z ${SEEN[$dep]:-} ]]; then
            SEEN[$dep]=1
            collect "$dep"
        fi
    done
}
closure() {
    SEEN=()
    collect "$1"
    local pkg out=()
    for pkg in "${ORDER[@]}"; do
        [[ -n ${SEEN[$pkg]:-} ]] && out+=("$pkg")
    done
    echo "${out[@]}"
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

for tool in cc make pkg-config patch install; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-sequential.sh: '$tool' is not installed (the demo needs gcc, make, pkg-config, patch)" >&2
        exit 1
    fi
done

if [[ -z $WORK ]]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/farm-demo-seq.XXXXXX")
else
    mkdir -p "$WORK"
    WORK=$(cd "$WORK" && pwd)
fi
if [[ $KEEP == 0 ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi

NPROC=$(nproc 2>/dev/null || echo 1)
HOST_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

# run_phase PKG PHASE SCRIPT: one phase in a clean environment, output to log.
run_phase() {
    local pkg=$1 phase=$2 script=$3 d=$WORK/$1
    local jobs=${JOBS[$pkg]}
    (( jobs > NPROC )) && jobs=$NPROC
    local sysroot=$d/sysroot
    local -a env=(
        HOME="$d/home" TMPDIR="$d/tmp" LC_ALL=C TERM=dumb
        DESTDIR="$d/dest"
        FARM_SYSROOT="$sysroot"
        FARM_SOURCES="$d/sources"
        FARM_JOBS="$jobs"
        MAKEFLAGS="-j$jobs"
        PATH="$sysroot/usr/bin:$HOST_PATH"
        PKG_CONFIG_SYSROOT_DIR="$sysroot"
        PKG_CONFIG_LIBDIR="$sysroot/usr/lib/pkgconfig:$sysroot/usr/share/pkgconfig"
        CPPFLAGS="-I$sysroot/usr/include"
        LDFLAGS="-L$sysroot/usr/lib -Wl,-rpath-link,$sysroot/usr/lib"
        LD_LIBRARY_PATH="$sysroot/usr/lib"
        CMAKE_PREFIX_PATH="$sysroot/usr"
        "${PROFILE_ENV[@]}"
    )
    [[ -n ${RECIPE_ENV[$pkg]:-} ]] && env+=("${RECIPE_ENV[$pkg]}")
    printf '==> %s: %s\n' "$pkg" "$phase" >>"$d/log"
    (cd "$d/src" && env -i "${env[@]}" bash --noprofile --norc -e -c "$script") >>"$d/log" 2>&1
}

# --- the build ---------------------------------------------------------------

echo "build-sequential: book $BOOK, profile $PROFILE, work $WORK"
total_start=$(now)
n=0
declare -A WALL
for pkg in "${ORDER[@]}"; do
    n=$((n + 1))
    d=$WORK/$pkg
    start=$(now)
    rm -rf "$d"
    mkdir -p "$d/src" "$d/sources" "$d/sysroot" "$d/dest" "$d/home" "$d/tmp"
    : >"$d/log"

    # sources: the first one is the build folder, all of them go to sources/
    read -r -a srcs <<<"${SOURCES[$pkg]}"
    cp -a "$BOOK/${srcs[0]}/." "$d/src/"
    for s in "${srcs[@]}"; do
        cp -a "$BOOK/$s" "$d/sources/"
    done

    # sysroot: installed trees of every transitive dependency
    deps=$(closure "$pkg")
    for dep in $deps; do
        cp -a "$WORK/$dep/dest/." "$d/sysroot/"
    done

    phase_times=()
    for phase in prepare configure build check install; do
        case $phase in
            prepare) script=${PREPARE[$pkg]:-} ;;
            configure) script=${CONFIGURE[$pkg]:-} ;;
            build) script=${BUILD[$pkg]:-} ;;
            check) script=${CHECK[$pkg]:-}; [[ $SKIP_CHECK == 1 ]] && script= ;;
            install) script=${INSTALL[$pkg]:-} ;;
        esac
        [[ -z $script ]] && continue
        p_start=$(now)
        if ! run_phase "$pkg" "$phase" "$script"; then
            printf '[%d/%d] %-11s %-6s FAILED in %s after %ss; last lines of %s:\n' \
                "$n" "${#ORDER[@]}" "$pkg" "${VERSION[$pkg]}" "$phase" \
                "$(elapsed "$start" "$(now)")" "$d/log" >&2
            tail -n 40 "$d/log" >&2
            trap - EXIT
            echo "build-sequential: workspace kept in $WORK" >&2
            exit 1
        fi
        phase_times+=("$phase $(elapsed "$p_start" "$(now)")s")
    done
    WALL[$pkg]=$(elapsed "$start" "$(now)")
    files=$(find "$d/dest" -type f -o -type l | wc -l)
    printf '[%d/%d] %-11s %-6s ok %6ss  %2d files  (%s)  sysroot: %s\n' \
        "$n" "${#ORDER[@]}" "$pkg" "${VERSION[$pkg]}" "${WALL[$pkg]}" "$files" \
        "$(IFS=,; echo "${phase_times[*]}" | sed 's/,/, /g')" "${deps:--}"
done

warnings=$(cat "$WORK"/*/log | grep -c 'warning:' || true)
echo "build-sequential: ${#ORDER[@]} packages in $(elapsed "$total_start" "$(now)")s wall, $warnings compiler warnings"
if [[ $KEEP == 1 ]]; then
    echo "build-sequential: installed trees in $WORK/<package>/dest, logs in $WORK/<package>/log"
fi
