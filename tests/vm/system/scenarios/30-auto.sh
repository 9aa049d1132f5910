#!/bin/bash
# Containers started after kava get their view and figures with nothing but
# kava installed (issue 12's "Done when"), by each of kava's three ways in:
#   1. kava as `make install` left it (10-install: kava.service running, no
#      /etc/kava/kava.conf), nothing else changed:
#      - LXC: a busybox container whose config includes LXC's common.conf, as
#        the distribution templates' containers do: kava's include
#        (common.conf.d/00-kava.conf) enables it (start-host hook) and binds
#        the view (mount entries);
#      - podman (crun): the OCI hook from hooks.d enables it and attaches the
#        view;
#   2. kava.conf with `auto = preset:lxc,podman` and `auto-mount = yes`, and
#      no runtime hook at all:
#      - LXC: a busybox container that does not include common.conf;
#      - podman with no hooks directory (--hooks-dir of an empty one): with
#        crun (its tasks and limits in libpod-ID.scope/container: the preset's
#        inner pattern) and with runc (in the scope).
# Every container has memory.max 256M and half a CPU (LXC: cpuset 0 too),
# the host's /usr bound read-only, and must be listed by `kava list` with no
# `kava enable`, have kava's view over /proc/meminfo, and read its own
# figures with busybox and procps free, top, uptime and nproc, /proc/cpuinfo,
# /proc/uptime and /proc/loadavg.
. "$KAVA_SYS/system/lib.sh"

IMG=localhost/kava-busybox:latest
MEM_KB=262144                           # 256 MiB
OUT=$KAVA_SYS/results/30-auto
mkdir -p "$OUT"
NOHOOKS=$(mktemp -d /tmp/kava-nohooks.XXXX)
LXC_CTRS=(c-inc c-auto)
POD_CTRS=(kava-hook-p kava-auto-crun kava-auto-runc)
cleanup() {
    local c
    for c in "${LXC_CTRS[@]}"; do lxc_gone "$c"; done
    podman rm -f -t 0 "${POD_CTRS[@]}" >/dev/null 2>&1
    podman rmi -f "$IMG" >/dev/null 2>&1
    rm -rf "$NOHOOKS"
    # back to what 10-install left: kava running with no kava.conf
    if [ -n "${CONF_WRITTEN:-}" ]; then kava_start_conf "" >/dev/null 2>&1; fi
}
cleanup
trap cleanup EXIT

# the checks of one container, in this order (tool_checks)
CHECKS=("enabled with no kava enable (kava list)" "kava's view is mounted over /proc/meminfo"
        "busybox free: 256 MiB (sysinfo(2))" "procps free: 256 MiB"
        "busybox top and procps top: 256 MiB"
        "/proc/cpuinfo: 1 processor; busybox nproc --all: 1"
        "/proc/uptime, busybox and procps uptime: the container's"
        "/proc/loadavg: the container's tasks")
# skip_ctr LABEL REASON: the container's start and every check skip
skip_ctr() { local t; skip "$1: container started" "$2"; for t in "${CHECKS[@]}"; do skip "$1: $t" "$2"; done; }
[ -x "$KAVA" ] || { for l in "LXC include" "podman OCI hook" "LXC lxc preset" "podman preset crun" "podman preset runc"; do
    skip_ctr "$l" "kava is not installed"; done; exit 0; }

in_view() { awk '$5 == "/proc/meminfo"' "/proc/$1/mountinfo" 2>/dev/null | grep -q ' - fuse.kava '; }
view_layers() { awk '$5 == "/proc/meminfo"' "/proc/$1/mountinfo" 2>/dev/null | grep -c ' - fuse.kava '; }
listed() { "$KAVA" list 2>/dev/null | awk -v p="/sys/fs/cgroup$1" '$2 == p { f = 1 } END { exit !f }'; }
# uptime_ok SECONDS SINCE: a container uptime (s) no longer than the container
# has existed (SINCE: epoch of its start) + 5 s, on a host up much longer
uptime_ok() {
    local up=${1%%.*} age=$(( $(date +%s) - $2 + 5 ))
    [ -n "$up" ] && [ "$up" -le "$age" ] && [ "$(cut -d. -f1 /proc/uptime)" -gt $((age + 30)) ]
}
# up_min_ok "UPTIME OUTPUT" SINCE: "up N min" (no hours, no days), N minutes
# no more than the container has existed
up_min_ok() {
    local m age=$(( $(date +%s) - $2 + 5 ))
    m=$(sed -n 's/.* up \{1,\}\([0-9]\{1,\}\) min.*/\1/p' <<<"$1")
    [ -n "$m" ] && [ $((m * 60)) -le "$age" ]
}
# busybox top's "Mem: 1234K used, 5678K free, ...": used + free, in KiB
top_mem() { sed -n 's/^Mem: *\([0-9]*\)K used, *\([0-9]*\)K free.*/\1 \2/p' | awk '{ print $1 + $2 }' | head -1; }

# What runs in each container (busybox's applets by name: procps comes first
# on PATH, the host's /usr being bound), its sections split by section().
PROBE='echo "== free"; busybox free
echo "== nproc-all"; busybox nproc --all 2>&1
echo "== uptime"; busybox uptime
echo "== proc-uptime"; busybox cat /proc/uptime
echo "== loadavg"; busybox cat /proc/loadavg
echo "== cpuinfo"; busybox grep -c ^processor /proc/cpuinfo
echo "== meminfo"; busybox grep -E "^(MemTotal|MemFree|MemAvailable):" /proc/meminfo
echo "== top"; busybox top -b -n 1 | busybox head -n 4
echo "== procps-free"; /usr/bin/free -k
echo "== procps-top"; /usr/bin/top -b -n 1 | busybox head -n 5
echo "== procps-uptime"; /usr/bin/uptime
echo "== coreutils-nproc"; /usr/bin/nproc'

# tool_checks LABEL PID CGROUP OUT SINCE: the checks of CHECKS for a running
# container whose probe output is in OUT
tool_checks() {
    local l=$1 pid=$2 cg=$3 out=$4 since=$5
    local total ptotal top ptop cpus nall up loadavg threads lastpid host_threads
    if wait_until 30 listed "$cg"; then
        ok "$l: ${CHECKS[0]}: $cg"
    else
        nok "$l: ${CHECKS[0]}: $cg not in: $("$KAVA" list 2>&1 | tr '\n' ';')"
    fi
    if wait_until 30 in_view "$pid"; then
        ok "$l: ${CHECKS[1]} ($(view_layers "$pid") layer(s))"
    else
        nok "$l: ${CHECKS[1]}"
        grep -E ' /proc/(meminfo|cpuinfo) ' "/proc/$pid/mountinfo" | sed 's/^/# mountinfo: /'
    fi
    sed "s/^/# $l: /" "$out"
    total=$(section free "$out" | awk '$1 == "Mem:" { print $2 }')
    check "$l: ${CHECKS[2]} (total ${total:-?} KiB)" [ "$total" = "$MEM_KB" ]
    ptotal=$(section procps-free "$out" | awk '$1 == "Mem:" { print $2 }')
    check "$l: ${CHECKS[3]} (total ${ptotal:-?} KiB)" [ "$ptotal" = "$MEM_KB" ]
    top=$(section top "$out" | top_mem)
    # procps 4 prints MiB ("MiB Mem :    256.0 total"), procps 3 KiB
    ptop=$(section procps-top "$out" | sed -n 's/^\([KM]iB\) Mem : *\([0-9.]*\) total.*/\1 \2/p' | head -1)
    check "$l: ${CHECKS[4]} (busybox used + free ${top:-?} KiB; procps ${ptop:-?} total)" \
        [ \( "$ptop" = "MiB 256.0" -o "$ptop" = "KiB $MEM_KB.0" \) -a "$top" = "$MEM_KB" ]
    cpus=$(section cpuinfo "$out"); nall=$(section nproc-all "$out")
    check "$l: ${CHECKS[5]} (cpuinfo ${cpus:-?}, nproc --all ${nall:-?})" [ "$cpus" = 1 -a "$nall" = 1 ]
    note "$l: coreutils nproc (sched_getaffinity: the host's 2 CPUs, a quota is no affinity) $(section coreutils-nproc "$out")"
    up=$(section proc-uptime "$out" | awk '{ print $1 }')
    check "$l: ${CHECKS[6]} (/proc/uptime $up s, started $(( $(date +%s) - since )) s ago; busybox: $(section uptime "$out" | tr -s ' '); procps: $(section procps-uptime "$out" | tr -s ' '))" \
        eval 'uptime_ok "$up" "$since" && up_min_ok "$(section uptime "$out")" "$since" && up_min_ok "$(section procps-uptime "$out")" "$since"'
    loadavg=$(section loadavg "$out")
    threads=$(awk '{ split($4, a, "/"); print a[2] }' <<<"$loadavg")
    lastpid=$(awk '{ print $5 }' <<<"$loadavg")
    host_threads=$(awk '{ split($4, a, "/"); print a[2] }' /proc/loadavg)
    check "$l: ${CHECKS[7]} ($loadavg; host: $(cat /proc/loadavg))" \
        [ "${threads:-0}" -ge 1 -a "${threads:-99}" -le 20 -a "${host_threads:-0}" -gt 50 -a "${lastpid:-99999}" -lt 1000 ]
}

# ------------------------------------------------------------ LXC
# lxc_ctr LABEL NAME INCLUDE(1|0): a busybox container with the host's /usr
# bound read-only (procps, python3), memory.max 256M, half a CPU, cpuset 0,
# no network; INCLUDE=1: its config includes LXC's common.conf
lxc_ctr() {
    local l=$1 n=$2 inc=$3 since pid cg t0
    t0=$(date +%s)
    if ! logged "lxc-create-$n" lxc_create "$n"; then
        skip_ctr "$l" "lxc-create -t busybox failed"; return
    fi
    {
        [ "$inc" = 1 ] && echo 'lxc.include = /usr/share/lxc/config/common.conf'
        cat <<EOC
lxc.cgroup2.memory.max = 256M
lxc.cgroup2.cpu.max = 50000 100000
lxc.cgroup2.cpuset.cpus = 0
lxc.net =
lxc.mount.entry = /usr usr none ro,bind,create=dir 0 0
lxc.mount.entry = /usr/lib lib none ro,bind,create=dir 0 0
lxc.mount.entry = /usr/lib64 lib64 none ro,bind,create=dir 0 0
EOC
    } >>"/var/lib/lxc/$n/config"
    since=$(date +%s)
    if logged "lxc-start-$n" timeout 180 lxc-start -n "$n" && timeout 60 lxc-wait -n "$n" -s RUNNING -t 60 >/dev/null &&
       pid=$(lxc_pid "$n") && [ "${pid:-0}" -gt 0 ]; then
        ok "$l: container started (init pid $pid, lxc_create + lxc-start $(( $(date +%s) - t0 )) s)"
    else
        nok "$l: container started"
        lxc-info -n "$n" 2>&1 | sed 's/^/# lxc-info: /'
        tail -n 20 "/var/log/lxc/$n.log" 2>/dev/null | sed 's/^/# lxc log: /'
        for t in "${CHECKS[@]}"; do skip "$l: $t" "the container did not start"; done
        return
    fi
    cg=$(cgroup_of "$pid")
    note "$l: cgroup $cg: memory.max $(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null), cpu.max $(cat "/sys/fs/cgroup$cg/cpu.max" 2>/dev/null), cpuset.cpus.effective $(cat "/sys/fs/cgroup$cg/cpuset.cpus.effective" 2>/dev/null)"
    # the container's init may still be starting: retry the attach a little
    wait_until 30 sh -c "lxc-attach -n $n -- sh -c \"\$1\" >$OUT/$n.txt 2>$OUT/$n.err" _ "$PROBE"
    tool_checks "$l" "$pid" "$cg" "$OUT/$n.txt" "$since"
}

# ------------------------------------------------------------ podman
# pod_ctr LABEL NAME PODMAN-ARGS...: a detached busybox container, 256m,
# half a CPU, the host's /usr bound read-only
pod_ctr() {
    local l=$1 n=$2 since pid cg; shift 2
    if ! podman_busybox_image "$IMG"; then
        skip_ctr "$l" "podman import of a busybox image failed"; return
    fi
    since=$(date +%s)
    if logged "podman-run-$n" timeout 240 podman "$@" run -d --name "$n" --network none \
            --memory 256m --cpus 0.5 -v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro \
            "$IMG" /bin/busybox sleep 3600 &&
       pid=$(podman inspect -f '{{.State.Pid}}' "$n" 2>/dev/null) && [ "${pid:-0}" -gt 0 ]; then
        ok "$l: container started (pid $pid, $(( $(date +%s) - since )) s)"
    else
        nok "$l: container started"
        for t in "${CHECKS[@]}"; do skip "$l: $t" "the container did not start"; done
        return
    fi
    cg=$(cgroup_of "$pid")
    note "$l: cgroup $cg: memory.max $(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null), cpu.max $(cat "/sys/fs/cgroup$cg/cpu.max" 2>/dev/null); parent cpu.max $(cat "/sys/fs/cgroup${cg%/*}/cpu.max" 2>/dev/null)"
    note "$l: OCI hooks in its config.json: $(jq -c '.hooks // {} | with_entries(.value |= map(.path + " " + ((.args // [])[1:] | join(" "))))' \
        "/var/lib/containers/storage/overlay-containers/$(podman inspect -f '{{.Id}}' "$n")/userdata/config.json" 2>&1)"
    timeout 120 podman exec "$n" /bin/busybox sh -c "$PROBE" >"$OUT/$n.txt" 2>"$OUT/$n.err"
    tool_checks "$l" "$pid" "$cg" "$OUT/$n.txt" "$since"
}

have_lxc=1; command -v lxc-create >/dev/null || have_lxc=
have_podman=1; command -v podman >/dev/null || have_podman=

# ------------------------------------------------------------ 1. installed, no kava.conf
note "kava.conf: $(cat /etc/kava/kava.conf 2>/dev/null || echo none); kava list: $("$KAVA" list 2>&1 | tr '\n' ';')"
check "kava.service is running as 10-install left it (no kava.conf)" eval 'kava_serving && [ ! -e /etc/kava/kava.conf ]'
if [ -n "$have_lxc" ]; then lxc_ctr "LXC include" c-inc 1; else skip_ctr "LXC include" "lxc not installed"; fi
if [ -n "$have_podman" ]; then pod_ctr "podman OCI hook" kava-hook-p; else skip_ctr "podman OCI hook" "podman not installed"; fi
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -E 'oci-hook|enabled|auto' | tail -n 6 | sed 's/^/# kava: /'
for c in "${LXC_CTRS[@]}"; do lxc_gone "$c"; done
podman rm -f -t 0 "${POD_CTRS[@]}" >/dev/null 2>&1

# ------------------------------------------------------------ 2. automatic, no hooks
CONF_WRITTEN=1
if kava_start_conf '# 30-auto: every LXC and podman container, with its view
auto = preset:lxc,podman
auto-mount = yes'; then
    ok "kava.service restarted with kava.conf: auto = preset:lxc,podman, auto-mount = yes ($KAVA_START_SECONDS s)"
else
    nok "kava.service restarted with kava.conf: auto = preset:lxc,podman, auto-mount = yes"
    journalctl -u kava -b --no-pager -o cat 2>&1 | tail -n 15 | sed 's/^/# kava: /'
fi
if [ -n "$have_lxc" ]; then lxc_ctr "LXC lxc preset" c-auto 0; else skip_ctr "LXC lxc preset" "lxc not installed"; fi
if [ -n "$have_podman" ]; then
    pod_ctr "podman preset crun" kava-auto-crun --hooks-dir "$NOHOOKS" --runtime crun
    pod_ctr "podman preset runc" kava-auto-runc --hooks-dir "$NOHOOKS" --runtime runc
else
    skip_ctr "podman preset crun" "podman not installed"; skip_ctr "podman preset runc" "podman not installed"
fi
note "kava list: $("$KAVA" list 2>&1 | tr '\n' ';')"
note "systemctl status: $(systemctl status kava --no-pager 2>&1 | sed -n 's/^ *Status: //p')"
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -E 'auto' | tail -n 12 | sed 's/^/# kava: /'
