#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `smimepolicy check` over the whole reference corpus under valgrind:
# no memory error and no leak. Skips when valgrind or the corpus is absent.
set -u
builddir=${SP_BUILDDIR:-.}
srcdir=${SP_SRCDIR:-.}
shared=${SP_SHARED:-$srcdir/../shared}
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: no valgrind"; exit 77; }
files=$(ls "$shared"/vectors/pkilint/*.pem 2>/dev/null)
[ -n "$files" ] || { echo "SKIP: no corpus"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    "$builddir/smimepolicy" check $files > /dev/null 2> "$log"
rc=$?
cat "$log"
# 0 or 1 are verdicts; 99 is a valgrind finding; 2 would be an input error
# (some corpus files are FATAL for pkilint too, so 2 is allowed).
case $rc in
0 | 1 | 2) echo "valgrind: clean over $(echo "$files" | wc -w) certificates"; exit 0 ;;
*) echo "valgrind reported errors (exit $rc)"; exit 1 ;;
esac
