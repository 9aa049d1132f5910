#!/bin/bash
# The system VM itself: systemd is PID 1 and the system is up, cgroup v2 with
# the controllers kava needs, the container runtimes the later scenarios use
# are installed, and the kava binary runs.
. "$KAVA_SYS/system/lib.sh"

# ------------------------------------------------------------ systemd
pid1=$(cat /proc/1/comm)
exe1=$(readlink /proc/1/exe)
if [ "$pid1" = systemd ] && [[ $exe1 == */systemd ]]; then
    ok "systemd is PID 1 ($exe1)"
else
    nok "systemd is PID 1 (PID 1 is $pid1, $exe1)"
fi
state=$(timeout 240 systemctl is-system-running --wait 2>&1)
case $state in
    running)  ok "systemctl is-system-running --wait: running" ;;
    degraded) ok "systemctl is-system-running --wait: degraded"
              note "failed units: $(systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')" ;;
    *)        nok "systemctl is-system-running --wait: ${state:-no answer in 240s}"
              systemctl list-jobs --no-pager 2>&1 | head -n 20 | sed 's/^/# job: /' ;;
esac
note "kernel $(uname -r), $(systemd-analyze time 2>/dev/null | head -1)"

# ------------------------------------------------------------ cgroup v2
fstype=$(stat -f -c %T /sys/fs/cgroup)
if [ "$fstype" = cgroup2fs ] && findmnt -n -t cgroup2 /sys/fs/cgroup >/dev/null; then
    ok "cgroup2 is mounted at /sys/fs/cgroup"
else
    nok "cgroup2 is mounted at /sys/fs/cgroup (it is $fstype)"
fi
v1=$(awk '$3 == "cgroup" { printf "%s ", $2 }' /proc/self/mounts)
if [ -n "$v1" ]; then
    nok "no cgroup v1 hierarchy is mounted ($v1)"
else
    ok "no cgroup v1 hierarchy is mounted"
fi
controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
missing=
for c in cpu memory cpuset; do
    [[ " $controllers " == *" $c "* ]] || missing="$missing $c"
done
if [ -z "$missing" ]; then
    ok "cgroup controllers cpu, memory, cpuset are available"
else
    nok "cgroup controllers available: missing$missing (have: $controllers)"
fi
note "root cgroup.controllers: $controllers"
note "root cgroup.subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

# ------------------------------------------------------------ kava
if [ -x "$KAVA_BUILD/kava" ]; then
    if out=$("$KAVA" version 2>&1); then
        ok "kava version runs ($(echo "$out" | head -1))"
    else
        nok "kava version runs"
        echo "$out" | head -n 10 | sed 's/^/# /'
        ldd "$KAVA" 2>&1 | grep -i 'not found' | sed 's/^/# missing library: /'
    fi
else
    skip "kava version runs" "no kava binary in this run's KAVA_BUILD"
fi

# ------------------------------------------------------------ the runtimes
# (their containers run in 30-auto, 40-restart and 50-lockdown)
for t in lxc-start podman crun runc busybox python3; do
    if command -v "$t" >/dev/null; then
        ok "$t is installed ($(command -v "$t"))"
    else
        nok "$t is installed"
    fi
done
note "lxc $(lxc-start --version 2>/dev/null), $(podman --version 2>/dev/null), $(crun --version 2>/dev/null | head -1), $(runc --version 2>/dev/null | head -1)"
note "podman: runtime $(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' 2>/dev/null | head -1), cgroup manager $(podman info --format '{{.Host.CgroupManager}}' 2>/dev/null)"
note "AppArmor: $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null), $(aa-status --profiled 2>/dev/null) profiles loaded"
