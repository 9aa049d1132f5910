#!/usr/bin/env bash
# /proc/uptime and /proc/stat measure one span: the container's uptime counts
# from its enable or from the start of the oldest task it held then, and
# uptime's idle is the sum of stat's per-CPU idle, never above uptime x CPUs.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="idle <= uptime x CPUs for a task younger than the enable;uptime's idle is stat's idle;uptime counts from the enable;uptime counts from the oldest task held at enable;idle <= uptime x CPUs for a task older than the enable"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"

VIEW=/run/kava-test-$$-uptime
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
trap 'cleanup; rmdir "$VIEW" 2>/dev/null' EXIT
mkdir -p "$VIEW"
"$KAVA" run --mount "$VIEW" 2>/dev/null & agent=$!
BG_PIDS+=($agent)
wait_for 10 test -e "$VIEW/proc/meminfo"

# in CG: uptime, stat's summed idle (s) and the CPU count, then uptime again
read_view() {
    sh -c 'echo $$ > "$1/cgroup.procs" && exec sh -c "
        cat $2/proc/uptime
        grep \"^cpu \" $2/proc/stat
        grep -c \"^cpu[0-9]\" $2/proc/stat
        cat $2/proc/uptime"' sh "$1" "$VIEW" | tr '\n' ' '
}

# (a) enabled, then an empty wait, then the first task: the span is since the enable
cg=$(new_cgroup young)
"$KAVA" enable "$cg" >/dev/null
t_enable=$(cut -d' ' -f1 /proc/uptime)
sleep 3
run_in "$cg" sleep 60
sleep 0.5
read -r up1 idle1 _ _ _ _ sidle _ _ _ _ _ _ n up2 idle2 <<<"$(read_view "$cg")"
now=$(cut -d' ' -f1 /proc/uptime)
note "young task: uptime $up1 idle $idle1 | stat idle ${sidle} ticks on $n CPUs | uptime $up2 idle $idle2 (enabled $(awk -v a="$t_enable" -v b="$now" 'BEGIN{print b-a}') s ago)"
check "idle <= uptime x CPUs for a task younger than the enable" \
    holds "$idle1 <= $up1 * $n + 0.001 && $idle2 <= $up2 * $n + 0.001"
check "uptime's idle is stat's idle" holds "$idle1 <= $sidle / $HZ + 0.001 && $sidle / $HZ <= $idle2 + 0.001"
check "uptime counts from the enable" holds "$up2 >= $now - $t_enable - 0.5 && $up2 <= $now - $t_enable + 0.5"
"$KAVA" disable "$cg" >/dev/null

# (b) a task 3 s old when the cgroup is enabled: the span starts at its start
cg=$(new_cgroup old)
run_in "$cg" sleep 60
t_start=$(cut -d' ' -f1 /proc/uptime)
sleep 3
"$KAVA" enable "$cg" >/dev/null
read -r up1 idle1 _ _ _ _ sidle _ _ _ _ _ _ n up2 idle2 <<<"$(read_view "$cg")"
now=$(cut -d' ' -f1 /proc/uptime)
note "old task: uptime $up1 idle $idle1 | stat idle ${sidle} ticks on $n CPUs | uptime $up2 (task started $(awk -v a="$t_start" -v b="$now" 'BEGIN{print b-a}') s ago)"
check "uptime counts from the oldest task held at enable" \
    holds "$up1 >= $now - $t_start - 0.5 && $up1 <= $now - $t_start + 0.5"
check "idle <= uptime x CPUs for a task older than the enable" \
    holds "$idle1 <= $up1 * $n + 0.001 && $idle2 <= $up2 * $n + 0.001"
"$KAVA" disable "$cg" >/dev/null
kill -TERM "$agent"; wait "$agent" 2>/dev/null
