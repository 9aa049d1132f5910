#!/usr/bin/env bash
# kava test runner. Every test program speaks TAP on stdout:
#   ok N - name            passed
#   not ok N - name        failed
#   ok N - name # SKIP why skipped (the reason is printed)
# Unit tests are cmocka binaries (CMOCKA_MESSAGE_OUTPUT=TAP); integration
# tests are executables in tests/integration; suites added by mk/*.mk list
# themselves in $EXTRA_SUITES. The last line is "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
export KAVA="$PWD/$BUILD/kava" KAVA_BUILD="$PWD/$BUILD" CMOCKA_MESSAGE_OUTPUT=TAP

pass=0 fail=0 skip=0
failed_names=()

run_suite() {            # $1 = label, rest = command
    local label=$1; shift
    local out rc line
    echo "== $label"
    out=$(mktemp)
    "$@" >"$out" 2>&1
    rc=$?
    local p0=$pass f0=$fail s0=$skip
    while IFS= read -r line; do
        case "$line" in
            "ok "*"# SKIP"*|"ok "*"# skip"*|"not ok "*"# SKIP"*)
                skip=$((skip + 1)); echo "  $line" ;;
            "ok "*)     pass=$((pass + 1)); echo "  $line" ;;
            "not ok "*) fail=$((fail + 1)); failed_names+=("$label: ${line#not ok }"); echo "  $line" ;;
            "#"*|"1.."*) ;;
            *) [ -n "${VERBOSE:-}" ] && echo "  | $line" ;;
        esac
    done <"$out"
    if [ $rc -ne 0 ] && [ $fail -eq $f0 ]; then
        # crashed or failed without a TAP verdict: count it and show the output
        fail=$((fail + 1)); failed_names+=("$label: exited $rc")
        echo "  not ok - $label exited with status $rc"; sed 's/^/  | /' "$out" | tail -40
    elif [ $fail -ne $f0 ]; then
        sed 's/^/  | /' "$out" | grep -v '^  | ok ' | tail -60
    fi
    if [ $((pass + fail + skip)) -eq $((p0 + f0 + s0)) ] && [ $rc -eq 0 ]; then
        fail=$((fail + 1)); failed_names+=("$label: reported no results")
        echo "  not ok - $label reported no results"
    fi
    rm -f "$out"
}

if [ "$ONLY" = all ] || [ "$ONLY" = unit ]; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
    done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = integration ]; then
    for t in tests/integration/*.sh; do
        [ -x "$t" ] && run_suite "integration/$(basename "$t" .sh)" "$t"
    done
fi
for s in ${EXTRA_SUITES:-}; do
    [ "$ONLY" = all ] || [ "$ONLY" = extra ] || continue
    run_suite "$(basename "$s")" bash "$s"
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failures:"; printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
