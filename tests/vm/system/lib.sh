# shellcheck shell=bash
# TAP helpers for the system VM scenarios (tests/vm/system/scenarios/*.sh).
# They run inside a booted Debian 12 systemd VM as `bash SCRIPT`, as root, in
# their own session, from /mnt/kava/scenarios/. Source with:
#     . "$KAVA_SYS/system/lib.sh"
# Environment: KAVA (/usr/local/bin/kava, installed when the run had a kava
# build), KAVA_BUILD (/mnt/kava/build: kava, helpers/), KAVA_SYS (/mnt/kava,
# the per-run disk; results/ is copied back to the host), KAVA_VM_SYSTEM=1.

KAVA=${KAVA:-/usr/local/bin/kava}
KAVA_BUILD=${KAVA_BUILD:-/mnt/kava/build}
KAVA_SYS=${KAVA_SYS:-/mnt/kava}
# TAP output and the checks (ok, nok, skip, note, check, check_all, skip_all,
# is_eperm, kava_has...): tests/lib/tap.sh, the library of every kava shell
# test, which run.sh copies to $KAVA_SYS/lib/
. "$KAVA_SYS/lib/tap.sh"

# wait_until SECONDS COMMAND...: retry the command every 0.5 s until it
# succeeds (0) or the time is up (1). For things that come up asynchronously.
wait_until() {
    local _end=$(( $(date +%s) + $1 )); shift
    while :; do
        "$@" && return 0
        [ "$(date +%s)" -lt "$_end" ] || return 1
        sleep 0.5
    done
}
# logged NAME COMMAND...: run the command with its output in $KAVA_SYS/results/
# NAME.out (and on stdout prefixed "#   " when it fails); its exit status.
logged() {
    local _f=$KAVA_SYS/results/$1.out _rc; shift
    mkdir -p "$KAVA_SYS/results"
    "$@" >"$_f" 2>&1
    _rc=$?
    [ $_rc -eq 0 ] || { echo "# $* -> exit $_rc:"; tail -n 15 "$_f" | sed 's/^/#   /'; }
    return $_rc
}
# cgroup_of PID: the process's cgroup v2 path, as the host sees it
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

# ---------------------------------------------------------------- kava, LXC, podman
# (shared by 10-install, 30-auto, 40-restart, 50-lockdown)

# kava_serving: kava.service is active and /var/lib/kava is its FUSE mount
kava_serving() {
    systemctl is-active -q kava && findmnt -n -t fuse,fuse.kava /var/lib/kava >/dev/null 2>&1
}
# kava_start_conf TEXT: write /etc/kava/kava.conf (none if TEXT is empty),
# enable kava.service and (re)start it; 0 when it is active again and serving.
# The time `systemctl restart` took is in KAVA_START_SECONDS.
kava_start_conf() {
    local _t0 _t1
    mkdir -p /etc/kava
    if [ -n "$1" ]; then printf '%s\n' "$1" >/etc/kava/kava.conf; else rm -f /etc/kava/kava.conf; fi
    # (enable reloads systemd, 5-15 s under TCG: only when it is not enabled)
    systemctl is-enabled -q kava 2>/dev/null || systemctl enable -q kava 2>/dev/null
    _t0=$(date +%s.%N)
    timeout 120 systemctl restart kava || return 1
    _t1=$(date +%s.%N)
    export KAVA_START_SECONDS; KAVA_START_SECONDS=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }')
    wait_until 30 kava_serving
}
# kava_main_pid: kava.service's main pid (0 when not running)
kava_main_pid() { systemctl show -p MainPID --value kava 2>/dev/null; }

# lxc_create NAME: an LXC container as `lxc-create -t busybox -n NAME` makes
# it (the distribution's template, offline), not started. The template runs
# once per boot, for a base container kava-busybox-base that is never
# started (the runner starts lxc_base in the background as the scenarios
# begin): its `xargs -n1 ln -s` forks ~400 processes, 40-60 s under TCG.
# Every container is a copy of that one with its own name and paths, as
# lxc-copy would make it (which needs rsync): cp -a, one process.
LXC_BASE=kava-busybox-base
lxc_base() {
    (
        flock 9
        [ -f "/var/lib/lxc/$LXC_BASE/config" ] && exit 0
        logged "lxc-create-$LXC_BASE" timeout 300 lxc-create -t busybox -n "$LXC_BASE" ||
            { lxc-destroy -n "$LXC_BASE" >/dev/null 2>&1; rm -rf "/var/lib/lxc/$LXC_BASE"; exit 1; }
    ) 9>/run/kava-lxc-base.lock
}
lxc_create() {
    local _n=$1 _d=/var/lib/lxc
    lxc_base || return 1
    [ ! -e "$_d/$_n" ] || { echo "# lxc_create: $_d/$_n exists"; return 1; }
    cp -a "$_d/$LXC_BASE" "$_d/$_n" &&
        sed -i -e "s|$_d/$LXC_BASE/|$_d/$_n/|g" -e "s|$_d/$LXC_BASE\$|$_d/$_n|" \
               -e "s|^lxc.uts.name *=.*|lxc.uts.name = \"$_n\"|" "$_d/$_n/config" &&
        ! grep -q "$LXC_BASE" "$_d/$_n/config"
}

# lxc_busybox NAME: an LXC busybox container (lxc_create, offline) with
# the limits the scenarios read back: memory.max 256M, cpu.max 50000 100000
# (half a CPU), cpuset 0, and no network ("lxc.net =" clears default.conf's
# veth on lxcbr0: kava needs none, and fewer moving parts under TCG).
# Created and started; 0 once it runs.
lxc_busybox() {
    local _n=$1
    logged "lxc-create-$_n" lxc_create "$_n" || return 1
    cat >>"/var/lib/lxc/$_n/config" <<EOC
lxc.cgroup2.memory.max = 256M
lxc.cgroup2.cpu.max = 50000 100000
lxc.cgroup2.cpuset.cpus = 0
lxc.net =
EOC
    logged "lxc-start-$_n" timeout 180 lxc-start -n "$_n" &&
        timeout 60 lxc-wait -n "$_n" -s RUNNING -t 60 >/dev/null
}
lxc_gone() { lxc-stop -n "$1" -k >/dev/null 2>&1; lxc-destroy -n "$1" >/dev/null 2>&1; }
lxc_pid() { lxc-info -n "$1" -p -H 2>/dev/null; }

# busybox_rootfs DIR: a root file system of busybox-static with every applet
# as a link (one process: 400 ln forks take minutes under TCG)
busybox_rootfs() {
    local _bb
    _bb=$(command -v busybox) || return 1
    mkdir -p "$1"/{bin,dev,etc,proc,sys,tmp,run,root} || return 1
    cp "$_bb" "$1/bin/busybox" || return 1
    "$_bb" --list | python3 -c '
import os, sys
d = sys.argv[1]
for a in sys.stdin.read().split():
    if a != "busybox" and not os.path.lexists(os.path.join(d, a)):
        os.symlink("busybox", os.path.join(d, a))
' "$1/bin" || return 1
    echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
    echo 'root:x:0:' >"$1/etc/group"
}
# podman_busybox_image IMG: import busybox_rootfs as a podman image (no registry)
podman_busybox_image() {
    local _d
    podman image exists "$1" 2>/dev/null && return 0
    _d=$(mktemp -d) || return 1
    busybox_rootfs "$_d/rootfs" && tar -C "$_d/rootfs" -cf "$_d/rootfs.tar" . &&
        logged podman-import timeout 180 podman import --change 'CMD ["/bin/sh"]' "$_d/rootfs.tar" "$1"
    local _rc=$?
    rm -rf "$_d"
    return $_rc
}

# section NAME FILE: the lines after "== NAME" up to the next "== " line
# (the scenarios run one script per container and split its output)
section() { awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 } on' "$2"; }
