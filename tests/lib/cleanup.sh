# shellcheck shell=bash
# Removing what a test or the demo made, whatever state it is left in:
# cgroups with tasks still inside, view directories with a mount (live or
# dead) still on them. Sourced by tests/integration/lib.sh and tests/demo.sh;
# tests/run.sh checks after every suite that nothing it named is left.

# remove_cgroup PATH: kill whatever still runs in it (cgroup.kill, or SIGKILL
# to each task on v1 and old kernels), wait for it to empty, then rmdir
remove_cgroup() {
    local cg=$1 _
    [ -d "$cg" ] || return 0
    if [ -e "$cg/cgroup.kill" ]; then
        echo 1 > "$cg/cgroup.kill" 2>/dev/null
    elif [ -f "$cg/cgroup.procs" ]; then
        xargs -r kill -9 < "$cg/cgroup.procs" 2>/dev/null
    fi
    for _ in $(seq 50); do
        [ -z "$(cat "$cg/cgroup.procs" 2>/dev/null)" ] && break
        sleep 0.1
    done
    rmdir "$cg" 2>/dev/null || { echo "# could not remove $cg" >&2; return 1; }
}

# remove_mount_dir DIR: detach every mount stacked on DIR (a view whose
# agent died stays mounted, answering ENOTCONN), then remove the directory
# (found in mountinfo: stat(2) on a dead FUSE mount fails, so no `mountpoint`)
is_mounted() { awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo; }
remove_mount_dir() {
    local dir=$1 _
    for _ in 1 2 3 4 5 6 7 8; do          # views stack: one umount per layer
        is_mounted "$dir" || break
        umount -l "$dir" 2>/dev/null || break
    done
    [ -e "$dir" ] || return 0
    rmdir "$dir" 2>/dev/null || { echo "# could not remove $dir" >&2; return 1; }
}
