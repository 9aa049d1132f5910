#!/usr/bin/env bash
# kava demo: enable a container cgroup, run a workload in it, and show what
# kava's kernel side keeps for it next to the host's own /proc figures.
set -euo pipefail
cd "$(dirname "$0")/.."
KAVA=$PWD/${BUILD:-build}/kava
TASK=$PWD/${BUILD:-build}/helpers/kava-task
SECS=${DEMO_SECONDS:-20}
[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo)"; exit 1; }

cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cg=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup); cg=${cg%/}/kava-demo-$$
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true
    "$KAVA" disable "$cg" >/dev/null 2>&1 || true
    rmdir "$cg" 2>/dev/null || true
}
trap cleanup EXIT

mkdir "$cg"
echo "+ kava enable $cg"
"$KAVA" enable "$cg"
echo "+ starting 2 busy loops and 1 task in uninterruptible sleep inside it, for ${SECS}s"
for w in "spin $((SECS + 3))" "spin $((SECS + 3))" "dsleep $((SECS + 3))"; do
    # shellcheck disable=SC2086
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$TASK" $w &
    pids+=($!)
done
for t in $(seq 5 5 "$SECS"); do
    sleep 5
    printf '\n--- after %ss\n' "$t"
    printf 'host /proc/loadavg:       %s\n' "$(cat /proc/loadavg)"
    printf 'container (kava stat):    %s\n' "$("$KAVA" stat "$cg" | sed -n 's/^loadavg *//p')"
done
echo
echo "+ kava stat $cg"
"$KAVA" stat "$cg"
echo
id=$("$KAVA" stat "$cg" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cgroup_id"])')
echo "+ bpftool map dump pinned /sys/fs/bpf/kava/kava_slots (the entry of cgroup id $id)"
bpftool map dump pinned /sys/fs/bpf/kava/kava_slots | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["value"]["cgroup_id"] == int(sys.argv[1]):
        print(json.dumps(e, indent=1))' "$id"
