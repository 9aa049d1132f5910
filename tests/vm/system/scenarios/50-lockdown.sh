#!/bin/bash
# sysinfo(2) on a lockdown host (issue 14), in the same boot as the other
# scenarios and therefore last: lockdown only ever goes up. As a host booted
# with lockdown=integrity has nothing loaded before it, kava is stopped and
# its BPF state unloaded (kava unload) before `integrity` is written to
# /sys/kernel/security/lockdown; the kernel then refuses bpf_probe_write_user
# to every new program (bpf_tracing_func_proto(): LOCKDOWN_BPF_WRITE_USER is
# checked when a program is loaded, as at boot), which kava's probe load at
# start and the kernel's "Lockdown:" log line show, and kava.service answers
# containers' sysinfo(2) through the seccomp listeners it opens at
# /run/kava/seccomp.sock (OCI) and /run/kava/seccomp-lxc.sock (LXC). Then:
#   - runc and crun containers whose profile notifies sysinfo (and uname,
#     which must continue to the kernel) with that socket as
#     linux.seccomp.listenerPath (as tests/integration/seccomp_sysinfo.sh
#     builds them on the development host), and an LXC busybox container
#     (kava's include enables it) with a `sysinfo notify` policy and
#     lxc.seccomp.notify.proxy: busybox free, busybox uptime, python
#     os.getloadavg() and a C program calling sysinfo(2) show the
#     container's figures; an enabled container with no such profile gets
#     the host's (no BPF rewrite is left);
#   - a sysinfo(2) loop in the runc and the LXC container runs through
#     systemctl restart kava and kill -9 of its main pid (systemd's fd store
#     keeps the listeners and connections): no call fails, none is wrong,
#     none waits more than 10 s.
# A syscall-heavy workload's time with and without the listener is reported.
# (Booted with lockdown=integrity on the command line, the raise is skipped.)
. "$KAVA_SYS/system/lib.sh"

MEM=$((256 * 1024 * 1024))
SOCK=/run/kava/seccomp.sock
LXCSOCK=/run/kava/seccomp-lxc.sock
LX=c-lockdown                           # the LXC container
DIR=$(mktemp -d /tmp/kava-lockdown.XXXX)
OUT=$DIR/out
mkdir -p "$OUT"
CTRS=()                                 # "runtime name"
cleanup() {
    local c
    for c in "${CTRS[@]}"; do ${c% *} delete -f "${c#* }" >/dev/null 2>&1; done
    lxc_gone "$LX"
    cp -r "$OUT" "$KAVA_SYS/results/50-lockdown" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT

# ------------------------------------------------------------ lockdown, raised
RAISE=("kava's BPF state unloaded before the raise (nothing loaded, as at boot)"
       "echo integrity > /sys/kernel/security/lockdown: lockdown is integrity"
       "kava.service starts under lockdown"
       "the kernel refuses bpf_probe_write_user to kava (its probe load; the kernel's Lockdown: log)"
       "kava doctor: sysinfo(2) through the seccomp listener, BPF rewrite refused")
mode() { sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null; }
[ -e /sys/kernel/security/lockdown ] || skip_all "no /sys/kernel/security/lockdown (the lockdown LSM is not active)" "${RAISE[@]}"
[ -x "$KAVA" ] || skip_all "kava is not installed" "${RAISE[@]}"
booted=$(mode)
note "lockdown before: $(cat /sys/kernel/security/lockdown), kernel command line: $(cat /proc/cmdline)"
dmesg_lines0=$(dmesg | wc -l)
if [ "$booted" = none ]; then
    systemctl stop kava
    "$KAVA" unload >"$OUT/unload.txt" 2>&1
    # no kava program may be left in the kernel: an attached sys_exit_sysinfo
    # rewrite would keep answering (it was verified before the raise). The
    # kernel frees a program a moment after its last reference goes (a
    # deferred work item): wait for that.
    kava_progs() { bpftool prog show 2>/dev/null | sed -n 's/.* name \(kava_[^ ]*\) .*/\1/p' | sort | tr '\n' ' '; }
    wait_until 20 eval '[ -z "$(kava_progs)" ]'
    check "${RAISE[0]} (kava unload: $(tr '\n' ' ' <"$OUT/unload.txt"); kava programs left: $(kava_progs))" [ -z "$(kava_progs)" ]
    echo integrity >/sys/kernel/security/lockdown 2>"$OUT/raise.err"
    check "${RAISE[1]} ($(cat /sys/kernel/security/lockdown) $(cat "$OUT/raise.err"))" [ "$(mode)" = integrity ]
else
    skip "${RAISE[0]}" "booted with lockdown $booted"
    check "${RAISE[1]} (booted so: $(cat /sys/kernel/security/lockdown))" [ "$(mode)" = integrity ]
fi
t0=$(date +%s.%N)
if kava_start_conf ""; then
    ok "${RAISE[2]} (systemctl restart: $KAVA_START_SECONDS s)"
else
    nok "${RAISE[2]}"
    journalctl -u kava -b --no-pager -o cat 2>&1 | tail -n 15 | sed 's/^/# kava: /'
fi
journalctl -u kava -b --no-pager -o cat --since "@${t0%.*}" >"$OUT/start.journal" 2>&1
grep -iE 'sysinfo|lockdown|seccomp|write_user' "$OUT/start.journal" | head -n 4 | sed 's/^/# kava: /'
klog=$(dmesg | tail -n +"$((dmesg_lines0 + 1))" | grep -m1 'Lockdown: .*use of bpf to write user RAM is restricted')
note "kernel: ${klog:-no Lockdown: line}"
check "${RAISE[3]}" eval 'grep -q "refuses bpf_probe_write_user" "$OUT/start.journal" && [ -n "$klog" ]'
doc=$("$KAVA" doctor 2>&1 | grep '^sysinfo(2):')
note "$doc"
check "${RAISE[4]}" grep -q "^sysinfo(2):  seccomp listener at $SOCK.*BPF rewrite refused (bpf_probe_write_user; kernel lockdown is 'integrity')" <<<"$doc"

# ------------------------------------------------------------ the containers
NAMES=("runc: kava takes the container's seccomp listener"
       "runc: sysinfo(2): totalram is its 256 MiB limit, freeram below it"
       "runc: sysinfo(2): uptime and procs are the container's"
       "runc: busybox free shows the container's memory"
       "runc: busybox uptime shows the container's load averages"
       "runc: python os.getloadavg() shows the container's load averages"
       "runc: another notified call (uname) continues to the kernel")
for t in runc crun jq python3 busybox; do
    command -v $t >/dev/null || skip_all "$t not installed in the image" "${NAMES[@]}"
done
SI=$KAVA_BUILD/helpers/kava-sysinfo
[ -x "$SI" ] || skip_all "no $SI on the scenario disk" "${NAMES[@]}"
kava_serving || skip_all "kava is not running" "${NAMES[@]}"

# A busybox rootfs with the image's /usr bound read-only (python3, the helper's libc).
ROOT=$DIR/rootfs
busybox_rootfs "$ROOT" || skip_all "cannot make a busybox rootfs" "${NAMES[@]}"
mkdir -p "$ROOT"/{usr,out}
ln -s usr/lib "$ROOT/lib"; ln -s usr/lib64 "$ROOT/lib64"
cp "$SI" "$ROOT/bin/kava-sysinfo"

# bundle NAME SECCOMP(1|0) SCRIPT: the bundle of one container (tests/lib/oci_sysinfo.sh)
. "$KAVA_SYS/lib/oci_sysinfo.sh"
bundle() { oci_sysinfo_bundle "$DIR/$1" "$2" "$3" "/kava-lockdown-$1"; }
# run_ctr RUNTIME NAME ENABLE(1|0): create, enable its cgroup and attach the
# view (kava mount: free reads Cached from /proc/meminfo), start, wait for its end
run_ctr() {
    local rt=$1 name=kava-lockdown-$2 pid cg
    CTRS+=("$rt $name")
    $rt create --bundle "$DIR/$2" "$name" >"$OUT/$2.log" 2>&1 </dev/null || return 1
    pid=$($rt state "$name" | jq -r .pid)
    cg=/sys/fs/cgroup$(cgroup_of "$pid")
    if [ "$3" = 1 ]; then
        "$KAVA" enable "$cg" >>"$OUT/$2.log" 2>&1 || return 1
        "$KAVA" mount "$pid" >>"$OUT/$2.log" 2>&1 || return 1
    fi
    $rt start "$name" >>"$OUT/$2.log" 2>&1 || return 1
    for _ in $(seq 1200); do
        [ "$($rt state "$name" 2>/dev/null | jq -r .status)" = stopped ] && break
        sleep 0.25
    done
    [ "$3" = 1 ] && "$KAVA" disable "$cg" >/dev/null 2>&1
    $rt delete -f "$name" >/dev/null 2>&1
    return 0
}
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$OUT/$1"; }
# busybox prints loads truncated to hundredths: loads[] >> 16 and the fraction
# between "A, B, C" "X, Y, Z" "D, E, F": each of X, Y, Z lies between the
# figures at its place in the first and the third list (either order)
between() {
    awk -v lo="$1" -v mid="$2" -v hi="$3" 'BEGIN {
        if (split(lo, a, ", ") != 3 || split(mid, m, ", ") != 3 || split(hi, b, ", ") != 3) exit 1
        for (i = 1; i <= 3; i++) {
            l = a[i] + 0; h = b[i] + 0; x = m[i] + 0
            if (l > h) { t = l; l = h; h = t }
            if (x < l || x > h) exit 1
        }
    }'
}
hundredths() { awk '$1 == "loads" { for (i = 2; i <= 4; i++) printf "%s%d.%02d", (i > 2 ? ", " : ""), int($i / 65536), int(($i % 65536) * 100 / 65536) }' "$OUT/$1" 2>/dev/null; }

# python compares os.getloadavg() with sysinfo(2) called through ctypes right
# before and after it (a 5 s load sample may fall between two calls)
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
# every tool once, after a busy task and more than one 5 s load sample (loads not 0);
# P is the output file prefix
TOOLS='while :; do :; done & sleep 12; free > $P.free; kava-sysinfo > $P.si; uptime > $P.uptime;
    kava-sysinfo > $P.si-after; python3 /bin/loads.py > $P.py; uname -r > $P.uname; kill $!'

# tools_checks LABEL PREFIX SINCE: the checks of NAMES[1..6] for one container's files
tools_checks() {
    local l=$1 p=$2 since=$3 total free_b unit up procs host_up age ftotal fused ffree want want2
    note "$l: sysinfo: $(tr '\n' ' ' <"$OUT/$p.si" 2>/dev/null)"
    total=$(field "$p.si" totalram); free_b=$(field "$p.si" freeram); unit=$(field "$p.si" mem_unit)
    check "$l: ${NAMES[1]#*: } (totalram $total x $unit, freeram $free_b)" \
        eval '[ "$total" = "$MEM" ] && [ "$unit" = 1 ] && [ "${free_b:-0}" -gt 0 ] && [ "$free_b" -lt "$MEM" ]'
    # no older than the container (started at SINCE), which the host is
    up=$(field "$p.si" uptime); procs=$(field "$p.si" procs); host_up=$(cut -d. -f1 /proc/uptime)
    age=$(( $(date +%s) - since + 2 ))
    check "$l: ${NAMES[2]#*: } (uptime $up s, the container is at most $age s old, host $host_up s; procs $procs)" \
        eval '[ "${up:-99999}" -le "$age" ] && [ "$host_up" -gt "$age" ] && [ "${procs:-0}" -ge 1 ] && [ "$procs" -le 8 ]'
    note "$l: free: $(tr -s ' ' <"$OUT/$p.free" 2>/dev/null | tr '\n' '|')"
    read -r _ ftotal fused ffree _ < <(grep '^Mem:' "$OUT/$p.free" 2>/dev/null)
    check "$l: ${NAMES[3]#*: } (total $ftotal KiB, used $fused, free $ffree)" \
        eval '[ "$ftotal" = $((MEM / 1024)) ] && [ "$fused" -le "$ftotal" ] && [ "$ffree" -le "$ftotal" ]'
    note "$l: uptime: $(cat "$OUT/$p.uptime" 2>/dev/null); host: $(cat /proc/loadavg)"
    # each load busybox shows lies between those of the sysinfo(2) calls right
    # before and after it (the busy loop makes them rise; under TCG the calls
    # can span more than one 5 s sample, so neither end need equal it); the
    # host's loads lie far outside
    want=$(hundredths "$p.si"); want2=$(hundredths "$p.si-after")
    check "$l: ${NAMES[4]#*: } ($want / $want2)" eval '[ -n "$want" ] && [ "$want" != "0.00, 0.00, 0.00" ] &&
        between "$want" "$(sed -n "s/.*load average: //p" "$OUT/$p.uptime")" "$want2"'
    note "$l: python: $(tr '\n' ' ' <"$OUT/$p.py" 2>/dev/null)"
    check "$l: ${NAMES[5]#*: }" eval '[ "$(sed -n 2p "$OUT/$p.py" | cut -d" " -f1)" = match ] && ! grep -q "^0.0 0.0 0.0" "$OUT/$p.py"'
    check "$l: ${NAMES[6]#*: } ($(cat "$OUT/$p.uname" 2>/dev/null))" [ "$(cat "$OUT/$p.uname" 2>/dev/null)" = "$(uname -r)" ]
}

# ---- runc and crun, side by side (each waits 12 s for a load sample or two)
since=$(date +%s)
jobs_=()
for rt in runc crun; do
    bundle "tools-$rt" 1 "P=/out/$rt; $TOOLS" || skip_all "cannot make an OCI bundle" "${NAMES[@]}"
    { run_ctr "$rt" "tools-$rt" 1 || sed 's/^/# '"$rt"': /' "$OUT/tools-$rt.log" | tail -n 10; } >"$OUT/run-$rt.txt" &
    jobs_+=($!)
done
wait "${jobs_[@]}"
CTRS+=("runc kava-lockdown-tools-runc" "crun kava-lockdown-tools-crun")
journalctl -u kava -b --no-pager -o cat --since "@$since" >"$OUT/tools.journal" 2>&1
for rt in runc crun; do
    cat "$OUT/run-$rt.txt"
    check "$rt: ${NAMES[0]#*: }" grep -q "serving container kava-lockdown-tools-$rt" "$OUT/tools.journal"
    tools_checks "$rt" "$rt" "$since"
done

# ---- an enabled container without the profile, one in no enabled cgroup
bundle plain 0 'kava-sysinfo > /out/si-plain'
run_ctr runc plain 1
host_total=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
check "an enabled container with no notify profile gets the host's sysinfo(2): no BPF rewrite is left ($(field si-plain totalram) = $host_total)" \
    [ "$(field si-plain totalram)" = "$host_total" ]
bundle outside 1 'kava-sysinfo > /out/si-outside'
run_ctr runc outside 0
check "a container in no enabled cgroup gets the host's sysinfo(2) through the listener ($(field si-outside totalram) = $host_total)" \
    [ "$(field si-outside totalram)" = "$host_total" ]

# ---- LXC: lxc.seccomp.notify.proxy
LXN=("LXC: the container starts with a sysinfo notify policy and kava as its proxy"
     "LXC: busybox free shows the container's memory (through the proxy)"
     "LXC: sysinfo(2): totalram is its 256 MiB limit, uptime the container's"
     "LXC: python os.getloadavg() shows the container's load averages")
lxc_ok=
if ! command -v lxc-create >/dev/null; then
    for t in "${LXN[@]}"; do skip "$t" "lxc not installed"; done
elif logged "lxc-create-$LX" lxc_create "$LX"; then
    printf '2\ndenylist\nsysinfo notify\nuname notify\n' >"/var/lib/lxc/$LX/kava-sysinfo.seccomp"
    cat >>"/var/lib/lxc/$LX/config" <<EOC
lxc.include = /usr/share/lxc/config/common.conf
lxc.cgroup2.memory.max = 256M
lxc.net =
lxc.mount.entry = /usr usr none ro,bind,create=dir 0 0
lxc.mount.entry = /usr/lib lib none ro,bind,create=dir 0 0
lxc.mount.entry = /usr/lib64 lib64 none ro,bind,create=dir 0 0
lxc.seccomp.profile = /var/lib/lxc/$LX/kava-sysinfo.seccomp
lxc.seccomp.notify.proxy = unix:$LXCSOCK
EOC
    cp "$SI" "/var/lib/lxc/$LX/rootfs/bin/kava-sysinfo"
    cp "$ROOT/bin/loads.py" "/var/lib/lxc/$LX/rootfs/bin/loads.py"
    since=$(date +%s)
    if logged "lxc-start-$LX" timeout 180 lxc-start -n "$LX" && timeout 60 lxc-wait -n "$LX" -s RUNNING -t 60 >/dev/null &&
       wait_until 30 sh -c "lxc-attach -n $LX -- /bin/kava-sysinfo >$OUT/lxc.si 2>$OUT/lxc.err"; then
        ok "${LXN[0]} (pid $(lxc_pid "$LX"), cgroup $(cgroup_of "$(lxc_pid "$LX")"))"
        lxc_ok=1
        lxc-attach -n "$LX" -- busybox free >"$OUT/lxc.free" 2>&1
        lxc-attach -n "$LX" -- /usr/bin/python3 /bin/loads.py >"$OUT/lxc.py" 2>&1
        note "LXC: sysinfo: $(tr '\n' ' ' <"$OUT/lxc.si"); free: $(tr -s ' ' <"$OUT/lxc.free" | tr '\n' '|'); python: $(tr '\n' ' ' <"$OUT/lxc.py")"
        read -r _ ftotal _ < <(grep '^Mem:' "$OUT/lxc.free" 2>/dev/null)
        check "${LXN[1]} (total $ftotal KiB)" [ "$ftotal" = $((MEM / 1024)) ]
        total=$(field lxc.si totalram); up=$(field lxc.si uptime)
        check "${LXN[2]} (totalram $total, uptime $up s, started $(( $(date +%s) - since )) s ago)" \
            eval '[ "$total" = "$MEM" ] && [ "${up:-99999}" -le $(( $(date +%s) - since + 2 )) ]'
        check "${LXN[3]}" eval '[ "$(sed -n 2p "$OUT/lxc.py" | cut -d" " -f1)" = match ]'
    else
        nok "${LXN[0]}"
        sed 's/^/# /' "$OUT/lxc.err" 2>/dev/null | tail -n 5
        tail -n 20 "/var/log/lxc/$LX.log" 2>/dev/null | sed 's/^/# lxc log: /'
        for t in "${LXN[@]:1}"; do skip "$t" "the container did not start or its sysinfo(2) failed"; done
    fi
    journalctl -u kava -b --no-pager -o cat 2>&1 | grep -iE 'lxc|proxy' | tail -n 4 | sed 's/^/# kava: /'
else
    for t in "${LXN[@]}"; do skip "$t" "lxc-create -t busybox failed"; done
fi

# ------------------------------------------------------------ restart and kill -9 during loops
LOOPN=("sysinfo(2) loops (runc, LXC) through restart and kill -9: none failed or wrong"
       "sysinfo(2) loops (runc, LXC) through restart and kill -9: no call waited 10 s")
bundle loop 1 "kava-sysinfo loop 36 $MEM > /out/loop"
run_ctr runc loop 1 & loopjob=$!
if [ -n "$lxc_ok" ]; then
    lxc-attach -n "$LX" -- /bin/kava-sysinfo loop 36 "$MEM" >"$OUT/lxc.loop" 2>"$OUT/lxc.loop.err" & lxcjob=$!
fi
wait_until 60 sh -c "runc state kava-lockdown-loop 2>/dev/null | jq -e '.status == \"running\"' >/dev/null"
sleep 8
t0=$(date +%s.%N); systemctl restart kava; wait_until 60 kava_serving; t1=$(date +%s.%N)
sleep 6
restarts0=$(systemctl show -p NRestarts --value kava)
t2=$(date +%s.%N)
kill -9 "$(kava_main_pid)"
wait_until 60 eval '[ "$(systemctl show -p NRestarts --value kava)" -gt "$restarts0" ] && kava_serving'
t3=$(date +%s.%N)
wait "$loopjob"
[ -n "$lxc_ok" ] && wait "$lxcjob"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
note "restart: serving again after $(secs "$t0" "$t1") s; kill -9: after $(secs "$t2" "$t3") s (NRestarts $restarts0 -> $(systemctl show -p NRestarts --value kava))"
read -r calls failed wrong worst <"$OUT/loop" 2>/dev/null
note "runc loop: ${calls:-?} calls, ${failed:-?} failed, ${wrong:-?} wrong, longest call ${worst:-?} ms"
lcalls=- lfailed=0 lwrong=0 lworst=0
if [ -n "$lxc_ok" ]; then
    read -r lcalls lfailed lwrong lworst <"$OUT/lxc.loop" 2>/dev/null
    note "LXC loop: ${lcalls:-?} calls, ${lfailed:-?} failed, ${lwrong:-?} wrong, longest call ${lworst:-?} ms"
    grep -i -E 'fail|totalram' "$OUT/lxc.loop.err" 2>/dev/null | head -3 | sed 's/^/# LXC: /'
fi
check "${LOOPN[0]} (runc ${calls:-?} calls, ${failed:-?} failed, ${wrong:-?} wrong; LXC ${lcalls:-?}, ${lfailed:-?}, ${lwrong:-?})" \
    eval '[ "${calls:-0}" -gt 100 ] && [ "$failed" = 0 ] && [ "$wrong" = 0 ] &&
          { [ -z "$lxc_ok" ] || { [ "${lcalls:-0}" -gt 100 ] && [ "$lfailed" = 0 ] && [ "$lwrong" = 0 ]; }; }'
check "${LOOPN[1]} (longest runc ${worst:-?} ms, LXC ${lworst:-?} ms)" \
    awk -v w="${worst:-99999}" -v l="${lworst:-99999}" 'BEGIN { exit !(w < 10000 && l < 10000) }'
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -iE 'took over|previous agent' | tail -n 4 | sed 's/^/# kava: /'

# ------------------------------------------------------------ the cost, reported
# (5000 calls: through the listener one takes ~0.6 ms under TCG, 50000 were 30 s)
bundle bench-on 1 'kava-sysinfo bench 5000 > /out/bench-on'
bundle bench-off 0 'kava-sysinfo bench 5000 > /out/bench-off'
run_ctr runc bench-on 1; run_ctr runc bench-off 1
note "with the notify profile and kava: $(tr '\n' ',' <"$OUT/bench-on" 2>/dev/null)"
note "no seccomp profile:               $(tr '\n' ',' <"$OUT/bench-off" 2>/dev/null)"
