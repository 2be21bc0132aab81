#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build smimepolicy from this checkout and run every test (unit tests,
# openssl CLI and `openssl ca` tests, SoftHSM2 and swtpm tests, the
# conformance run and valgrind), then `make distcheck`.
# On a fresh Debian 12 machine as root: sh scripts/test.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
"$top/scripts/deps.sh"
cd "$top"
./bootstrap
mkdir -p "$build"
cd "$build"
"$top/configure" -q
make -j2
status=0
make -j2 check || status=$?
if [ "$status" -ne 0 ]; then
    # Show why: the log of every test that did not pass.
    for log in $(find . -name '*.log' ! -name config.log ! -name test-suite.log); do
        trs=${log%.log}.trs
        if [ -f "$trs" ] && grep -q ':test-result: \(FAIL\|ERROR\)' "$trs"; then
            echo "==== $log"
            tail -n 80 "$log"
        fi
    done
    exit "$status"
fi
if [ "${SP_SKIP_DISTCHECK:-0}" != 1 ]; then
    make -j2 distcheck
fi
