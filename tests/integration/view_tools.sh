#!/usr/bin/env bash
# Real tools in a busy container through the FUSE and the tmpfs views: every
# way of reading a file (read, pread, readv, sendfile, splice, mmap), busybox
# (cat copies with sendfile), re-reads from offset 0 with a kept-open fd, and
# top, vmstat, mpstat and busybox top refreshing on the container's figures.
# The container: 512 MiB, host CPU 0 only, one busy loop.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

FILES="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/diskstats proc/swaps
proc/pressure/cpu proc/pressure/memory proc/pressure/io sys/devices/system/cpu/online
sys/devices/system/cpu/possible sys/devices/system/cpu/present
sys/devices/system/cpu/cpu0/topology/core_siblings_list sys/devices/system/cpu/cpu0/topology/core_id"
per_view="every file reads the same by read, pread, readv, sendfile, splice and mmap;busybox cat reads every file whole;busybox cat /proc/cpuinfo shows 1 processor;busybox nproc and nproc --all are 1;pread at 0 renders every file afresh;top shows the container's CPU use;top us above 90 after the first frame;vmstat shows the container's CPU use;vmstat us above 90;mpstat shows the container's CPU use per CPU;mpstat %usr above 90;busybox top shows the container's CPU use;busybox free total is the limit;busybox uptime shows kava's load"
NAMES=()
IFS=';' read -r -a P <<<"$per_view"
for v in fuse tmpfs; do for n in "${P[@]}"; do NAMES+=("$v: $n"); done; done
NAMES+=("fuse: busybox cat reads the whole file after a shorter reader's sendfile" "fuse: reads past offset 0 continue one text")
NAMES+=("tmpfs: kava/metrics follows the container's threads" "tmpfs: kava/metrics is made every 5th period, uptime every period")
need_root "${NAMES[@]}"
for tool in busybox top vmstat mpstat python3 unshare nsenter; do
    command -v $tool >/dev/null || skip_all "$tool not installed (make deps)" "${NAMES[@]}"
done
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"
[ "$(nproc --all)" -ge 2 ] || skip_all "needs a host with 2 CPUs or more" "${NAMES[@]}"

VIEW=/run/kava-test-$$-fuse
TVIEW=/run/kava-test-$$-tmpfs
MEM=$((512 * 1024 * 1024))
cg=$(new_container tools "$MEM" 0) || skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
name=${cg##*/}
if is_hybrid; then
    MEM_FILE=$(v1_dir memory)/$name/memory.limit_in_bytes CPUS_FILE=$(v1_dir cpuset)/$name/cpuset.cpus
else
    MEM_FILE=$cg/memory.max CPUS_FILE=$cg/cpuset.cpus
fi
"$KAVA" enable "$cg" >/dev/null
"$KAVA" run --mount "$VIEW" 2>/dev/null & agent=$!
BG_PIDS+=($agent)
"$KAVA" run --view tmpfs --period 200 --mount "$TVIEW" 2>/dev/null & tagent=$!
BG_PIDS+=($tagent)
id=$("$KAVA" stat "$cg" --json | jq -r .cgroup_id)
wait_for 10 test -e "$VIEW/proc/meminfo"
wait_for 10 test -s "$TVIEW/$id/proc/meminfo"

sh -c "$(join_script "$cg")"' && exec unshare -m --propagation private sleep 600' & holder=$!
BG_PIDS+=($holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$holder/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
JOIN=$(join_script "$cg")
inside() { nsenter -t "$holder" -m sh -c "$JOIN"' && exec "$@"' sh "$@"; }
inside "$TASK" spin 600 & BG_PIDS+=($!)
usage_us() { awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat"; }
sysinfo_loads=0
[ -e "${KAVA_PIN_DIR:-/sys/fs/bpf/kava}/links/kava_sysinfo_exit" ] && sysinfo_loads=1
NO_SYSINFO="busybox free/uptime read sysinfo(2), which kava cannot rewrite on this kernel (bpf_probe_write_user refused: lockdown)"
READS=$PWD/tests/integration/view_reads.py
abs_files() { local f; for f in $FILES; do echo "/$f"; done; }

# share of one CPU the container used while CMD ran (from its cgroup's own cpu.stat), in %
share_during() {
    local u0 u1 t0 t1
    u0=$(usage_us); t0=$(now_ns)
    "$@"
    u1=$(usage_us); t1=$(now_ns)
    SHARE=$(awk -v u=$((u1 - u0)) -v t=$(((t1 - t0) / 1000)) 'BEGIN { printf "%.1f", 100 * u / t }')
}
# check_busy V TOOL FIGURE: FIGURE (busy %, mean of the frames after the first) agrees with the
# container's own use (within 15 points), and is above 90 when the container had its CPU
check_busy() {
    local v=$1 tool=$2 fig=$3
    note "$v: $tool busy $fig%, the container's cgroup used $SHARE% of its CPU meanwhile"
    check "$v: $tool shows the container's CPU use" holds "$fig - $SHARE <= 15 && $SHARE - $fig <= 15"
    if holds "$SHARE >= 95"; then
        check "$v: $tool us above 90$4" holds "$fig > 90"
    else
        skip "$v: $tool us above 90$4" "the container got only $SHARE% of its CPU (host CPU 0 is busy with other work)"
    fi
}

tools_through() {          # tools_through VIEWNAME: every check of per_view
    local v=$1 out lines bad f fig
    out=$(inside python3 "$READS" ways $(abs_files))
    bad=$(grep '^bad' <<<"$out"); [ -n "$bad" ] && note "$bad"
    check "$v: every file reads the same by read, pread, readv, sendfile, splice and mmap" grep -q "^checked .* bad 0$" <<<"$out"
    bad=0
    for f in $(abs_files); do
        # diskstats lists only the devices the container did I/O on: it may be empty
        lines=$(inside busybox cat "$f" | wc -l)
        { [ "$lines" -gt 0 ] || [ "$f" = /proc/diskstats ]; } && [ "$lines" = "$(inside cat "$f" | wc -l)" ] ||
            { note "$v: busybox cat $f: $lines lines, cat: $(inside cat "$f" | wc -l)"; bad=1; }
    done
    check "$v: busybox cat reads every file whole" [ $bad = 0 ]
    f=$(inside busybox cat /proc/cpuinfo | grep -c ^processor)
    note "$v: busybox cat /proc/cpuinfo | grep -c processor: $f; busybox cat /proc/stat: $(inside busybox cat /proc/stat | wc -l) lines"
    check "$v: busybox cat /proc/cpuinfo shows 1 processor" [ "$f" = 1 ]
    check "$v: busybox nproc and nproc --all are 1" [ "$(inside busybox nproc)/$(inside busybox nproc --all)" = 1/1 ]

    # top: frames 2 and 3 (the first frame covers the time since boot)
    share_during eval 'out=$(inside top -b -n 3 -d 1)'
    fig=$(awk -F'[:,]' '/^%Cpu/ { n++; if (n > 1) { sub(/ *us/, "", $2); sub(/ *sy/, "", $3); s += $2 + $3; k++ } } END { if (k) printf "%.1f", s / k; else print -1 }' <<<"$out")
    note "$v: $(grep '^%Cpu' <<<"$out" | tr '\n' '|')"
    check_busy "$v" top "$fig"
    share_during eval 'out=$(inside vmstat 1 3)'
    fig=$(awk 'NR > 3 { s += $13 + $14; k++ } END { if (k) printf "%.1f", s / k; else print -1 }' <<<"$out")
    note "$v: vmstat us+sy of the 2nd and 3rd lines: $fig ($(awk 'NR > 2 { printf "us %s sy %s id %s | ", $13, $14, $15 }' <<<"$out"))"
    check_busy "$v" vmstat "$fig"
    share_during eval 'out=$(inside env LC_ALL=C mpstat -P ALL 1 2)'
    # per CPU: the container sees CPU 0 only; its %usr+%sys, mean over the two intervals
    fig=$(awk '$1 != "Average:" && $2 == "0" { s += $3 + $5; k++ } END { if (k) printf "%.1f", s / k; else print -1 }' <<<"$out")
    note "$v: mpstat: $(awk 'NR == 1 { print $(NF-1), $NF }' <<<"$out"); CPU 0 %usr+%sys $fig; $(awk '$1 != "Average:" && ($2 == "0" || $2 == "all") { printf "%s usr %s sys %s idle %s | ", $2, $3, $5, $12 }' <<<"$out")"
    check_busy "$v" mpstat "$fig" " (per CPU)"
    share_during eval 'out=$(inside busybox top -b -n 2 -d 1)'
    fig=$(awk '/^CPU:/ { n++; if (n > 1) { gsub(/%/, ""); print $2 + $4 } }' <<<"$out" | tail -1)
    note "$v: busybox top: $(grep '^CPU:' <<<"$out" | tr '\n' '|')"
    check_busy "$v" "busybox top" "${fig:--1}"
    if [ $sysinfo_loads = 1 ]; then
        check "$v: busybox free total is the limit" [ "$(inside busybox free -b | awk '/^Mem:/ { print $2 }')" = "$MEM" ]
        check "$v: busybox uptime shows kava's load" grep -q "load average: $("$KAVA" stat "$cg" | awk '/^loadavg/ { print $2", "$3", "$4 }')" <<<"$(inside busybox uptime)"
    else
        note "$v: busybox free: $(inside busybox free | awk '/^Mem:/' | tr -s ' '); busybox uptime: $(inside busybox uptime)"
        skip "$v: busybox free total is the limit" "$NO_SYSINFO"
        skip "$v: busybox uptime shows kava's load" "$NO_SYSINFO"
    fi
}

# pread(fd, 0) of a kept-open file after the container changed: every file
# whose figures moved reads changed; then the limits go back
fresh_through() {
    local v=$1 out want missing="" f
    # two busy loops on one CPU make CPU pressure (some) grow
    inside "$TASK" spin 30 & BG_PIDS+=($!)
    out=$(inside env MEM_FILE="$MEM_FILE" MEM_VALUE=$((MEM / 2)) CPUS_FILE="$CPUS_FILE" CPUS_VALUE=0-1 \
          python3 "$READS" fresh $(abs_files))
    echo "$MEM" > "$MEM_FILE"; echo 0 > "$CPUS_FILE"
    want="proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/pressure/cpu
sys/devices/system/cpu/online sys/devices/system/cpu/possible sys/devices/system/cpu/present
sys/devices/system/cpu/cpu0/topology/core_siblings_list"
    for f in $want; do grep -q "^changed /$f current" <<<"$out" || missing="$missing $f"; done
    note "$v: after the change (512 -> 256 MiB, CPU 0 -> 0-1, a new task, 1.1 s): $(tr '\n' '|' <<<"$out")"
    [ -z "$missing" ] || note "$v: pread(0) did not show the change:$missing"
    check "$v: pread at 0 renders every file afresh" [ -z "$missing" ]
}

# ---- the FUSE view
"$KAVA" mount --mount "$VIEW" "$holder" >/dev/null
tools_through fuse
fresh_through fuse
# a shorter reader's sendfile makes the kernel cut the file's size to its
# text: the next reader with a longer text (the host's) must still get it all
inside busybox cat /proc/cpuinfo >/dev/null
host_cpus=$(busybox cat "$VIEW/proc/cpuinfo" | grep -c ^processor)
note "fuse: busybox cat of the view's cpuinfo on the host right after the container's: $host_cpus processors (host: $(grep -c ^processor /proc/cpuinfo))"
check "fuse: busybox cat reads the whole file after a shorter reader's sendfile" [ "$host_cpus" = "$(grep -c ^processor /proc/cpuinfo)" ]
same=$(inside python3 -c '
import os, time
fd = os.open("/proc/stat", os.O_RDONLY)
a = os.read(fd, 100); time.sleep(0.3); b = os.read(fd, 1 << 20)
os.lseek(fd, 100, 0); c = os.read(fd, 1 << 20)
whole = a + b
print("same" if len(whole) > 200 and whole.endswith(b"\n") and c == b and whole.count(b"\ncpu") >= 1 else "differ")')
check "fuse: reads past offset 0 continue one text" [ "$same" = same ]
"$KAVA" umount "$holder" >/dev/null

# ---- the tmpfs view
"$KAVA" mount --mount "$TVIEW" "$holder" >/dev/null
tools_through tmpfs
fresh_through tmpfs
# kava/metrics and kava/runq are made again only when their figures moved:
# a thread more (and gone again) shows within a few periods, as kava stat
# says (the count before may hold a task of the check above still ending)
tthreads() { awk -v id="$id" 'index($0, "kava_container_threads{") == 1 && index($0, "cgroup_id=\"" id "\"") { print $2 }' "$TVIEW/$id/kava/metrics"; }
kthreads() { "$KAVA" stat "$cg" --json | jq -r .nr_threads; }
t0=$(tthreads)
inside sleep 6 & sleeper=$!
sleep 1
for _ in $(seq 25); do [ "$(tthreads)" = "$(kthreads)" ] && break; sleep 0.2; done
t1=$(tthreads) k1=$(kthreads)
wait "$sleeper" 2>/dev/null	# it ends by itself (its pid is a subshell's)
for _ in $(seq 50); do [ "$(tthreads)" = "$(kthreads)" ] && [ "$(tthreads)" -lt "$t1" ] && break; sleep 0.2; done
t2=$(tthreads) k2=$(kthreads)
note "tmpfs: kava_container_threads $t0, with a sleeper $t1 (kava stat $k1), after it $t2 (kava stat $k2)"
check_all "tmpfs: kava/metrics follows the container's threads" \
    '[ "$t1" = "$k1" ] && [ "$t2" = "$k2" ] && [ "$t2" -lt "$t1" ]'
# the container spins: its CPU time, and so kava/metrics' figures, move every
# period; uptime is rewritten every period, kava/metrics every 5th only (a
# file of it kept open: the refresh on open rewrites only containers read)
inside "$TASK" spin 6 & spinner=$!
sleep 0.5
read -r nup nmet < <(python3 - "$TVIEW/$id/proc/uptime" "$TVIEW/$id/kava/metrics" <<'PY'
import os, sys, time
held = os.open(sys.argv[1], os.O_RDONLY)
last = [os.stat(f).st_mtime_ns for f in sys.argv[1:]]
n = [0, 0]
end = time.time() + 4
while time.time() < end:
    for i, f in enumerate(sys.argv[1:]):
        m = os.stat(f).st_mtime_ns
        if m != last[i]:
            n[i] += 1
            last[i] = m
    time.sleep(0.01)
print(*n)
PY
)
wait "$spinner" 2>/dev/null
note "tmpfs: over 4 s at a 200 ms period, uptime rewritten $nup times, kava/metrics $nmet"
check_all "tmpfs: kava/metrics is made every 5th period, uptime every period" \
    '[ "$nup" -ge 4 ] && [ "$nmet" -ge 1 ] && [ $((nmet * 2)) -le "$nup" ]'
"$KAVA" umount "$holder" >/dev/null

kill -TERM "$agent" "$tagent" 2>/dev/null; wait "$agent" "$tagent" 2>/dev/null
umount -l "$TVIEW" 2>/dev/null; rmdir "$VIEW" "$TVIEW" 2>/dev/null
