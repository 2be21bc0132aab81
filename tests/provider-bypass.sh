#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Attempts to get a signature or the private key out of a wrapped CA key
# other than through the policy gate, and configurations that must leave
# nothing signable. Every attempt must fail with the provider's reason.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

sp_setup
sp_make_root
sp_make_ca rsa ca
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_ca_db
printf 'hello, world\n' >msg.txt
printf '0123456789abcdef0123456789abcdef' >digest.bin

# The key loads and is the CA's key (X509_check_private_key works).
sp_expect_ok "issue one" good.pem ca -batch -config openssl.cnf -in ee.csr \
    -out good.pem

# --- the private key never comes out
sp_expect_refused "pkey export" "smimepolicy:.*private key export" key.pem \
    pkey -in "$key" -out key.pem
sp_expect_refused "pkey -text" "smimepolicy:.*private key export" key.txt \
    pkey -in "$key" -text -noout -out key.txt
# The public half is fine.
sp_expect_ok "pkey -pubout" pub.pem pkey -in "$key" -pubout -out pub.pem
OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in ca.pem -pubkey -noout >ca-pub.pem
cmp -s pub.pem ca-pub.pem || sp_fail "public key of the wrapped key differs from the CA's"

# --- no signature over anything but a certificate or CRL
sp_expect_refused "pkeyutl -sign" "smimepolicy:.*bare digest" sig.bin \
    pkeyutl -sign -inkey "$key" -in digest.bin -out sig.bin
sp_expect_refused "dgst -sign" "smimepolicy:.*not a certificate or CRL" sig.bin \
    dgst -sha256 -sign "$key" -out sig.bin msg.txt
# cms and smime stream their output, so a file may appear; it must not hold
# a signature.
for case in "cms -sign:not a certificate or CRL:cms -sign" \
    "cms -sign -noattr:bare digest:cms -sign -noattr" \
    "smime -sign::smime -sign"; do
    name=${case%%:*} rest=${case#*:}
    pattern=${rest%%:*} cmd=${rest#*:}
    sp_expect_refused "$name" "smimepolicy:.*$pattern" - \
        $cmd -in msg.txt -signer ca.pem -inkey "$key" -out msg.p7
    if OPENSSL_CONF=/dev/null "$OPENSSL" cms -verify -noverify -in msg.p7 \
        -inform SMIME -out /dev/null >/dev/null 2>&1 \
        || OPENSSL_CONF=/dev/null "$OPENSSL" cms -verify -noverify \
            -in msg.p7 -out /dev/null >/dev/null 2>&1; then
        sp_fail "$name: the output holds a valid signature"
    fi
done
sp_expect_refused "req (CSR)" "smimepolicy:.*not a certificate or CRL" x.csr \
    req -new -key "$key" -subj "/CN=Test" -out x.csr
# OCSP responses: refused by the shipped policy (ocsp = refuse).
"$OPENSSL" ocsp -issuer ca.pem -cert good.pem -reqout ocsp.req -no_nonce \
    >/dev/null 2>&1 || sp_fail "could not build an OCSP request"
rm -f ocsp.resp
"$OPENSSL" ocsp -index db/index.txt -rsigner ca.pem -rkey "$key" -CA ca.pem \
    -reqin ocsp.req -respout ocsp.resp -ndays 1 >ocsp.out 2>ocsp.err
if grep -q "smimepolicy:.*ocsp.refused" ocsp.err \
    && ! OPENSSL_CONF=/dev/null "$OPENSSL" ocsp -respin ocsp.resp -resp_text \
        -noverify 2>/dev/null | grep -q "Response Status: successful"; then
    sp_pass "ocsp response refused"
else
    sp_fail "ocsp response was signed with the CA key"
    cat ocsp.err >&2
fi

# --- no way around the provider's signature
sp_db_snapshot
sp_expect_refused "ca -propquery provider=default" "" bad.pem \
    ca -batch -config openssl.cnf -propquery provider=default -in ee.csr \
    -out bad.pem
sp_db_unchanged "ca -propquery provider=default"
sp_expect_refused "x509 -sigopt oaep padding" "smimepolicy:" \
    bad.pem x509 -req -in ee.csr -CA ca.pem -CAkey "$key" -sigopt \
    rsa_padding_mode:oaep -days 30 -out bad.pem

# --- keys that must not be wrapped
for case in "dsa unsupported key" "rsa1024 unsupported key" \
    "p256 no policy issuer has this key"; do
    kt=${case%% *} pattern=${case#* }
    sp_genkey "$kt" "other-$kt.key"
    sp_expect_refused "wrap $kt" "smimepolicy:.*$pattern" bad.pem \
        x509 -req -in ee.csr -CA ca.pem -CAkey "smimepolicy:file:$SP_WORK/other-$kt.key" \
        -days 30 -out bad.pem
done
OPENSSL_CONF=/dev/null sp_ossl genpkey -algorithm EC \
    -pkeyopt ec_paramgen_curve:secp256k1 -out k1.key
sp_expect_refused "wrap secp256k1" "smimepolicy:.*only P-256" bad.pem \
    x509 -req -in ee.csr -CA ca.pem -CAkey "smimepolicy:file:$SP_WORK/k1.key" \
    -days 30 -out bad.pem
sp_expect_refused "inner URI missing" "smimepolicy:.*key could not be loaded" \
    bad.pem x509 -req -in ee.csr -CA ca.pem \
    -CAkey "smimepolicy:file:$SP_WORK/nonexistent.key" -days 30 -out bad.pem
sp_expect_refused "empty inner URI" "smimepolicy:.*malformed" bad.pem \
    x509 -req -in ee.csr -CA ca.pem -CAkey "smimepolicy:" -days 30 -out bad.pem

# --- configurations that leave nothing signable: the provider does not
# activate, says why on stderr, and `openssl ca` signs nothing.
sp_write_policy broken.cnf "$SP_WORK/ca.pem" mode=sometimes
printf 'garbage [ not a config\n' >garbage.cnf
for case in "missing:$SP_WORK/nonexistent.cnf:policy could not be loaded" \
    "broken:$SP_WORK/broken.cnf:policy could not be loaded" \
    "garbage:$SP_WORK/garbage.cnf:policy could not be loaded" \
    "none::no \"policy\" key"; do
    name=${case%%:*} rest=${case#*:}
    pol=${rest%%:*} pattern=${rest#*:}
    sp_write_openssl_cnf bad-$name.cnf "$pol" "$key" "$SP_WORK/ca.pem"
    [ -n "$pol" ] || sed -i '/^policy = $/d' bad-$name.cnf
    sp_db_snapshot
    OPENSSL_CONF=$SP_WORK/bad-$name.cnf
    sp_expect_refused "policy $name" "smimepolicy: provider not activated: .*$pattern" \
        bad.pem ca -batch -config bad-$name.cnf -in ee.csr -out bad.pem
    sp_db_unchanged "policy $name"
    "$OPENSSL" list -providers 2>/dev/null | grep -q smimepolicy \
        && sp_fail "policy $name: the provider is listed as active"
    OPENSSL_CONF=$SP_WORK/openssl.cnf
done
sp_write_openssl_cnf bad-audit.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sed -i "s|^audit_log = .*|audit_log = $SP_WORK/no/such/dir/audit.log|" bad-audit.cnf
OPENSSL_CONF=$SP_WORK/bad-audit.cnf
sp_expect_refused "audit log unwritable" "smimepolicy: provider not activated: .*audit" \
    bad.pem ca -batch -config bad-audit.cnf -in ee.csr -out bad.pem
sp_write_openssl_cnf bad-syslog.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem" \
    "audit_syslog = perhaps"
OPENSSL_CONF=$SP_WORK/bad-syslog.cnf
sp_expect_refused "audit_syslog value" "smimepolicy: provider not activated: .*audit_syslog" \
    bad.pem ca -batch -config bad-syslog.cnf -in ee.csr -out bad.pem
sp_write_openssl_cnf bad-pin.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem" \
    "pkcs11_pin_source = 1234"
OPENSSL_CONF=$SP_WORK/bad-pin.cnf
sp_expect_refused "pin source value" "smimepolicy: provider not activated: .*pkcs11_pin_source" \
    bad.pem ca -batch -config bad-pin.cnf -in ee.csr -out bad.pem
sp_write_openssl_cnf bad-inner.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem" \
    "inner_providers = default, nosuchprovider"
OPENSSL_CONF=$SP_WORK/bad-inner.cnf
sp_expect_refused "unknown inner provider" "smimepolicy: provider not activated: .*nosuchprovider" \
    bad.pem ca -batch -config bad-inner.cnf -in ee.csr -out bad.pem
OPENSSL_CONF=$SP_WORK/openssl.cnf

# An audit record that cannot be written: nothing is signed.
sp_write_openssl_cnf full.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sed -i "s|^audit_log = .*|audit_log = /dev/full|" full.cnf
OPENSSL_CONF=$SP_WORK/full.cnf
sp_db_snapshot
sp_expect_refused "audit write fails" "smimepolicy:.*audit record could not be written" \
    bad.pem ca -batch -config full.cnf -in ee.csr -out bad.pem
sp_db_unchanged "audit write fails"
OPENSSL_CONF=$SP_WORK/openssl.cnf

# smimepolicy listed before the default provider activates on the first
# try (it reads the policy in its own library context).
sed -e '/^default = default_sect$/d' \
    -e 's/^smimepolicy = smimepolicy_sect$/smimepolicy = smimepolicy_sect\
default = default_sect/' openssl.cnf >first.cnf
OPENSSL_CONF=$SP_WORK/first.cnf
sp_expect_ok "smimepolicy listed first" first.pem ca -batch -config first.cnf \
    -in ee.csr -out first.pem
grep -q "not activated" "$SP_WORK/smimepolicy listed first.err" \
    && sp_fail "smimepolicy listed first: activation failed once"
sp_expect_refused "smimepolicy listed first, bad EKU" "smimepolicy:.*eku.forbidden" \
    bad.pem ca -batch -config first.cnf -in ee.csr -extensions bad_eku -out bad.pem
OPENSSL_CONF=$SP_WORK/openssl.cnf

# --- policy switches: CRLs refused, report mode signs and records.
sp_write_policy nocrl.cnf "$SP_WORK/ca.pem" crl=refuse
sp_write_openssl_cnf nocrl-openssl.cnf "$SP_WORK/nocrl.cnf" "$key" "$SP_WORK/ca.pem"
OPENSSL_CONF=$SP_WORK/nocrl-openssl.cnf
sp_expect_refused "crl = refuse" "smimepolicy:.*crl.refused" crl.pem \
    ca -config nocrl-openssl.cnf -gencrl -out crl.pem
sp_write_policy ocsp.cnf "$SP_WORK/ca.pem" ocsp=allow
sp_write_openssl_cnf ocsp-openssl.cnf "$SP_WORK/ocsp.cnf" "$key" "$SP_WORK/ca.pem"
OPENSSL_CONF=$SP_WORK/ocsp-openssl.cnf
rm -f ocsp.resp
"$OPENSSL" ocsp -index db/index.txt -rsigner ca.pem -rkey "$key" -CA ca.pem \
    -reqin ocsp.req -respout ocsp.resp -ndays 1 >ocsp.out 2>ocsp.err
if OPENSSL_CONF=/dev/null "$OPENSSL" ocsp -respin ocsp.resp -CAfile root.pem \
    -VAfile ca.pem 2>&1 | grep -q "Response verify OK"; then
    sp_pass "ocsp = allow: response signed and verified"
else
    sp_fail "ocsp = allow: no verified response"
    cat ocsp.err >&2
fi
grep -q '"kind":"ocsp"' audit.log || sp_fail "ocsp = allow: no ocsp audit record"
sp_write_policy report.cnf "$SP_WORK/ca.pem" mode=report
sp_write_openssl_cnf report-openssl.cnf "$SP_WORK/report.cnf" "$key" "$SP_WORK/ca.pem"
OPENSSL_CONF=$SP_WORK/report-openssl.cnf
before=$(sp_audit_count would-refuse)
sp_expect_ok "report mode signs" report.pem ca -batch -config report-openssl.cnf \
    -in ee.csr -extensions bad_eku -out report.pem
after=$(sp_audit_count would-refuse)
[ "$after" -eq $((before + 1)) ] \
    || sp_fail "report mode: expected one would-refuse audit record, got $((after - before))"
grep '"decision":"would-refuse"' audit.log | grep -q eku.forbidden \
    || sp_fail "report mode: the record lacks the finding"

sp_finish
