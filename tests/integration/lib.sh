# shellcheck shell=bash
# Shared helpers for kava's integration tests: TAP output, cgroups created
# beneath the test's own cgroup (removed on exit), and kava's JSON figures.

KAVA=${KAVA:-$PWD/build/kava}
KAVA_BUILD=${KAVA_BUILD:-$PWD/build}
TASK=$KAVA_BUILD/helpers/kava-task
TAP_N=0
BG_PIDS=()

ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
nok()  { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
note() { echo "# $*"; }
check() {                      # check NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else nok "$name"; fi
}

# Skip every test of a file at once: skip_all "reason" name1 name2 ...
skip_all() {
    local why=$1; shift
    local t
    for t in "$@"; do skip "$t" "$why"; done
    exit 0
}

need_root() {                  # need_root name...: skip them all unless root with BTF
    if [ "$(id -u)" != 0 ]; then skip_all "needs root" "$@"; fi
    if [ ! -r /sys/kernel/btf/vmlinux ]; then skip_all "kernel has no BTF" "$@"; fi
    CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    if [ -z "$CG2" ]; then skip_all "no cgroup2 mount" "$@"; fi
}

# The test process's own cgroup2 directory: tests create cgroups beneath it.
own_cgroup() {
    local rel
    rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
    echo "${CG2}${rel%/}"
}

# new_cgroup NAME: a fresh cgroup under our own; echoes its path. Every
# kava-test-$$-* cgroup (and what is beneath it) is removed on exit.
new_cgroup() {
    local path
    path="$(own_cgroup)/kava-test-$$-$1"
    mkdir "$path" || return 1
    echo "$path"
}

# run_in CGROUP CMD...: start CMD in the background inside CGROUP; sets $! to its pid.
run_in() {
    local cg=$1; shift
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" &
    BG_PIDS+=($!)
}

# remove_cgroup PATH: kill whatever still runs in it (cgroup.kill), then rmdir
remove_cgroup() {
    local cg=$1 n
    if [ -e "$cg/cgroup.kill" ]; then
        echo 1 > "$cg/cgroup.kill" 2>/dev/null
    elif [ -f "$cg/cgroup.procs" ]; then
        xargs -r kill -9 < "$cg/cgroup.procs" 2>/dev/null
    fi
    for n in $(seq 50); do
        [ -z "$(cat "$cg/cgroup.procs" 2>/dev/null)" ] && break
        sleep 0.1
    done
    rmdir "$cg" 2>/dev/null || echo "# could not remove $cg" >&2
}

cleanup() {
    local p cg
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    # deepest first, so children go before their parents
    while read -r cg; do
        "$KAVA" disable "$cg" >/dev/null 2>&1
        remove_cgroup "$cg"
    done < <(find "$(own_cgroup)" -depth -mindepth 1 -maxdepth 3 -type d -path "*/kava-test-$$-*" 2>/dev/null)
}
trap cleanup EXIT

# jfield CGROUP EXPR: evaluate a python expression over `kava stat --json` as d
jfield() {
    "$KAVA" stat "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# wait_for SECONDS COMMAND...: poll until the command succeeds
wait_for() {
    local t=$1; shift
    local end=$((SECONDS + t))
    while [ $SECONDS -lt $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}
