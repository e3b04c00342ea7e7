#!/bin/sh
# kvtool tests: sh t/run.sh PATH/TO/kvtool TESTDIR
kvtool=$1
dir=$2
passed=0
failed=0
out=${TMPDIR:-/tmp}/kvtool-test.$$
trap 'rm -f "$out"' EXIT

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect STATUS EXPECTED-OUTPUT COMMAND...
expect() {
    want_status=$1 want=$2
    shift 2
    got=$("$@" 2>&1)
    status=$?
    if [ "$status" = "$want_status" ] && [ "$got" = "$want" ]; then
        ok
    else
        bad "$* -> status $status, output '$got' (wanted $want_status, '$want')"
    fi
}

expect 0 "$dir/sample.ini: ok, 6 entries" "$kvtool" check "$dir/sample.ini"
expect 1 "kvtool: $dir/bad.ini:3: section header without closing ']'" \
    "$kvtool" check "$dir/bad.ini"
expect 0 "LFS Farm" "$kvtool" get "$dir/sample.ini" title
expect 0 "2" "$kvtool" get "$dir/sample.ini" worker.cores
expect 0 "arch=x86_64; os=linux" "$kvtool" get "$dir/sample.ini" worker.labels
expect 1 "kvtool: $dir/sample.ini: no key 'worker.missing'" \
    "$kvtool" get "$dir/sample.ini" worker.missing
expect 2 "kvtool get: expected FILE SECTION.KEY" "$kvtool" get "$dir/sample.ini"

if "$kvtool" dump "$dir/sample.ini" > "$out" && cmp -s "$out" "$dir/sample.dump"; then
    ok
else
    bad "dump differs from $dir/sample.dump:"
    diff -u "$dir/sample.dump" "$out" >&2
fi

if "$kvtool" --version | grep -q '^libkv .*libhash [0-9]'; then
    expect 0 "ccd79eb7e87ae02e  $dir/sample.ini" "$kvtool" hash "$dir/sample.ini"
else
    expect 2 "kvtool: built without libhash; 'hash' is not available" \
        "$kvtool" hash "$dir/sample.ini"
fi

echo "kvtool: $passed passed, $failed failed"
[ "$failed" = 0 ]
