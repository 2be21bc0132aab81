#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The inner key's TPM or token goes away while a process holds the wrapped
# key (issue 6), driven through tests/provider-fault.c serve:
#   - swtpm stopped under a TPM-backed key (tpm2-openssl, a TSS2 key file);
#   - the SoftHSM2 token's directory deleted under a PKCS#11 key (libp11).
# Each time: signing works first; afterwards every signature fails with a
# clear error, nothing is signed, the process does not crash and keeps
# answering, and the audit log records "sign-failed" with the reason, no
# "signed" record for a signature that was not produced.
# Parts whose packages are missing are skipped; all missing: exit 77.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/hsm-lib.sh"

driver=$SP_BUILDDIR/tests/provider-fault
[ -x "$driver" ] || hsm_die "$driver is not built"
hsm_require "$OPENSSL"
# tpm2.so is in the system's modules directory; the provider is named by
# path (hsm_provider_cnf).
unset OPENSSL_MODULES
MODULESDIR=$("$OPENSSL" version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
ENGINESDIR=$("$OPENSSL" version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
have_tpm=1
for c in swtpm swtpm_ioctl tpm2_shutdown tpm2_flushcontext; do
    command -v "$c" >/dev/null 2>&1 || have_tpm=0
done
[ -e "$MODULESDIR/tpm2.so" ] || have_tpm=0
have_p11=1
for c in softhsm2-util pkcs11-tool; do
    command -v "$c" >/dev/null 2>&1 || have_p11=0
done
HSM_P11_MODULE=$(hsm_softhsm_module) || have_p11=0
[ -e "${OPENSSL_ENGINES:-$ENGINESDIR}/pkcs11.so" ] || have_p11=0
if [ $have_tpm = 0 ] && [ $have_p11 = 0 ]; then
    hsm_log "SKIP: neither swtpm + tpm2-openssl nor SoftHSM2 + libp11"
    exit 77
fi

hsm_tmpdir
# hsm_cleanup exits with the status it finds in $?.
trap 'rc=$?; serve_kill_all; (exit $rc); hsm_cleanup' EXIT
# A signer that died has closed its end of the fifo.
trap '' PIPE
hsm_make_root
hsm_subscriber_csr "$HSM_DIR/alice.csr"

# ------------------------------------------------- a long-running signer
# serve_start NAME KEY_URI GOOD CA: commands to NAME.fifo (fd 3), answers
# in NAME.out.
serve_start() {
    rm -f "$HSM_DIR/$1.fifo" "$HSM_DIR/$1.out"
    mkfifo "$HSM_DIR/$1.fifo"
    "$driver" serve "$2" "$3" "$3" "$4" <"$HSM_DIR/$1.fifo" \
        >"$HSM_DIR/$1.out" 2>"$HSM_DIR/$1.err" &
    SERVE_PID=$!
    exec 3>"$HSM_DIR/$1.fifo"
    SERVE_OUT=$HSM_DIR/$1.out
    # In a file: answers are read in command substitutions (subshells).
    SERVE_SEEN=$HSM_DIR/$1.seen
    echo 0 >"$SERVE_SEEN"
    serve_answer >/dev/null
}
serve_answer() {
    local i=0 want=$(($(cat "$SERVE_SEEN") + 1))
    while [ "$(wc -l <"$SERVE_OUT")" -lt "$want" ] && [ $i -lt 300 ]; do
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "$want" >"$SERVE_SEEN"
    sed -n "${want}p" "$SERVE_OUT"
}
serve_sign() {
    echo good >&3
    serve_answer
}
serve_stop() {
    local rc
    echo quit >&3
    exec 3>&-
    wait "$SERVE_PID"
    rc=$?
    SERVE_PID=
    return $rc
}
serve_kill_all() {
    [ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null
    SERVE_PID=
}
# count DECISION KEYID
count() {
    grep -F "\"key_id\":\"$2\"" "$HSM_DIR/audit.log" 2>/dev/null |
        grep -cF "\"decision\":\"$1\""
}
expect_answer() { # DESC ANSWER PATTERN
    case $2 in
    $3) hsm_pass "$1: $(printf '%s' "$2" | cut -c1-220)" ;;
    *) hsm_fail "$1: got \"$2\", expected $3" ;;
    esac
}

# The part after the key is set up: sign, take the key's device away
# (command in $take), sign twice more, check process and audit log.
run_gone() { # LABEL KEY_URI CADIR TAKE_AWAY_FUNCTION
    local label=$1 uri=$2 d=$3 take=$4 kid signed0 rc
    kid=$(hsm_key_id "$d/ca.pem")
    serve_start "$label" "smimepolicy:$uri" "$d/ok.pem" "$d/ca.pem"
    expect_answer "$label: signs while the device is there" "$(serve_sign)" \
        signed
    signed0=$(count signed "$kid")
    $take
    expect_answer "$label: device gone: signature refused" "$(serve_sign)" \
        "error:*failed to sign*"
    expect_answer "$label: device gone: still refused, process answers" \
        "$(serve_sign)" "error:*failed to sign*"
    [ "$(count signed "$kid")" = "$signed0" ] &&
        hsm_pass "$label: no signed record for the refused signatures" ||
        hsm_fail "$label: signed records: $(count signed "$kid"), expected $signed0"
    [ "$(count sign-failed "$kid")" = 2 ] &&
        hsm_pass "$label: 2 sign-failed records: $(grep -F "$kid" \
            "$HSM_DIR/audit.log" | grep -F sign-failed | tail -1 |
            sed 's/.*"reason":"\([^"]*\)".*/\1/' | cut -c1-200)" ||
        hsm_fail "$label: $(count sign-failed "$kid") sign-failed records, expected 2"
    if serve_stop; then
        hsm_pass "$label: the signer ends cleanly"
    else
        rc=$?
        hsm_fail "$label: the signer exited $rc: $(tail -3 "$HSM_DIR/$label.err")"
    fi
}

# ------------------------------------------------------------ swtpm
tpm_gone() { hsm_swtpm_stop; }
if [ $have_tpm = 1 ]; then
    hsm_swtpm_start
    d=$HSM_DIR/tpm-ec
    mkdir -p "$d"
    "$OPENSSL" genpkey -provider tpm2 -provider default -algorithm EC \
        -pkeyopt group:P-256 -out "$d/ec.tss2.pem" >"$d/genpkey.log" 2>&1 ||
        hsm_die "tpm2 EC key: $(cat "$d/genpkey.log")"
    hsm_tpm_flush
    "$OPENSSL" req -new -provider tpm2 -provider default \
        -key "$d/ec.tss2.pem" \
        -subj "/C=XX/O=smimepolicy test/CN=HSM tpm-ec Issuing CA" \
        -out "$d/ca.csr" >"$d/csr.log" 2>&1 ||
        hsm_die "tpm-ec CSR: $(cat "$d/csr.log")"
    hsm_tpm_flush
    hsm_issue_sub_ca "$d/ca.csr" "$d/ca.pem" tpm-ec
    hsm_ca_files "$d"
    hsm_write_ca_cnf "$d" "$d/ca.pem"
    hsm_policy_file "$HSM_DIR/policy-tpm.cnf" "$d/ca.pem"
    hsm_provider_cnf "$HSM_DIR/sp-tpm.cnf" "$HSM_DIR/policy-tpm.cnf" \
        "inner_providers = default, tpm2"
    export OPENSSL_CONF=$HSM_DIR/sp-tpm.cnf
    hsm_ca_issue ok "$d" smime_strict 365 "$HSM_DIR/alice.csr" \
        -keyfile "smimepolicy:file:$d/ec.tss2.pem"
    hsm_tpm_flush
    hsm_expect_issued "tpm-ec: certificate issued" "$d" ok \
        "$HSM_DIR/root/root.pem" "$d/ca.pem"
    run_gone tpm-ec "file:$d/ec.tss2.pem" "$d" tpm_gone
else
    hsm_log "SKIP part: swtpm or tpm2-openssl missing"
fi

# ------------------------------------------------------------ SoftHSM2
token_gone() { rm -rf "$HSM_DIR/tokens"; }
if [ $have_p11 = 1 ]; then
    TOKEN=sp-ca
    PIN=246810
    echo "$PIN" >"$HSM_DIR/pin.txt"
    hsm_softhsm_init "$TOKEN" "$PIN" 13579111
    hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
        --key-type EC:prime256v1 --id 02 --label ca-ec --usage-sign \
        >"$HSM_DIR/keygen-ec.log" 2>&1 || hsm_die "EC keypairgen"
    uri="pkcs11:token=$TOKEN;object=ca-ec;type=private"
    d=$HSM_DIR/p11-ec
    mkdir -p "$d"
    "$OPENSSL" req -new -engine pkcs11 -keyform engine -key "$uri" \
        -passin "file:$HSM_DIR/pin.txt" \
        -subj "/C=XX/O=smimepolicy test/CN=HSM p11-ec Issuing CA" \
        -out "$d/ca.csr" >"$d/csr.log" 2>&1 ||
        hsm_die "p11-ec CSR: $(cat "$d/csr.log")"
    hsm_issue_sub_ca "$d/ca.csr" "$d/ca.pem" p11-ec
    hsm_ca_files "$d"
    hsm_write_ca_cnf "$d" "$d/ca.pem"
    hsm_policy_file "$HSM_DIR/policy-p11.cnf" "$d/ca.pem"
    hsm_provider_cnf "$HSM_DIR/sp-p11.cnf" "$HSM_DIR/policy-p11.cnf" \
        "pkcs11_module = $HSM_P11_MODULE" \
        "pkcs11_pin_source = file:$HSM_DIR/pin.txt"
    export OPENSSL_CONF=$HSM_DIR/sp-p11.cnf
    hsm_ca_issue ok "$d" smime_strict 365 "$HSM_DIR/alice.csr" \
        -keyfile "smimepolicy:engine:$uri"
    hsm_expect_issued "p11-ec: certificate issued" "$d" ok \
        "$HSM_DIR/root/root.pem" "$d/ca.pem"
    run_gone p11-ec "engine:$uri" "$d" token_gone
else
    hsm_log "SKIP part: SoftHSM2 or libp11 missing"
fi

[ "$HSM_FAILED" = 0 ] && hsm_log "all checks passed"
