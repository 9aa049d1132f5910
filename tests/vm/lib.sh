# shellcheck shell=sh
# TAP helpers for scripts in tests/vm/*/ (they run as `bash SCRIPT` inside
# the VM, as root, with cgroup2 at /sys/fs/cgroup, bpffs at /sys/fs/bpf).
# Source with: . /opt/kava/tests/vm/lib.sh   (or "$(dirname "$0")/../lib.sh")
# Environment: KAVA (kava binary), KAVA_BUILD (helpers/ under it),
# KAVA_VM_SERIES (6.12, 6.1). tests/integration/lib.sh is also in the VM.

KAVA=${KAVA:-/opt/kava/build/kava}
KAVA_BUILD=${KAVA_BUILD:-/opt/kava/build}
TAP_N=0

ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
nok()  { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
note() { echo "# $*"; }
check() {               # check NAME COMMAND...: ok when the command succeeds
    _name=$1; shift
    if "$@"; then ok "$_name"; else nok "$_name"; fi
}
skip_all() {            # skip_all REASON NAME...: skip every listed test, exit 0
    _why=$1; shift
    for _t in "$@"; do skip "$_t" "$_why"; done
    exit 0
}
# kava_has CMD: the kava binary exists and knows the subcommand
kava_has() {
    [ -x "$KAVA" ] || return 1
    "$KAVA" "$@" --help >/dev/null 2>&1
}
