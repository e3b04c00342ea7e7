#!/bin/sh
# demo-suite: runs kvtool over the demo-data files and compares with what
# this suite expects.   sh run-tests.sh [DATADIR [EXPECTDIR]]
data=${1:-/usr/share/demo}
expect=${2:-$(dirname "$0")/expected}
kvtool=${KVTOOL:-kvtool}
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# get FILE NAME WANT
get() {
    got=$("$kvtool" get "$data/$1.ini" "$2" 2>&1)
    if [ "$got" = "$3" ]; then ok; else bad "kvtool get $1.ini $2: '$got', wanted '$3'"; fi
}

if ! command -v "$kvtool" >/dev/null 2>&1; then
    echo "demo-suite: kvtool not found in PATH ($PATH)" >&2
    exit 1
fi
echo "demo-suite: $("$kvtool" --version | tr '\n' ' ')"
echo "demo-suite: data in $data"

for name in worker lfs-toolchain motd; do
    if "$kvtool" check "$data/$name.ini" >/dev/null; then ok; else bad "kvtool check $name.ini"; fi
    if "$kvtool" dump "$data/$name.ini" | cmp -s - "$expect/$name.dump"; then
        ok
    else
        bad "kvtool dump $name.ini differs from $expect/$name.dump"
        "$kvtool" dump "$data/$name.ini" | diff -u "$expect/$name.dump" - >&2
    fi
done

get worker name pve1-lxc-101
get worker capacity.memory_mb 8192
get worker labels.backend lxc
get lfs-toolchain gcc.sbu 42
get lfs-toolchain gcc.depends "binutils, gmp, mpfr"
get lfs-toolchain mpfr.check "kvtool: $data/lfs-toolchain.ini: no key 'mpfr.check'"
get motd message.title "LFS Farm demo"

# 'kvtool hash' exists only when kvtool was built with libhash (a
# recommended dependency: a profile may leave it out).
if "$kvtool" --version | grep -q 'libhash [0-9]'; then
    if (cd "$data" && "$kvtool" hash worker.ini lfs-toolchain.ini motd.ini) |
        cmp -s - "$expect/hashes"; then
        ok
    else
        bad "kvtool hash differs from $expect/hashes"
    fi
else
    echo "demo-suite: kvtool has no libhash, hash test skipped"
fi

echo "demo-suite: $passed passed, $failed failed"
[ "$failed" = 0 ]
