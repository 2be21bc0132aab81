#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# provider/engine_key.c against a real SoftHSM2 token through the libp11
# engine, driven by tests/hsm-engine-key: loading with each PIN source,
# signing with RSA PKCS#1 v1.5, RSA-PSS and ECDSA from several threads at
# once (every signature verified), the AlgorithmIdentifier bytes, export
# attempts, and every load error with its message. The PIN never appears
# in any output.
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
DRIVER=$SP_BUILDDIR/tests/hsm-engine-key
[ -x "$DRIVER" ] || hsm_die "$DRIVER not built (make tests/hsm-engine-key)"

hsm_tmpdir

TOKEN=sp-engine
PIN=735911
hsm_softhsm_init "$TOKEN" "$PIN" 86420864
hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
    --key-type rsa:2048 --id 01 --label rsa --usage-sign >/dev/null 2>&1 ||
    hsm_die "RSA keypairgen"
hsm_p11 --token-label "$TOKEN" --login --pin "$PIN" --keypairgen \
    --key-type EC:prime256v1 --id 02 --label ec --usage-sign >/dev/null 2>&1 ||
    hsm_die "EC keypairgen"

RSA="pkcs11:token=$TOKEN;object=rsa;type=private"
EC="pkcs11:token=$TOKEN;object=ec;type=private"
printf '%s\n' "$PIN" >"$HSM_DIR/pin"
printf '%s\r\n' "$PIN" >"$HSM_DIR/pin-crlf"
printf '%s' "$PIN" >"$HSM_DIR/pin-noeol"
: >"$HSM_DIR/pin-empty"
echo 111111 >"$HSM_DIR/pin-wrong"
export SP_TEST_PIN=$PIN

n=0
# run NAME EXPECTED-EXIT STDOUT-REGEX STDERR-REGEX ARGS...
run() {
    local name=$1 want=$2 out_re=$3 err_re=$4 rc
    shift 4
    n=$((n + 1))
    "$DRIVER" "$@" >"$HSM_DIR/$n.out" 2>"$HSM_DIR/$n.err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        hsm_fail "$name: exit $rc, expected $want: $(cat "$HSM_DIR/$n.err")"
        return
    fi
    if [ -n "$out_re" ] && ! grep -Eq "$out_re" "$HSM_DIR/$n.out"; then
        hsm_fail "$name: stdout lacks /$out_re/: $(cat "$HSM_DIR/$n.out")"
        return
    fi
    if [ -n "$err_re" ] && ! grep -Eq "$err_re" "$HSM_DIR/$n.err"; then
        hsm_fail "$name: stderr lacks /$err_re/: $(cat "$HSM_DIR/$n.err")"
        return
    fi
    if grep -q "$PIN" "$HSM_DIR/$n.out" "$HSM_DIR/$n.err"; then
        hsm_fail "$name: the PIN appears in the output"
        return
    fi
    hsm_pass "$name"
}

# ------------------------------------------------------------ loading
run "RSA, libp11 default module (p11-kit-proxy), PIN file" 0 \
    '^loaded RSA 2048$' '' load "$RSA" - "file:$HSM_DIR/pin"
run "EC, explicit module, PIN from the environment" 0 \
    '^loaded EC 256$' '' load "$EC" "$HSM_P11_MODULE" env:SP_TEST_PIN
run "PIN file with CRLF" 0 '^loaded RSA' '' \
    load "$RSA" - "file:$HSM_DIR/pin-crlf"
run "PIN file without line end" 0 '^loaded RSA' '' \
    load "$RSA" - "file:$HSM_DIR/pin-noeol"

# ------------------------------------------------------------ signing
# AlgorithmIdentifiers as RFC 4055 / RFC 5758 encode them.
AID_RSA256=300d06092a864886f70d01010b0500
AID_RSA512=300d06092a864886f70d01010d0500
AID_PSS384=304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130
AID_ES256=300a06082a8648ce3d040302
AID_ES384=300a06082a8648ce3d040303
run "RSA SHA-256 PKCS#1 v1.5, 4 threads" 0 \
    "^aid $AID_RSA256\$" '' sign "$RSA" - "file:$HSM_DIR/pin" SHA256 pkcs1 4
grep -q '^verified 32$' "$HSM_DIR/$n.out" || hsm_fail "RSA: not 32 verified"
run "RSA SHA-512 PKCS#1 v1.5" 0 "^aid $AID_RSA512\$" '' \
    sign "$RSA" - "file:$HSM_DIR/pin" SHA512 pkcs1 1
run "RSA-PSS SHA-384, 4 threads" 0 "^aid $AID_PSS384\$" '' \
    sign "$RSA" - "file:$HSM_DIR/pin" SHA384 pss 4
grep -q '^verified 32$' "$HSM_DIR/$n.out" || hsm_fail "PSS: not 32 verified"
run "ECDSA SHA-256, 8 threads" 0 "^aid $AID_ES256\$" '' \
    sign "$EC" - "file:$HSM_DIR/pin" SHA256 pkcs1 8
grep -q '^verified 64$' "$HSM_DIR/$n.out" || hsm_fail "EC: not 64 verified"
run "ECDSA SHA-384" 0 "^aid $AID_ES384\$" '' \
    sign "$EC" - "file:$HSM_DIR/pin" SHA384 pkcs1 1
run "PSS with an EC key" 1 '' 'PSS padding needs an RSA key' \
    sign "$EC" - "file:$HSM_DIR/pin" SHA256 pss 1
run "unknown digest" 1 '' 'unknown digest NOSUCHMD' \
    sign "$RSA" - "file:$HSM_DIR/pin" NOSUCHMD pkcs1 1

# ------------------------------------------------------------ export
run "RSA private key export" 0 '^export refused$' '' \
    export "$RSA" - "file:$HSM_DIR/pin"
run "EC private key export" 0 '^export (refused|holds no usable private key)$' \
    '' export "$EC" - "file:$HSM_DIR/pin"

# ------------------------------------------------------------ load errors
run "wrong PIN" 1 '' 'load failed: .*PIN incorrect' \
    load "$RSA" - "file:$HSM_DIR/pin-wrong"
run "no PIN source: no prompt, no login" 1 '' \
    'no PIN source configured' load "$RSA" - -
run "PIN in the URI is refused" 1 '' 'carries pin-value or pin-source' \
    load "$RSA;pin-value=$PIN" - -
run "pin-source in the URI is refused" 1 '' \
    'carries pin-value or pin-source' \
    load "pkcs11:token=$TOKEN;object=rsa?pin-source=file:$HSM_DIR/pin" - -
run "not a pkcs11: URI" 1 '' 'must start with "pkcs11:"' \
    load "file:$HSM_DIR/pin" - "file:$HSM_DIR/pin"
run "no such object" 1 '' 'cannot load private key .*object=nosuch' \
    load "pkcs11:token=$TOKEN;object=nosuch;type=private" - \
    "file:$HSM_DIR/pin"
run "no such token" 1 '' 'cannot load private key' \
    load "pkcs11:token=nosuch;object=rsa;type=private" - "file:$HSM_DIR/pin"
run "PIN file missing" 1 '' 'cannot open: No such file' \
    load "$RSA" - "file:$HSM_DIR/absent"
run "PIN file empty" 1 '' 'file is empty' \
    load "$RSA" - "file:$HSM_DIR/pin-empty"
run "PIN variable unset" 1 '' 'SP_TEST_UNSET is not set' \
    load "$RSA" - env:SP_TEST_UNSET
run "PIN source scheme unknown (not echoed)" 1 '' \
    'neither file:PATH nor env:NAME' load "$RSA" - "pass:$PIN"
run "second key, same module, same process" 0 '^reloaded$' '' \
    reload "$RSA" "$HSM_P11_MODULE" "file:$HSM_DIR/pin" "$HSM_P11_MODULE"
run "second key, other module, same process" 1 '' \
    'reload failed: .*already uses' \
    reload "$RSA" "$HSM_P11_MODULE" "file:$HSM_DIR/pin" -
run "a failed first load does not pin its module" 0 '^reloaded$' \
    'load failed: .*Unable to load PKCS#11 module' \
    reload "$RSA" "$HSM_DIR/no-such-module.so" "file:$HSM_DIR/pin" \
    "$HSM_P11_MODULE"
run "PKCS#11 module missing" 1 '' 'cannot load private key' \
    load "$RSA" "$HSM_DIR/no-such-module.so" "file:$HSM_DIR/pin"

# ------------------------------------------------------------ memory
# No invalid access and no definite leak on the success, error and export
# paths. (The SoftHSM2 module is named directly: p11-kit-proxy itself
# leaks a few bytes when it initialises.)
# (A sanitizer build, SP_SANITIZED=1 from scripts/hardening.sh, cannot
# run under valgrind; its own checks take the place of these.)
if [ -n "${SP_SANITIZED:-}" ]; then
    hsm_log "sanitizer build: valgrind checks left to the plain build"
elif command -v valgrind >/dev/null 2>&1; then
    # libp11 allocates its RSA/EC/EVP_PKEY method tables when the engine
    # binds and frees them only after a key was used; a failed load leaves
    # them to the process. Those allocations are libp11's, not ours.
    cat >"$HSM_DIR/libp11.supp" <<'EOF'
{
   libp11-rsa-method
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   ...
   fun:RSA_meth_dup
   ...
   fun:ENGINE_by_id
}
{
   libp11-ec-key-method
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   ...
   fun:EC_KEY_METHOD_new
   ...
   fun:ENGINE_by_id
}
{
   libp11-pkey-methods
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   ...
   fun:EVP_PKEY_meth_new
   ...
   fun:ENGINE_remove
}
EOF
    vg() {
        local name=$1 rc
        shift
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$HSM_DIR/libp11.supp" \
            --errors-for-leak-kinds=definite "$DRIVER" "$@" \
            >"$HSM_DIR/vg.out" 2>"$HSM_DIR/vg.err"
        rc=$?
        if [ $rc = 99 ] || grep -q '^==[0-9]*==' "$HSM_DIR/vg.err"; then
            hsm_fail "valgrind, $name: $(grep '^==' "$HSM_DIR/vg.err" | head -20)"
        else
            hsm_pass "valgrind, $name: clean (exit $rc)"
        fi
    }
    vg "RSA-PSS from 2 threads" sign "$RSA" "$HSM_P11_MODULE" \
        "file:$HSM_DIR/pin" SHA256 pss 2
    vg "ECDSA export attempt" export "$EC" "$HSM_P11_MODULE" \
        "file:$HSM_DIR/pin"
    vg "wrong PIN" load "$RSA" "$HSM_P11_MODULE" "file:$HSM_DIR/pin-wrong"
    vg "PIN in the URI" load "$RSA;pin-value=$PIN" "$HSM_P11_MODULE" -
else
    hsm_log "valgrind not installed: memory checks not run"
fi

exit 0
