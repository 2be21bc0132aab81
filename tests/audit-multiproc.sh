#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Real openssl processes, one audit log: PROCS processes issue ROUNDS
# certificates each at the same time with one wrapped CA key, every other
# request non-compliant. Afterwards the log must hold exactly one complete
# JSON record per decision (PROCS*ROUNDS lines, none interleaved, no TBS
# twice; checked by tests/audit_multiproc --check), as many "signed" records
# as certificates were issued and as many "refused" as were refused, and
# the serial of every issued certificate must be in a "signed" record.
#   SP_AUDIT_PROCS (default 4), SP_AUDIT_ROUNDS (default 10)
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

checker=$SP_BUILDDIR/tests/audit_multiproc
[ -x "$checker" ] || sp_die "$checker is not built"
PROCS=${SP_AUDIT_PROCS:-4}
ROUNDS=${SP_AUDIT_ROUNDS:-10}

sp_setup
sp_make_root
sp_make_ca p256 ca
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key \
    -subj "/CN=alice@example.com" -out ee.csr
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sp_ext_sections >ext.cnf
rm -f audit.log

# worker N: ROUNDS issuances; even rounds compliant, odd rounds refused.
# Writes the number of unexpected outcomes to wN.result.
worker() {
    w=$1 r=0 bad=0
    while [ "$r" -lt "$ROUNDS" ]; do
        serial=5$(OPENSSL_CONF=/dev/null "$OPENSSL" rand -hex 15)
        if [ $((r % 2)) -eq 0 ]; then ext=mailbox_strict; else ext=bad_eku; fi
        OPENSSL_CONF=$SP_WORK/openssl.cnf "$OPENSSL" x509 -req -in ee.csr \
            -CA ca.pem -CAkey "$key" -days 365 -extfile ext.cnf \
            -extensions "$ext" -set_serial "0x$serial" -out "w$w-$r.pem" \
            2>"w$w-$r.err"
        rc=$?
        if [ "$ext" = mailbox_strict ]; then
            if [ "$rc" -ne 0 ] || [ ! -s "w$w-$r.pem" ]; then
                sp_log "worker $w round $r: compliant request not issued"
                sed 's/^/    /' "w$w-$r.err" >&2
                bad=$((bad + 1))
            fi
        elif [ "$rc" -eq 0 ] || [ -s "w$w-$r.pem" ]; then
            sp_log "worker $w round $r: non-compliant request issued"
            bad=$((bad + 1))
        fi
        r=$((r + 1))
    done
    echo "$bad" >"w$w.result"
}

start=$(date +%s)
i=0
pids=
while [ "$i" -lt "$PROCS" ]; do
    worker "$i" &
    pids="$pids $!"
    i=$((i + 1))
done
for p in $pids; do
    wait "$p"
done
elapsed=$(($(date +%s) - start))

i=0
while [ "$i" -lt "$PROCS" ]; do
    [ "$(cat "w$i.result" 2>/dev/null)" = 0 ] \
        || sp_fail "worker $i: unexpected issuance outcomes"
    i=$((i + 1))
done

total=$((PROCS * ROUNDS))
want_signed=$((PROCS * ((ROUNDS + 1) / 2)))
want_refused=$((total - want_signed))
if counts=$("$checker" --check audit.log "$total" 2>check.err); then
    sp_pass "$total decisions from $PROCS processes: $total complete records ($counts)"
else
    sp_fail "audit.log is not $total complete records"
    cat check.err >&2
fi
signed=$(sp_audit_count signed)
refused=$(sp_audit_count refused)
[ "$signed" -eq "$want_signed" ] \
    || sp_fail "$signed signed records, expected $want_signed"
[ "$refused" -eq "$want_refused" ] \
    || sp_fail "$refused refused records, expected $want_refused"

# Every issued certificate is in the log under its serial, as `openssl x509
# -serial` (and index.txt) print it.
missing=0
for cert in w*-*.pem; do
    [ -s "$cert" ] || continue
    s=$(OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in "$cert" -noout -serial)
    s=${s#serial=}
    grep "\"serial\":\"$s\"" audit.log | grep -q '"decision":"signed"' \
        || missing=$((missing + 1))
done
[ "$missing" -eq 0 ] && sp_pass "every issued certificate has its signed record" \
    || sp_fail "$missing issued certificates without a signed record"
sp_log "($total openssl runs in ${elapsed}s)"

sp_finish
