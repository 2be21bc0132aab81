#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run each libFuzzer target for a bounded time on a corpus seeded from
# fuzz/seeds, the shipped policies (conf/*.cnf) and, when present, the
# certificates of ../shared/vectors. Fails (exit 1) on any crash, leak,
# sanitizer report or timeout; prints one line per target with its
# executions, exec/s, coverage (edges), features and corpus size. The
# inputs and the libFuzzer log of a failing target are kept under
# BUILDDIR/artifacts/.
#
#   sh scripts/fuzz.sh [-t SECONDS] [-b BUILDDIR] [-c CORPUSDIR] [TARGET...]
#
# -t  seconds per target (default 60)
# -b  where the targets are (default: fuzz/ in the build tree; built there
#     with fuzz/Makefile when missing)
# -c  corpus directory, kept between runs (default: a temporary one)

# TARGETs default to all four: fuzz_der fuzz_judge fuzz_policy fuzz_x509.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
bin=
corpus=
while getopts t:b:c: opt; do
    case $opt in
    t) seconds=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) corpus=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-b BUILDDIR] [-c CORPUSDIR] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-fuzz_der fuzz_judge fuzz_policy fuzz_x509}
bin=${bin:-${SP_BUILD_DIR:-$top/build}/fuzz}
shared=${SP_SHARED:-$top/../shared}
vectors=$shared/vectors
if [ -z "$corpus" ]; then
    corpus=$(mktemp -d)
    trap 'rm -rf "$corpus"' EXIT
fi
want=
for t in $targets; do want="$want $bin/$t"; done
# shellcheck disable=SC2086
make -s -f "$top/fuzz/Makefile" OUT="$bin" $want >/dev/null || {
    echo "fuzz: cannot build the targets (clang with libclang-rt?)"
    echo "0 passed, 1 failed"
    exit 1
}
command -v openssl >/dev/null 2>&1 || { echo "fuzz: no openssl"; exit 1; }

# seed_certs DIR MODE: every vector certificate as DER (MODE=cert) or as
# its TBSCertificate (MODE=tbs), and the committed seeds.
seed_certs() {
    dir=$1 mode=$2
    mkdir -p "$dir"
    cp "$top"/fuzz/seeds/"$mode"-*.der "$dir"/ 2>/dev/null
    find "$vectors" -name '*.pem' 2>/dev/null | while read -r f; do
        name=$(echo "$f" | cksum | cut -d' ' -f1)
        openssl x509 -in "$f" -outform DER -out "$dir/v-$name.der" 2>/dev/null || continue
        if [ "$mode" = tbs ]; then
            perl "$top/fuzz/extract_tbs.pl" <"$dir/v-$name.der" >"$dir/t-$name.der"
            rm -f "$dir/v-$name.der"
        fi
    done
}

seed() {
    dir=$corpus/$1
    [ -d "$dir" ] && [ -n "$(ls "$dir")" ] && return
    case $1 in
    fuzz_der)
        seed_certs "$dir" tbs
        seed_certs "$dir" cert
        ;;
    fuzz_judge) seed_certs "$dir" tbs ;;
    fuzz_x509) seed_certs "$dir" cert ;;
    fuzz_policy)
        mkdir -p "$dir"
        cp "$top"/conf/*.cnf "$top"/fuzz/seeds/*.cnf "$dir"/ 2>/dev/null
        ;;
    esac
}

pass=0 fail=0
for t in $targets; do
    seed "$t"
    log=$(mktemp)
    art=$(mktemp -d)
    # -rss_limit_mb: a decision is bounded in memory; -timeout: and in time.
    dict=
    [ -f "$top/fuzz/${t#fuzz_}.dict" ] && dict=-dict=$top/fuzz/${t#fuzz_}.dict
    # shellcheck disable=SC2086
    nice -n "${SP_FUZZ_NICE:-10}" "$bin/$t" $dict -max_total_time="$seconds" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$art/" "$corpus/$t" >"$log" 2>&1
    rc=$?
    stats=$(awk '
        /^stat::number_of_executed_units:/ { execs = $2 }
        /^stat::average_exec_per_sec:/ { eps = $2 }
        /^stat::peak_rss_mb:/ { rss = $2 }
        /(INITED|DONE|pulse|NEW|REDUCE).*cov: / {
            for (i = 1; i <= NF; i++) {
                if ($i == "cov:") cov = $(i + 1)
                if ($i == "ft:") ft = $(i + 1)
                if ($i == "corp:") corp = $(i + 1)
            }
        }
        END { printf "%s execs, %s exec/s, cov %s edges, ft %s, corpus %s, rss %s MB", execs, eps, cov, ft, corp, rss }' "$log")
    if [ "$rc" -eq 0 ] && [ -z "$(ls "$art")" ]; then
        echo "PASS: $t: ${seconds}s, $stats"
        pass=$((pass + 1))
    else
        echo "FAIL: $t (exit $rc): $stats"
        grep -E "ERROR|SUMMARY|invariant|differs|runtime error" "$log" | head -20
        for a in "$art"/*; do
            [ -f "$a" ] && echo "artifact: $(basename "$a"): $(od -An -tx1 "$a" | head -4 | tr -s ' \n' ' ')"
        done
        # Kept to reproduce the finding: "$bin/$t" ARTIFACT runs it once.
        kept=$bin/artifacts/$t-$(date +%Y%m%d-%H%M%S)
        mkdir -p "$kept" && cp "$log" "$kept/libfuzzer.log" &&
            cp "$art"/* "$kept"/ 2>/dev/null
        echo "kept: $kept (the inputs and libfuzzer.log)"
        fail=$((fail + 1))
    fi
    rm -rf "$log" "$art"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
