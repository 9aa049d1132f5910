# shellcheck shell=bash
# Helpers for scripts in tests/vm/*/ (they run as `bash SCRIPT` inside the
# VM, as root, with cgroup2 at /sys/fs/cgroup, bpffs at /sys/fs/bpf).
# Source with: . "$(dirname "$0")/../lib.sh"
# TAP output and the checks (ok, nok, skip, check, check_all, env_check,
# skip_all, is_eperm, kava_has, holds, wait_for) are tests/lib/tap.sh, the
# library the host's integration tests use too (copied into the VM with it).
# Environment: KAVA (kava binary), KAVA_BUILD (helpers/ under it),
# KAVA_VM_SERIES (6.12, 6.1). tests/integration/ is also in the VM.

KAVA=${KAVA:-/opt/kava/build/kava}
KAVA_BUILD=${KAVA_BUILD:-/opt/kava/build}
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tap.sh"
