# shellcheck shell=bash
# Shared helpers for kava's integration tests: cgroups created beneath the
# test's own cgroup, view directories /run/kava-test-$$-*, all removed on exit,
# and kava's JSON figures. TAP output and the generic checks (ok, nok, skip,
# check, check_all, skip_all, is_eperm, holds, wait_for) come from
# tests/lib/tap.sh, shared with the VM scripts.
_KAVA_TESTS_LIB=$(dirname "${BASH_SOURCE[0]}")/../lib
. "$_KAVA_TESTS_LIB/tap.sh"
. "$_KAVA_TESTS_LIB/cleanup.sh"

KAVA=${KAVA:-$PWD/build/kava}
KAVA_BUILD=${KAVA_BUILD:-$PWD/build}
TASK=$KAVA_BUILD/helpers/kava-task
BG_PIDS=()      # background tasks of the test (tests may wait for them all)
AGENT_PIDS=()   # agents and helpers the test stops itself; stopped on exit if it did not
# mktemp's files and directories go to one directory of this test, removed on exit
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/kava-test-$$-tmp.XXXXXX") || exit 1
export TMPDIR
_KAVA_TEST_TMP=$TMPDIR

# the wall clock in ns, from bash itself (busybox date, in the VMs, has no %N)
now_ns() { echo $(( 10#${EPOCHREALTIME//[!0-9]/} * 1000 )); }

need_root() {                  # need_root name...: skip them all unless root with BTF
    if [ "$(id -u)" != 0 ]; then skip_all "needs root" "$@"; fi
    if [ ! -r /sys/kernel/btf/vmlinux ]; then skip_all "kernel has no BTF" "$@"; fi
    CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    if [ -z "$CG2" ]; then skip_all "no cgroup2 mount" "$@"; fi
    own_cgroup >/dev/null
    OWN_CG=$(own_cgroup)
}

# need_view "TOOL..." NAME...: skip them all unless every TOOL is installed and
# /dev/fuse exists (the view tests: FUSE, and the programs run inside a container)
need_view() {
    local tools=$1 tool; shift
    for tool in $tools; do
        command -v "$tool" >/dev/null || skip_all "$tool not installed" "$@"
    done
    [ -e /dev/fuse ] || skip_all "no /dev/fuse" "$@"
}

# The test process's own cgroup2 directory (as it was when the test began):
# tests create cgroups beneath it.
own_cgroup() {
    local rel
    if [ -z "${OWN_CG:-}" ]; then
        rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
        OWN_CG="${CG2}${rel%/}"
    fi
    echo "$OWN_CG"
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

cleanup() {
    local p cg d
    for p in "${AGENT_PIDS[@]}" "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    # deepest first, so children go before their parents
    while read -r cg; do
        "$KAVA" disable "$cg" >/dev/null 2>&1
        remove_cgroup "$cg"
    done < <(find "$(own_cgroup)" -depth -mindepth 1 -maxdepth 3 -type d -path "*/kava-test-$$-*" \
             ! -name "kava-test-$$-self" 2>/dev/null)
    remove_v1_cgroups
    if [ -d "$OWN_CG/kava-test-$$-self" ]; then      # pure v2: step back out of our child
        echo "-memory -cpuset -cpu" > "$OWN_CG/cgroup.subtree_control" 2>/dev/null
        echo $$ > "$OWN_CG/cgroup.procs" 2>/dev/null
        rmdir "$OWN_CG/kava-test-$$-self" 2>/dev/null
    fi
    # view mount points: /run/kava-test-$$-NAME, mounted or not
    for d in /run/kava-test-$$-*; do
        remove_mount_dir "$d"
    done
    rm -rf "$_KAVA_TEST_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM     # bash runs no EXIT trap when a signal kills it

# jfield CGROUP FILTER: a jq filter over `kava stat --json` (raw output)
jfield() {
    "$KAVA" stat "$1" --json | jq -r "$2"
}

# listed PATH / not_listed PATH: `kava list` succeeded and shows PATH / does
# not show it; listed_id / not_listed_id ID: the same by cgroup id. A failed
# `kava list` fails both, with a note: a negative check must not pass because
# the command itself failed.
_list_has() {                   # _list_has FIELD VALUE: 0 listed, 1 not listed, 2 list failed
    local out
    out=$("$KAVA" list 2>&1) || { note "kava list failed: $out"; return 2; }
    awk -v f="$1" -v v="$2" '$f == v { found = 1 } END { exit !found }' <<<"$out"
}
listed()        { _list_has 2 "$1"; }
not_listed()    { _list_has 2 "$1"; [ $? = 1 ]; }
listed_id()     { [ -n "$1" ] && _list_has 1 "$1"; }
not_listed_id() { [ -n "$1" ] || return 1; _list_has 1 "$1"; [ $? = 1 ]; }

# ---- containers with limits: cgroup v2 (enabled in kava) plus, on hybrid
# hosts, v1 memory/cpuset/cpu cgroups beneath the test's own v1 cgroups.

V1_CONTROLLERS="memory cpuset cpu"
v1_dir() {                      # v1_dir CONTROLLER: our own v1 cgroup directory, or nothing
    local mnt rel
    mnt=$(awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)
    [ -n "$mnt" ] || return 0
    rel=$(awk -F: -v c="$1" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $3 }' /proc/self/cgroup)
    echo "$mnt${rel%/}"
}
is_hybrid() { [ -n "$(v1_dir memory)" ]; }

# new_container NAME MEM_BYTES CPU: a v2 cgroup (echoed) limited to MEM_BYTES
# and to host CPU number CPU, through v1 controllers on hybrid hosts or v2
# controllers on pure ones (the test moves itself into a child of its own
# cgroup first, so its cgroup may delegate controllers).
new_container() {
    local name=$1 mem=$2 cpu=$3 cg d
    cg=$(new_cgroup "$name") || return 1
    if is_hybrid; then
        for c in $V1_CONTROLLERS; do
            d=$(v1_dir $c)/kava-test-$$-$name
            mkdir -p "$d" || return 1
        done
        d=$(v1_dir memory)/kava-test-$$-$name; echo "$mem" > "$d/memory.limit_in_bytes" || return 1
        d=$(v1_dir cpuset)/kava-test-$$-$name
        cat "$(v1_dir cpuset)/cpuset.mems" > "$d/cpuset.mems"; echo "$cpu" > "$d/cpuset.cpus" || return 1
    else
        local own; own=$(own_cgroup)
        if ! echo "+memory +cpuset +cpu" > "$own/cgroup.subtree_control" 2>/dev/null; then
            [ "$own" != "$CG2" ] || return 1
            mkdir -p "$own/kava-test-$$-self" && echo $$ > "$own/kava-test-$$-self/cgroup.procs" &&
                echo "+memory +cpuset +cpu" > "$own/cgroup.subtree_control" || return 1
        fi
        echo "$mem" > "$cg/memory.max" && echo 0 > "$cg/memory.swap.max" 2>/dev/null
        echo "$cpu" > "$cg/cpuset.cpus" || return 1
    fi
    echo "$cg"
}

# join_container V2PATH: move the calling shell into the container's cgroups (all hierarchies)
join_container() {
    local cg=$1 name c
    name=${cg##*/}
    echo $$ > "$cg/cgroup.procs" || return 1
    if is_hybrid; then
        for c in $V1_CONTROLLERS; do echo $$ > "$(v1_dir $c)/$name/cgroup.procs" || return 1; done
    fi
}

# join_script V2PATH: shell commands that move the running shell into the
# container's cgroups, for `sh -c` in another namespace (no lib.sh there).
join_script() {
    local cg=$1 name c s
    name=${cg##*/}
    s="echo \$\$ > '$cg/cgroup.procs'"
    if is_hybrid; then
        for c in $V1_CONTROLLERS; do s="$s && echo \$\$ > '$(v1_dir $c)/$name/cgroup.procs'"; done
    fi
    echo "$s"
}

remove_v1_cgroups() {           # every kava-test-$$-* v1 cgroup, children first
    local c d
    is_hybrid || return 0
    for c in $V1_CONTROLLERS; do
        while read -r d; do rmdir "$d" 2>/dev/null; done < <(find "$(v1_dir $c)" -depth -mindepth 1 \
            -maxdepth 3 -type d -path "*/kava-test-$$-*" 2>/dev/null)
    done
}
