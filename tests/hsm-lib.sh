# SPDX-License-Identifier: Apache-2.0
# Shell helpers for the HSM integration tests (tests/hsm-*.sh): a private
# SoftHSM2 token, a private swtpm on 127.0.0.1, a demo root and an S/MIME
# issuing CA whose key lives in the token or the TPM, and the openssl ca
# configuration. Sourced, never run. Every helper is prefixed hsm_.
#
# Environment (set by make check, defaults for running a test by hand):
#   SP_OPENSSL   the openssl command        SP_BUILDDIR  the build directory
#   SP_SRCDIR    the source directory       HSM_KEEP=1   keep the temp dir

set -u

OPENSSL=${SP_OPENSSL:-openssl}
SP_BUILDDIR=${SP_BUILDDIR:-$(pwd)}
SP_SRCDIR=${SP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
HSM_FAILED=0
HSM_SWTPM_PIDFILE=
HSM_SWTPM_PID=

hsm_log() { printf '%s\n' "$*" >&2; }
hsm_fail() {
    hsm_log "FAIL: $*"
    HSM_FAILED=1
}
hsm_pass() { hsm_log "ok: $*"; }
hsm_die() {
    hsm_log "FATAL: $*"
    exit 1
}

# Exit 77 (skip) when one of the commands is missing: only a missing
# package may skip a test.
hsm_require() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || {
            hsm_log "SKIP: $c not installed"
            exit 77
        }
    done
}

hsm_require_file() {
    [ -e "$1" ] || {
        hsm_log "SKIP: $1 not installed ($2)"
        exit 77
    }
}

# A private work directory, removed on exit unless HSM_KEEP=1; from here on
# every way out (including a signal from the test harness) runs
# hsm_cleanup, which also stops swtpm.
hsm_tmpdir() {
    HSM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sp-hsm.XXXXXX") || hsm_die "mktemp"
    export HSM_DIR
    trap hsm_cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Stop whatever this test started; installed as the EXIT trap.
hsm_cleanup() {
    local rc=$?
    hsm_swtpm_stop
    if [ "${HSM_KEEP:-0}" = 1 ]; then
        hsm_log "kept $HSM_DIR"
    elif [ -n "${HSM_DIR:-}" ]; then
        rm -rf "$HSM_DIR"
    fi
    if [ "$rc" = 0 ] && [ "$HSM_FAILED" != 0 ]; then
        rc=1
    fi
    exit "$rc"
}

# Milliseconds since the epoch, for the timing figures.
hsm_now_ms() { date +%s%3N; }

# ------------------------------------------------------------ SoftHSM2

hsm_softhsm_module() {
    local m
    for m in /usr/lib/softhsm/libsofthsm2.so \
        /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
        /usr/lib64/pkcs11/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
        [ -e "$m" ] && {
            echo "$m"
            return 0
        }
    done
    return 1
}

# hsm_softhsm_init LABEL PIN SOPIN: a token in $HSM_DIR/tokens, visible
# only to this test through SOFTHSM2_CONF (p11-kit-proxy, libp11's default
# module, loads SoftHSM2, which reads the same variable).
hsm_softhsm_init() {
    mkdir -p "$HSM_DIR/tokens"
    cat >"$HSM_DIR/softhsm2.conf" <<EOF
directories.tokendir = $HSM_DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
    SOFTHSM2_CONF=$HSM_DIR/softhsm2.conf
    export SOFTHSM2_CONF
    softhsm2-util --init-token --free --label "$1" --pin "$2" \
        --so-pin "$3" >"$HSM_DIR/init-token.log" 2>&1 ||
        hsm_die "softhsm2-util --init-token: $(cat "$HSM_DIR/init-token.log")"
}

# hsm_p11 ARGS...: pkcs11-tool on the SoftHSM2 module.
hsm_p11() {
    pkcs11-tool --module "$HSM_P11_MODULE" "$@"
}

# hsm_p11_access TOKEN PIN LABEL: the "Access:" attributes pkcs11-tool
# prints for the private key with this label (--label does not filter
# --list-objects, so the listing is cut by object here).
hsm_p11_access() {
    hsm_p11 --token-label "$1" --login --pin "$2" --list-objects \
        --type privkey 2>/dev/null |
        awk -v want="$3" '
            /^[A-Z][a-z]+ Key Object/ { lbl = ""; priv = /^Private/ }
            priv && $1 == "label:" { lbl = $2 }
            priv && lbl == want && $1 == "Access:" {
                sub(/^ *Access: */, ""); print }'
}

# hsm_p11_locked ACCESS: whether the attributes say the key can never
# leave the token: CKA_SENSITIVE ("sensitive") and CKA_NEVER_EXTRACTABLE
# ("never extractable") set, CKA_EXTRACTABLE ("extractable") not.
hsm_p11_locked() {
    case ", $1," in
    *", sensitive,"*) ;;
    *) return 1 ;;
    esac
    case "$1" in
    *"never extractable"*) ;;
    *) return 1 ;;
    esac
    ! printf '%s' "$1" | sed 's/never extractable//' | grep -q extractable
}

# ------------------------------------------------------------ swtpm

# hsm_export_is_useless EXPORTED PUBKEY: whatever an export wrote cannot
# make a signature that the CA public key verifies (libp11 writes a
# placeholder EC key with a zero scalar; RSA export fails outright).
hsm_export_is_useless() {
    local f=$1 pub=$2
    [ -s "$f" ] || return 0
    echo "smimepolicy export probe" >"$f.msg"
    "$OPENSSL" dgst -sha256 -sign "$f" -out "$f.sig" "$f.msg" \
        >/dev/null 2>&1 || return 0
    ! "$OPENSSL" dgst -sha256 -verify "$pub" -signature "$f.sig" "$f.msg" \
        >/dev/null 2>&1
}

# Whether something listens on 127.0.0.1:PORT.
hsm_port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Start swtpm on a free port pair; sets HSM_TPM_PORT and the TCTI variables
# for tpm2-tools and tpm2-openssl. Retries when another process took the
# ports in between.
hsm_swtpm_start() {
    local tries=0 port
    mkdir -p "$HSM_DIR/tpmstate"
    HSM_SWTPM_PIDFILE=$HSM_DIR/swtpm.pid
    while [ $tries -lt 20 ]; do
        tries=$((tries + 1))
        port=$((20000 + (RANDOM % 20000) * 2))
        if hsm_port_busy "$port" || hsm_port_busy $((port + 1)); then
            continue
        fi
        rm -f "$HSM_SWTPM_PIDFILE"
        if swtpm socket --tpm2 --tpmstate dir="$HSM_DIR/tpmstate" \
            --server type=tcp,port=$port,bindaddr=127.0.0.1 \
            --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
            --flags not-need-init,startup-clear \
            --pid file="$HSM_SWTPM_PIDFILE" --daemon \
            --log file="$HSM_DIR/swtpm.log" 2>>"$HSM_DIR/swtpm.err"; then
            HSM_SWTPM_PID=$(cat "$HSM_SWTPM_PIDFILE" 2>/dev/null)
            HSM_TPM_PORT=$port
            TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
            TPM2OPENSSL_TCTI=$TPM2TOOLS_TCTI
            export HSM_TPM_PORT TPM2TOOLS_TCTI TPM2OPENSSL_TCTI
            # The daemon is up when its server port answers.
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                hsm_port_busy "$port" && return 0
                sleep 0.2
            done
            hsm_die "swtpm started but port $port does not answer"
        fi
    done
    hsm_die "cannot start swtpm: $(cat "$HSM_DIR/swtpm.err" 2>/dev/null)"
}

# Stop swtpm (clean shutdown through the control port, then the pid) and
# check that the process is gone.
hsm_swtpm_stop() {
    [ -n "$HSM_SWTPM_PID" ] || return 0
    if kill -0 "$HSM_SWTPM_PID" 2>/dev/null; then
        # An orderly TPM2_Shutdown first: otherwise the next start of the
        # same state counts a dictionary-attack failure, and a few of
        # those put the TPM in lockout.
        tpm2_shutdown >/dev/null 2>&1
        swtpm_ioctl --tcp "127.0.0.1:$((HSM_TPM_PORT + 1))" -s \
            >/dev/null 2>&1 || kill "$HSM_SWTPM_PID" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$HSM_SWTPM_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$HSM_SWTPM_PID" 2>/dev/null
    fi
    if kill -0 "$HSM_SWTPM_PID" 2>/dev/null; then
        hsm_log "swtpm $HSM_SWTPM_PID still running"
        HSM_FAILED=1
    fi
    HSM_SWTPM_PID=
}

# Without a resource manager every tpm2-tools call leaves transient
# objects and sessions behind; flush them between calls.
hsm_tpm_flush() {
    tpm2_flushcontext -t >/dev/null 2>&1
    tpm2_flushcontext -s >/dev/null 2>&1
    tpm2_flushcontext -l >/dev/null 2>&1
    return 0
}

# hsm_tpm_attrs CONTEXT-OR-HANDLE: the object attributes tpm2_readpublic
# reports, e.g. "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign".
hsm_tpm_attrs() {
    tpm2_readpublic -c "$1" 2>/dev/null |
        sed -n '/^attributes:/,/raw:/s/^ *value: //p'
    hsm_tpm_flush
}

# hsm_tpm_locked ATTRS: whether the key can never leave its TPM: fixedTPM
# and fixedParent (no duplication) and sensitiveDataOrigin (the TPM made
# the secret, nobody outside ever knew it).
hsm_tpm_locked() {
    local a
    for a in fixedtpm fixedparent sensitivedataorigin; do
        case "|$1|" in
        *"|$a|"*) ;;
        *) return 1 ;;
        esac
    done
}

# hsm_tpm ARGS...: one tpm2-tools command, then a flush.
hsm_tpm() {
    local rc
    "$@" >>"$HSM_DIR/tpm2-tools.log" 2>&1
    rc=$?
    hsm_tpm_flush
    return $rc
}

# ------------------------------------------------------------ PKI

# hsm_ca_files DIR: the openssl ca database layout.
hsm_ca_files() {
    mkdir -p "$1/newcerts"
    : >"$1/index.txt"
    echo 01 >"$1/serial"
}

# A demo root with a file key (only the issuing CA key is in the HSM).
hsm_make_root() {
    local d=$HSM_DIR/root
    mkdir -p "$d"
    cat >"$d/root.ext" <<'EOF'
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_sub]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.1.3
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://crl.example.com/root.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/root.der
EOF
    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$d/root.key" 2>/dev/null || hsm_die "root key"
    "$OPENSSL" req -new -x509 -key "$d/root.key" -days 3650 \
        -subj "/C=XX/O=smimepolicy test/CN=HSM Test Root" \
        -extensions v3_root -config "$d/root.ext" -out "$d/root.pem" \
        2>"$d/root.err" || hsm_die "root cert: $(cat "$d/root.err")"
}

# hsm_issue_sub_ca CSR OUT NAME: the root signs an S/MIME issuing CA
# certificate for the public key in CSR (created with the HSM key).
hsm_issue_sub_ca() {
    local d=$HSM_DIR/root
    "$OPENSSL" x509 -req -in "$1" -CA "$d/root.pem" -CAkey "$d/root.key" \
        -CAcreateserial -days 1825 -extfile "$d/root.ext" -extensions v3_sub \
        -out "$2" 2>"$2.err" || hsm_die "sub CA $3: $(cat "$2.err")"
}

# hsm_write_ca_cnf DIR CACERT [KEY-URI]: an openssl ca configuration
# issuing strict mailbox certificates (2.23.140.1.5.1.3) from DIR. With
# KEY-URI the CA section names the key (private_key =); without it the key
# comes from the command line (-keyfile).
hsm_write_ca_cnf() {
    local cnf=$1/ca.cnf
    [ $# -ge 3 ] && cnf=$1/ca-private-key.cnf
    cat >"$cnf" <<EOF
[ca]
default_ca = hsm_ca
[hsm_ca]
dir = $1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
rand_serial = yes
certificate = $2
${3:+private_key = $3}
default_md = sha256
default_days = 365
policy = policy_any
email_in_dn = no
unique_subject = no
copy_extensions = none
x509_extensions = smime_strict
[policy_any]
commonName = optional
emailAddress = optional
[smime_strict]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.1.3
subjectAltName = email:alice@example.com
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
crlDistributionPoints = URI:http://crl.example.com/issuing.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/issuing.der
[smime_server_auth]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection, serverAuth
certificatePolicies = 2.23.140.1.5.1.3
subjectAltName = email:alice@example.com
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
crlDistributionPoints = URI:http://crl.example.com/issuing.crl
authorityInfoAccess = caIssuers;URI:http://ca.example.com/issuing.der
EOF
}

# hsm_subscriber_csr OUT: a subscriber request (P-256 file key).
hsm_subscriber_csr() {
    "$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key" -subj "/CN=alice@example.com" -out "$1" \
        2>"$1.err" || hsm_die "subscriber CSR: $(cat "$1.err")"
}

# hsm_policy_file OUT ISSUER...: a policy naming the issuing CA
# certificates; everything else is the SBR default.
hsm_policy_file() {
    local out=$1
    shift
    {
        echo "[smimepolicy]"
        echo "issuers = $*"
    } >"$out"
}

# hsm_provider_cnf OUT POLICY [KEY = VALUE]...: an openssl.cnf that loads
# the uninstalled smimepolicy provider next to the default provider. The
# module is named by its path in the build, so OPENSSL_MODULES can keep
# pointing at the system's modules (where tpm2.so is).
hsm_provider_cnf() {
    local out=$1 pol=$2 kv
    shift 2
    {
        echo "openssl_conf = openssl_init"
        echo "[openssl_init]"
        echo "providers = provider_sect"
        echo "[provider_sect]"
        echo "default = default_sect"
        echo "smimepolicy = smimepolicy_sect"
        echo "[default_sect]"
        echo "activate = 1"
        echo "[smimepolicy_sect]"
        if [ -e "$SP_BUILDDIR/.libs/smimepolicy.so" ]; then
            echo "module = $SP_BUILDDIR/.libs/smimepolicy.so"
        fi
        echo "activate = 1"
        echo "policy = $pol"
        echo "audit_log = $HSM_DIR/audit.log"
        for kv in "$@"; do
            echo "$kv"
        done
    } >"$out"
}

# hsm_ca_issue NAME CADIR EXTSECTION DAYS CSR KEYARGS...: run openssl ca
# once (with $HSM_CA_CNF, default CADIR/ca.cnf); leaves CADIR/NAME.pem,
# NAME.err and sets HSM_CA_RC.
hsm_ca_issue() {
    local name=$1 cadir=$2 ext=$3 days=$4 csr=$5
    shift 5
    "$OPENSSL" ca -batch -notext -config "${HSM_CA_CNF:-$cadir/ca.cnf}" \
        -extensions "$ext" \
        -days "$days" -in "$csr" -out "$cadir/$name.pem" "$@" \
        >"$cadir/$name.out" 2>"$cadir/$name.err"
    HSM_CA_RC=$?
}

# hsm_gencrl NAME CADIR DAYS KEYARGS...: openssl ca -gencrl into
# CADIR/NAME.pem; sets HSM_CA_RC.
hsm_gencrl() {
    local name=$1 cadir=$2 days=$3
    shift 3
    "$OPENSSL" ca -batch -config "$cadir/ca.cnf" -gencrl -crldays "$days" \
        -out "$cadir/$name.pem" "$@" >"$cadir/$name.out" 2>"$cadir/$name.err"
    HSM_CA_RC=$?
}

# hsm_expect_crl DESC CADIR NAME: the CRL was written and its signature
# verifies with the issuing CA certificate.
hsm_expect_crl() {
    local desc=$1 cadir=$2 name=$3
    if [ "$HSM_CA_RC" != 0 ] || [ ! -s "$cadir/$name.pem" ]; then
        hsm_fail "$desc: exit $HSM_CA_RC: $(cat "$cadir/$name.err")"
    elif "$OPENSSL" crl -in "$cadir/$name.pem" -CAfile "$cadir/ca.pem" \
        -noout 2>&1 | grep -q '^verify OK$'; then
        hsm_pass "$desc: CRL signed and verified"
    else
        hsm_fail "$desc: CRL signature does not verify"
    fi
}

# hsm_key_id CERT: the key identifier smimepolicy writes into its audit
# records, "sha256:" + hex SHA-256 of the DER SubjectPublicKeyInfo.
hsm_key_id() {
    "$OPENSSL" x509 -in "$1" -noout -pubkey |
        "$OPENSSL" pkey -pubin -outform DER 2>/dev/null |
        sha256sum | sed 's/^\([0-9a-f]*\).*/sha256:\1/'
}

# hsm_expect_audit DESC DECISION KEYID COUNT: the audit log holds COUNT
# records with this decision for this key.
hsm_expect_audit() {
    local n
    n=$(grep -F "\"key_id\":\"$3\"" "$HSM_DIR/audit.log" 2>/dev/null |
        grep -cF "\"decision\":\"$2\"")
    if [ "$n" = "$4" ]; then
        hsm_pass "$1: $n audit records \"$2\""
    else
        hsm_fail "$1: $n audit records \"$2\" for $3, expected $4"
    fi
}

# hsm_expect_issued DESC CADIR NAME ROOT SUBCA: the certificate NAME.pem
# exists and verifies up to the root for S/MIME signing.
hsm_expect_issued() {
    local desc=$1 cadir=$2 name=$3
    if [ "$HSM_CA_RC" != 0 ]; then
        hsm_fail "$desc: openssl ca exit $HSM_CA_RC: $(cat "$cadir/$name.err")"
        return 1
    fi
    if [ ! -s "$cadir/$name.pem" ]; then
        hsm_fail "$desc: no certificate written"
        return 1
    fi
    if ! "$OPENSSL" verify -CAfile "$4" -untrusted "$5" -purpose smimesign \
        "$cadir/$name.pem" >"$cadir/$name.verify" 2>&1; then
        hsm_fail "$desc: openssl verify: $(cat "$cadir/$name.verify")"
        return 1
    fi
    hsm_pass "$desc: issued and verified"
}

# hsm_expect_refused DESC CADIR NAME REASON-REGEX: openssl ca exited 1,
# the reason is on stderr and no certificate was written. (The caller
# checks the database, which must not change either.)
hsm_expect_refused() {
    local desc=$1 cadir=$2 name=$3 reason=$4 ok=1
    if [ "$HSM_CA_RC" != 1 ]; then
        hsm_fail "$desc: openssl ca exit $HSM_CA_RC, expected 1"
        ok=0
    fi
    if [ -s "$cadir/$name.pem" ]; then
        hsm_fail "$desc: a certificate was written"
        ok=0
    fi
    if ! grep -Eq "$reason" "$cadir/$name.err"; then
        hsm_fail "$desc: stderr lacks /$reason/: $(cat "$cadir/$name.err")"
        ok=0
    fi
    [ "$ok" = 1 ] && hsm_pass "$desc: refused: $(grep -Eo "$reason" \
        "$cadir/$name.err" | head -1)"
    return 0
}
