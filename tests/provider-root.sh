#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Root CA certificates through the smimepolicy provider with the real
# openssl CLI: a CA whose root key is wrapped (smimepolicy:file:...)
# re-issues its self-signed root with `openssl req -x509`, `openssl x509
# -signkey` and `openssl ca -selfsign`. With root_certificates = allow a
# root that 7.1.2.1 allows is signed and verifies; one with an
# extKeyUsage, one whose keyUsage lacks cRLSign, one with a
# cRLDistributionPoints, one with a non-critical basicConstraints and a
# self-issued certificate for another key are refused (exit 1, the root.*
# code on stderr, no certificate written). With root_certificates = refuse
# (the default) the same root is refused as subca.self_issued.
# `smimepolicy check` gives the same verdicts.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

tool=$SP_BUILDDIR/smimepolicy
SUBJ="/C=DE/O=Example Trust Services GmbH/CN=Example SMIME Root R1"

sp_setup

# The root as it exists today, made without the provider.
sp_genkey p256 root.key
OPENSSL_CONF=/dev/null sp_ossl req -x509 -new -key root.key -sha256 \
    -subj "$SUBJ" -days 7300 -out root.pem \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"

# policy.cnf: the shipped SBR policy for the root key, plus the root keys
# of the main section given as KEY=VALUE arguments.
write_root_policy() {
    sp_write_policy policy.cnf "$SP_WORK/root.pem"
    for kv in "$@"; do
        sed -i "s|^\[smimepolicy\]$|[smimepolicy]\n${kv%%=*} = ${kv#*=}|" \
            policy.cnf
    done
}
write_root_policy root_certificates=allow
grep -q "^root_certificates = allow" policy.cnf || sp_die "policy.cnf"
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" \
    "smimepolicy:file:$SP_WORK/root.key" "$SP_WORK/root.pem"
cat >>openssl.cnf <<'EOF2'

[req]
distinguished_name = req_dn

[req_dn]

[root_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[root_ext_eku]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[policy_dn]
countryName = optional
organizationName = optional
commonName = optional
EOF2
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
KEY="smimepolicy:file:$SP_WORK/root.key"

# req_ok NAME OUT ARGS... / req_refused NAME PATTERN ARGS...: re-issue the
# root with `openssl req -x509` through the wrapped key and ARGS (-addext
# ...), writing OUT (bad.pem for a refusal).
req_ok() {
    name=$1 out=$2
    shift 2
    sp_expect_ok "$name" "$out" req -x509 -new -key "$KEY" -sha256 \
        -subj "$SUBJ" -days 7300 "$@" -out "$out"
}
req_refused() {
    name=$1 pattern=$2
    shift 2
    sp_expect_refused "$name" "$pattern" bad.pem req -x509 -new -key "$KEY" \
        -sha256 -subj "$SUBJ" -days 7300 "$@" -out bad.pem
}

# --- accepted: a root as 7.1.2.1 says
req_ok "root re-issued with req -x509" root2.pem \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root2.pem root2.pem \
    >/dev/null 2>&1 && sp_pass "the re-issued root verifies (self-signed)" \
    || sp_fail "root2.pem does not verify against itself"
# F-R-07: the same subject bytes and key as the root it re-issues.
for f in root.pem root2.pem; do
    OPENSSL_CONF=/dev/null "$OPENSSL" x509 -in $f -noout -pubkey -subject \
        -nameopt RFC2253 >$f.id
done
cmp -s root.pem.id root2.pem.id \
    && sp_pass "the re-issued root has the old root's subject and key" \
    || sp_fail "root2.pem differs from root.pem in subject or key"
grep -q '"verdict":"accept","kind":"certificate","role":"root-ca"' audit.log \
    && sp_pass "the audit record names the root-ca role" \
    || sp_fail "audit.log has no accepted root-ca record"

sp_expect_ok "root re-signed with x509 -signkey" root3.pem x509 -in root.pem \
    -signkey "$KEY" -sha256 -days 7300 -out root3.pem
OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root3.pem root3.pem \
    >/dev/null 2>&1 && sp_pass "the x509 -signkey root verifies" \
    || sp_fail "root3.pem does not verify against itself"

sp_ca_db
OPENSSL_CONF=/dev/null sp_ossl req -new -key root.key -subj "$SUBJ" \
    -out root.csr
sp_expect_ok "root re-issued with ca -selfsign" root4.pem ca -batch \
    -config openssl.cnf -selfsign -policy policy_dn -preserveDN -days 7300 \
    -extensions root_ext -in root.csr -out root4.pem
OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root4.pem root4.pem \
    >/dev/null 2>&1 && sp_pass "the ca -selfsign root verifies" \
    || sp_fail "root4.pem does not verify against itself"

# --- refused: each breaks one rule of 7.1.2.1
# refuse_root CODE BASIC KEYUSAGE [ARGS...]: req -x509 with these
# extensions (and ARGS) must be refused with CODE, exit 1.
refuse_root() {
    code=$1 bc=$2 ku=$3
    shift 3
    req_refused "root with $code" "smimepolicy:.*$code" \
        -addext "basicConstraints=$bc" -addext "keyUsage=$ku" \
        -addext "subjectKeyIdentifier=hash" "$@"
    [ "$SP_RC" -eq 1 ] || sp_fail "root with $code exited $SP_RC, not 1"
}
refuse_root root.eku_present critical,CA:TRUE critical,keyCertSign,cRLSign \
    -addext extendedKeyUsage=emailProtection
refuse_root root.ku_cert_sign critical,CA:TRUE critical,keyCertSign
refuse_root root.ext_unknown critical,CA:TRUE critical,keyCertSign,cRLSign \
    -addext crlDistributionPoints=URI:http://crl.example.com/r.crl
refuse_root root.bc_not_critical CA:TRUE critical,keyCertSign,cRLSign
# F-R-07: a self-issued certificate for another key (a key rollover
# certificate) is not a root.
sp_genkey p256 other.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key other.key -subj "$SUBJ" \
    -out other.csr
sp_expect_refused "self-issued certificate for another key" \
    "smimepolicy:.*root.not_self_signed" bad.pem x509 -req -in other.csr \
    -CA root.pem -CAkey "$KEY" -sha256 -days 3650 -extfile openssl.cnf \
    -extensions root_ext -set_serial "0x5$("$OPENSSL" rand -hex 15)" \
    -out bad.pem
sp_db_snapshot
sp_expect_refused "ca -selfsign with an EKU" "smimepolicy:.*root.eku_present" \
    bad.pem ca -batch -config openssl.cnf -selfsign -policy policy_dn \
    -preserveDN -days 7300 -extensions root_ext_eku -in root.csr -out bad.pem
sp_db_unchanged "ca -selfsign with an EKU"

# --- smimepolicy check: the same verdicts
if "$tool" check --policy policy.cnf root2.pem >check.out 2>&1 \
    && grep -q "accept certificate .*(root-ca)" check.out; then
    sp_pass "smimepolicy check accepts the re-issued root"
else
    sp_fail "smimepolicy check does not accept root2.pem"
    sed 's/^/    /' check.out >&2
fi
OPENSSL_CONF=/dev/null sp_ossl req -x509 -new -key root.key -sha256 \
    -subj "$SUBJ" -days 7300 -out eku-root.pem \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -addext "extendedKeyUsage=emailProtection"
"$tool" check --policy policy.cnf eku-root.pem >check.out 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "root.eku_present" check.out \
    && sp_pass "smimepolicy check refuses the root with an EKU" \
    || sp_fail "smimepolicy check on eku-root.pem exited $rc"

"$tool" policy policy.cnf >policy.out 2>&1
grep -q "^root_certificates allow, root_digital_signature no, root_max_validity 0 (no maximum)" \
    policy.out && sp_pass "smimepolicy policy shows root_certificates" \
    || sp_fail "smimepolicy policy does not show root_certificates"

# --- root_digital_signature = yes (the root key signs OCSP responses) and
# root_max_validity
write_root_policy root_certificates=allow root_digital_signature=yes \
    root_max_validity=3650d
req_refused "root without digitalSignature" \
    "smimepolicy:.*root.ku_digital_signature" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
grep -q "root.validity" "$SP_WORK/root without digitalSignature.err" \
    && sp_pass "a 7300-day root is refused under root_max_validity = 3650d" \
    || sp_fail "no root.validity finding for a 7300-day root"
sp_expect_ok "root with digitalSignature, 3000 days" root5.pem req -x509 \
    -new -key "$KEY" -sha256 -subj "$SUBJ" -days 3000 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash" -out root5.pem

# --- root_certificates = refuse: refused as before
write_root_policy root_certificates=refuse ocsp_responders=allow
req_refused "root with root_certificates = refuse" \
    "smimepolicy:.*subca.self_issued" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
"$tool" check --policy policy.cnf root2.pem >check.out 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "subca.self_issued" check.out \
    && sp_pass "smimepolicy check refuses it too (subca.self_issued)" \
    || sp_fail "smimepolicy check with root_certificates = refuse exited $rc"

sp_finish
