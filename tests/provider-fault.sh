#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Allocation failure inside a signature through the provider
# (tests/provider-fault.c alloc): every allocation of one signing
# operation fails in turn; a failure gives an error, no signature and no
# "signed" audit record, never a signature without its record.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

driver=$SP_BUILDDIR/tests/provider-fault
[ -x "$driver" ] || sp_die "$driver is not built"

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_make_ca p256 ca
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sp_ca_db
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_expect_ok "issue through the provider" \
    good.pem ca -batch -config openssl.cnf -in ee.csr -out good.pem
# A certificate the policy refuses (serverAuth in the EKU), made without
# the provider.
sp_ext_sections >ext.cnf
OPENSSL_CONF=/dev/null sp_ossl x509 -req -in ee.csr -CA ca.pem -CAkey ca.key \
    -days 365 -extfile ext.cnf -extensions bad_eku -out bad.pem

unset OPENSSL_CONF
if "$driver" alloc "$SP_WORK/openssl.cnf" "$key" good.pem bad.pem ca.pem \
    "$SP_WORK/audit.log" >alloc.out 2>alloc.err; then
    sp_pass "$(cat alloc.out)"
else
    cat alloc.out alloc.err >&2
    sp_fail "allocation failure while signing"
fi
sp_finish
