#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CI hardening stage: sanitizers, valgrind and fuzzing, each in its own
# build directory, ending with one "N passed, N failed" line (exit 1 when
# anything failed). .ci/run adds its counts to the final line.
#
#  1. ASan + UBSan (--enable-asan --enable-ubsan: every report aborts):
#     the unit tests (CUnit), the command's tests and the provider's tests.
#     The provider is a module loaded into the uninstrumented openssl
#     binary, so that binary runs with libasan and libubsan preloaded (a
#     wrapper given to the tests as OPENSSL); leak checking is off inside
#     openssl itself (libcrypto and libp11 keep allocations to the end of
#     the process), on everywhere else.
#  2. valgrind, on a plain build: every CUnit program under memcheck
#     (--leak-check=full, definite and indirect leaks are errors), then
#     tests/valgrind.sh (the command over the reference corpus) and
#     tests/provider-valgrind.sh (the provider in openssl ca, memcheck and
#     helgrind).
#  3. the libFuzzer targets (make fuzz, clang), each for SP_FUZZ_SECONDS
#     (default 60) on its seed corpus; any crash, leak or timeout fails.
#  4. ThreadSanitizer (scripts/tsan.sh): the threaded tests.
#  5. a build with clang (-Wall -Wextra -Werror as always): everything
#     make and make check build, so that code only gcc accepts is caught.
#
# Environment: SP_HARDENING_DIR (build directories, default
# ./build-hardening), SP_FUZZ_SECONDS, SP_SKIP_FUZZ=1, SP_SKIP_VALGRIND=1,
# SP_SKIP_ASAN=1, SP_SKIP_TSAN=1, SP_SKIP_CLANG=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
base=${SP_HARDENING_DIR:-$top/build-hardening}
fuzz_seconds=${SP_FUZZ_SECONDS:-60}
pass=0
fail=0
start=$(date +%s)

# tally LOG: add automake's "# PASS:"/"# FAIL:"/"# ERROR:"/"# XPASS:"
# summary of a make check run to the counts; a run without a summary (the
# build failed) counts as one failure.
tally() {
    p=$(grep -m1 '^# PASS:' "$1" | awk '{print $3}')
    f=$(grep -m1 '^# FAIL:' "$1" | awk '{print $3}')
    e=$(grep -m1 '^# ERROR:' "$1" | awk '{print $3}')
    x=$(grep -m1 '^# XPASS:' "$1" | awk '{print $3}')
    if [ -z "$p" ]; then
        fail=$((fail + 1))
        return
    fi
    pass=$((pass + p))
    fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
}

# show_failures DIR: the log of every test that did not pass.
show_failures() {
    for trs in "$1"/tests/*.trs; do
        [ -f "$trs" ] || continue
        if grep -q ':test-result: \(FAIL\|ERROR\|XPASS\)' "$trs"; then
            echo "==== ${trs%.trs}.log"
            tail -n 60 "${trs%.trs}.log"
        fi
    done
}

stage() {
    echo "== hardening: $1 ($(($(date +%s) - start)) s)"
}

# configure_in DIR ARGS...: a fresh build directory, configured and built.
configure_in() {
    dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" -q "$@" && make -j2 >/dev/null)
}

"$top/scripts/deps.sh"
(cd "$top" && ./bootstrap) >/dev/null 2>&1 || {
    echo "hardening: bootstrap failed"
    echo "0 passed, 1 failed"
    exit 1
}

# CUnit programs and the shell tests, as make check knows them.
unit_tests="tests/test_der tests/test_tbs tests/test_rules tests/test_policy
tests/test_audit tests/audit_multiproc tests/test_hostile tests/test_rules_ca
tests/test_audit_input"
# Everything but the valgrind tests (valgrind cannot run a sanitizer
# build): the command, the audit log, the provider, the HSM paths.
asan_shell_tests="tests/cli.sh tests/conformance.sh tests/audit-multiproc.sh
tests/provider-ca.sh tests/provider-bypass.sh tests/provider-sign.sh
tests/hsm-engine.sh tests/hsm-softhsm.sh tests/hsm-tpm.sh
tests/provider-subca.sh tests/provider-root.sh tests/audit-cmd.sh
tests/audit-report-mode.sh"

# ------------------------------------------------------------ 1. sanitizers
if [ "${SP_SKIP_ASAN:-0}" != 1 ]; then
    stage "ASan + UBSan build"
    asan=$base/asan
    log=$(mktemp)
    if configure_in "$asan" --enable-asan --enable-ubsan CFLAGS="-g -O1" \
        >"$log" 2>&1; then
        # openssl with the sanitizer runtimes first, for the provider.
        libasan=$(${CC:-gcc} -print-file-name=libasan.so)
        libubsan=$(${CC:-gcc} -print-file-name=libubsan.so)
        openssl_bin=$(command -v openssl)
        cat >"$asan/openssl-sanitized" <<EOF
#!/bin/sh
# openssl with the sanitizer runtimes the smimepolicy module needs.
ASAN_OPTIONS="\${ASAN_OPTIONS:-}:detect_leaks=0" \\
LD_PRELOAD="$libasan:$libubsan\${LD_PRELOAD:+:\$LD_PRELOAD}" \\
    exec "$openssl_bin" "\$@"
EOF
        chmod +x "$asan/openssl-sanitized"
        stage "ASan + UBSan: unit, command and provider tests"
        # shellcheck disable=SC2086
        (cd "$asan" &&
            ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            SP_SANITIZED=1 \
            make -j2 check OPENSSL="$asan/openssl-sanitized" \
                TESTS="$(echo $unit_tests $asan_shell_tests)") >"$log" 2>&1
        grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' "$log" | sed 's/^/  asan+ubsan /'
        tally "$log"
        show_failures "$asan"
    else
        tail -n 40 "$log"
        echo "FAIL: ASan + UBSan build"
        fail=$((fail + 1))
    fi
    rm -f "$log"
fi

# ------------------------------------------------------------ 2. valgrind
if [ "${SP_SKIP_VALGRIND:-0}" != 1 ]; then
    stage "plain build for valgrind"
    plain=$base/valgrind
    log=$(mktemp)
    if configure_in "$plain" >"$log" 2>&1; then
        stage "valgrind: CUnit programs"
        # shellcheck disable=SC2086
        (cd "$plain" &&
            make -j2 check TESTS="$(echo $unit_tests)" LOG_COMPILER=valgrind \
                AM_LOG_FLAGS="--quiet --error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--suppressions=$top/tests/valgrind-unit.supp") \
            >"$log" 2>&1
        grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' "$log" | sed 's/^/  valgrind /'
        tally "$log"
        show_failures "$plain"
        stage "valgrind: command and provider"
        rm -f "$plain"/tests/*.trs # shown above already
        (cd "$plain" &&
            make check TESTS="tests/valgrind.sh tests/provider-valgrind.sh") \
            >"$log" 2>&1
        grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' "$log" | sed 's/^/  /'
        tally "$log"
        show_failures "$plain"
    else
        tail -n 40 "$log"
        echo "FAIL: plain build for valgrind"
        fail=$((fail + 1))
    fi
    rm -f "$log"
fi

# ------------------------------------------------------------ 3. fuzzing
if [ "${SP_SKIP_FUZZ:-0}" != 1 ]; then
    stage "fuzzing, ${fuzz_seconds} s a target"
    fuzzdir=$base/fuzz
    log=$(mktemp)
    sh "$top/scripts/fuzz.sh" -t "$fuzz_seconds" -b "$fuzzdir" >"$log" 2>&1
    grep -v '^[0-9]* passed, [0-9]* failed$' "$log" | sed 's/^/  /'
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        pass=$((pass + ${line%% passed*}))
        f=${line#*passed, }
        fail=$((fail + ${f%% failed}))
    else
        fail=$((fail + 1))
    fi
    rm -f "$log"
fi

# ------------------------------------------------------------ 4. threads
# scripts/tsan.sh: the threaded tests (8 threads x 10,000 signatures
# through one wrapped key, the audit log from many threads and
# processes) under ThreadSanitizer, in a build of its own.
if [ "${SP_SKIP_TSAN:-0}" != 1 ]; then
    stage "ThreadSanitizer"
    log=$(mktemp)
    sh "$top/scripts/tsan.sh" "$base/tsan" >"$log" 2>&1
    grep -v '^[0-9]* passed, [0-9]* failed$' "$log" | grep '^tsan:' | sed 's/^/  /'
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        pass=$((pass + ${line%% passed*}))
        f=${line#*passed, }
        fail=$((fail + ${f%% failed}))
    else
        tail -n 40 "$log"
        fail=$((fail + 1))
    fi
    rm -f "$log"
fi

# ------------------------------------------------------------ 5. clang
# The same warnings as errors under another compiler: clang's
# -Wformat-nonliteral once refused what gcc let through.
if [ "${SP_SKIP_CLANG:-0}" != 1 ]; then
    stage "clang build"
    log=$(mktemp)
    if configure_in "$base/clang" CC=clang >"$log" 2>&1 &&
        (cd "$base/clang" && make -j2 check TESTS=) >>"$log" 2>&1; then
        echo "  PASS: clang build (module, command, tests)"
        pass=$((pass + 1))
    else
        tail -n 40 "$log"
        echo "  FAIL: clang build"
        fail=$((fail + 1))
    fi
    rm -f "$log"
fi

echo "== hardening: done in $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
