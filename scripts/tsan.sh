#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ThreadSanitizer run (issue 6): builds smimepolicy with --enable-tsan in
# a build directory of its own and runs the threaded tests under TSan:
#   tests/test_audit           many threads appending to one audit log
#   tests/provider-stress.sh   8 threads, 10,000 signatures, one wrapped key
#   tests/provider-sign.sh     8 threads x 25 per key type, parallel CLIs
#   tests/audit-multiproc.sh   processes appending to one log
# OpenSSL itself is not instrumented. openssl CLI processes that load the
# instrumented provider get the TSan runtime through LD_PRELOAD. Every
# process writes its reports to $BUILDDIR/tsan-logs; any report fails the
# test that produced it (suppressions: tests/tsan.supp). A canary with a
# real data race first proves that reports are caught.
#
# Usage: scripts/tsan.sh [BUILDDIR]     (default /tmp/smimepolicy-tsan)
#   SP_TSAN_JOBS (2), SP_STRESS_TOTAL (10000) are passed on.
# Prints "N passed, N failed" and exits 1 when anything failed.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-${TMPDIR:-/tmp}/smimepolicy-tsan}
jobs=${SP_TSAN_JOBS:-2}
passed=0
failed=0
start=$(date +%s)

say() { printf 'tsan: %s\n' "$*"; }
pass() {
    say "PASS: $*"
    passed=$((passed + 1))
}
fail() {
    say "FAIL: $*"
    failed=$((failed + 1))
}
finish() {
    say "run time $(($(date +%s) - start)) s"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

mkdir -p "$builddir" || exit 1
builddir=$(cd "$builddir" && pwd)
logdir=$builddir/tsan-logs
CC=${CC:-gcc}

# ------------------------------------------------------------ build
[ -x "$srcdir/configure" ] || (cd "$srcdir" && ./bootstrap) || {
    fail "bootstrap"
    finish
}
cd "$builddir" || exit 1
if ! { [ -f Makefile ] || "$srcdir/configure" -q --enable-tsan CC="$CC"; } \
    >configure.log 2>&1; then
    cat configure.log
    fail "configure --enable-tsan"
    finish
fi
# Two runs of make: goals given together would build the shared
# objects twice at once.
if ! { make -j"$jobs" all && make -j"$jobs" tests/test_audit \
    tests/audit_multiproc tests/provider-stress tests/provider-sign; } \
    >build.log 2>&1; then
    tail -30 build.log
    fail "build with -fsanitize=thread"
    finish
fi
libtsan=$(ldd .libs/smimepolicy.so | awk '/libtsan/ { print $3 }')
if [ -z "$libtsan" ]; then
    fail "the provider is not linked with libtsan (was configure run without --enable-tsan?)"
    finish
fi
pass "built with -fsanitize=thread ($libtsan)"

# openssl CLI processes load the instrumented provider: give them the
# runtime first.
openssl_cmd=$(command -v "${SP_OPENSSL:-openssl}")
cat >"$builddir/openssl-tsan" <<WRAP
#!/bin/sh
LD_PRELOAD=$libtsan exec $openssl_cmd "\$@"
WRAP
chmod +x "$builddir/openssl-tsan"

TSAN_OPTIONS="log_path=$logdir/tsan suppressions=$srcdir/tests/tsan.supp second_deadlock_stack=1 history_size=4"
export TSAN_OPTIONS

# reports_since: the TSan reports written since the log dir was cleared.
reports() { grep -l "WARNING: ThreadSanitizer" "$logdir"/tsan.* 2>/dev/null; }

# ------------------------------------------------------------ canary
rm -rf "$logdir"
mkdir -p "$logdir"
cat >canary.c <<'CANARY'
#include <pthread.h>
static int shared;
static void *bump(void *arg) { shared++; return arg; }
int main(void)
{
    pthread_t a, b;
    pthread_create(&a, 0, bump, 0);
    pthread_create(&b, 0, bump, 0);
    pthread_join(a, 0);
    pthread_join(b, 0);
    return 0;
}
CANARY
if $CC -fsanitize=thread -g -o canary canary.c -lpthread >canary.log 2>&1; then
    ./canary >/dev/null 2>&1
    if [ -n "$(reports)" ]; then
        pass "canary: a real data race is reported"
    else
        fail "canary: TSan did not report a data race (reports would be missed)"
    fi
else
    fail "canary: cannot build with -fsanitize=thread: $(cat canary.log)"
fi

# ------------------------------------------------------------ tests
for t in tests/test_audit tests/provider-stress.sh tests/provider-sign.sh \
    tests/audit-multiproc.sh; do
    rm -rf "$logdir"
    mkdir -p "$logdir"
    t0=$(date +%s)
    make check TESTS="$t" OPENSSL="$builddir/openssl-tsan" \
        >"check-$(basename "$t").log" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    found=$(reports)
    if [ -n "$found" ]; then
        for f in $found; do
            sed -n '1,60p' "$f"
        done
        fail "$t: ThreadSanitizer reports in $(echo "$found" | wc -l) process(es) (${secs} s)"
    elif [ "$rc" -ne 0 ]; then
        tail -30 "${t%.sh}.log" 2>/dev/null
        fail "$t: exit $rc (${secs} s)"
    else
        extra=
        [ "$t" = tests/provider-stress.sh ] &&
            extra=": $(grep -o '[0-9]* signing calls.*wrong' "${t%.sh}.log" | head -1)"
        pass "$t: no report (${secs} s)$extra"
    fi
done

finish
