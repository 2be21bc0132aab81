#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Conformance: `smimepolicy check` against pkilint's verdicts on the
# reference corpus in ../shared/vectors/pkilint (97 certificates).
# Each certificate is judged as issued at its notBefore with the SBR
# defaults. Passes when at least 95 verdicts agree; prints every
# disagreement. Skips (77) when the corpus folder is not there.
#
# A certificate that is not strictly DER-encoded is an input error for
# the command (exit 2); pkilint reports such certificates as FATAL, and
# both refuse to sign, so exit 2 counts as "refuse" here.
set -u
builddir=${SP_BUILDDIR:-.}
srcdir=${SP_SRCDIR:-.}
shared=${SP_SHARED:-$srcdir/../shared}
corpus=$shared/vectors/pkilint
required=${SP_CONFORMANCE_MIN:-95}
tool=$builddir/smimepolicy

if [ ! -f "$corpus/index.tsv" ]; then
    echo "SKIP: no corpus at $corpus"
    exit 77
fi

total=0 agree=0
disagreements=""
# index.tsv columns: name ... verdict (9th)
while IFS='	' read -r name level gen type oidtype nfind nerr nfatal verdict source; do
    [ "$name" = name ] && continue
    total=$((total + 1))
    "$tool" check "$corpus/$name.pem" >/dev/null 2>&1
    rc=$?
    case $rc in
    0) ours=accept ;;
    1 | 2) ours=refuse ;;
    *) ours="crash($rc)" ;;
    esac
    if [ "$ours" = "$verdict" ]; then
        agree=$((agree + 1))
    else
        codes=$("$tool" check "$corpus/$name.pem" 2>&1 | sed -n 's/^  *error *\([^ ]*\).*/\1/p' | tr '\n' ' ')
        disagreements="$disagreements
  $name: pkilint $verdict, smimepolicy $ours ${codes:+($codes)}"
    fi
done < "$corpus/index.tsv"

echo "pkilint corpus: $agree of $total verdicts agree (required: $required)"
if [ -n "$disagreements" ]; then
    echo "disagreements:$disagreements"
fi

# The zlint corpus is informational: most of its certificates are
# synthetic ones built to trip a single lint.
zl=$shared/vectors/zlint
if [ -f "$zl/pkilint_verdicts.tsv" ]; then
    zt=0 za=0
    while IFS="	" read -r cert hasoid linted verdict rest; do
        case $cert in *.pem) ;; *) continue ;; esac
        f=$(find "$zl/v3/testdata" -name "$(basename "$cert")" | head -n 1)
        [ -n "$f" ] || continue
        zt=$((zt + 1))
        "$tool" check "$f" >/dev/null 2>&1
        case $? in 0) o=accept ;; *) o=refuse ;; esac
        [ "$o" = "$verdict" ] && za=$((za + 1))
    done < "$zl/pkilint_verdicts.tsv"
    echo "zlint corpus (informational): $za of $zt agree with pkilint"
fi

[ "$agree" -ge "$required" ]
