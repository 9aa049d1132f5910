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

# in CG: uptime, stat's "cpu " line and CPU count, then uptime again (read(2)
# with the shell's read and grep: busybox cat copies with sendfile())
read_view() {
    sh -c 'echo $$ > "$1/cgroup.procs" && exec sh -c "
        read -r u < $2/proc/uptime; echo \$u
        grep \"^cpu \" $2/proc/stat
        grep -c \"^cpu[0-9]\" $2/proc/stat
        read -r u < $2/proc/uptime; echo \$u"' sh "$1" "$VIEW" | tr '\n' ' '
}

# (a) enabled, then an empty wait, then the first task: the span is since the enable
# Clocks (host /proc/uptime, CLOCK_BOOTTIME as the view's) are read around
# each event, so every bound holds however slow the machine is (TCG VMs).
clock() { cut -d' ' -f1 /proc/uptime; }
cg=$(new_cgroup young)
t0=$(clock)
"$KAVA" enable "$cg" >/dev/null
t1=$(clock)
sleep 3
run_in "$cg" sleep 60
sleep 0.5
r0=$(clock)
read -r up1 idle1 _ _ _ _ sidle _ _ _ _ _ _ n up2 idle2 <<<"$(read_view "$cg")"
r1=$(clock)
note "young task: uptime $up1 idle $idle1 | stat idle ${sidle} ticks on $n CPUs | uptime $up2 idle $idle2 (enable between $t0 and $t1, read between $r0 and $r1)"
check "idle <= uptime x CPUs for a task younger than the enable" \
    holds "$idle1 <= $up1 * $n + 0.001 && $idle2 <= $up2 * $n + 0.001"
check "uptime's idle is stat's idle" holds "$idle1 <= $sidle / $HZ + 0.001 && $sidle / $HZ <= $idle2 + 0.001"
check "uptime counts from the enable" holds "$up1 >= $r0 - $t1 - 0.01 && $up2 <= $r1 - $t0 + 0.01"
"$KAVA" disable "$cg" >/dev/null

# (b) a task 3 s old when the cgroup is enabled: the span starts at its start
cg=$(new_cgroup old)
s0=$(clock)
run_in "$cg" sleep 60
wait_for 5 grep -q . "$cg/cgroup.procs"      # started (it joins, then execs sleep)
s1=$(clock)
sleep 3
"$KAVA" enable "$cg" >/dev/null
r0=$(clock)
read -r up1 idle1 _ _ _ _ sidle _ _ _ _ _ _ n up2 idle2 <<<"$(read_view "$cg")"
r1=$(clock)
note "old task: uptime $up1 idle $idle1 | stat idle ${sidle} ticks on $n CPUs | uptime $up2 (task started between $s0 and $s1, read between $r0 and $r1)"
check "uptime counts from the oldest task held at enable" \
    holds "$up1 >= $r0 - $s1 - 0.01 && $up2 <= $r1 - $s0 + 0.01"
check "idle <= uptime x CPUs for a task older than the enable" \
    holds "$idle1 <= $up1 * $n + 0.001 && $idle2 <= $up2 * $n + 0.001"
"$KAVA" disable "$cg" >/dev/null
kill -TERM "$agent"; wait "$agent" 2>/dev/null
