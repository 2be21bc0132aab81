#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Concurrency (issue 6): 8 threads sign 10,000 TBSCertificates through one
# wrapped key (tests/provider-stress.c), three in four compliant, the rest
# refused for a forbidden EKU or a keyCertSign keyUsage. Every verdict must
# be right (signatures verify with the CA's key, refusals name the finding)
# and the audit log must hold every decision exactly once (by decision and
# TBS SHA-256). Prints the run time; the audit log is fdatasync()ed per
# record, in the test's own directory.
#   SP_STRESS_THREADS (8), SP_STRESS_TOTAL (10000)
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

driver=$SP_BUILDDIR/tests/provider-stress
[ -x "$driver" ] || sp_die "$driver is not built"
threads=${SP_STRESS_THREADS:-8}
total=${SP_STRESS_TOTAL:-10000}

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_make_ca p256 ca
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
# The certificates are made without the provider: only the driver loads
# it (under scripts/tsan.sh it is built with ThreadSanitizer).
sp_ext_sections >ext.cnf
for bad in mailbox_strict bad_eku bad_ku; do
    OPENSSL_CONF=/dev/null sp_ossl x509 -req -in ee.csr -CA ca.pem \
        -CAkey ca.key -days 365 -extfile ext.cnf -extensions "$bad" \
        -set_serial "0x5$("$OPENSSL" rand -hex 15)" -out "$bad.pem"
done
mv mailbox_strict.pem good.pem
rm -f audit.log

t0=$(date +%s%N)
if ${SP_STRESS_WRAPPER:-} "$driver" "$SP_WORK/openssl.cnf" "$key" ca.pem \
    "$SP_WORK/audit.log" "$threads" "$total" good.pem \
    bad_eku.pem:eku.forbidden bad_ku.pem:ku.prohibited_bit >stress.out 2>stress.err
then
    t1=$(date +%s%N)
    sp_pass "$(tr '\n' ' ' <stress.out)(run $(((t1 - t0) / 1000000)) ms)"
else
    cat stress.out stress.err >&2
    sp_fail "concurrent signing"
fi
sp_finish
