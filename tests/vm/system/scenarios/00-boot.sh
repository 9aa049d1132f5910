#!/bin/bash
# The system VM itself: systemd is PID 1 and the system is up, cgroup v2 with
# the controllers kava needs, an LXC container (busybox template, offline)
# and a podman container (a locally imported busybox image, no registry) run,
# and the installed kava runs. Prints the containers' cgroup paths as notes,
# for the scenarios that come later:
#   # lxc cgroup: /lxc.payload.c1
#   # podman (crun) cgroup: /machine.slice/libpod-<id>.scope/container
. "$KAVA_SYS/system/lib.sh"

C=c1                    # the LXC container
P=kava-p1               # the podman container
IMG=localhost/kava-busybox:latest
cleanup() {
    lxc-stop -n "$C" -k >/dev/null 2>&1
    lxc-destroy -n "$C" >/dev/null 2>&1
    podman rm -f -t 0 "$P" >/dev/null 2>&1
    podman rmi -f "$IMG" >/dev/null 2>&1
    [ -n "${TMPD:-}" ] && rm -rf "$TMPD"
}
cleanup
trap cleanup EXIT
TMPD=$(mktemp -d)

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

# ------------------------------------------------------------ LXC
lxc_names=("lxc-create -t busybox -n $C" "lxc-start -n $C" "lxc-attach -n $C -- cat /proc/meminfo" "lxc container's cgroup")
if ! command -v lxc-create >/dev/null; then
    skip_lxc=1
    for t in "${lxc_names[@]}"; do skip "$t" "lxc not installed in the image"; done
fi
if [ -z "${skip_lxc:-}" ]; then
    if logged lxc-create timeout 120 lxc-create -t busybox -n "$C"; then
        ok "lxc-create -t busybox -n $C"
        if logged lxc-start timeout 120 lxc-start -n "$C" && timeout 60 lxc-wait -n "$C" -s RUNNING -t 60; then
            ok "lxc-start -n $C"
            # the container's init may not have exec'd yet: retry a little
            if wait_until 30 sh -c "lxc-attach -n $C -- cat /proc/meminfo >$TMPD/meminfo 2>$TMPD/attach.err" &&
               grep -q '^MemTotal:' "$TMPD/meminfo"; then
                ok "lxc-attach -n $C -- cat /proc/meminfo ($(grep '^MemTotal:' "$TMPD/meminfo" | tr -s ' '))"
            else
                nok "lxc-attach -n $C -- cat /proc/meminfo"
                sed 's/^/# /' "$TMPD/attach.err" | tail -n 10
            fi
            lpid=$(lxc-info -n "$C" -p -H 2>/dev/null)
            lcg=$(cgroup_of "$lpid")
            if [ -n "$lcg" ] && [ -d "/sys/fs/cgroup$lcg" ]; then
                ok "lxc container's cgroup: $lcg"
            else
                nok "lxc container's cgroup (init pid '${lpid}', cgroup '${lcg}')"
            fi
            note "lxc cgroup: $lcg"
            note "lxc init pid $lpid: /proc/$lpid/cgroup: $(cat "/proc/$lpid/cgroup" 2>/dev/null)"
        else
            nok "lxc-start -n $C"
            lxc-info -n "$C" 2>&1 | sed 's/^/# lxc-info: /'
            skip "${lxc_names[2]}" "the container did not start"
            skip "${lxc_names[3]}" "the container did not start"
        fi
    else
        nok "lxc-create -t busybox -n $C"
        for t in "${lxc_names[@]:1}"; do skip "$t" "lxc-create failed"; done
    fi
    lxc-stop -n "$C" -k >/dev/null 2>&1
    lxc-destroy -n "$C" >/dev/null 2>&1
fi

# ------------------------------------------------------------ podman
# An image made here from busybox-static: no registry, no network.
pod_names=("podman import of a busybox rootfs" "podman run --rm --network none (crun)"
           "podman container's cgroup" "podman run --rm --runtime runc")
if ! command -v podman >/dev/null; then
    skip_all "podman not installed in the image" "${pod_names[@]}"
fi
bb=$(command -v busybox)
mkdir -p "$TMPD/rootfs"/{bin,dev,etc,proc,sys,tmp,run}
cp "$bb" "$TMPD/rootfs/bin/busybox"
# every applet as a relative link, in one process (400 ln forks are minutes under TCG)
"$bb" --list | python3 -c '
import os, sys
d = sys.argv[1]
for a in sys.stdin.read().split():
    if a != "busybox":
        os.symlink("busybox", os.path.join(d, a))
' "$TMPD/rootfs/bin"
echo 'root:x:0:0:root:/root:/bin/sh' >"$TMPD/rootfs/etc/passwd"
echo 'root:x:0:' >"$TMPD/rootfs/etc/group"
tar -C "$TMPD/rootfs" -cf "$TMPD/rootfs.tar" .
if logged podman-import timeout 180 podman import --change 'CMD ["/bin/sh"]' "$TMPD/rootfs.tar" "$IMG"; then
    ok "${pod_names[0]} ($IMG)"
else
    nok "${pod_names[0]}"
    skip_all "the image could not be imported" "${pod_names[@]:1}"
fi
note "podman: $(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}' 2>/dev/null | head -1), cgroup manager $(podman info --format '{{.Host.CgroupManager}}' 2>/dev/null)"
if logged podman-run timeout 180 podman run --rm --network none "$IMG" busybox true; then
    ok "${pod_names[1]}"
else
    nok "${pod_names[1]}"
fi
# a detached container, to see its cgroup from the host
if logged podman-run-d timeout 180 podman run -d --name "$P" --network none "$IMG" sleep 600 &&
   ppid=$(podman inspect -f '{{.State.Pid}}' "$P" 2>/dev/null) && [ "${ppid:-0}" -gt 0 ]; then
    pcg=$(cgroup_of "$ppid")
    if [ -n "$pcg" ] && [ -d "/sys/fs/cgroup$pcg" ]; then
        ok "${pod_names[2]}: $pcg"
    else
        nok "${pod_names[2]} (pid $ppid, cgroup '$pcg')"
    fi
    note "podman (crun) cgroup: $pcg"
    note "podman container pid $ppid: /proc/$ppid/cgroup: $(cat "/proc/$ppid/cgroup" 2>/dev/null)"
else
    nok "${pod_names[2]} (podman run -d failed)"
fi
podman rm -f -t 0 "$P" >/dev/null 2>&1
if command -v runc >/dev/null; then
    if logged podman-run-runc timeout 180 podman run --rm --runtime runc --network none "$IMG" \
            sh -c 'cat /proc/self/cgroup' && grep -q . "$KAVA_SYS/results/podman-run-runc.out"; then
        ok "${pod_names[3]}"
        note "podman (runc), inside the container: $(tr '\n' ' ' <"$KAVA_SYS/results/podman-run-runc.out")"
    else
        nok "${pod_names[3]}"
    fi
else
    skip "${pod_names[3]}" "runc not installed in the image"
fi
