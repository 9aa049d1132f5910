# shellcheck shell=bash
# TAP helpers for the system VM scenarios (tests/vm/system/scenarios/*.sh).
# They run inside a booted Debian 12 systemd VM as `bash SCRIPT`, as root, in
# their own session, from /mnt/kava/scenarios/. Source with:
#     . "$KAVA_SYS/system/lib.sh"
# Environment: KAVA (/usr/local/bin/kava, installed when the run had a kava
# build), KAVA_BUILD (/mnt/kava/build: kava, helpers/), KAVA_SYS (/mnt/kava,
# the per-run disk; results/ is copied back to the host), KAVA_VM_SYSTEM=1.

KAVA=${KAVA:-/usr/local/bin/kava}
KAVA_BUILD=${KAVA_BUILD:-/mnt/kava/build}
KAVA_SYS=${KAVA_SYS:-/mnt/kava}
# TAP output and the checks (ok, nok, skip, note, check, check_all, skip_all,
# is_eperm, kava_has...): tests/lib/tap.sh, the library of every kava shell
# test, which run.sh copies to $KAVA_SYS/lib/
. "$KAVA_SYS/lib/tap.sh"

# wait_until SECONDS COMMAND...: retry the command every 0.5 s until it
# succeeds (0) or the time is up (1). For things that come up asynchronously.
wait_until() {
    local _end=$(( $(date +%s) + $1 )); shift
    while :; do
        "$@" && return 0
        [ "$(date +%s)" -lt "$_end" ] || return 1
        sleep 0.5
    done
}
# logged NAME COMMAND...: run the command with its output in $KAVA_SYS/results/
# NAME.out (and on stdout prefixed "#   " when it fails); its exit status.
logged() {
    local _f=$KAVA_SYS/results/$1.out _rc; shift
    mkdir -p "$KAVA_SYS/results"
    "$@" >"$_f" 2>&1
    _rc=$?
    [ $_rc -eq 0 ] || { echo "# $* -> exit $_rc:"; tail -n 15 "$_f" | sed 's/^/#   /'; }
    return $_rc
}
# cgroup_of PID: the process's cgroup v2 path, as the host sees it
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
