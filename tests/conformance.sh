#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Conformance: `smimepolicy check` against pkilint's verdicts on the
# reference corpus in ../shared/vectors/pkilint (97 certificates) and on
# the zlint corpus (173 certificates). Each certificate is judged as
# issued at its notBefore with the SBR defaults. Passes when every pkilint
# verdict is matched except the deliberate differences listed in
# tests/conformance-known.tsv (each written up in doc/conformance.md),
# each of which must still differ, and when every zlint-corpus certificate
# pkilint refuses is refused. Skips (77) when the corpus is not there.
#
# A certificate that is not strictly DER-encoded is an input error for
# the command (exit 2); pkilint reports such certificates as FATAL, and
# both refuse to sign, so exit 2 counts as "refuse" here.
set -u
builddir=${SP_BUILDDIR:-.}
srcdir=${SP_SRCDIR:-.}
shared=${SP_SHARED:-$srcdir/../shared}
corpus=$shared/vectors/pkilint
known=$srcdir/tests/conformance-known.tsv
tool=$builddir/smimepolicy

if [ ! -f "$corpus/index.tsv" ]; then
    echo "SKIP: no corpus at $corpus"
    exit 77
fi

total=0 agree=0 unexplained=0
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
        if grep -q "^$name	$verdict	$ours	" "$known"; then
            why="known, see doc/conformance.md"
        else
            why="NOT EXPLAINED"
            unexplained=$((unexplained + 1))
        fi
        disagreements="$disagreements
  $name: pkilint $verdict, smimepolicy $ours ${codes:+($codes) }[$why]"
    fi
done < "$corpus/index.tsv"

echo "pkilint corpus: $agree of $total verdicts agree"
if [ -n "$disagreements" ]; then
    echo "disagreements:$disagreements"
fi
status=0
if [ "$unexplained" -ne 0 ]; then
    echo "FAIL: $unexplained disagreement(s) not in tests/conformance-known.tsv"
    status=1
fi
# A documented difference that has gone away must leave the documentation.
while IFS='	' read -r kname kverdict kours rest; do
    case $kname in '#'* | '') continue ;; esac
    case $disagreements in
    *"  $kname: "*) ;;
    *)
        echo "FAIL: $kname is listed in tests/conformance-known.tsv but agrees now"
        status=1
        ;;
    esac
done < "$known"

# The zlint corpus: most of its certificates are synthetic ones built to
# trip a single lint. Every one pkilint refuses must be refused; one that
# pkilint accepts and smimepolicy refuses is reported, not failed.
zl=$shared/vectors/zlint
if [ -f "$zl/pkilint_verdicts.tsv" ]; then
    zt=0 za=0 zmissed=0
    while IFS="	" read -r cert hasoid linted verdict rest; do
        case $cert in *.pem) ;; *) continue ;; esac
        f=$(find "$zl/v3/testdata" -name "$(basename "$cert")" | head -n 1)
        [ -n "$f" ] || continue
        zt=$((zt + 1))
        "$tool" check "$f" >/dev/null 2>&1
        case $? in 0) o=accept ;; *) o=refuse ;; esac
        if [ "$o" = "$verdict" ]; then
            za=$((za + 1))
        elif [ "$verdict" = refuse ]; then
            echo "  zlint $cert: pkilint refuses, smimepolicy accepts"
            zmissed=$((zmissed + 1))
        else
            echo "  zlint $cert: pkilint accepts, smimepolicy refuses"
        fi
    done < "$zl/pkilint_verdicts.tsv"
    echo "zlint corpus: $za of $zt agree with pkilint; $zmissed refused by pkilint but accepted"
    if [ "$zt" -ne 173 ] || [ "$zmissed" -ne 0 ]; then
        echo "FAIL: every zlint-corpus certificate pkilint refuses must be refused (of 173)"
        status=1
    fi
fi
exit "$status"
