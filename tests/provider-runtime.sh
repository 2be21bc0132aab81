#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What a running signer does when its policy file or its audit log is
# changed, broken or removed under it (issue 6), driven through
# tests/provider-fault.c serve (one process signing on request):
#   - the policy is read once, when the provider is activated: a running
#     process keeps deciding with the policy it loaded, and its records
#     carry that policy's SHA-256; a new process reads the new file; a
#     removed or broken policy makes new processes sign nothing;
#   - the audit log's directory removed: every signature is refused with
#     the audit error until it is back; then the log is made again, with
#     a note that earlier records are missing; a log on /dev/full refuses
#     every signature.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

driver=$SP_BUILDDIR/tests/provider-fault
[ -x "$driver" ] || sp_die "$driver is not built"

sp_setup
sp_make_root
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key -subj "/CN=alice@example.com" \
    -out ee.csr
sp_make_ca p256 ca
sp_write_policy policy.cnf "$SP_WORK/ca.pem"
key="smimepolicy:file:$SP_WORK/ca.key"
mkdir logs
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" "$key" "$SP_WORK/ca.pem"
sed -i "s|^audit_log = .*|audit_log = $SP_WORK/logs/audit.log|" openssl.cnf
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_ca_db
sp_expect_ok "issue through the provider" good.pem ca -batch -config openssl.cnf \
    -in ee.csr -out good.pem
sp_ext_sections >ext.cnf
OPENSSL_CONF=/dev/null sp_ossl x509 -req -in ee.csr -CA ca.pem -CAkey ca.key \
    -days 365 -extfile ext.cnf -extensions bad_eku -out bad.pem
cp policy.cnf policy.orig

# Signer processes, named by a file descriptor (3..9): commands go to
# N.fifo through fd N, answers come back in N.out, stderr in N.err.
serve_start() { # N
    rm -f "$1.fifo" "$1.out" "$1.err"
    mkfifo "$1.fifo"
    "$driver" serve "$key" good.pem bad.pem ca.pem <"$1.fifo" >"$1.out" \
        2>"$1.err" &
    echo $! >"$1.pid"
    eval "exec $1>$1.fifo"
    echo 0 >"$1.seen"
    serve_answer "$1" >/dev/null
}
# serve_answer N: the next answer line of signer N (waits up to 20 s).
serve_answer() {
    i=0
    want=$(($(cat "$1.seen") + 1))
    while [ "$(wc -l <"$1.out")" -lt "$want" ] && [ $i -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    echo "$want" >"$1.seen"
    sed -n "${want}p" "$1.out"
}
serve_sign() { # N good|bad -> prints the answer
    echo "$2" >&"$1"
    serve_answer "$1"
}
serve_stop() { # N [EXPECTED_EXIT]
    echo quit >&"$1" 2>/dev/null
    eval "exec $1>&-"
    wait "$(cat "$1.pid")"
    rc=$?
    [ "$rc" -eq "${2:-0}" ] || sp_fail "signer $1 exited $rc"
    rm -f "$1.pid"
}
sp_runtime_cleanup() {
    rc=$?
    for f in "$SP_WORK"/*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    # sp_cleanup exits with the status it finds in $?.
    (exit $rc)
    sp_cleanup
}
trap sp_runtime_cleanup EXIT
# A signer that could not start has closed its end of the fifo.
trap '' PIPE

# expect NAME ANSWER PATTERN
expect() {
    case $2 in
    $3) sp_pass "$1: $(printf '%s' "$2" | cut -c1-200)" ;;
    *) sp_fail "$1: got \"$2\", expected $3" ;;
    esac
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
# last_policy_hash DECISION: policy_sha256 of the last such record
last_policy_hash() {
    grep "\"decision\":\"$1\"" logs/audit.log | tail -1 \
        | sed 's/.*"policy_sha256":"\([0-9a-f]*\)".*/\1/'
}

# ---------------------------------------------------------- policy file
h1=$(sha policy.cnf)
serve_start 3
expect "running signer, policy as loaded" "$(serve_sign 3 good)" signed
[ "$(last_policy_hash signed)" = "$h1" ] \
    && sp_pass "its record carries the loaded policy's SHA-256" \
    || sp_fail "record policy_sha256 $(last_policy_hash signed), expected $h1"

# The policy is changed: mailbox certificates are no longer allowed.
printf '\n[smimepolicy]\nprofiles = organization_strict\n' >>policy.cnf
h2=$(sha policy.cnf)
expect "running signer after the policy changed (keeps its policy)" \
    "$(serve_sign 3 good)" signed
[ "$(last_policy_hash signed)" = "$h1" ] \
    && sp_pass "and records the policy it decided with" \
    || sp_fail "after the change: policy_sha256 $(last_policy_hash signed)"
expect "running signer still refuses what it refused" "$(serve_sign 3 bad)" \
    "error:*signing refused by policy*"
serve_start 4
expect "new signer reads the changed policy" "$(serve_sign 4 good)" \
    "error:*signing refused by policy*"
[ "$(last_policy_hash refused)" = "$h2" ] \
    && sp_pass "its refusal records the new policy's SHA-256" \
    || sp_fail "new signer: policy_sha256 $(last_policy_hash refused), expected $h2"
serve_stop 4

# Removed, then broken: a new process has no provider and signs nothing.
for how in removed broken; do
    if [ $how = removed ]; then
        rm policy.cnf
    else
        printf '[smimepolicy\nprofiles = \n' >policy.cnf
    fi
    serve_start 5
    expect "new signer with the policy $how signs nothing" "$(cat 5.out)" \
        "error: cannot load the key*"
    grep -q "provider not activated.*policy" 5.err \
        && sp_pass "and says why: $(head -1 5.err | cut -c1-160)" \
        || { sp_fail "policy $how: no activation error"; cat 5.err >&2; }
    serve_stop 5 1
    expect "the running signer goes on with what it loaded ($how)" \
        "$(serve_sign 3 good)" signed
done
cp policy.orig policy.cnf

# ------------------------------------------------------------ audit log
# Moved away (as logrotate does): the next record makes a new file.
n_signed=$(grep -c '"decision":"signed"' logs/audit.log)
mv logs/audit.log logs/audit.log.1
expect "audit log rotated: signs" "$(serve_sign 3 good)" signed
[ "$(grep -c '"decision":"signed"' logs/audit.log.1)" -eq "$n_signed" ] \
    && [ "$(wc -l <logs/audit.log)" -eq 1 ] \
    && sp_pass "the record went to a new file at the configured path" \
    || sp_fail "rotation: records in the wrong file"
# Removed with its directory.
rm -rf logs
expect "audit directory removed: signature refused" "$(serve_sign 3 good)" \
    "error:*audit record could not be written*logs/audit.log*No such file*"
expect "audit directory removed: refusal still refused" "$(serve_sign 3 bad)" \
    "error:*signing refused by policy*"
mkdir logs
expect "audit directory back: signs again" "$(serve_sign 3 good)" signed
if [ "$(wc -l <logs/audit.log)" -eq 2 ] \
    && head -1 logs/audit.log | grep -q '"decision":"audit-log-removed"' \
    && tail -1 logs/audit.log | grep -q '"decision":"signed"'; then
    sp_pass "the new log: the audit-log-removed note, then the one signature"
else
    sp_fail "new log after removal:"
    cat logs/audit.log >&2
fi
serve_stop 3

# A log on /dev/full: activation succeeds (it opens), every signature is
# refused because no record can be written.
sed "s|^audit_log = .*|audit_log = /dev/full|" openssl.cnf >full.cnf
OPENSSL_CONF=$SP_WORK/full.cnf
serve_start 6
expect "audit log on /dev/full: signature refused" "$(serve_sign 6 good)" \
    "error:*audit record could not be written*/dev/full*No space left*"
serve_stop 6
OPENSSL_CONF=$SP_WORK/openssl.cnf

sp_finish
