# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell integration tests that drive the real openssl
# CLI through the smimepolicy provider (tests/provider-*.sh and others).
# Sourced, never run. Every helper is prefixed sp_.
#
# Environment (set by `make check` through AM_TESTS_ENVIRONMENT; the
# defaults let a test run by hand from the build directory):
#   SP_OPENSSL       the openssl command            (default: openssl)
#   SP_BUILDDIR      the build directory            (default: .)
#   SP_SRCDIR        the source directory           (default: the test's ..)
#   OPENSSL_MODULES  where smimepolicy.so is        (default: $SP_BUILDDIR/.libs)
#   SP_KEEP=1        keep the work directory for inspection
#
# After sp_setup a test runs inside its own work directory $SP_WORK. A test
# counts failures with sp_fail and ends with sp_finish (exit 0 or 1); it
# exits 77 (skip) only through sp_require when a package is absent.

set -u

OPENSSL=${SP_OPENSSL:-openssl}
SP_BUILDDIR=${SP_BUILDDIR:-.}
SP_BUILDDIR=$(cd "$SP_BUILDDIR" && pwd)
SP_SRCDIR=${SP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
OPENSSL_MODULES=${OPENSSL_MODULES:-$SP_BUILDDIR/.libs}
export OPENSSL_MODULES
SP_FAILURES=0
SP_WORK=

sp_log() { printf '%s\n' "$*" >&2; }
sp_pass() { sp_log "ok: $*"; }
sp_fail() {
    sp_log "FAIL: $*"
    SP_FAILURES=$((SP_FAILURES + 1))
}
sp_die() {
    sp_log "FATAL: $*"
    exit 1
}

# sp_require CMD...: skip the test (exit 77) when a command is missing.
sp_require() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || {
            sp_log "SKIP: $c is not installed"
            exit 77
        }
    done
}

sp_cleanup() {
    rc=$?
    if [ "${SP_KEEP:-0}" = 1 ]; then
        sp_log "kept $SP_WORK"
    elif [ -n "$SP_WORK" ]; then
        rm -rf "$SP_WORK"
    fi
    exit $rc
}

# sp_setup: fresh work directory, cd into it, no inherited OpenSSL config.
sp_setup() {
    [ -e "$OPENSSL_MODULES/smimepolicy.so" ] \
        || sp_die "no smimepolicy.so in $OPENSSL_MODULES (build first)"
    SP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sp-test.XXXXXX") || sp_die "mktemp"
    trap sp_cleanup EXIT
    trap 'exit 1' INT TERM
    cd "$SP_WORK" || sp_die "cd $SP_WORK"
    unset OPENSSL_CONF
}

# sp_finish: exit 0 when every check passed, else 1.
sp_finish() {
    if [ "$SP_FAILURES" -ne 0 ]; then
        sp_log "$SP_FAILURES check(s) failed"
        exit 1
    fi
    sp_log "all checks passed"
    exit 0
}

# sp_ossl ARGS...: run openssl and stop the test if it fails (for set-up
# steps, not for the behaviour under test).
sp_ossl() {
    "$OPENSSL" "$@" >"$SP_WORK/.ossl.out" 2>&1 || {
        cat "$SP_WORK/.ossl.out" >&2
        sp_die "openssl $* failed"
    }
}

# sp_genkey TYPE FILE: a PEM private key. TYPE: rsa (2048), rsa1024,
# rsa3072, p256, p384, p521, ed25519, ed448, dsa.
sp_genkey() {
    case $1 in
    rsa) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
    rsa1024) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:1024 ;;
    rsa3072) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:3072 ;;
    p256) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
    p384) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
    p521) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-521 ;;
    ed25519) set -- "$2" -algorithm ED25519 ;;
    ed448) set -- "$2" -algorithm ED448 ;;
    dsa)
        sp_ossl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
            -out "$2.params"
        set -- "$2" -paramfile "$2.params"
        ;;
    *) sp_die "sp_genkey: unknown key type $1" ;;
    esac
    out=$1
    shift
    sp_ossl genpkey "$@" -out "$out"
}

# sp_make_root: root.key and root.pem (P-256), the trust anchor. Runs
# without the provider.
sp_make_root() {
    sp_genkey p256 root.key
    OPENSSL_CONF=/dev/null sp_ossl req -x509 -new -key root.key -sha256 \
        -subj "/C=XX/O=smimepolicy test/CN=Test Root" -days 3650 -out root.pem \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash"
}

# sp_make_ca KEYTYPE NAME: an S/MIME issuing CA under the root, NAME.key
# (plain file key, KEYTYPE as for sp_genkey) and NAME.pem. Its profile is
# one the policy engine accepts as an S/MIME issuer.
sp_make_ca() {
    sp_genkey "$1" "$2.key"
    cat >"$2.ext" <<'EOF'
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
certificatePolicies = 2.23.140.1.5.1.3, 2.23.140.1.5.1.2
EOF
    OPENSSL_CONF=/dev/null sp_ossl req -new -key "$2.key" \
        -subj "/C=XX/O=smimepolicy test/CN=Test SMIME CA $2" -out "$2.csr"
    OPENSSL_CONF=/dev/null sp_ossl x509 -req -in "$2.csr" -CA root.pem \
        -CAkey root.key -days 1825 -extfile "$2.ext" -sha256 \
        -set_serial "0x5$("$OPENSSL" rand -hex 15)" -out "$2.pem"
}

# sp_write_policy OUT ISSUER [KEY=VALUE...]: the shipped SBR policy
# (conf/smime-br.cnf) for ISSUER (a CA certificate file), with main-section
# keys replaced (e.g. mode=report, crl=refuse, ocsp=allow).
sp_write_policy() {
    out=$1 issuer=$2
    shift 2
    sed "s|^issuers = .*|issuers = $issuer|" "$SP_SRCDIR/conf/smime-br.cnf" >"$out"
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        grep -q "^$k = " "$out" || sp_die "sp_write_policy: no key $k"
        sed -i "s|^$k = .*|$k = $v|" "$out"
    done
}

# sp_write_openssl_cnf OUT POLICY KEY_URI CA_CERT [PROVIDER_LINE...]: an
# openssl.cnf that activates the default provider and smimepolicy (with
# policy POLICY, an audit log audit.log next to OUT, and any extra lines
# for its section), and whose CA section signs with KEY_URI (e.g.
# smimepolicy:file:/path/ca.key) and CA_CERT, database in ./db. Sections
# for subscriber extensions are in the same file (see sp_ext_sections).
sp_write_openssl_cnf() {
    out=$1 policy=$2 key=$3 cacert=$4
    shift 4
    dir=$(cd "$(dirname "$out")" && pwd)
    {
        cat <<EOF
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
activate = 1
policy = $policy
audit_log = $dir/audit.log
EOF
        for line in "$@"; do
            printf '%s\n' "$line"
        done
        cat <<EOF

[ca]
default_ca = CA_default

[CA_default]
dir = $dir/db
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $cacert
private_key = $key
default_md = default
default_days = 365
default_crl_days = 7
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
x509_extensions = mailbox_strict

[policy_any]
commonName = optional
emailAddress = optional
organizationName = optional
countryName = optional
EOF
        sp_ext_sections
    } >"$out"
}

# sp_ext_sections: extension sections for subscriber certificates, printed
# to stdout. mailbox_strict is compliant for a P-256 subscriber key; each
# other section breaks exactly one requirement.
sp_ext_sections() {
    cat <<'EOF'

[mailbox_strict]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/ca.crt, OCSP;URI:http://ocsp.example.com
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash

[bad_eku]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection, serverAuth
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityKeyIdentifier = keyid:always

[bad_ku]
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityKeyIdentifier = keyid:always

[no_san]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.1.3
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityKeyIdentifier = keyid:always

[legacy]
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:alice@example.com
certificatePolicies = 2.23.140.1.5.1.1
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityKeyIdentifier = keyid:always

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

# sp_ca_db: an empty `openssl ca` database in ./db, with a 16-octet random
# serial (the SBR want 64 bits of CSPRNG output) and a CRL number.
sp_ca_db() {
    rm -rf db
    mkdir -p db/newcerts
    : >db/index.txt
    "$OPENSSL" rand -hex 16 | sed "s/^./5/" >db/serial
    echo 1000 >db/crlnumber
}

# sp_db_snapshot / sp_db_unchanged WHAT: the database files must stay
# byte-identical across a refused issuance.
sp_db_snapshot() {
    cp db/index.txt db/.index.snap
    cp db/serial db/.serial.snap
    ls db/newcerts >db/.newcerts.snap
}
sp_db_unchanged() {
    cmp -s db/index.txt db/.index.snap || sp_fail "$1: index.txt changed"
    cmp -s db/serial db/.serial.snap || sp_fail "$1: serial file changed"
    ls db/newcerts | cmp -s - db/.newcerts.snap \
        || sp_fail "$1: a certificate was written to newcerts"
}

# sp_run NAME ARGS...: run openssl with ARGS, keeping its exit status in
# SP_RC and its standard error in NAME.err.
sp_run() {
    name=$1
    shift
    "$OPENSSL" "$@" >"$SP_WORK/$name.out" 2>"$SP_WORK/$name.err"
    SP_RC=$?
}

# sp_expect_refused NAME PATTERN OUTFILE ARGS...: openssl ARGS must exit
# nonzero, its standard error must contain PATTERN, and OUTFILE (if not
# "-") must be absent or empty.
sp_expect_refused() {
    name=$1 pattern=$2 outfile=$3
    shift 3
    rm -f "$outfile"
    sp_run "$name" "$@"
    if [ "$SP_RC" -eq 0 ]; then
        sp_fail "$name: openssl $1 succeeded, expected a refusal"
    elif ! grep -q -- "$pattern" "$SP_WORK/$name.err"; then
        sp_fail "$name: stderr lacks \"$pattern\""
        sed 's/^/    /' "$SP_WORK/$name.err" >&2
    elif [ "$outfile" != - ] && [ -s "$outfile" ]; then
        sp_fail "$name: $outfile was written"
    else
        sp_pass "$name refused ($pattern)"
    fi
}

# sp_expect_ok NAME OUTFILE ARGS...: openssl ARGS must exit 0 and write a
# non-empty OUTFILE.
sp_expect_ok() {
    name=$1 outfile=$2
    shift 2
    rm -f "$outfile"
    sp_run "$name" "$@"
    if [ "$SP_RC" -ne 0 ]; then
        sp_fail "$name: openssl $1 exited $SP_RC"
        sed 's/^/    /' "$SP_WORK/$name.err" >&2
    elif [ ! -s "$outfile" ]; then
        sp_fail "$name: no $outfile written"
    else
        sp_pass "$name"
    fi
}

# sp_verify NAME CERT: the certificate must chain to root.pem through the
# issuing CA given as the second argument.
sp_verify() {
    if OPENSSL_CONF=/dev/null "$OPENSSL" verify -CAfile root.pem \
        -untrusted "$3" -purpose smimesign "$2" >/dev/null 2>&1; then
        sp_pass "$1 verifies"
    else
        sp_fail "$1: $2 does not verify"
    fi
}

# sp_audit_count DECISION: number of audit.log records with that decision.
sp_audit_count() {
    grep -c "\"decision\":\"$1\"" audit.log 2>/dev/null || true
}
