#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The smimepolicy demo: on a fresh Debian 12 machine, as root,
#
#     sh scripts/demo.sh
#
# installs the build dependencies, builds smimepolicy, creates a demo root
# and S/MIME issuing CA, puts the issuing CA's key behind smimepolicy in an
# openssl.cnf, issues a compliant mailbox certificate with the unchanged
# `openssl ca`, and shows non-compliant requests refused with their reasons
# while the CA database stays untouched. Everything it makes is under
# build/demo (the module is used from the build tree; nothing is installed).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}
demo=$build/demo

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

say "Build"
"$top/scripts/deps.sh"
cd "$top"
[ -x configure ] || ./bootstrap
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" -q
make -j2 >/dev/null
module=$build/.libs/smimepolicy.so
tool=$build/smimepolicy
echo "module: $module"

say "A demo root CA and an S/MIME issuing CA (P-256 keys)"
rm -rf "$demo"
mkdir -p "$demo/db/newcerts" "$demo/private"
cd "$demo"
chmod 700 private
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out private/root.key 2>/dev/null
openssl req -x509 -new -key private/root.key -sha256 -days 3650 \
    -subj "/C=XX/O=smimepolicy demo/CN=smimepolicy Demo Root" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" -out root.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out private/issuing.key 2>/dev/null
openssl req -new -key private/issuing.key \
    -subj "/C=XX/O=smimepolicy demo/CN=smimepolicy Demo SMIME CA" \
    -out issuing.csr
cat > issuing.ext <<'EOF'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.5.1.3, 2.23.140.1.5.1.2
crlDistributionPoints = URI:http://crl.example.com/root.crl
EOF
openssl x509 -req -in issuing.csr -CA root.pem -CAkey private/root.key \
    -days 1825 -sha256 -extfile issuing.ext -set_serial "0x$(openssl rand -hex 16)" \
    -out issuing.pem 2>/dev/null
openssl x509 -in issuing.pem -noout -subject -ext extendedKeyUsage

say "The CA's policy: Strict and Multipurpose mailbox certificates for example.com"
cat > policy.cnf <<EOF
[smimepolicy]
issuers  = $demo/issuing.pem
profiles = mailbox_strict, mailbox_multipurpose

[mailbox_strict]
type          = mailbox
generation    = strict
max_validity  = 398
email_domains = example.com

[mailbox_multipurpose]
type          = mailbox
generation    = multipurpose
max_validity  = 398
email_domains = example.com
EOF
cat policy.cnf
show "smimepolicy policy policy.cnf"
"$tool" policy policy.cnf

say "openssl.cnf: the issuing CA key is only reachable through smimepolicy"
cat > openssl.cnf <<EOF
config_diagnostics = 1
openssl_conf = openssl_init

[openssl_init]
providers = provider_sect

[provider_sect]
default = default_sect
smimepolicy = smimepolicy_sect

[default_sect]
activate = 1

[smimepolicy_sect]
module = $module
activate = 1
policy = $demo/policy.cnf
audit_log = $demo/audit.log

[ca]
default_ca = CA_default

[CA_default]
dir = $demo/db
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $demo/issuing.pem
private_key = smimepolicy:file:$demo/private/issuing.key
default_md = default
default_days = 365
default_crl_days = 7
policy = policy_smime
unique_subject = no
email_in_dn = no
copy_extensions = none

[policy_smime]
commonName = optional
emailAddress = optional
EOF
sed -n '/^\[smimepolicy_sect\]/,/^audit_log/p;/^private_key/p' openssl.cnf
: > db/index.txt
openssl rand -hex 16 > db/serial
echo 01 > db/crlnumber
export OPENSSL_CONF=$demo/openssl.cnf

# extensions MAILBOX EKU POLICY-OID -> an extension file for openssl ca
extensions() {
    cat > "$1.ext" <<EOF
[ext]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = $3
subjectAltName = email:$2
certificatePolicies = $4
crlDistributionPoints = URI:http://crl.example.com/smime.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/smime.crt, OCSP;URI:http://ocsp.example.com
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
EOF
}
request() { # NAME MAILBOX
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "private/$1.key" 2>/dev/null
    openssl req -new -key "private/$1.key" -subj "/CN=$2" -out "$1.csr"
}

say "Issue a compliant mailbox certificate with openssl ca"
request alice alice@example.com
extensions alice alice@example.com emailProtection 2.23.140.1.5.1.3
show "openssl ca -batch -in alice.csr -extfile alice.ext -extensions ext -out alice.pem"
openssl ca -batch -in alice.csr -extfile alice.ext -extensions ext -out alice.pem
openssl x509 -in alice.pem -noout -subject -serial -ext subjectAltName,extendedKeyUsage,certificatePolicies
show "openssl verify -CAfile root.pem -untrusted issuing.pem -purpose smimesign alice.pem"
openssl verify -CAfile root.pem -untrusted issuing.pem -purpose smimesign alice.pem
show "smimepolicy check --policy policy.cnf alice.pem"
"$tool" check --policy policy.cnf alice.pem

refused() { # NAME MAILBOX EKU OID DAYS WHAT
    say "Refused: $6"
    request "$1" "$2"
    extensions "$1" "$2" "$3" "$4"
    before=$(cat db/index.txt db/serial | sha256sum)
    show "openssl ca -batch -in $1.csr -extfile $1.ext -extensions ext -days $5 -out $1.pem"
    if openssl ca -batch -in "$1.csr" -extfile "$1.ext" -extensions ext \
        -days "$5" -out "$1.pem"; then
        echo "demo: UNEXPECTED: $1 was signed" >&2
        exit 1
    fi
    after=$(cat db/index.txt db/serial | sha256sum)
    [ "$before" = "$after" ] && echo "(openssl ca exited non-zero; index.txt and serial unchanged)"
    [ -s "$1.pem" ] && { echo "demo: UNEXPECTED: $1.pem written" >&2; exit 1; }
    rm -f "$1.pem"
}
refused mallory mallory@example.org emailProtection 2.23.140.1.5.1.3 365 \
    "a mailbox outside the allowed domains"
refused tls bob@example.com "emailProtection, serverAuth" 2.23.140.1.5.1.2 365 \
    "serverAuth in an S/MIME certificate"
refused long carol@example.com emailProtection 2.23.140.1.5.1.3 825 \
    "validity above this CA's 398 days"
refused legacy dave@example.com emailProtection 2.23.140.1.5.1.1 365 \
    "a Legacy profile, not issued since 2025-07-15"

say "A CRL is signed through the same gate"
show "openssl ca -gencrl -out demo.crl"
openssl ca -gencrl -out demo.crl
openssl crl -in demo.crl -noout -lastupdate -nextupdate

say "Bypass attempts with the wrapped key fail"
show "openssl pkey -in smimepolicy:file:.../issuing.key"
openssl pkey -in "smimepolicy:file:$demo/private/issuing.key" 2>&1 | head -n 3 || true
show "echo data | openssl dgst -sha256 -sign smimepolicy:file:.../issuing.key"
echo data | openssl dgst -sha256 -sign "smimepolicy:file:$demo/private/issuing.key" \
    -out /dev/null 2>&1 | head -n 3 || true

say "The audit log: one JSON line per decision"
cut -c1-220 audit.log | sed 's/$/ .../'

say "Self-audit: what this CA issued, judged again, and its audit log summed up"
show "smimepolicy audit --policy policy.cnf --db db/index.txt --certs db/newcerts --sample 3% --seed 1"
"$tool" audit --policy policy.cnf --db db/index.txt --certs db/newcerts \
    --sample 3% --seed 1 || true
show "smimepolicy audit --log audit.log"
"$tool" audit --log audit.log || true
echo
echo "Done. Files are in $demo."
