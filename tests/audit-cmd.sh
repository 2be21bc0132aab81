#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# smimepolicy audit on a generated `openssl ca` database of 10,000
# certificates (tests/gen-ca-db): --sample 3% --seed 1 picks the same 300
# certificates every time and another seed another set; a full scan
# reports for every certificate exactly what `smimepolicy check --format
# json` reports; totals, sub-CAs, exceptions and the notBefore period are
# right; malformed index lines, a missing certificate file, truncated PEM
# and a serial that differs from the index are clear input errors; file
# arguments and bundles give the same sample in any order; `smimepolicy
# exceptions` warns ahead of expiry.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

SP=$SP_BUILDDIR/smimepolicy
GEN=$SP_BUILDDIR/tests/gen-ca-db
[ -x "$GEN" ] || sp_die "no $GEN (make tests/gen-ca-db)"

# Thousands of small files: on tmpfs when TMPDIR is not set, since removing
# them from a disk mounted with `discard` takes longer than the test.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi
sp_setup
"$GEN" --seed 7 db 10000 || sp_die "gen-ca-db failed"

# The shipped SBR policy for the generated CA, with an exception for
# mailbox-strict that expires in 10 days (inside the 30-day window).
soon=$(date -u -d '+10 days' +%Y-%m-%d)
sp_write_policy policy.cnf "$SP_WORK/db/ca.pem"
sed -i '/^\[mailbox_strict\]/a exceptions = waive_aia' policy.cnf
cat >>policy.cnf <<EOF

[waive_aia]
code = aia.missing
owner = pki-team@example.com
reason = CHG-1234 AIA responder migration
expires = $soon
EOF

audit() {
    "$SP" audit --policy policy.cnf --db db/index.txt --certs db/newcerts \
        --no-progress "$@"
}
# certificate objects of a JSON report, one per line, without the fields
# the audit adds after check's object
cert_lines() {
    grep '^{"file":.*,"index":[0-9]*,"kind":' "$1" \
        | sed 's/,$//; s/\(,"findings_dropped":[0-9]*\),"serial":.*$/\1}/'
}
json_num() { # json_num FILE KEY: first "KEY":number
    grep -o "\"$2\":[0-9]*" "$1" | head -n 1 | cut -d: -f2
}

# --- sample: the same 300 every time, another seed another set
for run in 1 2 3; do
    audit --sample 3% --seed 1 --all --format json >"s1-$run.json"
    rc=$?
    [ "$rc" -le 1 ] || sp_fail "sample run $run exited $rc"
    cert_lines "s1-$run.json" | cut -d, -f1 >"s1-$run.files"
done
n=$(wc -l <s1-1.files)
[ "$n" -eq 300 ] && sp_pass "--sample 3% of 10000 picks 300" \
    || sp_fail "--sample 3% picked $n certificates, not 300"
[ "$(sort -u s1-1.files | wc -l)" -eq 300 ] || sp_fail "sample has duplicates"
if cmp -s s1-1.files s1-2.files && cmp -s s1-1.files s1-3.files; then
    sp_pass "--seed 1 picks the same certificates every time"
else
    sp_fail "--seed 1 picked different certificates"
fi
[ "$(json_num s1-1.json population)" = 10000 ] || sp_fail "population not 10000"
[ "$(json_num s1-1.json size)" = 300 ] || sp_fail "sample size not 300"
audit --sample 3% --seed 2 --all --format json >s2.json
cert_lines s2.json | cut -d, -f1 >s2.files
[ "$(wc -l <s2.files)" -eq 300 ] || sp_fail "--seed 2 did not pick 300"
common=$(sort s1-1.files s2.files | uniq -d | wc -l)
if cmp -s s1-1.files s2.files || [ "$common" -gt 100 ]; then
    sp_fail "--seed 2 picked (nearly) the same set ($common in common)"
else
    sp_pass "--seed 2 picks another set ($common of 300 in common)"
fi
audit --sample 25 --seed 1 --format json >n25.json
[ "$(json_num n25.json size)" = 25 ] && sp_pass "--sample 25 picks 25" \
    || sp_fail "--sample 25 picked $(json_num n25.json size)"
audit --sample 0.001% --seed 1 --format json >tiny.json
[ "$(json_num tiny.json size)" = 1 ] \
    && sp_pass "--sample 0.001% of 10000 is at least one certificate" \
    || sp_fail "--sample 0.001% picked $(json_num tiny.json size)"
# the sampled certificates' verdicts are the full scan's (checked below)

# --- full scan: per certificate what `smimepolicy check` reports
audit --all --format json >full.json
rc=$?
[ "$rc" -eq 1 ] && sp_pass "full scan exits 1 (non-compliant certificates)" \
    || sp_fail "full scan exited $rc, not 1"
cut -f4 db/index.txt | sed 's|.*|db/newcerts/&.pem|' >all.list
# shellcheck disable=SC2046
"$SP" check --policy policy.cnf --format json $(cat all.list) >check.json
rc=$?
[ "$rc" -eq 1 ] || sp_fail "check exited $rc, not 1"
sort check.json >check.sorted
cert_lines full.json | sort >full.sorted
[ "$(wc -l <check.sorted)" -eq 10000 ] || sp_fail "check judged $(wc -l <check.sorted)"
if [ "$(wc -l <full.sorted)" -eq 10000 ] && cmp -s check.sorted full.sorted; then
    sp_pass "full scan: all 10000 verdicts and findings equal check's"
else
    sp_fail "full scan differs from check"
    diff check.sorted full.sorted | head -n 6 >&2
fi
# and the sample's records are the same records
cert_lines s1-1.json | sort >s1.sorted
[ "$(comm -23 s1.sorted check.sorted | wc -l)" -eq 0 ] \
    && sp_pass "sampled verdicts equal check's" \
    || sp_fail "a sampled verdict differs from check's"

# totals add up and match check's verdicts
refused=$(grep -c '"decision":"refuse"' check.sorted)
accepted=$(grep -c '"decision":"accept"' check.sorted)
[ "$(json_num full.json judged)" = 10000 ] || sp_fail "judged != 10000"
[ "$(json_num full.json refuse)" = "$refused" ] \
    && [ "$(json_num full.json accept)" = "$accepted" ] \
    && sp_pass "totals: $accepted accept, $refused refuse" \
    || sp_fail "totals differ from check ($accepted/$refused)"
[ "$refused" -gt 1000 ] && [ "$accepted" -gt 5000 ] \
    || sp_fail "generated mix is not a mix ($accepted/$refused)"
for p in mailbox-strict mailbox-multipurpose organization-strict \
    sponsored-strict individual-strict; do
    grep -q "{\"profile\":\"$p\",\"accept\":[1-9]" full.json \
        || sp_fail "no compliant $p certificate counted"
done
for code in eku.forbidden ku.prohibited_bit san.missing validity.too_long \
    profile.legacy_sunset subject.prohibited_attribute; do
    n=$(grep -o "\"code\":\"$code\"" check.sorted | wc -l)
    grep -q "{\"code\":\"$code\",[^}]*\"count\":$n}" full.json \
        || sp_fail "by_finding count of $code is not $n"
done
# non-compliant only by default
audit --format json >nc.json
[ "$(cert_lines nc.json | wc -l)" -eq "$refused" ] \
    && sp_pass "the default report lists the $refused non-compliant ones" \
    || sp_fail "default report lists $(cert_lines nc.json | wc -l), not $refused"
cert_lines nc.json | grep -q '"decision":"accept"' \
    && sp_fail "default report lists a compliant certificate"

# sub-CAs: 4 generated, every other one technically constrained
[ "$(json_num full.json sub_cas)" = 4 ] \
    && [ "$(json_num full.json sub_cas_unconstrained)" = 2 ] \
    && sp_pass "4 sub-CAs, 2 not technically constrained" \
    || sp_fail "sub-CA counts wrong"
grep -q '"technically_constrained":false,"why_not":"no extendedKeyUsage"' \
    full.json || sp_fail "unconstrained sub-CA without its reason"

# exceptions: used, and expiring within the warning window
waived=$(grep -o '"waived_by":"waive_aia"' check.sorted | wc -l)
[ "$waived" -gt 0 ] || sp_fail "the exception waived nothing"
grep -q "\"name\":\"waive_aia\",\"profile\":\"mailbox_strict\",\"code\":\"aia.missing\",\"owner\":\"pki-team@example.com\",\"reason\":\"CHG-1234 AIA responder migration\",\"expires\":\"${soon}T00:00:00Z\",\"status\":\"expiring\",\"used\":$waived}" \
    full.json && sp_pass "exception used $waived times, expiring" \
    || sp_fail "exception not reported as used $waived times and expiring"
audit --warn-days 5 --format json >w5.json
grep -q '"status":"valid"' w5.json || sp_fail "--warn-days 5: not valid"
audit >full.txt
grep -q "waive_aia (profile mailbox_strict): waives aia.missing, owner pki-team@example.com, until ${soon}T00:00:00Z, expiring, used $waived times" \
    full.txt && sp_pass "text report names the exception" \
    || sp_fail "text report lacks the exception"
grep -q "^totals: 10000 judged: $accepted compliant, $refused non-compliant" \
    full.txt || sp_fail "text totals wrong"

"$SP" exceptions policy.cnf >exc.txt
rc=$?
[ "$rc" -eq 1 ] && grep -q "waive_aia  profile mailbox_strict  code aia.missing" exc.txt \
    && grep -q "expires: ${soon}T00:00:00Z (expiring, " exc.txt \
    && sp_pass "exceptions: lists it, exit 1 inside the window" \
    || sp_fail "exceptions exited $rc or lacks the entry"
"$SP" exceptions --warn-days 5 policy.cnf >exc5.txt
[ $? -eq 0 ] && sp_pass "exceptions --warn-days 5: exit 0" \
    || sp_fail "exceptions --warn-days 5 did not exit 0"
"$SP" exceptions --format json policy.cnf | grep -q '"status":"expiring"' \
    || sp_fail "exceptions --format json lacks the status"
sed "s/^expires = .*/expires = 2020-01-01/" policy.cnf >expired.cnf
"$SP" exceptions --warn-days 0 expired.cnf | grep -q "(expired, " \
    && sp_pass "an expired exception is named as expired" \
    || sp_fail "expired exception not reported"
"$SP" exceptions nosuch.cnf 2>err.txt
[ $? -eq 2 ] || sp_fail "exceptions on a missing policy did not exit 2"

# --- the issuance period: notBefore in [from, to)
q1=$(grep -c '"at":"2026-0[123]-' check.sorted)
audit --from 2026-01-01 --to 2026-04-01 --format json --all >q1.json
[ "$(json_num q1.json population)" = "$q1" ] \
    && [ "$(cert_lines q1.json | wc -l)" -eq "$q1" ] \
    && sp_pass "--from/--to: $q1 certificates of the first quarter" \
    || sp_fail "--from/--to population $(json_num q1.json population), not $q1"
cert_lines q1.json | grep -v '"at":"2026-0[123]-' | grep -q . \
    && sp_fail "--from/--to judged a certificate outside the period"
audit --from 2026-01-01 --to 2026-04-01 --sample 3% --seed 1 --format json \
    >q1s.json
want=$(((q1 * 3 + 99) / 100))
[ "$(json_num q1s.json size)" = "$want" ] \
    && sp_pass "sample of the period: $want of $q1" \
    || sp_fail "sample of the period is $(json_num q1s.json size), not $want"

# --- file arguments and bundles: the order given does not matter
ls db/newcerts | head -n 200 | sed 's|^|db/newcerts/|' >some.list
# shellcheck disable=SC2046
cat $(sed -n 1,50p some.list) >bundle.pem
# shellcheck disable=SC2046
"$SP" audit --policy policy.cnf --sample 20 --seed 5 --all --format json \
    bundle.pem $(sed -n '51,$p' some.list) >fa.json
# shellcheck disable=SC2046
"$SP" audit --policy policy.cnf --sample 20 --seed 5 --all --format json \
    $(sed -n '51,$p' some.list | sort -r) bundle.pem >fb.json
cert_lines fa.json >fa.lines
cert_lines fb.json >fb.lines
[ "$(json_num fa.json population)" = 200 ] || sp_fail "files: population not 200"
[ "$(wc -l <fa.lines)" -eq 20 ] && cmp -s fa.lines fb.lines \
    && sp_pass "files: the same 20 of 200 in any argument order" \
    || sp_fail "files: sample depends on the argument order"
grep -q '"file":"bundle.pem","index":[1-9]' fa.json fb.json \
    || sp_log "note: no bundle member in this sample"
"$SP" audit --policy policy.cnf --all --format json bundle.pem >bundle.json
[ "$(cert_lines bundle.json | grep -c '"file":"bundle.pem","index":')" -eq 50 ] \
    && sp_pass "a bundle of 50 is 50 certificates (#1..#50)" \
    || sp_fail "bundle not judged per certificate"
openssl x509 -in "$(sed -n 60p some.list)" -outform DER -out one.der
"$SP" audit --policy policy.cnf --all --format json one.der >der.json
[ "$(cert_lines der.json | wc -l)" -eq 1 ] && sp_pass "a DER file is judged" \
    || sp_fail "DER file not judged"

# --- input errors
expect_error() { # NAME RC PATTERN: last command's status and stderr
    if [ "$rc" -ne "$2" ]; then
        sp_fail "$1: exit $rc, not $2"
    elif ! grep -q -- "$3" err.txt; then
        sp_fail "$1: stderr lacks \"$3\""
        sed 's/^/    /' err.txt >&2
    else
        sp_pass "$1"
    fi
}
mkdir -p bad
head -n 20 db/index.txt >bad/index.txt
printf 'V\t270101000000Z\t\t00AB\tunknown\n' >>bad/index.txt
"$SP" audit --db bad/index.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "index line with 5 fields" 2 "bad/index.txt:21: 5 tab-separated fields"
[ -s out.txt ] && sp_fail "a report was written for a malformed index"
head -n 3 db/index.txt >bad/index.txt
printf 'X\t270101000000Z\t\t00AB\tunknown\t/CN=x\n' >>bad/index.txt
"$SP" audit --db bad/index.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "index status X" 2 "bad/index.txt:4: status \"X\" is not V, R or E"
printf 'V\t270101000000Z\t\t00ab\tunknown\t/CN=x\n' >bad/index.txt
"$SP" audit --db bad/index.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "index serial lower case" 2 "bad/index.txt:1: serial \"00ab\""
printf 'R\t270101000000Z\t\t00AB\tunknown\t/CN=x\n' >bad/index.txt
"$SP" audit --db bad/index.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "revoked without a date" 2 "revoked entry without a revocation time"
"$SP" audit --db bad/nosuch.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "unreadable index" 2 "bad/nosuch.txt: No such file"

# a missing file, a truncated PEM, a serial that is not the index's: each
# named, counted, the others still judged
mkdir -p bad/newcerts
head -n 5 db/index.txt >bad/index.txt
for s in $(cut -f4 bad/index.txt); do cp "db/newcerts/$s.pem" bad/newcerts/; done
s1=$(sed -n 1p bad/index.txt | cut -f4)
s2=$(sed -n 2p bad/index.txt | cut -f4)
s3=$(sed -n 3p bad/index.txt | cut -f4)
s4=$(sed -n 4p bad/index.txt | cut -f4)
rm "bad/newcerts/$s1.pem"
head -n 8 "db/newcerts/$s2.pem" >"bad/newcerts/$s2.pem"
cp "db/newcerts/$s4.pem" "bad/newcerts/$s3.pem"
"$SP" audit --policy policy.cnf --db bad/index.txt --certs bad/newcerts \
    --format json >bad.json 2>err.txt
rc=$?
expect_error "missing certificate file" 2 "bad/newcerts/$s1.pem: No such file or directory"
expect_error "truncated PEM" 2 "bad/newcerts/$s2.pem: truncated PEM: no END line"
expect_error "serial differs from the index" 2 "bad/newcerts/$s3.pem: serial $s4 differs from the index entry $s3"
[ "$(json_num bad.json input_errors)" = 3 ] && [ "$(json_num bad.json judged)" = 2 ] \
    && sp_pass "3 input errors counted, 2 certificates still judged" \
    || sp_fail "input errors not counted as 3 with 2 judged"
grep -q "{\"file\":\"bad/newcerts/$s2.pem\",\"index\":0,\"decision\":\"input-error\",\"error\":\"truncated PEM" bad.json \
    || sp_fail "the report does not list the truncated PEM"
# PEM with a bad character, and garbage that is not DER
sed '3s/^./*/' "db/newcerts/$s4.pem" >badchar.pem
printf 'not a certificate\n' >garbage.der
"$SP" audit badchar.pem garbage.der >out.txt 2>err.txt
rc=$?
expect_error "invalid base64 character" 2 "badchar.pem: invalid character .*(0x2a) in PEM at byte"
expect_error "not DER" 2 "garbage.der: not a DER certificate"

# usage errors
"$SP" audit --db db/index.txt >out.txt 2>err.txt
rc=$?
expect_error "--db without --certs" 2 "needs --certs"
"$SP" audit --sample 120% --db db/index.txt --certs db/newcerts >out.txt 2>err.txt
rc=$?
expect_error "--sample 120%" 2 "--sample: \"120%\""
"$SP" audit --format pdf one.der >out.txt 2>err.txt
rc=$?
expect_error "--format pdf" 2 "is not text, json or html"
"$SP" audit --from 2026-05-01 --to 2026-01-01 one.der >out.txt 2>err.txt
rc=$?
expect_error "--from after --to" 2 "--from must be before --to"

# the progress bar, when asked for (on a terminal it is the default)
"$SP" audit --policy policy.cnf --progress --sample 1% --seed 1 --db db/index.txt \
    --certs db/newcerts >out.txt 2>err.txt
grep -q '\[########################################\] 100% 100/100' err.txt \
    && sp_pass "progress bar on stderr" || sp_fail "no progress bar"
grep -q '\] 100%' out.txt && sp_fail "progress bar went to the report"

sp_finish
