#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The provider under valgrind in real openssl processes: an issuance, a
# refusal, a CRL, a refused private key export and a configuration that
# does not activate. No memory error and no definite or indirect leak.
# Then one key signing from several threads under helgrind.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

sp_require valgrind
sp_setup
sp_make_root
sp_make_ca p256 ca
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sp_write_openssl_cnf broken.cnf "$SP_WORK/nonexistent.cnf" "$key" "$SP_WORK/ca.pem"
sp_ca_db

# vg NAME EXPECTED_STATUS CONFIG ARGS...
vg() {
    name=$1 want=$2 cnf=$3
    shift 3
    OPENSSL_CONF=$SP_WORK/$cnf valgrind --quiet --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect "$OPENSSL" "$@" \
        >"$name.out" 2>"$name.err"
    rc=$?
    if [ "$rc" -eq 99 ]; then
        sp_fail "$name: valgrind reported errors"
        grep "==" "$name.err" | head -40 >&2
    elif [ "$rc" -ne "$want" ]; then
        sp_fail "$name: exit $rc, expected $want"
        head -20 "$name.err" >&2
    else
        sp_pass "$name: valgrind clean"
    fi
}

vg issue 0 openssl.cnf ca -batch -config openssl.cnf -in ee.csr -out good.pem
vg refuse 1 openssl.cnf ca -batch -config openssl.cnf -in ee.csr \
    -extensions bad_eku -out bad.pem
vg gencrl 0 openssl.cnf ca -config openssl.cnf -gencrl -out crl.pem
vg export 1 openssl.cnf pkey -in "$key" -out key.pem
vg inactive 1 broken.cnf ca -batch -config broken.cnf -in ee.csr -out bad.pem
# One wrapped key signing from 4 threads under helgrind: no data race.
driver=$SP_BUILDDIR/tests/provider-sign
if [ -x "$driver" ] && [ -s good.pem ]; then
    OPENSSL_CONF=$SP_WORK/openssl.cnf SP_CA_CERT=$SP_WORK/ca.pem \
        valgrind --tool=helgrind --quiet "$driver" threads "$key" good.pem \
        SHA256 4 3 >helgrind.out 2>helgrind.err
    rc=$?
    # Count the race reports whose racing access is in the provider or the
    # engine (the first frame after "Possible data race"). libcrypto's own
    # (its DRBG set-up under pthread_once, which helgrind does not model)
    # are not ours to judge, even when our code called into it.
    ours=$(awk '
        /Possible data race/ { want = 1; next }
        want && /==[0-9]+== +at 0x/ {
            if ($0 ~ /(smimepolicy\.so|spprov_|sp_[a-z_]+ \()/)
                n++
            want = 0
        }
        END { print n + 0 }' helgrind.err)
    if [ "$rc" -ne 0 ] || [ "$ours" -ne 0 ]; then
        sp_fail "helgrind: exit $rc, $ours data race(s) in the provider"
        cat helgrind.err >&2
    else
        sp_pass "helgrind: 4 threads, no data race in the provider ($(cat helgrind.out))"
    fi
else
    sp_fail "helgrind: no driver or no certificate to sign"
fi

[ -s good.pem ] || sp_fail "issue: no certificate under valgrind"
[ -s bad.pem ] && sp_fail "refuse: a certificate was written"

sp_finish
