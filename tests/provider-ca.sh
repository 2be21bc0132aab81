#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `openssl ca`, `openssl x509 -req -CA` and `openssl req -x509` through the
# smimepolicy provider with a wrapped file key, for RSA, P-256 and Ed25519
# CA keys (and briefly P-384, P-521, Ed448, RSA-3072): compliant requests are issued and verify; every class of
# non-compliant request is refused with exit 1 and its finding code on
# stderr, no certificate written and the database untouched; -gencrl works;
# the audit log has one record per decision.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key \
    -subj "/CN=alice@example.com/O=Example Org" -out ee-org.csr

for kt in rsa p256 ed25519; do
    sp_log "--- CA key type $kt"
    rm -f audit.log
    sp_make_ca "$kt" "ca-$kt"
    sp_write_policy policy.cnf "$SP_WORK/ca-$kt.pem"
    key="smimepolicy:file:$SP_WORK/ca-$kt.key"
    sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" \
        "$SP_WORK/ca-$kt.pem"
    OPENSSL_CONF=$SP_WORK/openssl.cnf
    export OPENSSL_CONF
    sp_ca_db

    # A compliant mailbox-strict certificate.
    sp_expect_ok "$kt: ca compliant" good.pem ca -batch -config openssl.cnf \
        -in ee.csr -out good.pem
    sp_verify "$kt: ca compliant" good.pem "ca-$kt.pem"
    grep -q "^V" db/index.txt || sp_fail "$kt: index.txt has no entry"

    # Each class of non-compliant request.
    for case in "bad_eku eku.forbidden" "bad_ku ku.prohibited_bit" \
        "no_san san.missing" "legacy profile.legacy_sunset"; do
        set -- $case
        sp_db_snapshot
        sp_expect_refused "$kt: ca $1" "smimepolicy:.*$2" bad.pem \
            ca -batch -config openssl.cnf -in ee.csr -extensions "$1" \
            -out bad.pem
        [ "$SP_RC" -eq 1 ] || sp_fail "$kt: ca $1 exited $SP_RC, not 1"
        sp_db_unchanged "$kt: ca $1"
    done
    sp_db_snapshot
    sp_expect_refused "$kt: ca too long" "smimepolicy:.*validity.too_long" \
        bad.pem ca -batch -config openssl.cnf -in ee.csr -days 900 -out bad.pem
    sp_db_unchanged "$kt: ca too long"
    sp_db_snapshot
    sp_expect_refused "$kt: ca subject O" \
        "smimepolicy:.*subject.prohibited_attribute" bad.pem \
        ca -batch -config openssl.cnf -in ee-org.csr -out bad.pem
    sp_db_unchanged "$kt: ca subject O"
    # One refusal lists every error finding, with its SBR section.
    sp_db_snapshot
    sp_expect_refused "$kt: ca two findings" "validity.too_long.*eku.forbidden" \
        bad.pem ca -batch -config openssl.cnf -in ee.csr -extensions bad_eku \
        -days 900 -out bad.pem
    grep -q "eku.forbidden \[7.1.2.3" "$SP_WORK/$kt: ca two findings.err" \
        || sp_fail "$kt: the finding does not name its SBR section"
    sp_db_unchanged "$kt: ca two findings"

    # RSASSA-PSS: the SBR encoding (salt = digest length) is issued; the
    # OpenSSL default salt length is not an SBR encoding and is refused.
    if [ "$kt" = rsa ]; then
        sp_expect_ok "$kt: ca PSS" pss.pem ca -batch -config openssl.cnf \
            -in ee.csr -sigopt rsa_padding_mode:pss \
            -sigopt rsa_pss_saltlen:digest -md sha384 -out pss.pem
        sp_verify "$kt: ca PSS" pss.pem "ca-$kt.pem"
        OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in pss.pem -noout -text \
            | grep -q "Salt Length: 0x30" || sp_fail "$kt: PSS salt is not 48"
        sp_db_snapshot
        sp_expect_refused "$kt: ca PSS max salt" \
            "smimepolicy:.*sig.alg_not_allowed" bad.pem ca -batch \
            -config openssl.cnf -in ee.csr -sigopt rsa_padding_mode:pss \
            -out bad.pem
        sp_db_unchanged "$kt: ca PSS max salt"
    fi

    # A CRL.
    sp_expect_ok "$kt: gencrl" crl.pem ca -config openssl.cnf -gencrl \
        -out crl.pem
    OPENSSL_CONF=/dev/null "$OPENSSL" crl -in crl.pem -CAfile "ca-$kt.pem" \
        -noout 2>/dev/null || sp_fail "$kt: CRL signature does not verify"

    # openssl x509 -req with the wrapped key as -CAkey.
    sp_ext_sections >ext.cnf
    sp_expect_ok "$kt: x509 -req compliant" x.pem x509 -req -in ee.csr \
        -CA "ca-$kt.pem" -CAkey "$key" -days 365 -extfile ext.cnf \
        -extensions mailbox_strict -set_serial "0x5$("$OPENSSL" rand -hex 15)" \
        -out x.pem
    sp_verify "$kt: x509 -req" x.pem "ca-$kt.pem"
    sp_expect_refused "$kt: x509 -req bad eku" "smimepolicy:.*eku.forbidden" \
        x.pem x509 -req -in ee.csr -CA "ca-$kt.pem" -CAkey "$key" -days 365 \
        -extfile ext.cnf -extensions bad_eku \
        -set_serial "0x5$("$OPENSSL" rand -hex 15)" -out x.pem

    # openssl req -x509: a self-signed certificate with the CA key is no
    # S/MIME certificate and is refused.
    sp_expect_refused "$kt: req -x509" "smimepolicy:" self.pem req -x509 \
        -new -key "$key" -subj "/CN=Self" -days 30 -out self.pem
    # Nor may the CA key certify another CA.
    sp_expect_refused "$kt: x509 -req sub-CA" "smimepolicy:" x.pem x509 -req \
        -in ee.csr -CA "ca-$kt.pem" -CAkey "$key" -days 365 -extfile ext.cnf \
        -extensions ca_ext -set_serial "0x5$("$OPENSSL" rand -hex 15)" \
        -out x.pem

    # One audit record per decision: issued = 1 (ca) + 1 (x509) + 1 CRL
    # (+ 1 PSS for RSA).
    want_signed=3 want_refused=10
    [ "$kt" = rsa ] && want_signed=4 want_refused=11
    signed=$(sp_audit_count signed)
    refused=$(sp_audit_count refused)
    [ "$signed" -eq "$want_signed" ] \
        || sp_fail "$kt: $signed 'signed' audit records, expected $want_signed"
    [ "$refused" -eq "$want_refused" ] \
        || sp_fail "$kt: $refused 'refused' audit records, expected $want_refused"
    unset OPENSSL_CONF
done

# The other CA key types: one issuance, one refusal and a CRL each.
for kt in p384 p521 ed448 rsa3072; do
    sp_make_ca "$kt" "ca-$kt"
    sp_write_policy policy.cnf "$SP_WORK/ca-$kt.pem"
    sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" \
        "smimepolicy:file:$SP_WORK/ca-$kt.key" "$SP_WORK/ca-$kt.pem"
    OPENSSL_CONF=$SP_WORK/openssl.cnf
    export OPENSSL_CONF
    sp_ca_db
    sp_expect_ok "$kt: ca compliant" good.pem ca -batch -config openssl.cnf \
        -in ee.csr -out good.pem
    sp_verify "$kt: ca compliant" good.pem "ca-$kt.pem"
    sp_expect_refused "$kt: ca bad_eku" "smimepolicy:.*eku.forbidden" bad.pem \
        ca -batch -config openssl.cnf -in ee.csr -extensions bad_eku -out bad.pem
    sp_expect_ok "$kt: gencrl" crl.pem ca -config openssl.cnf -gencrl -out crl.pem
    OPENSSL_CONF=/dev/null "$OPENSSL" crl -in crl.pem -CAfile "ca-$kt.pem" \
        -noout 2>/dev/null || sp_fail "$kt: CRL signature does not verify"
    unset OPENSSL_CONF
done

# -keyfile with an encrypted inner key: the passphrase from -passin
# reaches the inner store; a wrong one loads nothing.
OPENSSL_CONF=/dev/null sp_ossl pkey -in ca-rsa.key -aes256 -passout pass:s3cret \
    -out ca-rsa-enc.key
sp_write_policy policy.cnf "$SP_WORK/ca-rsa.pem"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" \
    "smimepolicy:file:$SP_WORK/ca-rsa.key" "$SP_WORK/ca-rsa.pem"
sp_ca_db
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_expect_ok "-keyfile encrypted, -passin" enc.pem ca -batch -config openssl.cnf \
    -keyfile "smimepolicy:file:$SP_WORK/ca-rsa-enc.key" -passin pass:s3cret \
    -in ee.csr -out enc.pem
sp_verify "-keyfile encrypted" enc.pem ca-rsa.pem
sp_expect_refused "-keyfile encrypted, wrong passphrase" "bad decrypt" enc2.pem \
    ca -batch -config openssl.cnf \
    -keyfile "smimepolicy:file:$SP_WORK/ca-rsa-enc.key" -passin pass:wrong \
    -in ee.csr -out enc2.pem
unset OPENSSL_CONF

# The shipped example openssl.cnf (its file-key CA section), with its
# paths pointed into the work directory.
sp_log "--- conf/openssl-ca-host.cnf"
rm -f audit.log
sp_write_policy policy.cnf "$SP_WORK/ca-rsa.pem"
sp_ca_db
sed -e "s|/etc/ssl/smime/policy.cnf|$SP_WORK/policy.cnf|" \
    -e "s|/var/log/smimepolicy/audit.log|$SP_WORK/audit.log|" \
    -e "s|/var/lib/smime-ca|$SP_WORK/db|" \
    -e "s|/etc/ssl/smime/issuing-ca.pem|$SP_WORK/ca-rsa.pem|" \
    -e "s|/etc/ssl/smime/private/issuing-ca.key|$SP_WORK/ca-rsa.key|" \
    -e "s|/etc/ssl/smime/token.pin|$SP_WORK/token.pin|" \
    "$SP_SRCDIR/conf/openssl-ca-host.cnf" >host.cnf
sp_genkey rsa ee-rsa.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee-rsa.key \
    -subj "/CN=bob@example.com/emailAddress=bob@example.com" -out ee-rsa.csr
OPENSSL_CONF=$SP_WORK/host.cnf
export OPENSSL_CONF
sp_expect_ok "example config: ca" host.pem ca -batch -config host.cnf \
    -in ee-rsa.csr -out host.pem
sp_verify "example config: ca" host.pem ca-rsa.pem
OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in host.pem -noout -ext subjectAltName \
    | grep -q "email:bob@example.com" || sp_fail "example config: no SAN mailbox"
[ "$(sp_audit_count signed)" -eq 1 ] || sp_fail "example config: no audit record"

sp_finish
