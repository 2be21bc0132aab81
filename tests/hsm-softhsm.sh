#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# CA keys generated inside a SoftHSM2 token (RSA-2048 and P-256), never
# extractable, used by `openssl ca` through smimepolicy and the libp11
# engine (smimepolicy:engine:pkcs11:<uri>): a compliant S/MIME certificate
# is issued and verifies, non-compliant ones are refused, a wrong PIN signs
# nothing.
#
# HSM_DIRECT=1 runs the same issuance straight through the engine, with no
# policy (for timing the bare path); the refusal checks are skipped then.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/hsm-lib.sh"

hsm_require softhsm2-util pkcs11-tool "$OPENSSL"
HSM_P11_MODULE=$(hsm_softhsm_module) || {
    hsm_log "SKIP: libsofthsm2.so not installed"
    exit 77
}
ENGINESDIR=$("$OPENSSL" version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
hsm_require_file "${OPENSSL_ENGINES:-$ENGINESDIR}/pkcs11.so" \
    libengine-pkcs11-openssl

hsm_tmpdir

TOKEN=sp-ca
PIN=246810
echo "$PIN" >"$HSM_DIR/pin.txt"
echo 999999 >"$HSM_DIR/wrong-pin.txt"
hsm_softhsm_init "$TOKEN" "$PIN" 13579111

# ------------------------------------------------------------ keys
# Generated inside the token: sensitive, never extractable.
hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
    --key-type rsa:2048 --id 01 --label ca-rsa --usage-sign \
    >"$HSM_DIR/keygen-rsa.log" 2>&1 || hsm_die "RSA keypairgen"
hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
    --key-type EC:prime256v1 --id 02 --label ca-ec --usage-sign \
    >"$HSM_DIR/keygen-ec.log" 2>&1 || hsm_die "EC keypairgen"

# The URI names the private key only; the PIN comes from the provider's
# pkcs11_pin_source, never from the URI or the command line.
uri_of() { echo "pkcs11:token=$TOKEN;object=$1;type=private"; }

# The key as `openssl ca` reaches it. With the provider the -keyfile URI is
# all there is; without it (HSM_DIRECT) the engine is named directly.
key_args() {
    if [ "${HSM_DIRECT:-0}" = 1 ]; then
        echo "-engine pkcs11 -keyform engine -keyfile $(uri_of "$1") -passin file:$HSM_DIR/pin.txt"
    else
        echo "-keyfile smimepolicy:engine:$(uri_of "$1")"
    fi
}

# The check below must be able to fail: a key made extractable on purpose
# is reported as such.
hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
    --key-type EC:prime256v1 --id 09 --label probe-extractable --usage-sign \
    --extractable >"$HSM_DIR/keygen-probe.log" 2>&1 ||
    hsm_die "probe keypairgen"
access=$(hsm_p11_access "$TOKEN" "$PIN" probe-extractable)
if [ -n "$access" ] && ! hsm_p11_locked "$access"; then
    hsm_pass "control: an extractable key is recognised ($access)"
else
    hsm_fail "control: extractable key reported as '$access'"
fi

for label in ca-rsa ca-ec; do
    access=$(hsm_p11_access "$TOKEN" "$PIN" "$label")
    if hsm_p11_locked "$access"; then
        hsm_pass "$label: $access"
    else
        hsm_fail "$label can leave the token: '$access'"
    fi
    # Export through the engine (the only software path to the key) yields
    # nothing that signs for the CA key.
    hsm_p11 --token-label "$TOKEN" --read-object --type pubkey \
        --label "$label" -o "$HSM_DIR/$label.pub.der" >/dev/null 2>&1
    "$OPENSSL" pkey -pubin -inform DER -in "$HSM_DIR/$label.pub.der" \
        -out "$HSM_DIR/$label.pub.pem" 2>/dev/null ||
        hsm_die "$label: cannot read the public key from the token"
    "$OPENSSL" pkey -engine pkcs11 -inform engine -in "$(uri_of $label)" \
        -passin "file:$HSM_DIR/pin.txt" -out "$HSM_DIR/$label.export" \
        >"$HSM_DIR/$label.export.err" 2>&1
    if hsm_export_is_useless "$HSM_DIR/$label.export" \
        "$HSM_DIR/$label.pub.pem"; then
        hsm_pass "$label: no usable private key leaves the token"
    else
        hsm_fail "$label: exported private key signs for the CA key"
    fi
done

# ------------------------------------------------------------ PKI
hsm_make_root
for label in ca-rsa ca-ec; do
    d=$HSM_DIR/$label
    mkdir -p "$d"
    # The issuing CA's own request is signed by the token key directly:
    # this is setup, done by whoever holds the PIN.
    "$OPENSSL" req -new -engine pkcs11 -keyform engine \
        -key "$(uri_of $label)" -passin "file:$HSM_DIR/pin.txt" \
        -subj "/C=XX/O=smimepolicy test/CN=HSM $label Issuing CA" \
        -out "$d/ca.csr" >"$d/csr.log" 2>&1 ||
        hsm_die "$label CSR: $(cat "$d/csr.log")"
    hsm_issue_sub_ca "$d/ca.csr" "$d/ca.pem" "$label"
    # The certificate carries the token's public key.
    "$OPENSSL" pkey -pubin -in "$HSM_DIR/$label.pub.pem" -outform DER \
        -out "$d/token-pub.der" 2>/dev/null
    "$OPENSSL" x509 -in "$d/ca.pem" -noout -pubkey |
        "$OPENSSL" pkey -pubin -outform DER -out "$d/cert-pub.der" 2>/dev/null
    if [ -s "$d/cert-pub.der" ] && cmp -s "$d/token-pub.der" "$d/cert-pub.der"
    then
        hsm_pass "$label: CA certificate holds the token key"
    else
        hsm_fail "$label: CA certificate key differs from the token key"
    fi
    hsm_ca_files "$d"
    hsm_write_ca_cnf "$d" "$d/ca.pem"
    hsm_write_ca_cnf "$d" "$d/ca.pem" "smimepolicy:engine:$(uri_of $label)"
done

hsm_policy_file "$HSM_DIR/policy.cnf" "$HSM_DIR/ca-rsa/ca.pem" \
    "$HSM_DIR/ca-ec/ca.pem"
hsm_provider_cnf "$HSM_DIR/sp.cnf" "$HSM_DIR/policy.cnf" \
    "pkcs11_module = $HSM_P11_MODULE" \
    "pkcs11_pin_source = file:$HSM_DIR/pin.txt"
hsm_provider_cnf "$HSM_DIR/sp-no-pin.cnf" "$HSM_DIR/policy.cnf" \
    "pkcs11_module = $HSM_P11_MODULE"
hsm_provider_cnf "$HSM_DIR/sp-wrong-pin.cnf" "$HSM_DIR/policy.cnf" \
    "pkcs11_module = $HSM_P11_MODULE" \
    "pkcs11_pin_source = file:$HSM_DIR/wrong-pin.txt"
if [ "${HSM_DIRECT:-0}" = 1 ]; then
    export OPENSSL_CONF=/dev/null
else
    export OPENSSL_CONF=$HSM_DIR/sp.cnf
fi

hsm_subscriber_csr "$HSM_DIR/alice.csr"
ROUNDS=${HSM_ROUNDS:-3}

for label in ca-rsa ca-ec; do
    d=$HSM_DIR/$label
    # shellcheck disable=SC2046 # key_args is a word list
    set -- $(key_args $label)

    # Compliant: issued, verifies to the root, one new database line.
    times=
    for i in $(seq 1 "$ROUNDS"); do
        t0=$(hsm_now_ms)
        hsm_ca_issue "ok$i" "$d" smime_strict 365 "$HSM_DIR/alice.csr" "$@"
        t1=$(hsm_now_ms)
        times="$times $((t1 - t0))"
        hsm_expect_issued "$label compliant #$i" "$d" "ok$i" \
            "$HSM_DIR/root/root.pem" "$d/ca.pem"
    done
    lines=$(wc -l <"$d/index.txt")
    [ "$lines" = "$ROUNDS" ] ||
        hsm_fail "$label: index.txt has $lines lines, expected $ROUNDS"
    hsm_log "timing: $label openssl ca issuance ms:$times"

    [ "${HSM_DIRECT:-0}" = 1 ] && continue

    # Non-compliant: refused, nothing written, database untouched.
    before=$(cksum <"$d/index.txt")
    hsm_ca_issue too-long "$d" smime_strict 1000 "$HSM_DIR/alice.csr" "$@"
    hsm_expect_refused "$label validity 1000 days" "$d" too-long \
        "smimepolicy.*(validity|825)"
    hsm_ca_issue server-auth "$d" smime_server_auth 365 \
        "$HSM_DIR/alice.csr" "$@"
    hsm_expect_refused "$label serverAuth EKU" "$d" server-auth \
        "smimepolicy.*(serverAuth|1\.3\.6\.1\.5\.5\.7\.3\.1|eku)"
    [ "$(cksum <"$d/index.txt")" = "$before" ] ||
        hsm_fail "$label: index.txt changed by a refused request"
    # The same key named in the CA section (private_key =) instead of
    # on the command line.
    HSM_CA_CNF=$d/ca-private-key.cnf hsm_ca_issue cnf-ok "$d" smime_strict \
        365 "$HSM_DIR/alice.csr"
    hsm_expect_issued "$label private_key = in the CA section" "$d" cnf-ok \
        "$HSM_DIR/root/root.pem" "$d/ca.pem"
    HSM_CA_CNF=$d/ca-private-key.cnf hsm_ca_issue cnf-bad "$d" \
        smime_server_auth 365 "$HSM_DIR/alice.csr"
    hsm_expect_refused "$label private_key =, serverAuth EKU" "$d" cnf-bad \
        "smimepolicy.*eku"
    if [ $label = ca-rsa ]; then
        # RSASSA-PSS in the token: salt of the digest length is the SBR
        # encoding; any other salt is refused before the token signs.
        hsm_ca_issue pss "$d" smime_strict 365 "$HSM_DIR/alice.csr" "$@" \
            -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
        hsm_expect_issued "$label RSA-PSS" "$d" pss "$HSM_DIR/root/root.pem" \
            "$d/ca.pem"
        "$OPENSSL" x509 -in "$d/pss.pem" -noout -text 2>/dev/null |
            grep -q 'Signature Algorithm: rsassaPss' ||
            hsm_fail "$label RSA-PSS: certificate not signed with PSS"
        hsm_ca_issue pss-salt20 "$d" smime_strict 365 "$HSM_DIR/alice.csr" \
            "$@" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20
        hsm_expect_refused "$label RSA-PSS salt 20" "$d" pss-salt20 \
            "smimepolicy.*salt of the digest length"
    fi
    # CRLs: within the SBR's 10 days signed, beyond refused.
    hsm_gencrl crl "$d" 7 "$@"
    hsm_expect_crl "$label CRL, 7 days" "$d" crl
    hsm_gencrl crl-30 "$d" 30 "$@"
    hsm_expect_refused "$label CRL, 30 days" "$d" crl-30 \
        "smimepolicy.*crl.next_update_too_far"
    # One audit record per decision, naming the HSM key.
    keyid=$(hsm_key_id "$d/ca.pem")
    pss=0
    [ $label = ca-rsa ] && pss=1
    hsm_expect_audit "$label" signed "$keyid" $((ROUNDS + 2 + pss))
    hsm_expect_audit "$label" refused "$keyid" 4

    # A wrong PIN loads no key and signs nothing.
    before=$(cksum <"$d/index.txt")
    OPENSSL_CONF=$HSM_DIR/sp-wrong-pin.cnf hsm_ca_issue wrong-pin "$d" \
        smime_strict 365 "$HSM_DIR/alice.csr" "$@"
    hsm_expect_refused "$label wrong PIN" "$d" wrong-pin "PIN incorrect"
    # No PIN source: the token is not asked, nothing is signed.
    OPENSSL_CONF=$HSM_DIR/sp-no-pin.cnf hsm_ca_issue no-pin "$d" \
        smime_strict 365 "$HSM_DIR/alice.csr" "$@"
    hsm_expect_refused "$label no PIN source" "$d" no-pin \
        "smimepolicy.*no PIN source configured"
    # A PIN in the key URI is refused, and smimepolicy's own messages do
    # not repeat it (openssl ca itself echoes its -keyfile argument).
    hsm_ca_issue pin-in-uri "$d" smime_strict 365 "$HSM_DIR/alice.csr" \
        -keyfile "smimepolicy:engine:$(uri_of $label);pin-value=$PIN"
    hsm_expect_refused "$label PIN in the URI" "$d" pin-in-uri \
        "smimepolicy.*carries pin-value"
    if grep -E ':smimepolicy:[a-z_]+:' "$d/pin-in-uri.err" | grep -q "$PIN"
    then
        hsm_fail "$label: smimepolicy's error repeats the PIN"
    fi
    [ "$(cksum <"$d/index.txt")" = "$before" ] ||
        hsm_fail "$label: index.txt changed by a run without a usable key"
done

exit 0
