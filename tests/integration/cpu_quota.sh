#!/usr/bin/env bash
# Every ancestor's CPU quota: a container cg3 under cg2 under cg1 (real
# nested cgroups beneath the test's own, with the cpu controller: v1
# cpu.cfs_quota_us on hybrid hosts, v2 cpu.max on pure ones), quotas on the
# parents only, the child only, both, and a child looser than its parent.
# The kernel throttles at every level, so the container's visible CPUs are
# ceil(the smallest quota/period on its path), cut from its cpuset; every
# file that counts CPUs must agree: online, cpuinfo, stat, cpuN directories.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="parents only: the tightest ancestor;the child only;child tighter than its parents;a child looser than its parent;no quota anywhere: the cpuset;cpuinfo, stat and cpuN directories count what online says;the tmpfs view agrees"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"

NCPU=$(nproc --all)
VIEW=/run/kava-test-$$-fuse
TVIEW=/run/kava-test-$$-tmpfs
cg1=$(new_cgroup q) || skip_all "cannot create a cgroup" "${NAMES[@]}"
cg2=$cg1/cg2
cg3=$cg2/cg3
V1CPU=
if is_hybrid; then
    V1CPU=$(v1_dir cpu)
    [ -n "$V1CPU" ] || skip_all "hybrid host without a v1 cpu hierarchy" "${NAMES[@]}"
    V1CPU=$V1CPU/kava-test-$$-q
    mkdir -p "$V1CPU/cg2/cg3" "$cg3" || skip_all "cannot create v1 cpu cgroups" "${NAMES[@]}"
else
    own=$(own_cgroup)
    if ! echo +cpu > "$own/cgroup.subtree_control" 2>/dev/null; then
        mkdir -p "$own/kava-test-$$-self" && echo $$ > "$own/kava-test-$$-self/cgroup.procs" &&
            echo +cpu > "$own/cgroup.subtree_control" ||
            skip_all "cannot delegate the cpu controller here" "${NAMES[@]}"
    fi
    echo +cpu > "$cg1/cgroup.subtree_control" && mkdir "$cg2" &&
        echo +cpu > "$cg2/cgroup.subtree_control" && mkdir "$cg3" ||
        skip_all "cannot enable the cpu controller in nested cgroups" "${NAMES[@]}"
fi
v1_cleanup() {
    [ -n "$V1CPU" ] || return 0
    rmdir "$V1CPU/cg2/cg3" "$V1CPU/cg2" "$V1CPU" 2>/dev/null
}
trap 'cleanup; v1_cleanup; rmdir "$VIEW" "$TVIEW" 2>/dev/null' EXIT

# level_dir N: cgroup N of the chain (1..3) in the hierarchy that has the quota
level_dir() {
    local rel=
    [ "$1" -ge 2 ] && rel=/cg2
    [ "$1" -ge 3 ] && rel=$rel/cg3
    if [ -n "$V1CPU" ]; then echo "$V1CPU$rel"; else echo "$cg1$rel"; fi
}
# set_quota N "QUOTA PERIOD" | max
set_quota() {
    local d; d=$(level_dir "$1")
    if [ -n "$V1CPU" ]; then
        if [ "$2" = max ]; then echo -1 > "$d/cpu.cfs_quota_us"; return; fi
        echo "${2#* }" > "$d/cpu.cfs_period_us" && echo "${2% *}" > "$d/cpu.cfs_quota_us"
    else
        if [ "$2" = max ]; then echo max > "$d/cpu.max"; return; fi
        echo "$2" > "$d/cpu.max"
    fi
}
# quotas Q1 Q2 Q3: reset every level, then set parents first (v1 checks a
# child against its parent, tg_cfs_schedulable_down())
quotas() {
    local n
    for n in 3 2 1; do set_quota $n max || return 1; done
    set_quota 1 "$1" && set_quota 2 "$2" && set_quota 3 "$3"
}
expect() { [ "$1" -lt "$NCPU" ] && echo "$1" || echo "$NCPU"; }

"$KAVA" enable "$cg3" >/dev/null || skip_all "kava enable failed" "${NAMES[@]}"
mkdir -p "$VIEW"
"$KAVA" run --mount "$VIEW" 2>/dev/null & agent=$!
BG_PIDS+=($agent)
wait_for 10 test -e "$VIEW/proc/meminfo"

JOIN="echo \$\$ > '$cg3/cgroup.procs'"
[ -n "$V1CPU" ] && JOIN="$JOIN && echo \$\$ > '$V1CPU/cg2/cg3/cgroup.procs'"
inside() { sh -c "$JOIN"' && exec "$@"' sh "$@"; }
# what the container counts: online, cpuinfo, stat's cpuN lines, cpuN directories
counts() {
    inside sh -c '
        v=$1
        read -r on < "$v/sys/devices/system/cpu/online"   # read(2): busybox cat sendfile()s
        case $on in *-*) on=$((${on#*-} + 1)) ;; *) on=$((on + 1)) ;; esac
        ci=$(grep -c ^processor "$v/proc/cpuinfo")
        st=$(grep -c "^cpu[0-9]" "$v/proc/stat")
        dirs=$(ls -d "$v"/sys/devices/system/cpu/cpu[0-9]* | wc -l)
        echo "$on $ci $st $dirs"' sh "$VIEW"
}
all_agree=0
case_check() {          # case_check NAME EXPECTED Q1 Q2 Q3
    local name=$1 want=$2 got
    if ! quotas "$3" "$4" "$5" 2>/dev/null; then
        skip "$name" "the kernel refused quotas $3 / $4 / $5 here (v1 forbids a child above its parent)"
        return
    fi
    read -r on ci st dirs <<<"$(counts)"
    note "$name: quotas $3 / $4 / $5 -> online $on, cpuinfo $ci, stat $st, cpuN dirs $dirs (want $want)"
    check "$name" [ "$on" = "$want" ]
    [ "$ci/$st/$dirs" = "$on/$on/$on" ] || all_agree=1
}
case_check "parents only: the tightest ancestor" "$(expect 1)" "150000 100000" "100000 100000" max
case_check "the child only" "$(expect 1)" max max "100000 100000"
case_check "child tighter than its parents" "$(expect 1)" "300000 100000" "75000 50000" "60000 100000"
case_check "a child looser than its parent" "$(expect 1)" max "50000 50000" "150000 100000"
case_check "no quota anywhere: the cpuset" "$NCPU" max max max
check "cpuinfo, stat and cpuN directories count what online says" [ $all_agree = 0 ]

# the tmpfs view renders without a reader: the same rule from the cgroup's paths
quotas max "50000 100000" max
mkdir -p "$TVIEW"
"$KAVA" run --view tmpfs --mount "$TVIEW" --period 100 2>"$TMPDIR/tagent.log" & tagent=$!
BG_PIDS+=($tagent)
id=$("$KAVA" stat "$cg3" --json | jq -r .cgroup_id)
wait_for 60 test -s "$TVIEW/$id/sys/devices/system/cpu/online" ||   # the first render: slow in TCG VMs
    note "the tmpfs agent rendered nothing in 60 s; its log: $(tr '\n' '|' < "$TMPDIR/tagent.log"); in $TVIEW: $(ls "$TVIEW" | head | tr '\n' ' '); agent $(grep -s State /proc/$tagent/status) wchan $(cat /proc/$tagent/wchan 2>/dev/null)"
tonline=$(cat "$TVIEW/$id/sys/devices/system/cpu/online")
note "tmpfs view online with 0.5 CPU on cg2: $tonline"
check "the tmpfs view agrees" [ "$tonline" = 0 ]
kill -TERM "$tagent" "$agent"; wait "$tagent" "$agent" 2>/dev/null
umount -l "$TVIEW" 2>/dev/null
quotas max max max
"$KAVA" disable "$cg3" >/dev/null
