#!/bin/bash
# Containers started after kava get their view with nothing but kava
# installed and configured (README "Automatic enablement", "Deploying"):
# /etc/kava/kava.conf names the lxc and podman presets and auto-mount; an LXC
# busybox container (memory.max 256M, cpu.max 50000 100000, cpuset 0) and a
# podman container (--memory 256m --cpus 0.5; the OCI hook from hooks.d runs
# too) are started afterwards, with no `kava enable`, no `kava mount`, no
# mount entries. Each must be enabled (`kava list`) and read its own figures
# with busybox free, nproc, uptime, /proc/cpuinfo and top, and in the podman
# container procps free/top/uptime too (the host's /usr bound read-only).
. "$KAVA_SYS/system/lib.sh"

C=c-auto                                # the LXC container
P=kava-auto-p                           # the podman container
IMG=localhost/kava-busybox:latest
MEM_KB=262144                           # 256 MiB
OUT=$KAVA_SYS/results/30-auto
mkdir -p "$OUT"
cleanup() {
    lxc_gone "$C"
    podman rm -f -t 0 "$P" "$P-runc" >/dev/null 2>&1
    podman rmi -f "$IMG" >/dev/null 2>&1
    # back to what 10-install left: kava running with no kava.conf
    if [ -n "${CONF_WRITTEN:-}" ]; then kava_start_conf "" >/dev/null 2>&1; fi
}
cleanup
trap cleanup EXIT

LXC_NAMES=("LXC: container started (lxc-create -t busybox, lxc-start)"
           "LXC: enabled with no kava enable (kava list)" "LXC: the view is mounted in the container"
           "LXC: busybox free shows 256 MiB (sysinfo(2))" "LXC: nproc is 1" "LXC: /proc/cpuinfo has 1 processor"
           "LXC: /proc/uptime is the container's" "LXC: busybox uptime is the container's (sysinfo(2))"
           "LXC: top's memory is the container's"
           "LXC: /proc/loadavg counts the container's tasks")
POD_NAMES=("podman: container started (--memory 256m --cpus 0.5)"
           "podman: enabled with no kava enable (kava list)" "podman: the view is mounted in the container"
           "podman: busybox free shows 256 MiB (sysinfo(2))" "podman: procps free shows 256 MiB"
           "podman: /proc/cpuinfo has 1 processor" "podman: busybox nproc --all is 1"
           "podman: /proc/uptime and procps uptime are the container's"
           "podman: busybox uptime is the container's (sysinfo(2))"
           "podman: procps top's memory is the container's"
           "podman: /proc/loadavg counts the container's tasks")
[ -x "$KAVA" ] || skip_all "kava is not installed" "${LXC_NAMES[@]}" "${POD_NAMES[@]}"

CONF='# 30-auto: every LXC and podman container, with its view
auto = preset:lxc,podman
auto-mount = yes'
CONF_WRITTEN=1
if kava_start_conf "$CONF"; then
    ok "kava.service restarted with kava.conf: auto = preset:lxc,podman, auto-mount = yes ($KAVA_START_SECONDS s)"
else
    nok "kava.service restarted with kava.conf: auto = preset:lxc,podman, auto-mount = yes"
    journalctl -u kava -b --no-pager -o cat 2>&1 | tail -n 15 | sed 's/^/# kava: /'
    skip_all "kava is not running" "${LXC_NAMES[@]}" "${POD_NAMES[@]}"
fi
note "kava list before the containers: $("$KAVA" list 2>&1 | tr '\n' ';')"
host_up0=$(cut -d. -f1 /proc/uptime)

# in_view PID: the process's /proc/meminfo is a kava view mount
in_view() { awk '$5 == "/proc/meminfo"' "/proc/$1/mountinfo" 2>/dev/null | grep -q ' - fuse.kava '; }
view_layers() { awk '$5 == "/proc/meminfo"' "/proc/$1/mountinfo" 2>/dev/null | grep -c ' - fuse.kava '; }
listed() { "$KAVA" list 2>/dev/null | awk -v p="/sys/fs/cgroup$1" '$2 == p { f = 1 } END { exit !f }'; }
# uptime_ok SECONDS_FILE_TEXT SINCE: a container uptime (seconds) no longer
# than the container has existed (SINCE = epoch when it was created) + 5 s
uptime_ok() {
    local up=${1%%.*} age=$(( $(date +%s) - $2 + 5 ))
    [ -n "$up" ] && [ "$up" -le "$age" ] && [ "$(cut -d. -f1 /proc/uptime)" -gt $((age + 30)) ]
}
# up_min_ok "UPTIME OUTPUT" SINCE: busybox or procps uptime says "up N min"
# (under an hour, no days) with N minutes no more than the container has existed
up_min_ok() {
    local m age=$(( $(date +%s) - $2 + 5 ))
    m=$(sed -n 's/.* up \{1,\}\([0-9]\{1,\}\) min.*/\1/p' <<<"$1")
    [ -n "$m" ] && [ $((m * 60)) -le "$age" ]
}
# top_mem "Mem: 1234K used, 5678K free, ...": used + free, in KiB
top_mem() { sed -n 's/^Mem: *\([0-9]*\)K used, *\([0-9]*\)K free.*/\1 \2/p' | awk '{ print $1 + $2 }' | head -1; }

# What each container runs, one script, its sections split by section().
# $1: how to call busybox's applets ("" in the LXC container, where they are
# on PATH; "busybox " in the podman one, where the host's /usr/bin comes first)
probe_script() {
    local b=$1
    cat <<EOS
echo '== free'; ${b}free
echo '== nproc'; ${b}nproc
echo '== nproc-all'; ${b}nproc --all 2>&1
echo '== uptime'; ${b}uptime
echo '== proc-uptime'; ${b}cat /proc/uptime
echo '== loadavg'; ${b}cat /proc/loadavg
echo '== cpuinfo'; ${b}cat /proc/cpuinfo | ${b}grep -c processor
echo '== meminfo'; ${b}grep -E '^(MemTotal|MemFree|MemAvailable):' /proc/meminfo
echo '== top'; ${b}top -b -n 1 | ${b}head -n 4
echo '== cpus'; ${b}cat /sys/devices/system/cpu/online
EOS
}

# ------------------------------------------------------------ LXC
lxc_checks() {
    local since lpid lcg out=$OUT/lxc.txt
    since=$(date +%s)
    if lxc_busybox "$C" && lpid=$(lxc_pid "$C") && [ "${lpid:-0}" -gt 0 ]; then
        ok "${LXC_NAMES[0]} (init pid $lpid, $(( $(date +%s) - since )) s)"
    else
        nok "${LXC_NAMES[0]}"
        lxc-info -n "$C" 2>&1 | sed 's/^/# lxc-info: /'
        for t in "${LXC_NAMES[@]:1}"; do skip "$t" "the container did not start"; done
        return
    fi
    lcg=$(cgroup_of "$lpid")
    note "LXC cgroup $lcg: memory.max $(cat "/sys/fs/cgroup$lcg/memory.max" 2>/dev/null), cpu.max $(cat "/sys/fs/cgroup$lcg/cpu.max" 2>/dev/null), cpuset.cpus.effective $(cat "/sys/fs/cgroup$lcg/cpuset.cpus.effective" 2>/dev/null)"
    if wait_until 30 listed "$lcg"; then
        ok "${LXC_NAMES[1]}: $lcg"
    else
        nok "${LXC_NAMES[1]}: $lcg not in: $("$KAVA" list 2>&1 | tr '\n' ';')"
    fi
    if wait_until 30 in_view "$lpid"; then
        ok "${LXC_NAMES[2]} (/proc/meminfo: $(view_layers "$lpid") kava layer(s))"
    else
        nok "${LXC_NAMES[2]}"
        grep -E ' /proc/(meminfo|cpuinfo) ' "/proc/$lpid/mountinfo" | sed 's/^/# mountinfo: /'
    fi
    # the container's init may still be starting its applets: retry the attach a little
    wait_until 30 sh -c "lxc-attach -n $C -- sh -c \"\$1\" >$out 2>$OUT/lxc.err" _ "$(probe_script '')"
    sed 's/^/# lxc: /' "$out"
    local total nproc cpus up top loadavg
    total=$(section free "$out" | awk '$1 == "Mem:" { print $2 }')
    check "${LXC_NAMES[3]} (total ${total:-?} KiB)" [ "$total" = "$MEM_KB" ]
    nproc=$(section nproc "$out")
    check "${LXC_NAMES[4]} (nproc: ${nproc:-?})" [ "$nproc" = 1 ]
    cpus=$(section cpuinfo "$out")
    check "${LXC_NAMES[5]} (${cpus:-?})" [ "$cpus" = 1 ]
    up=$(section proc-uptime "$out" | awk '{ print $1 }')
    check "${LXC_NAMES[6]} ($up s, created $(( $(date +%s) - since )) s ago; host $(cut -d' ' -f1 /proc/uptime) s)" uptime_ok "$up" "$since"
    check "${LXC_NAMES[7]} ($(section uptime "$out" | tr -s ' '))" up_min_ok "$(section uptime "$out")" "$since"
    top=$(section top "$out" | top_mem)
    check "${LXC_NAMES[8]} (used + free = ${top:-?} KiB)" [ "$top" = "$MEM_KB" ]
    loadavg=$(section loadavg "$out")
    local threads lastpid host_threads
    threads=$(awk '{ split($4, a, "/"); print a[2] }' <<<"$loadavg")
    lastpid=$(awk '{ print $5 }' <<<"$loadavg")
    host_threads=$(awk '{ split($4, a, "/"); print a[2] }' /proc/loadavg)
    check "${LXC_NAMES[9]} ($loadavg; host: $(cat /proc/loadavg))" \
        [ "${threads:-0}" -ge 1 -a "${threads:-99}" -le 20 -a "${host_threads:-0}" -gt 50 \
          -a "${lastpid:-99999}" -lt 1000 ]
}

# ------------------------------------------------------------ podman
pod_checks() {
    local since ppid pcg out=$OUT/podman.txt
    if ! podman_busybox_image "$IMG"; then
        nok "${POD_NAMES[0]}: podman import of a busybox image failed"
        for t in "${POD_NAMES[@]:1}"; do skip "$t" "no image"; done
        return
    fi
    since=$(date +%s)
    # the host's /usr (procps, python3) read-only; /lib and /lib64 for its loader
    if logged podman-run-auto timeout 240 podman run -d --name "$P" --network none \
            --memory 256m --cpus 0.5 \
            -v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro \
            "$IMG" /bin/busybox sleep 3600 &&
       ppid=$(podman inspect -f '{{.State.Pid}}' "$P" 2>/dev/null) && [ "${ppid:-0}" -gt 0 ]; then
        ok "${POD_NAMES[0]} (pid $ppid, $(( $(date +%s) - since )) s)"
    else
        nok "${POD_NAMES[0]}"
        for t in "${POD_NAMES[@]:1}"; do skip "$t" "the container did not start"; done
        return
    fi
    pcg=$(cgroup_of "$ppid")
    local scope=${pcg%/container} cid
    cid=$(podman inspect -f '{{.Id}}' "$P" 2>/dev/null)
    note "podman: OCI hooks in the container's config.json: $(jq -c '.hooks // {} | with_entries(.value |= map(.path + " " + ((.args // [])[1:] | join(" "))))' \
        "/var/lib/containers/storage/overlay-containers/$cid/userdata/config.json" 2>&1)"
    note "podman: hooks directories: $(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null), $(grep -rhs '^ *hooks_dir' /etc/containers/containers.conf /usr/share/containers/containers.conf 2>/dev/null | head -2 | tr '\n' ' ')"
    note "podman cgroup $pcg: memory.max $(cat "/sys/fs/cgroup$pcg/memory.max" 2>/dev/null), cpu.max $(cat "/sys/fs/cgroup$scope/cpu.max" 2>/dev/null) (scope), $(cat "/sys/fs/cgroup$pcg/cpu.max" 2>/dev/null) (container)"
    if wait_until 30 listed "$scope"; then
        ok "${POD_NAMES[1]}: $scope"
    else
        nok "${POD_NAMES[1]}: $scope not in: $("$KAVA" list 2>&1 | tr '\n' ';')"
    fi
    if wait_until 30 in_view "$ppid"; then
        ok "${POD_NAMES[2]} (/proc/meminfo: $(view_layers "$ppid") kava layer(s): the OCI hook's and auto-mount's)"
    else
        nok "${POD_NAMES[2]}"
        grep -E ' /proc/(meminfo|cpuinfo) ' "/proc/$ppid/mountinfo" | sed 's/^/# mountinfo: /'
    fi
    {
        probe_script 'busybox '
        cat <<'EOS'
echo '== procps-free'; /usr/bin/free -k
echo '== procps-top'; /usr/bin/top -b -n 1 | /bin/busybox head -n 5
echo '== procps-uptime'; /usr/bin/uptime
echo '== coreutils-nproc'; /usr/bin/nproc
echo '== python'; /usr/bin/python3 -c 'import os; print(os.cpu_count(), len(os.sched_getaffinity(0)), *os.getloadavg())'
EOS
    } >"$OUT/podman-probe.sh"
    timeout 120 podman exec "$P" /bin/busybox sh -c "$(cat "$OUT/podman-probe.sh")" >"$out" 2>"$OUT/podman.err"
    sed 's/^/# podman: /' "$out"
    local total ptotal cpus nall up top ptop loadavg threads host_threads
    total=$(section free "$out" | awk '$1 == "Mem:" { print $2 }')
    check "${POD_NAMES[3]} (total ${total:-?} KiB)" [ "$total" = "$MEM_KB" ]
    ptotal=$(section procps-free "$out" | awk '$1 == "Mem:" { print $2 }')
    check "${POD_NAMES[4]} (total ${ptotal:-?} KiB)" [ "$ptotal" = "$MEM_KB" ]
    cpus=$(section cpuinfo "$out")
    check "${POD_NAMES[5]} (${cpus:-?}; cpu.max 0.5 CPU)" [ "$cpus" = 1 ]
    nall=$(section nproc-all "$out")
    note "podman: busybox nproc (sched_getaffinity) $(section nproc "$out"), coreutils nproc $(section coreutils-nproc "$out"), python cpu_count/affinity/loads: $(section python "$out")"
    check "${POD_NAMES[6]} (${nall:-?})" [ "$nall" = 1 ]
    up=$(section proc-uptime "$out" | awk '{ print $1 }')
    check "${POD_NAMES[7]} (/proc/uptime $up s, created $(( $(date +%s) - since )) s ago; procps: $(section procps-uptime "$out" | tr -s ' '))" \
        eval 'uptime_ok "$up" "$since" && up_min_ok "$(section procps-uptime "$out")" "$since"'
    check "${POD_NAMES[8]} ($(section uptime "$out" | tr -s ' '))" up_min_ok "$(section uptime "$out")" "$since"
    top=$(section top "$out" | top_mem)
    # procps 4 prints MiB ("MiB Mem :    256.0 total"), procps 3 KiB
    ptop=$(section procps-top "$out" | sed -n 's/^\([KM]iB\) Mem : *\([0-9.]*\) total.*/\1 \2/p' | head -1)
    check "${POD_NAMES[9]} (procps: ${ptop:-?} total; busybox used + free ${top:-?} KiB)" \
        [ \( "$ptop" = "MiB 256.0" -o "$ptop" = "KiB $MEM_KB.0" \) -a "$top" = "$MEM_KB" ]
    loadavg=$(section loadavg "$out")
    threads=$(awk '{ split($4, a, "/"); print a[2] }' <<<"$loadavg")
    host_threads=$(awk '{ split($4, a, "/"); print a[2] }' /proc/loadavg)
    check "${POD_NAMES[10]} ($loadavg; host: $(cat /proc/loadavg))" \
        [ "${threads:-0}" -ge 1 -a "${threads:-99}" -le 20 -a "${host_threads:-0}" -gt 50 ]
}

# the same container under runc (figures only): where runc puts the task
pod_runc_figures() {
    local pid cg
    if logged podman-run-runc-auto timeout 240 podman run -d --name "$P-runc" --runtime runc --network none \
            --memory 256m --cpus 0.5 "$IMG" /bin/busybox sleep 3600 &&
       pid=$(podman inspect -f '{{.State.Pid}}' "$P-runc" 2>/dev/null) && [ "${pid:-0}" -gt 0 ]; then
        cg=$(cgroup_of "$pid")
        wait_until 30 in_view "$pid"
        note "podman --runtime runc: cgroup $cg (memory.max $(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null)), view layers $(view_layers "$pid"), in the container: $(timeout 60 podman exec "$P-runc" /bin/busybox sh -c 'grep MemTotal /proc/meminfo; grep -c processor /proc/cpuinfo; free | grep Mem:' 2>&1 | tr -s ' \n' ' ')"
    else
        note "podman --runtime runc: the container did not start"
    fi
    podman rm -f -t 0 "$P-runc" >/dev/null 2>&1
}

if command -v lxc-create >/dev/null; then lxc_checks; else for t in "${LXC_NAMES[@]}"; do skip "$t" "lxc not installed"; done; fi
if command -v podman >/dev/null; then pod_checks; command -v runc >/dev/null && pod_runc_figures; else for t in "${POD_NAMES[@]}"; do skip "$t" "podman not installed"; done; fi
note "kava list with both: $("$KAVA" list 2>&1 | tr '\n' ';')"
note "systemctl status: $(systemctl status kava --no-pager 2>&1 | sed -n 's/^ *Status: //p')"
journalctl -u kava -b --no-pager -o cat 2>&1 | grep -iE 'auto|enabl|mount|hook' | tail -n 12 | sed 's/^/# kava: /'
: "$host_up0"
