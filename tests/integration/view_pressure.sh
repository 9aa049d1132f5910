#!/usr/bin/env bash
# PSI triggers through the FUSE view (Documentation/accounting/psi.rst): a
# program inside a container opens /proc/pressure/cpu read-write, writes
# "some STALL WINDOW" and polls for POLLPRI. kava registers the same trigger
# on the container's own cgroup cpu.pressure and forwards its events. A
# container whose CPU is oversubscribed (three busy loops on one CPU) gets
# events; an idle one, with the same trigger at the same time, gets none.
# Bad triggers get the kernel's EINVAL/EBUSY; everything else stays read-only.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

PSI=$KAVA_BUILD/helpers/kava-psi
NAMES=("a trigger in a stalled container fires" "the trigger is registered on the container's own cgroup file"
       "a trigger in an idle container does not fire for another's stall" "closing the file removes the trigger"
       "bad triggers get EINVAL" "a second trigger on one open file gets EBUSY"
       "a reader outside containers gets the host's trigger" "other files stay read-only")
need_root "${NAMES[@]}"
[ -x "$PSI" ] || skip_all "$PSI not built (make $PSI)" "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"
cat /proc/pressure/cpu >/dev/null 2>&1 || skip_all "no PSI in this kernel (CONFIG_PSI, or psi=0 on the command line)" "${NAMES[@]}"

VIEW=/run/kava-test-$$-psi
MEM=$((512 * 1024 * 1024))
cga=$(new_container busy "$MEM" 0) && cgb=$(new_container idle "$MEM" 0) ||
    skip_all "cannot create containers with cpuset limits here" "${NAMES[@]}"
# the windows the kernel takes from a writer like this one: without
# CAP_SYS_RESOURCE (this host drops it even for root), whole 2 s only
TRIG="some 100000 2000000"
out=$("$PSI" "$cga/cpu.pressure" "$TRIG" 0 0 2>&1)
[ "$out" = "$(printf 'registered\nevents 0')" ] ||
    skip_all "the kernel takes no PSI trigger on a cgroup here ($cga/cpu.pressure: $out)" "${NAMES[@]}"
"$KAVA" enable "$cga" "$cgb" >/dev/null
"$KAVA" run --mount "$VIEW" 2>/dev/null & agent=$!
BG_PIDS+=($agent)
wait_for 10 test -e "$VIEW/proc/meminfo"

holders=()
for cg in "$cga" "$cgb"; do
    sh -c "$(join_script "$cg")"' && exec unshare -m --propagation private sleep 600' & holders+=($!)
    BG_PIDS+=($!)
done
for h in "${holders[@]}"; do
    wait_for 5 sh -c "[ \"\$(readlink /proc/$h/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
    "$KAVA" mount --mount "$VIEW" "$h" >/dev/null
done
in_cg() {       # in_cg CGROUP HOLDER CMD...: run CMD inside that container
    local cg=$1 h=$2; shift 2
    nsenter -t "$h" -m sh -c "$(join_script "$cg")"' && exec "$@"' sh "$@"
}
for _ in 1 2 3; do in_cg "$cga" "${holders[0]}" "$TASK" spin 600 & BG_PIDS+=($!); done

# the idle container's trigger listens the whole time the busy one's fires
bout=$(mktemp)
in_cg "$cgb" "${holders[1]}" "$PSI" /proc/pressure/cpu "$TRIG" 300 >"$bout" 2>&1 & bpoll=$!
BG_PIDS+=($bpoll)
aout=$(mktemp)
in_cg "$cga" "${holders[0]}" "$PSI" /proc/pressure/cpu "$TRIG" 120 3 >"$aout" 2>&1 & apoll=$!
wait_for 10 grep -q registered "$aout"
# the pressure files the agent holds open for writing: a trigger is a write
# (the view's reads keep read-only descriptors of what they read, fdcache.h)
trigger_fds() {
    local fd flags
    # one find for the candidates: the agent keeps many descriptors, a fork per one is slow
    for fd in $(find "/proc/$agent/fd" -mindepth 1 -maxdepth 1 \( -lname '*.pressure' -o \
                -lname '/proc/pressure/*' \) -printf '%f\n' 2>/dev/null); do
        flags=$(awk '/^flags:/ { print $2 }' "/proc/$agent/fdinfo/$fd" 2>/dev/null) || continue
        [ -n "$flags" ] && [ $((8#$flags & 3)) != 0 ] && readlink "/proc/$agent/fd/$fd"
    done
}
fds=$(trigger_fds)
note "agent's trigger files: $(echo $fds)"
check "the trigger is registered on the container's own cgroup file" grep -qx "$cga/cpu.pressure" <<<"$fds"
wait $apoll; arc=$?
note "busy container: $(tr '\n' ' ' <"$aout"); cpu.pressure: $(head -1 "$cga/cpu.pressure")"
check "a trigger in a stalled container fires" [ $arc = 0 ]
# end the idle container's poller (nsenter's grandchild: found by its cgroup and name)
for p in $(cat "$cgb/cgroup.procs"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = kava-psi ] && kill $p; done
wait $bpoll 2>/dev/null
note "idle container, meanwhile: $(tr '\n' ' ' <"$bout"); cpu.pressure: $(head -1 "$cgb/cpu.pressure")"
check_all "a trigger in an idle container does not fire for another's stall" \
    'grep -q registered "$bout" && ! grep -q event "$bout"'
# the agent's descriptors are listed (an agent gone has none: that is no pass)
no_pressure_fd() { [ -d "/proc/$agent/fd" ] && [ -z "$(trigger_fds)" ]; }
wait_for 5 no_pressure_fd
check "closing the file removes the trigger" no_pressure_fd

bad=""
for t in "some 100000 1000000" "some 0 2000000" "some 3000000 2000000" "bogus 1 2" "some 100000 12000000" "full 1"; do
    r=$(in_cg "$cga" "${holders[0]}" "$PSI" /proc/pressure/cpu "$t" 0 0 | head -1)
    [ "$r" = "write: EINVAL" ] || bad="$bad [$t: $r]"
done
[ -z "$bad" ] || note "not EINVAL:$bad"
check "bad triggers get EINVAL" [ -z "$bad" ]
check "a second trigger on one open file gets EBUSY" \
    [ "$(in_cg "$cga" "${holders[0]}" "$PSI" --twice /proc/pressure/cpu "$TRIG")" = EBUSY ]

# outside every container: the host's /proc/pressure/cpu, whose stall the busy loops make too
hout=$("$PSI" "$VIEW/proc/pressure/cpu" "some 1000 2000000" 120 1 2>&1); hrc=$?
note "host reader: $(tr '\n' ' ' <<<"$hout")"
check "a reader outside containers gets the host's trigger" [ $hrc = 0 ]

ro=""
for f in /proc/meminfo /proc/stat /sys/devices/system/cpu/online; do
    for how in rdwr wronly trunc; do
        r=$(in_cg "$cga" "${holders[0]}" "$PSI" --open "$f" $how)
        [ "$r" = EROFS ] || ro="$ro [$f $how: $r]"
    done
done
in_cg "$cga" "${holders[0]}" sh -c 'touch /sys/devices/system/cpu/new || mkdir /sys/devices/system/cpu/cpu9' 2>/dev/null && ro="$ro [created a file]"
[ -z "$ro" ] || note "writable:$ro"
check "other files stay read-only" [ -z "$ro" ]

for h in "${holders[@]}"; do "$KAVA" umount "$h" >/dev/null; done
kill -TERM "$agent" 2>/dev/null; wait "$agent" 2>/dev/null
rm -f "$aout" "$bout"; rmdir "$VIEW" 2>/dev/null
