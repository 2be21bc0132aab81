#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerate the committed seed inputs in fuzz/seeds/: an S/MIME issuing
# CA (issuing-ca.pem, the issuer fuzz_judge and fuzz_policy use) and a few
# subscriber certificates it issued, one per SBR type and generation,
# compliant and not, as whole certificates (cert-*.der, for fuzz_x509) and
# as TBSCertificates (tbs-*.der, for fuzz_judge and fuzz_der). The CA keys
# are thrown away: a new run makes a new CA and new seeds together.
#   sh fuzz/make-seeds.sh [OPENSSL]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
openssl=${1:-openssl}
out=$here/seeds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OPENSSL_CONF=/dev/null
"$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
"$openssl" req -x509 -new -key root.key -sha256 -days 3650 -out root.pem \
    -subj "/C=XX/O=smimepolicy fuzz/CN=Fuzz Root" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
"$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
cat >ca.ext <<'X'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
X
"$openssl" req -new -key ca.key -subj "/C=XX/O=smimepolicy fuzz/CN=Fuzz SMIME CA" \
    -out ca.csr
"$openssl" x509 -req -in ca.csr -CA root.pem -CAkey root.key -days 3650 \
    -extfile ca.ext -sha256 -set_serial 0x51 -out "$out/issuing-ca.pem"

"$openssl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
"$openssl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
"$openssl" genpkey -algorithm ED25519 -out ed.key

# seed NAME KEY SUBJECT POLICY_OID KU EXTRA_EXT_LINES
seed() {
    name=$1 key=$2 subj=$3 oid=$4 ku=$5 extra=$6
    cat >"$name.ext" <<X
keyUsage = critical, $ku
extendedKeyUsage = emailProtection
certificatePolicies = $oid
subjectAltName = email:alice@example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com/,caIssuers;URI:http://ca.example.com/ca.crt
$extra
X
    "$openssl" req -new -key "$key" -subj "$subj" -out "$name.csr"
    "$openssl" x509 -req -in "$name.csr" -CA "$out/issuing-ca.pem" -CAkey ca.key \
        -days 365 -extfile "$name.ext" -set_serial "0x7$("$openssl" rand -hex 15)" \
        -outform DER -out "$out/cert-$name.der"
    perl "$here/extract_tbs.pl" <"$out/cert-$name.der" >"$out/tbs-$name.der"
}
seed mailbox-strict-rsa rsa.key "/CN=alice@example.com" 2.23.140.1.5.1.3 \
    "digitalSignature, keyEncipherment" ""
seed mailbox-legacy-ec ec.key "/CN=alice@example.com/emailAddress=alice@example.com" \
    2.23.140.1.5.1.1 "digitalSignature, keyAgreement" ""
seed org-multipurpose-ec ec.key "/C=DE/O=Example GmbH/CN=alice@example.com" \
    2.23.140.1.5.2.2 "digitalSignature" ""
seed sponsored-strict-ed ed.key \
    "/C=DE/O=Example GmbH/GN=Alice/SN=Liddell/CN=Alice Liddell" \
    2.23.140.1.5.3.3 "digitalSignature" ""
seed individual-multipurpose-rsa rsa.key \
    "/C=DE/GN=Alice/SN=Liddell/pseudonym=al/CN=Alice Liddell" \
    2.23.140.1.5.4.2 "digitalSignature, keyEncipherment" ""
seed refused-serverauth rsa.key "/CN=alice@example.com" 2.23.140.1.5.1.3 \
    "digitalSignature, keyEncipherment, keyCertSign" \
    "basicConstraints = critical, CA:TRUE"
