#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/test_fault_alloc (allocation failure at every allocation of policy
# and issuer loading, sp_judge allocating nothing) once more under
# valgrind: no invalid access on any error path, and no block leaked by
# the process as a whole. Skips when valgrind is absent.
set -u
builddir=${SP_BUILDDIR:-.}
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: no valgrind"; exit 77; }
prog=$builddir/tests/test_fault_alloc
[ -x "$prog" ] || { echo "FATAL: $prog is not built"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# "possibly lost" is not counted: the test's allocator hands out blocks
# 16 bytes into what malloc returned (a header), so the CAs testutil keeps
# for the whole run are only reachable through interior pointers.
valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect \
    "$prog" >"$log" 2>&1
rc=$?
grep -E 'allocations;|sp_judge:|==[0-9]+==|FAILED' "$log"
case $rc in
0) echo "valgrind: clean over every injected allocation failure"; exit 0 ;;
99) echo "valgrind reported errors"; exit 1 ;;
*) cat "$log"; echo "test_fault_alloc failed under valgrind (exit $rc)"; exit 1 ;;
esac
