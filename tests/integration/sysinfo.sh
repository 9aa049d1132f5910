#!/usr/bin/env bash
# sysinfo(2) for a container: every field from kava's sysinfo program, the
# figures of the container's view (meminfo, swaps, uptime, loadavg), read
# by a C program (kava-sysinfo), busybox free and uptime, and glibc's
# getloadavg(); outside every container the host's. The program needs
# bpf_probe_write_user, which kernel lockdown refuses: there every case
# skips with that reason (the VM harness runs them: make vmtest).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="totalram is the view's MemTotal;freeram is the view's MemFree;sharedram is the view's Shmem;bufferram is 0;swap is the view's SwapTotal and SwapFree;mem_unit is the kernel's;uptime is the view's uptime;procs is the container's thread count;loads and getloadavg are kava's;busybox free shows the container's memory;busybox uptime shows the container's uptime and load;outside: the host's memory, uptime and tasks"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
SI=$KAVA_BUILD/helpers/kava-sysinfo
[ -x "$SI" ] || skip_all "no $SI (make helpers)" "${NAMES[@]}"
BB=$(command -v busybox || true)
[ -n "$BB" ] || skip_all "busybox not installed (make deps)" "${NAMES[@]}"

PIN=${KAVA_PIN_DIR:-/sys/fs/bpf/kava}
TVIEW=/run/kava-test-$$-si
SHM=/run/kava-test-$$-shm
MEM=$((256 * 1024 * 1024))
cg=$(new_container si "$MEM" 0) || skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
trap 'cleanup; umount -l "$TVIEW" "$SHM" 2>/dev/null; rmdir "$TVIEW" "$SHM" 2>/dev/null' EXIT
"$KAVA" enable "$cg" >/dev/null 2>&1 || skip_all "kava enable failed" "${NAMES[@]}"
[ -e "$PIN/links/kava_sysinfo_exit" ] ||
    skip_all "this kernel refuses bpf_probe_write_user (lockdown): sysinfo(2) stays the host's here" "${NAMES[@]}"

mkdir -p "$TVIEW" "$SHM"
"$KAVA" run --view tmpfs --mount "$TVIEW" --period 200 2>/dev/null & agent=$!
BG_PIDS+=($agent)
id=$("$KAVA" stat "$cg" --json | jq -r .cgroup_id)
V=$TVIEW/$id/proc
wait_for 60 test -s "$V/meminfo"      # the first render: slow in TCG VMs
JOIN=$(join_script "$cg")
# the container: its cgroups and a private mount namespace with the view
# over /proc (busybox free reads /proc/meminfo beside sysinfo(2))
sh -c "$JOIN"' && exec unshare -m --propagation private sleep 300' & holder=$!
BG_PIDS+=($holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$holder/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
"$KAVA" mount --mount "$TVIEW" "$holder" >/dev/null || skip_all "kava mount failed" "${NAMES[@]}"
inside() { nsenter -t "$holder" -m sh -c "$JOIN"' && exec "$@"' sh "$@"; }

# the container: a busy task, a sleeper, 16 MiB of shmem charged to it
inside "$TASK" spin 60 & BG_PIDS+=($!)
inside sleep 60 & BG_PIDS+=($!)
mount -t tmpfs -o size=64m none "$SHM"
inside dd if=/dev/zero of="$SHM/blob" bs=1M count=16 status=none
sleep 1.5                       # the agent publishes shmem every tick

field() {       # field NAME OUTPUT: a kava-sysinfo value (load1/5/15 from "loads")
    case $1 in
        load1) awk '$1 == "loads" { print $2 }' <<<"$2" ;;
        load5) awk '$1 == "loads" { print $3 }' <<<"$2" ;;
        load15) awk '$1 == "loads" { print $4 }' <<<"$2" ;;
        *) awk -v k="$1" '$1 == k { print $2 }' <<<"$2" ;;
    esac
}
kb() { awk -v k="$1:" '$1 == k { print $2 }' "$V/meminfo"; }
# the view's uptime before the call, and the first one rendered after it: the
# file is as old as its last period (200 ms, seconds on a loaded TCG VM: a CI
# run read 2.x s after sysinfo said 4), so the one read at once may be older
# than the call; the first change may come from a render begun before the
# call, so the second one is taken
up0=$(cut -d' ' -f1 "$V/uptime")
si=$(inside "$SI")
up1=$(cut -d' ' -f1 "$V/uptime")
for _ in 1 2; do
    wait_for 20 sh -c "[ \"\$(cut -d' ' -f1 '$V/uptime')\" != '$up1' ]"
    up1=$(cut -d' ' -f1 "$V/uptime")
done
note "view uptime $up0 before sysinfo, $up1 two renders after it"
threads=$("$KAVA" stat "$cg" --json | jq -r .nr_threads)
mem_total=$(kb MemTotal) mem_free=$(kb MemFree) shmem=$(kb Shmem)
unit=$(field mem_unit "$si")
note "inside: $(tr '\n' ' ' <<<"$si")"
note "view: MemTotal $mem_total kB, MemFree $mem_free kB, Shmem $shmem kB, SwapTotal $(kb SwapTotal) kB, SwapFree $(kb SwapFree) kB, uptime $(cat "$V/uptime")"
b() { echo $(( $(field "$1" "$si") * unit )); }
check "totalram is the view's MemTotal" [ "$(b totalram)" = $((mem_total * 1024)) ]
# usage moves between the two reads: within 4 MiB
check "freeram is the view's MemFree" holds "$(b freeram) - $mem_free * 1024 <= 4194304 && $mem_free * 1024 - $(b freeram) <= 4194304"
check "sharedram is the view's Shmem" holds "$(b sharedram) >= 15 * 1048576 && $(b sharedram) - $shmem * 1024 <= 1048576 && $shmem * 1024 - $(b sharedram) <= 1048576"
check "bufferram is 0" [ "$(b bufferram)" = 0 ]
check_all "swap is the view's SwapTotal and SwapFree" \
    '[ "$(b totalswap)" = $(($(kb SwapTotal) * 1024)) ] && [ "$(b freeswap)" = $(($(kb SwapFree) * 1024)) ]'
check "mem_unit is the kernel's" [ "$unit" = "$(field mem_unit "$("$SI")")" ]
# do_sysinfo() rounds up to the second
check "uptime is the view's uptime" holds "$(field uptime "$si") >= $up0 && $(field uptime "$si") <= $up1 + 1"
note "kava stat threads after: $threads; sysinfo procs: $(field procs "$si")"
# the caller, kava-sysinfo, was one of them then
check "procs is the container's thread count" [ "$(field procs "$si")" = $((threads + 1)) ]

# loads: kava's fixed point (FSHIFT 11) shifted to sysinfo's 1/65536ths;
# glibc divides by 65536, busybox uptime truncates to hundredths
wait_for 12 sh -c "[ \"\$('$KAVA' stat '$cg' --json | jq -r .load_samples)\" -gt 0 ]"
loads_ok=1 bb_ok=1
avenrun() { "$KAVA" stat "$cg" --json | jq -r '"\(.load_samples) \(.loadavg | map(tostring) | join(" "))"'; }
# what sysinfo, glibc and busybox uptime must print for kava's avenrun "A1 A5 A15"
want_of() {
    awk -v a="$1" -v b="$2" -v c="$3" 'function t(x) { return sprintf("%d.%02d", int(x / 2048), int(x % 2048 * 100 / 2048)) }
        BEGIN { printf "%d %d %d|%.2f %.2f %.2f|%s %s %s\n", a * 32, b * 32, c * 32, a / 2048, b / 2048, c / 2048, t(a), t(b), t(c) }'
}
# A load sample may land between two reads (every 5 s): start each try just
# after a sample (the whole LOAD_FREQ ahead; a starved TCG VM needs it) and
# take one where kava's avenrun was the same before and after the calls.
# glibc's getloadavg() reads /proc/loadavg, here the tmpfs view rewritten
# every 200 ms: wait until it shows the avenrun read first.
samples() { "$KAVA" stat "$cg" --json | jq -r .load_samples; }
next_sample() {
    local n0 i
    n0=$(samples)
    for i in $(seq 60); do [ "$(samples)" != "$n0" ] && return 0; sleep 0.2; done
    return 1
}
for _ in 1 2 3 4 5 6 7 8; do
    next_sample || note "no load sample for 12 s"
    read -r n1 a1 a5 a15 <<<"$(avenrun)"
    w1=$(want_of "$a1" "$a5" "$a15")
    view_load=${w1#*|}; view_load=${view_load%|*}     # as getloadavg() prints it
    wait_for 4 sh -c "[ \"\$(cut -d' ' -f1-3 '$V/loadavg')\" = '$view_load' ]" ||
        { note "the tmpfs view's loadavg did not show $view_load within 4 s: $(cat "$V/loadavg")"; continue; }
    si=$(inside "$SI")
    up_out=$(inside "$BB" uptime)
    read -r n2 b1 b5 b15 <<<"$(avenrun)"
    got="$(field load1 "$si") $(field load5 "$si") $(field load15 "$si")|$(awk '/^getloadavg/ { print $2, $3, $4 }' <<<"$si")"
    got_bb=$(sed 's/.*load average: //; s/,//g' <<<"$up_out")
    note "kava avenrun $a1 $a5 $a15 (samples $n1) then $b1 $b5 $b15 ($n2): sysinfo|getloadavg $got; busybox uptime $got_bb; want $w1"
    [ "$n2" = "$n1" ] || continue
    [ "$got" = "${w1%|*}" ] && [ "$a1" -gt 0 ] && loads_ok=0
    up_min=$(( $(field uptime "$si") / 60 ))
    note "busybox uptime inside: $up_out (sysinfo uptime $(field uptime "$si") s)"
    grep -qE "up +$up_min min" <<<"$up_out" && [ "$got_bb" = "${w1##*|}" ] && bb_ok=0
    break
done
check "loads and getloadavg are kava's" [ $loads_ok = 0 ]
check "busybox uptime shows the container's uptime and load" [ $bb_ok = 0 ]

free_out=$(inside "$BB" free)
note "busybox free inside: $(tr -s ' \n' ' ' <<<"$free_out")"
# total; used = total - free - buff/cache stays within the limit (no wrap below 0)
mem_ok() { awk -v t="$mem_total" '/^Mem:/ { exit !($2 == t && $3 >= 0 && $3 <= t && $4 <= t) }' <<<"$free_out"; }
check "busybox free shows the container's memory" mem_ok
# outside: the kernel's own answer
out=$("$SI")
host_total=$(awk '$1 == "MemTotal:" { print $2 * 1024 }' /proc/meminfo)
host_up=$(cut -d' ' -f1 /proc/uptime)
ou=$(field mem_unit "$out")
note "outside: $(tr '\n' ' ' <<<"$out")"
check_all "outside: the host's memory, uptime and tasks" \
    '[ $(( $(field totalram "$out") * ou )) = "$host_total" ] && holds "$(field uptime "$out") >= $host_up - 1 && $(field uptime "$out") <= $host_up + 2" && [ "$(field procs "$out")" -gt "$threads" ]'
"$KAVA" umount "$holder" >/dev/null 2>&1
kill -TERM "$agent"; wait "$agent" 2>/dev/null
