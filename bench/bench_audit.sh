#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark of `smimepolicy audit` (make bench-audit): generates `openssl
# ca` databases of 10,000 and 100,000 certificates with tests/gen-ca-db,
# runs a full scan of each pinned to one core (taskset, when present) and
# prints certificates per second and the peak RSS from /usr/bin/time -v
# (getrusage of the child). The same peak RSS for both sizes shows that
# memory does not grow with the number of certificates. A benchmark that
# prints figures, not a test: nothing here passes or fails on speed.
#
#   bench/bench_audit.sh GEN SMIMEPOLICY [COUNT...]
# The databases go to $SP_BENCH_TMPDIR (default /dev/shm, else $TMPDIR).
set -eu

gen=$1
sp=$2
shift 2
[ $# -gt 0 ] || set -- 10000 100000
srcdir=$(cd "$(dirname "$0")/.." && pwd)
[ -x /usr/bin/time ] || {
    echo "bench_audit: needs /usr/bin/time (Debian package time)" >&2
    exit 2
}
pin=
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
# On tmpfs when there is one: removing 100,000 files from a disk mounted
# with `discard` takes minutes, which the benchmark does not measure.
base=${SP_BENCH_TMPDIR:-/dev/shm}
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/sp-bench-audit.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# field of a /usr/bin/time -v report
tv() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }

printf '%-9s %9s %9s %9s %12s %12s %11s\n' certs gen_s wall_s cpu_s \
    certs/s_wall certs/s_cpu peak_rss_kB
for n in "$@"; do
    db=$work/db$n
    t0=$(date +%s.%N)
    "$gen" "$db" "$n"
    t1=$(date +%s.%N)
    sed "s|^issuers = .*|issuers = $db/ca.pem|" "$srcdir/conf/smime-br.cnf" \
        >"$db/policy.cnf"
    # one warm-up run so the page cache holds the files, then the measure
    for run in warm measure; do
        rc=0
        /usr/bin/time -v -o "$db/time.txt" $pin "$sp" audit --no-progress \
            --policy "$db/policy.cnf" --db "$db/index.txt" \
            --certs "$db/newcerts" --format json --output "$db/report.json" \
            || rc=$?
        [ "$rc" -le 1 ] || {
            echo "bench_audit: audit exited $rc" >&2
            exit 2
        }
    done
    judged=$(grep -o '"judged":[0-9]*' "$db/report.json" | head -n 1 | cut -d: -f2)
    [ "$judged" = "$n" ] || {
        echo "bench_audit: judged $judged of $n" >&2
        exit 2
    }
    user=$(tv "User time (seconds)" "$db/time.txt")
    sys=$(tv "System time (seconds)" "$db/time.txt")
    wall=$(tv "Elapsed (wall clock) time (h:mm:ss or m:ss)" "$db/time.txt")
    rss=$(tv "Maximum resident set size (kbytes)" "$db/time.txt")
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v u="$user" -v s="$sys" \
        -v w="$wall" -v rss="$rss" 'BEGIN {
        k = split(w, p, ":"); secs = 0
        for (i = 1; i <= k; i++) secs = secs * 60 + p[i]
        cpu = u + s
        printf "%-9d %9.2f %9.2f %9.2f %12.0f %12.0f %11d\n", n, t1 - t0,
            secs, cpu, n / (secs > 0 ? secs : 0.01), n / (cpu > 0 ? cpu : 0.01),
            rss
    }'
    rm -rf "$db"
done
echo "full scan, JSON report; wall includes waiting for a shared CPU," \
    "cpu = user + system time of the audit process ${pin:+(taskset -c 0)}"
