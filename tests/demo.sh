#!/usr/bin/env bash
# kava demo: enable a container cgroup, run a workload in it, and show what
# kava's kernel side keeps for it next to the host's own /proc figures.
set -euo pipefail
cd "$(dirname "$0")/.."
KAVA=$PWD/${BUILD:-build}/kava
TASK=$PWD/${BUILD:-build}/helpers/kava-task
SECS=${DEMO_SECONDS:-20}
[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo)"; exit 1; }

. tests/lib/cleanup.sh          # remove_cgroup, remove_mount_dir, is_mounted

cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cg=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup); cg=${cg%/}/kava-demo-$$
view=/run/kava-demo-view-$$
pids=()
# Leave nothing behind, however the demo ends: the workload (the D-state
# sleeper's child too: remove_cgroup kills the whole cgroup), the agent, its
# view mount and directory, the cgroup. Then say so if anything is still there.
cleanup() {
    local rc=$? left=
    set +e
    kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
    "$KAVA" disable "$cg" >/dev/null 2>&1
    remove_cgroup "$cg"
    remove_mount_dir "$view"
    [ ! -d "$cg" ] || left="$left cgroup $cg"
    ! is_mounted "$view" || left="$left mount $view"
    [ ! -e "$view" ] || left="$left directory $view"
    if [ -n "$left" ]; then echo "demo: could not remove:$left" >&2; exit 1; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM     # bash runs no EXIT trap when a signal kills it

mkdir "$cg"
echo "+ kava enable $cg"
"$KAVA" enable "$cg"
echo "+ starting 2 busy loops and 1 task in uninterruptible sleep inside it, for ${SECS}s"
for w in "spin $((SECS + 3))" "spin $((SECS + 3))" "dsleep $((SECS + 3))"; do
    # shellcheck disable=SC2086
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$TASK" $w &
    pids+=($!)
done
# the container's view: a FUSE agent on a private mount, read from inside the cgroup
"$KAVA" run --mount "$view" 2>/dev/null & pids+=($!)
for _ in $(seq 50); do [ -e "$view/proc/meminfo" ] && break; sleep 0.1; done
inside() { sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"; }
for t in $(seq 5 5 "$SECS"); do
    sleep 5
    printf '\n--- after %ss\n' "$t"
    printf 'host /proc/loadavg:       %s\n' "$(cat /proc/loadavg)"
    printf 'container (kava stat):    %s\n' "$("$KAVA" stat "$cg" | sed -n 's/^loadavg *//p')"
    printf 'container (its view):     %s\n' "$(inside cat "$view/proc/loadavg")"
done
echo
echo "+ the same files, read on the host and from inside the container (through $view)"
printf '%-40s %-28s %s\n' "" "host" "inside the container"
printf '%-40s %-28s %s\n' "/proc/loadavg" "$(cat /proc/loadavg)" "$(inside cat "$view/proc/loadavg")"
printf '%-40s %-28s %s\n' "/proc/stat procs_running" "$(awk '/procs_running/ {print $2}' /proc/stat)" \
    "$(inside awk '/procs_running/ {print $2}' "$view/proc/stat")"
printf '%-40s %-28s %s\n' "/proc/stat ctxt" "$(awk '/^ctxt/ {print $2}' /proc/stat)" \
    "$(inside awk '/^ctxt/ {print $2}' "$view/proc/stat")"
printf '%-40s %-28s %s\n' "/proc/uptime" "$(cat /proc/uptime)" "$(inside cat "$view/proc/uptime")"
printf '%-40s %-28s %s\n' "/proc/meminfo MemTotal (no limit set)" "$(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)" \
    "$(inside awk '/MemTotal/ {print $2 " kB"}' "$view/proc/meminfo")"
echo
echo "+ kava stat $cg"
"$KAVA" stat "$cg"
echo
id=$("$KAVA" stat "$cg" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cgroup_id"])')
pins=${KAVA_PIN_DIR:-/sys/fs/bpf/kava}
echo "+ bpftool map dump pinned $pins/kava_slots (the entry of cgroup id $id)"
bpftool map dump pinned "$pins/kava_slots" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["value"]["cgroup_id"] == int(sys.argv[1]):
        print(json.dumps(e, indent=1))' "$id"
