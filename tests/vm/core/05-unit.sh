#!/usr/bin/env bash
# The unit tests (cmocka, $KAVA_BUILD/tests/test_*) on this kernel, as the
# host's make check runs them: one TAP line per case, labelled with its binary.
# A binary that crashes or exits non-zero without a failed case is one failure.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
export CMOCKA_MESSAGE_OUTPUT=TAP

bins=()
for t in "$KAVA_BUILD"/tests/test_*; do [ -x "$t" ] && bins+=("$t"); done
[ ${#bins[@]} -gt 0 ] || skip_all "no unit test binaries in the VM (make vmtest builds them)" "unit tests"

for t in "${bins[@]}"; do
    name=$(basename "$t")
    out=$("$t" 2>&1); rc=$?
    results=0 failed=0
    while IFS= read -r line; do
        case $line in
            # cmocka prints a skipped case as "not ok N - name # SKIP": a skip
            "ok "*"# SKIP"*|"not ok "*"# SKIP"*)
                        results=$((results + 1))
                        skip "$name: $(sed -E 's/^(not )?ok [0-9]+ *(- *)?//; s/ *# SKIP.*//' <<<"$line")" \
                             "$(sed -E 's/.*# SKIP *//; s/^$/skipped by the test itself/' <<<"$line")" ;;
            "not ok "*) failed=$((failed + 1)); results=$((results + 1))
                        nok "$name: $(sed -E 's/^not ok [0-9]+ *(- *)?//' <<<"$line")" ;;
            "ok "*)     results=$((results + 1))
                        ok "$name: $(sed -E 's/^ok [0-9]+ *(- *)?//' <<<"$line")" ;;
        esac
    done <<<"$out"
    # cmocka's reasons for a failed case (its "#" lines) reach the console
    [ "$failed" = 0 ] || grep -v -e '^ok' -e '^not ok' -e '^1\.\.' <<<"$out" | sed 's/^#* */# /' | tail -n 20
    if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
        nok "$name: exited with status $rc"
        sed 's/^/# /' <<<"$out" | tail -n 20
    elif [ "$results" = 0 ]; then
        nok "$name: reported no results"
    fi
done
