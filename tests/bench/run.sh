#!/usr/bin/env bash
# make bench: every tests/bench/*.bench script, each printing its figures as
# ratios against a baseline measured in the same run (ONLY=NAME: NAME.bench
# alone). Needs root. KAVA_PIN_DIR is honoured (default /sys/fs/bpf/kava).
set -u
cd "$(dirname "$0")/../.." || exit 1
export KAVA="$PWD/${BUILD:-build}/kava" KAVA_BUILD="$PWD/${BUILD:-build}"
if [ "$(id -u)" != 0 ]; then echo "make bench: needs root"; exit 1; fi
rc=0
for b in tests/bench/${ONLY:-*}.bench; do
    echo "== $(basename "$b" .bench)"
    bash "$b" || { echo "   (failed: $b)"; rc=1; }
done
exit $rc
