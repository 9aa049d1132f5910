#!/usr/bin/env bash
# make lint: clang-tidy (checks in .clang-tidy) and cppcheck on kava's own C.
# Fails on any diagnostic in the project's files; the bpftool-generated
# skeletons in $BUILD are not ours (the analyzer follows paths into them and
# reports a leak libbpf's destroy_skeleton in fact frees), so their lines are
# shown but not counted.
# Usage: BUILD=build CFLAGS='...' bash mk/lint.sh FILE.c...
set -u
build=${BUILD:-build}
tidy_out=$(clang-tidy --quiet "$@" -- $CFLAGS 2>&1)
diags=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' <<<"$tidy_out")
own=$(grep -vE "^(\./)?$build/[a-z_]+\.skel\.h:" <<<"$diags" | grep -v '^$')
[ -n "$diags" ] && printf '%s\n' "$diags"
rc=0
if [ -n "$own" ]; then
    echo "lint: clang-tidy: $(wc -l <<<"$own") diagnostic(s) in kava's code"
    rc=1
fi
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
    --inline-suppr -Iinclude -Isrc "$@" || { echo "lint: cppcheck found problems"; rc=1; }
[ $rc = 0 ] && echo "lint: clean"
exit $rc
