#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The signature gate driven through libcrypto (tests/provider-sign.c): one
# wrapped key signing from many threads at once, the update/final path,
# a digest that differs from the TBS's AlgorithmIdentifier, BER input and
# a bare digest; then several openssl processes signing at once, with one
# audit record each.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

driver=$SP_BUILDDIR/tests/provider-sign
[ -x "$driver" ] || sp_die "$driver is not built"

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr

for case in "rsa SHA256 SHA384" "p256 SHA256 SHA512" "ed25519 none -"; do
    set -- $case
    kt=$1 md=$2 othermd=$3
    sp_log "--- CA key type $kt"
    rm -f audit.log
    sp_make_ca "$kt" "ca-$kt"
    sp_write_policy policy.cnf "$SP_WORK/ca-$kt.pem"
    key="smimepolicy:file:$SP_WORK/ca-$kt.key"
    sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" \
        "$SP_WORK/ca-$kt.pem"
    OPENSSL_CONF=$SP_WORK/openssl.cnf
    SP_CA_CERT=$SP_WORK/ca-$kt.pem
    export OPENSSL_CONF SP_CA_CERT
    sp_ca_db
    sp_expect_ok "$kt: issue" good.pem ca -batch -config openssl.cnf \
        -in ee.csr -out good.pem

    if "$driver" threads "$key" good.pem "$md" 8 25 >threads.out 2>threads.err; then
        sp_pass "$kt: $(cat threads.out)"
    else
        sp_fail "$kt: signing from 8 threads"
        cat threads.out threads.err >&2
    fi
    n=$(sp_audit_count signed)
    [ "$n" -eq 201 ] || sp_fail "$kt: $n signed records, expected 201"

    "$driver" update "$key" good.pem "$md" 2>update.err \
        && sp_pass "$kt: update/final path signs" \
        || { sp_fail "$kt: update/final path"; cat update.err >&2; }
    if [ "$othermd" != - ]; then
        "$driver" mismatch "$key" good.pem "$othermd" 2>mismatch.err \
            && sp_pass "$kt: $othermd over a $md TBS refused" \
            || { sp_fail "$kt: digest mismatch not refused"; cat mismatch.err >&2; }
    fi
    if [ "$kt" = rsa ]; then
        "$driver" pss "$key" good.pem "$md" 2>pss.err \
            && sp_pass "$kt: PSS over a PKCS#1 v1.5 TBS refused" \
            || { sp_fail "$kt: PSS padding mismatch not refused"; cat pss.err >&2; }
    fi
    "$driver" params "$key" good.pem "$md" 2>params.err \
        && sp_pass "$kt: public parameters only" \
        || { sp_fail "$kt: key parameters"; cat params.err >&2; }
    "$driver" ber "$key" good.pem "$md" 2>ber.err \
        && sp_pass "$kt: BER TBS refused" \
        || { sp_fail "$kt: BER TBS not refused"; cat ber.err >&2; }
    "$driver" prehash "$key" good.pem "$md" 2>prehash.err \
        && sp_pass "$kt: bare digest refused" \
        || { sp_fail "$kt: bare digest not refused"; cat prehash.err >&2; }
    refused=$(sp_audit_count refused)
    expect_refused=1
    [ "$othermd" != - ] && expect_refused=2
    [ "$kt" = rsa ] && expect_refused=3
    [ "$refused" -eq "$expect_refused" ] \
        || sp_fail "$kt: $refused refused records, expected $expect_refused"
done

# Several processes at once, one audit log.
rm -f audit.log
sp_ext_sections >ext.cnf
i=0
pids=
while [ $i -lt 8 ]; do
    "$OPENSSL" x509 -req -in ee.csr -CA "ca-ed25519.pem" \
        -CAkey "smimepolicy:file:$SP_WORK/ca-ed25519.key" -days 365 \
        -extfile ext.cnf -extensions mailbox_strict \
        -set_serial "0x5$("$OPENSSL" rand -hex 15)" -out "par-$i.pem" \
        2>"par-$i.err" &
    pids="$pids $!"
    i=$((i + 1))
done
for p in $pids; do
    wait "$p" || sp_fail "a parallel x509 -req failed"
done
n=$(sp_audit_count signed)
lines=$(wc -l <audit.log)
[ "$n" -eq 8 ] && [ "$lines" -eq 8 ] \
    && sp_pass "8 parallel processes: 8 audit records" \
    || sp_fail "8 parallel processes: $n signed records in $lines lines"

sp_finish
