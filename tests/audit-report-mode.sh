#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Report mode end to end, with the real `openssl ca` through the provider:
# a profile in report mode signs a non-compliant request and the audit log
# records "would-refuse" with its findings; an exception waives a finding
# and the record names it; `smimepolicy audit --log` summarises the log
# (decisions by profile and finding, exceptions used, refusals per day)
# and names malformed lines; `smimepolicy audit` of the database that
# `openssl ca` wrote reports the same verdicts as `smimepolicy check`.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

SP=$SP_BUILDDIR/smimepolicy

sp_setup
sp_make_root
sp_make_ca p256 ca
sp_genkey p256 ee.key
OPENSSL_CONF=/dev/null sp_ossl req -new -key ee.key \
    -subj "/CN=alice@example.com" -out ee.csr

# mailbox_strict in report mode; an exception lets validity.too_long pass
sp_write_policy policy.cnf "$SP_WORK/ca.pem" mode=report
sed -i '/^\[mailbox_strict\]/a exceptions = long_ok' policy.cnf
cat >>policy.cnf <<'EOF'

[long_ok]
code = validity.too_long
owner = pki-team@example.com
reason = CHG-77 two-year certificates for the board
expires = 2099-01-01
EOF
sp_write_openssl_cnf openssl.cnf "$SP_WORK/policy.cnf" \
    "smimepolicy:file:$SP_WORK/ca.key" "$SP_WORK/ca.pem"
OPENSSL_CONF=$SP_WORK/openssl.cnf
export OPENSSL_CONF
sp_ca_db

sp_expect_ok "report mode: compliant" good.pem ca -batch -config openssl.cnf \
    -in ee.csr -out good.pem
sp_expect_ok "report mode: forbidden EKU is signed" bad.pem ca -batch \
    -config openssl.cnf -in ee.csr -extensions bad_eku -out bad.pem
sp_expect_ok "exception: 900 days is signed" long.pem ca -batch \
    -config openssl.cnf -in ee.csr -days 900 -out long.pem
[ "$(wc -l <db/index.txt)" -eq 3 ] || sp_fail "index.txt does not hold 3 entries"

# the log: one would-refuse with its finding, one waived finding
[ "$(sp_audit_count would-refuse)" -eq 1 ] \
    && grep '"decision":"would-refuse"' audit.log \
    | grep -q '"mode":"report".*"code":"eku.forbidden","severity":"error","section":"7.1.2.3(f)"' \
    && sp_pass "audit log: would-refuse with eku.forbidden" \
    || sp_fail "audit log lacks the would-refuse record with its finding"
grep '"code":"validity.too_long"' audit.log \
    | grep -q '"waived":true,"exception":"long_ok","owner":"pki-team@example.com"' \
    && sp_pass "audit log: the waived finding names its exception" \
    || sp_fail "audit log does not name the exception of a waived finding"

# the summary
unset OPENSSL_CONF
today=$(date -u +%Y-%m-%d)
"$SP" audit --log audit.log >sum.txt 2>err.txt
rc=$?
[ "$rc" -eq 1 ] || sp_fail "audit --log exited $rc, not 1 (a would-refuse)"
grep -q "^decisions: 2 signed, 0 refused, 1 would-refuse, 0 other" sum.txt \
    && sp_pass "audit --log: decisions" || sp_fail "audit --log decisions wrong"
grep -Eq "^  mailbox-strict +2 +0 +1 +0" sum.txt \
    && sp_pass "audit --log: by profile" || sp_fail "audit --log by profile wrong"
grep -Eq "^  eku.forbidden +0 +0 +1 +0 +0" sum.txt \
    && grep -Eq "^  validity.too_long +1 +0 +0 +0 +1" sum.txt \
    && sp_pass "audit --log: by finding code, with waived" \
    || sp_fail "audit --log by finding wrong"
grep -Eq "^  long_ok +1 +0 +0 +0" sum.txt \
    && sp_pass "audit --log: exceptions used" || sp_fail "exceptions used wrong"
grep -Eq "^  $today +2 +0 +1 +0" sum.txt \
    && sp_pass "audit --log: decisions by day" || sp_fail "by day wrong"
"$SP" audit --log audit.log --format json >sum.json
grep -q '"decisions":{"signed":2,"refused":0,"would_refuse":1,"other":0}' \
    sum.json && grep -q "{\"name\":\"$today\",\"signed\":2,\"refused\":0,\"would_refuse\":1,\"other\":0}" sum.json \
    && sp_pass "audit --log --format json" || sp_fail "audit --log json wrong"

# malformed lines are named with their line number
cp audit.log broken.log
echo 'not json' >>broken.log
head -n 1 audit.log | cut -c 1-80 >>broken.log
"$SP" audit --log broken.log >sum2.txt 2>err.txt
rc=$?
[ "$rc" -eq 2 ] && grep -q "broken.log:4: malformed record" err.txt \
    && grep -q "broken.log:5: malformed record" err.txt \
    && grep -q "3 records, 2 malformed lines" sum2.txt \
    && sp_pass "malformed log lines named, exit 2" \
    || sp_fail "malformed log lines not reported (exit $rc)"
"$SP" audit --log nosuch.log >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -q "nosuch.log: No such file" err.txt \
    || sp_fail "missing log not an input error"

# the database openssl ca wrote, audited as check judges it
"$SP" audit --policy policy.cnf --db db/index.txt --certs db/newcerts \
    --all --format json >db.json
rc=$?
[ "$rc" -eq 1 ] || sp_fail "audit of the openssl ca database exited $rc"
grep -q '"totals":{"judged":3,"accept":2,"refuse":0,"would_refuse":1,"non_compliant":1,"input_errors":0' \
    db.json && sp_pass "openssl ca database: 2 accept, 1 would-refuse" \
    || sp_fail "openssl ca database totals wrong"
grep '^{"file":.*"kind":' db.json | sed 's/,$//; s/\(,"findings_dropped":[0-9]*\),"serial":.*$/\1}/' \
    | sort >db.lines
# shellcheck disable=SC2046
"$SP" check --policy policy.cnf --format json \
    $(cut -f4 db/index.txt | sed 's|.*|db/newcerts/&.pem|') | sort >check.lines
cmp -s db.lines check.lines && [ "$(wc -l <db.lines)" -eq 3 ] \
    && sp_pass "openssl ca database: audit equals check per certificate" \
    || sp_fail "openssl ca database: audit differs from check"
grep -q '"waived_by":"long_ok"' db.json && grep -q '"name":"long_ok".*"used":1' db.json \
    && sp_pass "the audit counts the exception's use" \
    || sp_fail "the audit does not count the exception's use"
# --sample 3% of the 3 certificates openssl ca wrote: one, the same twice
for run in 1 2; do
    "$SP" audit --policy policy.cnf --db db/index.txt --certs db/newcerts \
        --sample 3% --seed 11 --all --format json \
        | grep -o '^{"file":"[^"]*","index":0,"kind"' >"pick$run.txt"
done
[ "$(wc -l <pick1.txt)" -eq 1 ] && cmp -s pick1.txt pick2.txt \
    && sp_pass "openssl ca database: --sample 3% picks the same one twice" \
    || sp_fail "openssl ca database: sample not one reproducible certificate"

sp_finish
