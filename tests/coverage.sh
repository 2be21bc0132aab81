#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The rule coverage table (doc/rule-coverage.md) is up to date: every
# MUST / MUST NOT rule of the SBR checklist has a finding code or a
# written reason, every finding code is named by a test, and the committed
# table equals what scripts/coverage.pl builds now. Skips (77) when the
# checklist (../shared/reference/sbr-rules.md) is not there.
set -u
srcdir=${SP_SRCDIR:-.}
shared=${SP_SHARED:-$srcdir/../shared}
checklist=$shared/reference/sbr-rules.md

if [ ! -f "$checklist" ]; then
    echo "SKIP: no checklist at $checklist"
    exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
perl "$srcdir/scripts/coverage.pl" "$checklist" "$srcdir" >"$out" || status=1
if ! cmp -s "$out" "$srcdir/doc/rule-coverage.md"; then
    echo "FAIL: doc/rule-coverage.md is out of date; regenerate it with"
    echo "  perl scripts/coverage.pl $checklist . > doc/rule-coverage.md"
    diff -u "$srcdir/doc/rule-coverage.md" "$out" | head -40
    status=1
fi
grep '^MUST' "$out"
[ "$status" -eq 0 ] && echo "PASS: rule coverage table up to date and complete"
exit "$status"
