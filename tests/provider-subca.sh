#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CA certificates through the smimepolicy provider and the real `openssl
# ca`, with the shipped conf/example-subca.cnf guarding a wrapped root key:
# a technically constrained External Sub-CA inside its policy entry is
# issued and verifies; one with serverAuth, one without name constraints
# and one whose permitted subtree lies outside its entry are refused (exit
# 1, finding code on stderr, no certificate, database byte-identical).
# Then the constrained sub-CA's own key, wrapped, signs end-entity
# certificates: one inside its name constraints is issued and verifies,
# one with a mailbox outside them is refused. OCSP responder and cross-
# certificates are issued when the policy allows them and refused when
# not. `smimepolicy check` gives the provider's verdicts.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

tool=$SP_BUILDDIR/smimepolicy
ORGID=LEIXG-AEYE00EKXESVZUUEBP67

sp_setup
sp_make_root

# A second root for the cross-certificate inventory.
sp_genkey p256 partner.key
OPENSSL_CONF=/dev/null sp_ossl req -x509 -new -key partner.key -sha256 \
    -subj "/C=US/O=Partner Trust/CN=Partner Root" -days 3650 \
    -out partner.pem -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

# policy.cnf: the shipped example for the root key, with KEY=VALUE edits
# of main-section keys (uncommenting a commented one).
write_subca_policy() {
    out=$1
    shift
    sed "s|^issuers = .*|issuers = $SP_WORK/root.pem|" \
        "$SP_SRCDIR/conf/example-subca.cnf" >"$out"
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        grep -q "^#*$k = " "$out" || sp_die "write_subca_policy: no key $k"
        sed -i "s|^#*$k = .*|$k = $v|" "$out"
    done
}

write_subca_policy policy.cnf
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" \
    "smimepolicy:file:$SP_WORK/root.key" "$SP_WORK/root.pem"
cat >>openssl.cnf <<'EOF'

[policy_dn]
countryName = optional
organizationName = optional
organizationIdentifier = optional
commonName = optional

[nc_dir]
C = DE
O = Example Ltd

[nc_dir_other]
C = DE
O = Evil Ltd

[subca_ok]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.2.3, 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;email:example.com, permitted;email:.example.com, permitted;dirName:nc_dir

[subca_server]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection, serverAuth
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;email:example.com, permitted;dirName:nc_dir

[subca_no_nc]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash

[subca_outside]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;email:evil.example, permitted;dirName:nc_dir

[subca_outside_dn]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;email:example.com, permitted;dirName:nc_dir_other

[ocsp_responder]
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash

[cross]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
certificatePolicies = 2.23.140.1.5.2.3, 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash

[ov_strict]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/subca.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/subca.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash

[ov_outside]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com, email:mallory@evil.example
certificatePolicies = 2.23.140.1.5.2.3
crlDistributionPoints = URI:http://crl.example.com/subca.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/subca.crt
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
EOF
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_ca_db

sp_genkey p256 subca.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key subca.key \
    -subj "/C=DE/O=Example Ltd/CN=Example SMIME CA" -out subca.csr

# issue NAME EXTSECTION OUT [ARGS...]: openssl ca with the root key.
ca_args() {
    echo ca -batch -config openssl.cnf -policy policy_dn -preserveDN -days 1825
}

# --- sub-CA certificates
sp_expect_ok "constrained external sub-CA" subca.pem $(ca_args) \
    -in subca.csr -extensions subca_ok -out subca.pem
OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root.pem subca.pem \
    >/dev/null 2>&1 && sp_pass "sub-CA verifies" \
    || sp_fail "subca.pem does not verify"
OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in subca.pem -noout -ext nameConstraints \
    | grep -q "DirName:C = DE, O = Example Ltd" \
    || sp_fail "subca.pem lacks its directoryName constraint"
grep -q "^V.*CN=Example SMIME CA" db/index.txt \
    || sp_fail "index.txt has no entry for the sub-CA"
grep -q '"verdict":"accept","kind":"certificate","role":"subordinate-ca"' \
    audit.log && sp_pass "the audit record names the sub-CA role" \
    || sp_fail "audit.log has no accepted subordinate-ca record"

for case in "subca_server subca.eku_forbidden" "subca_no_nc nc.missing" \
    "subca_outside nc.outside_entry" "subca_outside_dn nc.outside_entry"; do
    set -- $case
    sp_db_snapshot
    sp_expect_refused "sub-CA $1" "smimepolicy:.*$2" bad.pem $(ca_args) \
        -in subca.csr -extensions "$1" -out bad.pem
    [ "$SP_RC" -eq 1 ] || sp_fail "sub-CA $1 exited $SP_RC, not 1"
    sp_db_unchanged "sub-CA $1"
done
grep -q 'evil.example' "$SP_WORK/sub-CA subca_outside.err" \
    || sp_fail "the nc.outside_entry finding does not name evil.example"

# An operator the policy does not list.
OPENSSL_CONF=/dev/null sp_ossl req -new -key subca.key \
    -subj "/C=DE/O=Unknown GmbH/CN=Unknown CA" -out unknown.csr
sp_db_snapshot
sp_expect_refused "sub-CA of an unlisted operator" "smimepolicy:.*subca.no_entry" \
    bad.pem $(ca_args) -in unknown.csr -extensions subca_ok -out bad.pem
sp_db_unchanged "sub-CA of an unlisted operator"

# The command gives the provider's verdict on the issued certificate;
# without CA keys in the policy (the shipped SBR policy) it is refused.
if "$tool" check --policy policy.cnf subca.pem >check.out 2>&1 \
    && grep -q "accept certificate .*(subordinate-ca)" check.out; then
    sp_pass "smimepolicy check accepts the issued sub-CA"
else
    sp_fail "smimepolicy check refuses the issued sub-CA"
    sed 's/^/    /' check.out >&2
fi
sp_write_policy plain.cnf "$SP_WORK/root.pem"
"$tool" check --policy plain.cnf subca.pem >check.out 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "bc.ca_true" check.out \
    && sp_pass "smimepolicy check without CA keys refuses it (bc.ca_true)" \
    || sp_fail "smimepolicy check without CA keys exited $rc"

"$tool" policy policy.cnf >policy.out 2>&1
grep -q 'subca example_ltd: organization "Example Ltd" country DE external=yes' \
    policy.out && sp_pass "smimepolicy policy lists the sub-CA entries" \
    || sp_fail "smimepolicy policy does not list example_ltd"

# --- end-entity certificates signed by the constrained sub-CA's key
sp_write_policy policy-sub.cnf "$SP_WORK/subca.pem"
sed "s|^private_key = .*|private_key = smimepolicy:file:$SP_WORK/subca.key|; \
     s|^certificate = .*|certificate = $SP_WORK/subca.pem|; \
     s|^policy = $SP_WORK/policy.cnf|policy = $SP_WORK/policy-sub.cnf|" \
    openssl.cnf >openssl-sub.cnf
grep -q "policy-sub.cnf" openssl-sub.cnf || sp_die "openssl-sub.cnf"
OPENSSL_CONF=$SP_WORK/openssl-sub.cnf
cp -r db db-root
sp_ca_db
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key \
    -subj "/C=DE/O=Example Ltd/organizationIdentifier=$ORGID/CN=Example Ltd" \
    -out ee.csr
sp_expect_ok "end-entity inside the constraints" ee.pem ca -batch \
    -config openssl-sub.cnf -policy policy_dn -preserveDN \
    -extensions ov_strict -in ee.csr -out ee.pem
sp_verify "end-entity inside the constraints" ee.pem subca.pem
sp_db_snapshot
sp_expect_refused "end-entity mailbox outside" "smimepolicy:.*nc.ee_email_outside" \
    bad.pem ca -batch -config openssl-sub.cnf -policy policy_dn -preserveDN \
    -extensions ov_outside -in ee.csr -out bad.pem
[ "$SP_RC" -eq 1 ] || sp_fail "end-entity mailbox outside exited $SP_RC"
grep -q "mallory@evil.example" "$SP_WORK/end-entity mailbox outside.err" \
    || sp_fail "the finding does not name mallory@evil.example"
sp_db_unchanged "end-entity mailbox outside"
# A subject outside the permitted directoryName.
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key \
    -subj "/C=DE/O=Evil Ltd/organizationIdentifier=$ORGID/CN=Evil Ltd" \
    -out evil.csr
sp_db_snapshot
sp_expect_refused "end-entity subject outside" \
    "smimepolicy:.*nc.ee_dirname_outside" bad.pem ca -batch \
    -config openssl-sub.cnf -policy policy_dn -preserveDN \
    -extensions ov_strict -in evil.csr -out bad.pem
sp_db_unchanged "end-entity subject outside"
OPENSSL_CONF=$SP_WORK/openssl.cnf
rm -rf db && mv db-root db

# --- OCSP responder certificates
sp_genkey p256 ocsp.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ocsp.key \
    -subj "/C=DE/O=Example Trust Services GmbH/CN=Example OCSP Responder" \
    -out ocsp.csr
sp_expect_ok "OCSP responder allowed" ocsp.pem ca -batch -config openssl.cnf \
    -policy policy_dn -preserveDN -days 30 -extensions ocsp_responder \
    -in ocsp.csr -out ocsp.pem
OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in ocsp.pem -noout -text \
    | grep -q "OCSP No Check" || sp_fail "ocsp.pem lacks ocsp-nocheck"
sp_db_snapshot
sp_expect_refused "OCSP responder too long" "smimepolicy:.*ocspresp.validity" \
    bad.pem ca -batch -config openssl.cnf -policy policy_dn -preserveDN \
    -days 365 -extensions ocsp_responder -in ocsp.csr -out bad.pem
sp_db_unchanged "OCSP responder too long"
write_subca_policy policy.cnf ocsp_responders=refuse
sp_db_snapshot
sp_expect_refused "OCSP responder refused" "smimepolicy:.*ocspresp.not_allowed" \
    bad.pem ca -batch -config openssl.cnf -policy policy_dn -preserveDN \
    -days 30 -extensions ocsp_responder -in ocsp.csr -out bad.pem
sp_db_unchanged "OCSP responder refused"

# --- cross-certificates (subject and key of the partner root)
write_subca_policy policy.cnf roots=partner.pem
sp_db_snapshot
sp_expect_refused "cross-certificate refused" "smimepolicy:.*xcert.not_allowed" \
    bad.pem ca -batch -config openssl.cnf -policy policy_dn -preserveDN \
    -days 1825 -extensions cross -ss_cert partner.pem -out bad.pem
sp_db_unchanged "cross-certificate refused"
write_subca_policy policy.cnf roots=partner.pem cross_certificates=allow
sp_expect_ok "cross-certificate allowed" cross.pem ca -batch -config openssl.cnf \
    -policy policy_dn -preserveDN -days 1825 -extensions cross \
    -ss_cert partner.pem -out cross.pem
OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root.pem cross.pem \
    >/dev/null 2>&1 && sp_pass "cross-certificate verifies" \
    || sp_fail "cross.pem does not verify"
"$tool" check --policy policy.cnf cross.pem >check.out 2>&1 \
    && sp_pass "smimepolicy check accepts the cross-certificate" \
    || sp_fail "smimepolicy check refuses the cross-certificate"

sp_finish
