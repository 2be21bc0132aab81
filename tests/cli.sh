#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `smimepolicy check` end to end with certificates made by the openssl
# CLI: verdicts, output formats, --issuer, --at, and every kind of bad
# input (exit 2 with a message).
set -u
builddir=${SP_BUILDDIR:-.}
tool="$builddir/smimepolicy"
openssl=${SP_OPENSSL:-openssl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect STATUS PATTERN -- command...: exit status and a pattern that the
# combined output must contain.
expect() {
    want=$1 pattern=$2
    shift 3
    out=$("$@" 2>&1)
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$* exited $got, expected $want"
        printf '%s\n' "$out" | sed 's/^/    /'
        return
    fi
    case $out in
    *"$pattern"*) ;;
    *) fail "$*: output lacks \"$pattern\""
       printf '%s\n' "$out" | sed 's/^/    /' ;;
    esac
}

cd "$work" || exit 1
ossl() { "$openssl" "$@" >/dev/null 2>&1 || { echo "openssl $* failed"; exit 1; }; }

# A root and an S/MIME issuing CA, P-256.
ossl ecparam -name prime256v1 -genkey -noout -out root.key
ossl req -x509 -new -key root.key -subj "/C=XX/O=Test Root/CN=Test Root" \
    -days 3650 -out root.pem -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
ossl ecparam -name prime256v1 -genkey -noout -out ca.key
ossl req -new -key ca.key -subj "/C=XX/O=Test/CN=Test SMIME CA" -out ca.csr
cat > ca.ext <<'X'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.5.1.3, 2.23.140.1.5.1.2
X
ossl x509 -req -in ca.csr -CA root.pem -CAkey root.key -days 1825 \
    -extfile ca.ext -set_serial 0x1f00aa55 -sha256 -out ca.pem

# A subscriber certificate per extension file.
cat > good.ext <<'X'
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/ca.crt, OCSP;URI:http://ocsp.example.com
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
X
sed 's/^extendedKeyUsage.*/extendedKeyUsage = emailProtection, serverAuth/' good.ext > badeku.ext
sed 's/2\.23\.140\.1\.5\.1\.3/2.23.140.1.5.1.1/' good.ext > legacy.ext
ossl ecparam -name prime256v1 -genkey -noout -out ee.key
ossl req -new -key ee.key -subj "/CN=alice@example.com" -out ee.csr
issue() { # NAME EXTFILE DAYS
    ossl x509 -req -in ee.csr -CA ca.pem -CAkey ca.key -days "$3" \
        -extfile "$2" -set_serial "0x$("$openssl" rand -hex 16)" -sha256 -out "$1"
}
issue good.pem good.ext 365
issue badeku.pem badeku.ext 365
issue legacy.pem legacy.ext 365
issue long.pem good.ext 900

# Verdicts.
expect 0 "accept certificate mailbox-strict" -- "$tool" check good.pem
expect 0 "issuer ca.pem" -- "$tool" check --issuer ca.pem good.pem
expect 1 "eku." -- "$tool" check badeku.pem
expect 1 "validity." -- "$tool" check long.pem
expect 1 "refuse" -- "$tool" check legacy.pem
expect 0 "accept certificate mailbox-legacy" -- "$tool" check --at 2025-07-14 legacy.pem
expect 1 "refuse" -- "$tool" check --at 2025-07-15 legacy.pem
expect 1 "refuse" -- "$tool" check good.pem badeku.pem
# The wrong issuer: names differ, keys differ.
expect 1 "refuse" -- "$tool" check --issuer root.pem good.pem

# JSON: one object per certificate.
expect 0 '"decision":"accept"' -- "$tool" check --format json good.pem
expect 1 '"decision":"refuse"' -- "$tool" check --format json badeku.pem
n=$("$tool" check --format json good.pem badeku.pem | grep -c '^{"file":')
[ "$n" -eq 2 ] || fail "json: expected 2 lines, got $n"

# PEM bundles, DER and standard input.
cat good.pem badeku.pem > bundle.pem
expect 1 "bundle.pem#2: refuse" -- "$tool" check bundle.pem
"$openssl" x509 -in good.pem -outform DER -out good.der
expect 0 "accept" -- "$tool" check good.der
expect 0 "-: accept" -- sh -c "'$tool' check - < good.pem"

# Bad input: exit 2 and a message that says what is wrong.
head -c 300 good.der > truncated.der
expect 2 "not a DER certificate: truncated" -- "$tool" check truncated.der
{ cat good.der; printf '\000'; } > trailing.der
expect 2 "trailing bytes" -- "$tool" check trailing.der
# BER: the keyUsage critical flag as 01 instead of FF.
perl -0777 -pe 's/\x06\x03\x55\x1d\x0f\x01\x01\xff/\x06\x03\x55\x1d\x0f\x01\x01\x01/' \
    good.der > ber.der
cmp -s good.der ber.der && fail "could not build the BER variant"
expect 2 "malformed DER: BOOLEAN not encoded as 00 or FF" -- "$tool" check ber.der
expect 2 "is not a certificate or CRL" -- "$tool" check ee.csr
echo "hello" > text.txt
expect 2 "not a DER certificate" -- "$tool" check text.txt
: > empty.pem
expect 2 "empty file" -- "$tool" check empty.pem
expect 2 "No such file" -- "$tool" check missing.pem
# A bad file among good ones still makes the run an input error.
expect 2 "accept" -- "$tool" check good.pem truncated.der

# Usage errors.
expect 2 "usage" -- "$tool"
expect 2 "no certificate file" -- "$tool" check
expect 2 "cannot read time" -- "$tool" check --at yesterday good.pem
expect 2 "not text or json" -- "$tool" check --format xml good.pem
expect 2 "unknown command" -- "$tool" frobnicate
expect 2 "nonexistent.cnf" -- "$tool" check --policy nonexistent.cnf good.pem
expect 2 "missing-ca.pem" -- "$tool" check --issuer missing-ca.pem good.pem
expect 0 "der.malformed" -- "$tool" rules
expect 0 "smimepolicy" -- "$tool" --version

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
