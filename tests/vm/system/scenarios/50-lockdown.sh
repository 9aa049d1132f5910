#!/bin/bash
# vmsystem-cmdline: lockdown=integrity
# sysinfo(2) on a lockdown host (issue 14): this scenario boots on its own
# with lockdown=integrity, so the kernel refuses the BPF rewrite
# (bpf_probe_write_user) and kava.service answers containers' sysinfo(2)
# through the seccomp listener it opens at /run/kava/seccomp.sock. A runc
# container whose profile notifies sysinfo (and uname, which must continue to
# the kernel) with that socket as linux.seccomp.listenerPath (as
# tests/integration/seccomp_sysinfo.sh builds it on the development host):
# busybox free, busybox uptime, python os.getloadavg() and a C program
# calling sysinfo(2) show the container's figures; kava doctor names the
# seccomp path. Then a sysinfo(2) loop runs through systemctl restart kava
# and kill -9 of its main pid (systemd's fd store keeps the listener): no
# call fails, none is wrong, none waits more than 10 s. A syscall-heavy
# workload's time with and without the listener is reported.
. "$KAVA_SYS/system/lib.sh"

NAMES=("the kernel runs with lockdown=integrity" "kava.service is active"
       "kava doctor: sysinfo(2) through the seccomp listener, BPF rewrite refused"
       "runc hands the container's seccomp listener to kava"
       "sysinfo(2) in the container: totalram is its 256 MiB limit, freeram below it"
       "sysinfo(2): uptime and procs are the container's"
       "busybox free shows the container's memory"
       "busybox uptime shows the container's load averages"
       "python os.getloadavg() shows the container's load averages"
       "another notified call (uname) continues to the kernel"
       "a container in no enabled cgroup gets the host's sysinfo(2)"
       "sysinfo(2) loop through restart and kill -9: none failed or wrong"
       "sysinfo(2) loop through restart and kill -9: no call waited 10 s")
MEM=$((256 * 1024 * 1024))
SOCK=/run/kava/seccomp.sock
DIR=$(mktemp -d /tmp/kava-lockdown.XXXX)
OUT=$DIR/out
mkdir -p "$OUT"
CTRS=()
cleanup() {
    local c
    for c in "${CTRS[@]}"; do runc delete -f "$c" >/dev/null 2>&1; done
    cp -r "$OUT" "$KAVA_SYS/results/50-lockdown" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT

mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
if [ "$mode" = integrity ]; then
    ok "${NAMES[0]} ($(cat /sys/kernel/security/lockdown))"
else
    nok "${NAMES[0]} (lockdown: '$(cat /sys/kernel/security/lockdown 2>&1)', cmdline: $(cat /proc/cmdline))"
fi
[ -x "$KAVA" ] || skip_all "kava is not installed" "${NAMES[@]:1}"
for t in runc jq python3 busybox; do
    command -v $t >/dev/null || skip_all "$t not installed in the image" "${NAMES[@]:1}"
done
SI=$KAVA_BUILD/helpers/kava-sysinfo
[ -x "$SI" ] || skip_all "no $SI on the scenario disk" "${NAMES[@]:1}"

if kava_start_conf ""; then
    ok "${NAMES[1]} (systemctl restart: $KAVA_START_SECONDS s)"
else
    nok "${NAMES[1]}"
    journalctl -u kava -b --no-pager -o cat 2>&1 | tail -n 15 | sed 's/^/# kava: /'
    skip_all "kava is not running" "${NAMES[@]:2}"
fi
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -i -E 'sysinfo|lockdown|seccomp' | head -n 4 | sed 's/^/# kava: /'
doc=$("$KAVA" doctor 2>&1 | grep '^sysinfo(2):')
note "$doc"
check "${NAMES[2]}" grep -q "^sysinfo(2):  seccomp listener at $SOCK.*BPF rewrite refused (bpf_probe_write_user; kernel lockdown is 'integrity')" <<<"$doc"

# A busybox rootfs with the image's /usr bound read-only (python3, the helper's libc).
ROOT=$DIR/rootfs
busybox_rootfs "$ROOT" || skip_all "cannot make a busybox rootfs" "${NAMES[@]:3}"
mkdir -p "$ROOT"/{usr,out}
ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"
cp "$SI" "$ROOT/bin/kava-sysinfo"

# bundle NAME SECCOMP(1|0) SCRIPT: an OCI bundle for one container
bundle() {
    local b=$DIR/$1 seccomp='{}'
    mkdir -p "$b"
    [ "$2" = 1 ] && seccomp=$(jq -n --arg sock "$SOCK" '{defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $sock, architectures: ["SCMP_ARCH_X86_64"],
        syscalls: [{names: ["sysinfo", "uname"], action: "SCMP_ACT_NOTIFY"}]}')
    (cd "$b" && runc spec) || return 1
    jq --arg root "$ROOT" --arg out "$OUT" --arg script "$3" --argjson mem "$MEM" \
       --argjson seccomp "$seccomp" --arg cg "/kava-lockdown-$1" '
        .process.terminal = false | .process.args = ["/bin/sh", "-c", $script]
        | .process.env += ["PATH=/bin:/usr/bin"]
        | .root = {path: $root, readonly: true}
        | .mounts += [{destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"]},
                      {destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
        | .linux.cgroupsPath = $cg
        | .linux.resources.memory = {limit: $mem}
        | if $seccomp == {} then del(.linux.seccomp) else .linux.seccomp = $seccomp end
    ' "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
}
# run_ctr NAME ENABLE(1|0): create, enable its cgroup and attach the view
# (kava mount: free reads Cached from /proc/meminfo), start, wait for its end
run_ctr() {
    local name=kava-lockdown-$1 pid cg
    CTRS+=("$name")
    runc create --bundle "$DIR/$1" "$name" >"$OUT/$1.log" 2>&1 </dev/null || return 1
    pid=$(runc state "$name" | jq -r .pid)
    cg=/sys/fs/cgroup$(cgroup_of "$pid")
    if [ "$2" = 1 ]; then
        "$KAVA" enable "$cg" >>"$OUT/$1.log" 2>&1 || return 1
        "$KAVA" mount "$pid" >>"$OUT/$1.log" 2>&1 || return 1
    fi
    runc start "$name" >>"$OUT/$1.log" 2>&1 || return 1
    for _ in $(seq 1200); do
        [ "$(runc state "$name" 2>/dev/null | jq -r .status)" = stopped ] && break
        sleep 0.25
    done
    [ "$2" = 1 ] && "$KAVA" disable "$cg" >/dev/null 2>&1
    runc delete -f "$name" >/dev/null 2>&1
    return 0
}
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$OUT/$1"; }

# ------------------------------------------------------------ every tool, once
# a busy task and more than one 5 s load sample, so the loads are not 0
# python compares os.getloadavg() with sysinfo(2) called through ctypes
# right before and after it (a 5 s load sample may fall between two calls)
cat >"$ROOT/bin/loads.py" <<'EOP'
import ctypes, os
class SI(ctypes.Structure):
    _fields_ = [("uptime", ctypes.c_long), ("loads", ctypes.c_ulong * 3)] + [("rest", ctypes.c_char * 256)]
libc = ctypes.CDLL(None, use_errno=True)
def loads():
    si = SI()
    assert libc.sysinfo(ctypes.byref(si)) == 0, os.strerror(ctypes.get_errno())
    return [x / 65536 for x in si.loads]
before = loads(); got = os.getloadavg(); after = loads()
print(*got)
print("match" if list(got) in (before, after) else "differ", *before, "/", *after)
EOP
bundle tools 1 'while :; do :; done & sleep 12; kava-sysinfo > /out/si; free > /out/free; uptime > /out/uptime;
    kava-sysinfo > /out/si-after; python3 /bin/loads.py > /out/py; uname -r > /out/uname' ||
    skip_all "cannot make an OCI bundle" "${NAMES[@]:3}"
t_tools=$(date +%s)
run_ctr tools 1 || { sed 's/^/# runc: /' "$OUT/tools.log" | tail -n 10; }
journalctl -u kava -b --no-pager -o cat >"$OUT/kava.journal" 2>&1
check "${NAMES[3]}" grep -q "serving container kava-lockdown-tools" "$OUT/kava.journal"
note "sysinfo in the container: $(tr '\n' ' ' <"$OUT/si" 2>/dev/null)"
total=$(field si totalram); free_b=$(field si freeram); unit=$(field si mem_unit)
check "${NAMES[4]} (totalram $total x $unit, freeram $free_b)" \
    eval '[ "$total" = "$MEM" ] && [ "$unit" = 1 ] && [ "${free_b:-0}" -gt 0 ] && [ "$free_b" -lt "$MEM" ]'
# no older than the container (created at t_tools), which the host is
up=$(field si uptime); procs=$(field si procs); host_up=$(cut -d. -f1 /proc/uptime)
age=$(( $(date +%s) - t_tools + 2 ))
check "${NAMES[5]} (uptime $up s, the container is at most $age s old, host $host_up s; procs $procs)" \
    eval '[ "${up:-99999}" -le "$age" ] && [ "$host_up" -gt "$age" ] && [ "${procs:-0}" -ge 1 ] && [ "$procs" -le 5 ]'
note "free: $(tr -s ' ' <"$OUT/free" 2>/dev/null | tr '\n' '|')"
read -r _ ftotal fused ffree _ < <(grep '^Mem:' "$OUT/free" 2>/dev/null)
check "${NAMES[6]} (total $ftotal KiB, used $fused, free $ffree)" \
    eval '[ "$ftotal" = $((MEM / 1024)) ] && [ "$fused" -le "$ftotal" ] && [ "$ffree" -le "$ftotal" ]'
note "uptime: $(cat "$OUT/uptime" 2>/dev/null); host: $(cat /proc/loadavg)"
# busybox prints loads truncated to hundredths: loads[] >> 16 and the fraction;
# they are the ones of the sysinfo(2) call before or after it
hundredths() { awk '$1 == "loads" { for (i = 2; i <= 4; i++) printf "%s%d.%02d", (i > 2 ? ", " : ""), int($i / 65536), int(($i % 65536) * 100 / 65536) }' "$OUT/$1" 2>/dev/null; }
want=$(hundredths si); want2=$(hundredths si-after)
check "${NAMES[7]} ($want / $want2)" eval '[ -n "$want" ] && [ "$want" != "0.00, 0.00, 0.00" ] &&
    { grep -q "load average: $want\$" "$OUT/uptime" || grep -q "load average: $want2\$" "$OUT/uptime"; }'
note "python: $(tr '\n' ' ' <"$OUT/py" 2>/dev/null)"
check "${NAMES[8]}" eval '[ "$(sed -n 2p "$OUT/py" | cut -d" " -f1)" = match ] && ! grep -q "^0.0 0.0 0.0" "$OUT/py"'
check "${NAMES[9]} ($(cat "$OUT/uname" 2>/dev/null))" [ "$(cat "$OUT/uname" 2>/dev/null)" = "$(uname -r)" ]

bundle outside 1 'kava-sysinfo > /out/si-outside'
run_ctr outside 0
host_total=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
check "${NAMES[10]} ($(field si-outside totalram) = $host_total)" [ "$(field si-outside totalram)" = "$host_total" ]

# ------------------------------------------------------------ restart and kill -9 during a loop
bundle loop 1 "kava-sysinfo loop 36 $MEM > /out/loop"
run_ctr loop 1 & loopjob=$!
wait_until 60 sh -c "runc state kava-lockdown-loop 2>/dev/null | jq -e '.status == \"running\"' >/dev/null"
sleep 8
systemctl restart kava
wait_until 60 kava_serving
sleep 6
restarts0=$(systemctl show -p NRestarts --value kava)
kill -9 "$(kava_main_pid)"
wait_until 60 eval '[ "$(systemctl show -p NRestarts --value kava)" -gt "$restarts0" ] && kava_serving'
wait "$loopjob"
read -r calls failed wrong worst <"$OUT/loop" 2>/dev/null
grep -i -E 'fail|totalram' "$OUT/loop.log" 2>/dev/null | head -3 | sed 's/^/# /'
note "loop: ${calls:-?} calls, ${failed:-?} failed, ${wrong:-?} wrong, longest call ${worst:-?} ms; NRestarts $restarts0 -> $(systemctl show -p NRestarts --value kava)"
check "${NAMES[11]} (${calls:-?} calls, ${failed:-?} failed, ${wrong:-?} wrong)" \
    eval '[ "${calls:-0}" -gt 100 ] && [ "$failed" = 0 ] && [ "$wrong" = 0 ]'
check "${NAMES[12]} (longest ${worst:-?} ms)" awk -v w="${worst:-99999}" 'BEGIN { exit !(w < 10000) }'
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -iE 'took over|previous agent' | tail -n 4 | sed 's/^/# kava: /'

# ------------------------------------------------------------ the cost, reported
bundle bench-on 1 'kava-sysinfo bench 200000 > /out/bench-on'
bundle bench-off 0 'kava-sysinfo bench 200000 > /out/bench-off'
run_ctr bench-on 1; run_ctr bench-off 1
note "with the notify profile and kava: $(tr '\n' ',' <"$OUT/bench-on" 2>/dev/null)"
note "no seccomp profile:               $(tr '\n' ',' <"$OUT/bench-off" 2>/dev/null)"
