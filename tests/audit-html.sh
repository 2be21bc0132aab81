#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The HTML audit report, rendered by headless Chromium (Debian's chromium
# package): the page is one self-contained file (no script, no external
# resource), and the text the browser lays out shows the totals of the
# JSON report, a refused certificate's subject and its finding code, the
# sub-CAs and the exception. A screenshot is taken as a person would see
# the page.
. "${SP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

SP=$SP_BUILDDIR/smimepolicy
GEN=$SP_BUILDDIR/tests/gen-ca-db

CHROMIUM=
for c in chromium chromium-browser google-chrome; do
    command -v "$c" >/dev/null 2>&1 && CHROMIUM=$c && break
done
[ -n "$CHROMIUM" ] || {
    sp_log "SKIP: chromium is not installed (scripts/deps.sh installs it)"
    exit 77
}

# Thousands of small files: on tmpfs when TMPDIR is not set, since removing
# them from a disk mounted with `discard` takes longer than the test.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi
sp_setup
"$GEN" --seed 3 db 4000 || sp_die "gen-ca-db failed"
sp_write_policy policy.cnf "$SP_WORK/db/ca.pem"
sed -i '/^\[mailbox_strict\]/a exceptions = waive_aia' policy.cnf
cat >>policy.cnf <<'EOF'

[waive_aia]
code = aia.missing
owner = pki-team@example.com
reason = CHG-1234 <AIA> & responder migration
expires = 2099-01-01
EOF

run_audit() {
    "$SP" audit --policy policy.cnf --db db/index.txt --certs db/newcerts \
        --no-progress "$@"
}
run_audit --format html --output report.html
rc=$?
[ "$rc" -eq 1 ] || sp_fail "audit --format html exited $rc, not 1"
run_audit --format json >report.json

# self-contained: no script, no external resource
if grep -Eiq '<script|<link|<img|<iframe|src=|@import|url\(' report.html; then
    sp_fail "the HTML report refers to something outside itself"
else
    sp_pass "the HTML report is self-contained"
fi

# Let the browser lay the page out and give back the text it shows
# (innerText follows the CSS), through a copy with a probe appended.
cp report.html probe.html
cat >>probe.html <<'EOF'
<script>
var t = document.body.innerText;
document.body.textContent = '';
var p = document.createElement('pre');
p.id = 'rendered';
p.textContent = t;
document.body.appendChild(p);
</script>
EOF
chrome() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$SP_WORK/chrome" --no-first-run "$@" 2>chrome.err
}
chrome --dump-dom "file://$SP_WORK/probe.html" >dom.html
sed -n '/<pre id="rendered">/,/<\/pre>/p' dom.html \
    | sed 's/<pre id="rendered">//; s/<\/pre>.*//; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' \
        >shown.txt
[ -s shown.txt ] || {
    sed 's/^/    /' chrome.err >&2
    sp_die "chromium rendered nothing"
}

json_num() { grep -o "\"$1\":[0-9]*" report.json | head -n 1 | cut -d: -f2; }
# a card shows its number on one line and its label on the next
shows_card() { # LABEL NUMBER
    if grep -A1 -x "$2" shown.txt | grep -qx "$1"; then
        sp_pass "shown: $2 $1"
    else
        sp_fail "the page does not show \"$2 $1\""
    fi
}
shows_card judged "$(json_num judged)"
shows_card compliant "$(json_num accept)"
shows_card refused "$(json_num refuse)"
shows_card "sub-CAs issued" "$(json_num sub_cas)"
[ "$(json_num judged)" -eq 4000 ] || sp_fail "judged is not 4000"

# the first refused certificate: its subject and finding codes are shown
first=$(grep '^{"file":.*"decision":"refuse"' report.json | head -n 1)
subject=$(printf '%s\n' "$first" | sed 's/.*"subject":"\([^"]*\)".*/\1/')
code=$(printf '%s\n' "$first" | sed 's/.*"findings":\[{"code":"\([^"]*\)".*/\1/')
serial=$(printf '%s\n' "$first" | sed 's/.*"serial":"\([^"]*\)".*/\1/')
grep -q "$serial.*$subject" shown.txt \
    && sp_pass "shown: refused certificate $serial, $subject" \
    || sp_fail "the page does not show the refused certificate $serial ($subject)"
grep -A3 "$serial" shown.txt | grep -q "$code error SBR" \
    && sp_pass "shown: its finding $code with severity and SBR section" \
    || sp_fail "the page does not show finding $code of $serial"
grep -q "NOT technically constrained" shown.txt \
    && sp_pass "shown: an unconstrained sub-CA" \
    || sp_fail "the page does not show the unconstrained sub-CA"
grep -q "waive_aia.*mailbox_strict.*aia.missing.*pki-team@example.com.*CHG-1234 <AIA> & responder migration" \
    shown.txt && sp_pass "shown: the exception, markup in its reason escaped" \
    || sp_fail "the page does not show the exception as written"

# what a person sees: a screenshot of the page
chrome --screenshot="$SP_WORK/report.png" --window-size=1280,2000 \
    "file://$SP_WORK/report.html" >/dev/null
if [ -s report.png ] && [ "$(head -c 8 report.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    && [ "$(wc -c <report.png)" -gt 20000 ]; then
    sp_pass "screenshot taken ($(wc -c <report.png) bytes)"
else
    sp_fail "no screenshot of the report"
fi

sp_finish
