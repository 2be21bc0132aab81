#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Allocation failure inside a signature through the provider
# (tests/provider-fault.c alloc): every allocation of one signing
# operation fails in turn; a failure gives an error, no signature and no
# "signed" audit record, never a signature without its record. For P-256,
# RSA and Ed25519 CA keys, and again under valgrind when it is installed.
# For P-256 also every allocation of smimepolicy's own code while the
# provider activates (policy file, issuers, audit log) and signs: no
# provider, or one that signs the compliant TBS and refuses the other.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

driver=$SP_BUILDDIR/tests/provider-fault
[ -x "$driver" ] || sp_die "$driver is not built"

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_ext_sections >ext.cnf
have_valgrind=0
command -v valgrind >/dev/null 2>&1 && have_valgrind=1

for kt in p256 rsa ed25519; do
    sp_log "--- CA key type $kt"
    sp_make_ca "$kt" "ca-$kt"
    sp_write_policy "policy-$kt.cnf" "$SP_WORK/ca-$kt.pem"
    key="smimepolicy:file:$SP_WORK/ca-$kt.key"
    sp_write_openssl_cnf "openssl-$kt.cnf" "$SP_WORK/policy-$kt.cnf" "$key" \
        "$SP_WORK/ca-$kt.pem"
    # The certificates are made without the provider (the one the policy
    # accepts, and one with serverAuth in the EKU that it refuses).
    for ext in mailbox_strict bad_eku; do
        OPENSSL_CONF=/dev/null sp_ossl x509 -req -in ee.csr -CA "ca-$kt.pem" \
            -CAkey "ca-$kt.key" -days 365 -extfile ext.cnf -extensions "$ext" \
            -set_serial "0x5$("$OPENSSL" rand -hex 15)" -out "$kt-$ext.pem"
    done
    rm -f audit.log
    if "$driver" alloc "$SP_WORK/openssl-$kt.cnf" "$key" "$kt-mailbox_strict.pem" \
        "$kt-bad_eku.pem" "ca-$kt.pem" "$SP_WORK/audit.log" >alloc.out 2>alloc.err
    then
        sp_pass "$kt: $(cat alloc.out)"
    else
        cat alloc.out alloc.err >&2
        sp_fail "$kt: allocation failure while signing"
    fi
    # Every allocation of smimepolicy's own code in a whole life of the
    # provider (activation: policy, issuers, audit log; key; signatures).
    if [ "$kt" = p256 ]; then
        if "$driver" activate "$SP_WORK/openssl-$kt.cnf" "$key" \
            "$kt-mailbox_strict.pem" "$kt-bad_eku.pem" "ca-$kt.pem" \
            >activate.out 2>activate.err; then
            sp_pass "$kt: $(cat activate.out)"
        else
            cat activate.out activate.err >&2
            sp_fail "$kt: allocation failure while the provider activates"
        fi
    fi
    # Once more under valgrind: no invalid access on any of those paths,
    # nothing leaked by the process.
    [ $have_valgrind = 1 ] || continue
    rm -f audit.log
    if valgrind --quiet --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect \
        "$driver" alloc "$SP_WORK/openssl-$kt.cnf" "$key" "$kt-mailbox_strict.pem" \
        "$kt-bad_eku.pem" "ca-$kt.pem" "$SP_WORK/audit.log" >vg.out 2>vg.err
    then
        sp_pass "$kt: the same under valgrind: no error, no leak"
    else
        cat vg.out vg.err >&2
        sp_fail "$kt: valgrind"
    fi
    [ "$kt" = p256 ] || continue
    if valgrind --quiet --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect \
        "$driver" activate "$SP_WORK/openssl-$kt.cnf" "$key" \
        "$kt-mailbox_strict.pem" "$kt-bad_eku.pem" "ca-$kt.pem" \
        >vg.out 2>vg.err; then
        sp_pass "$kt: activation faults under valgrind: no error, no leak"
    else
        cat vg.out vg.err >&2
        sp_fail "$kt: activation faults under valgrind"
    fi
done
sp_finish
