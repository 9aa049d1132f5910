#!/usr/bin/env bash
# CO-RE reach smoke: kava's accounting programs load, attach and count on this
# kernel (6.1 and 6.12 as Debian builds them). Uses the CLI only:
# kava enable/list/stat/disable/unload on a fresh cgroup.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

TESTS=("kava enable loads and attaches" "kava list shows the cgroup" \
       "pinned state under /sys/fs/bpf/kava" "kava stat counts CPU time of a busy task" \
       "kava stat --json is one object with loadavg" \
       "kava run --auto loads its event programs and enables a new cgroup" \
       "the tmpfs view refreshes on open (fanotify permission events) and shows a limit change" \
       "kava disable" "kava unload removes pinned state")
[ -x "$KAVA" ] || skip_all "no kava binary in the VM (did it build?)" "${TESTS[@]}"
for c in enable stat disable list unload; do
    kava_has "$c" || skip_all "kava lacks the '$c' command" "${TESTS[@]}"
done

cg=/sys/fs/cgroup/kava-vm-reach
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null
    "$KAVA" disable "$cg" >/dev/null 2>&1
    rmdir "$cg" "$cg-auto" 2>/dev/null
    umount /run/kava-vm-reach-view 2>/dev/null; rmdir /run/kava-vm-reach-view 2>/dev/null
    "$KAVA" unload >/dev/null 2>&1
    true
}
trap cleanup EXIT
mkdir -p "$cg"

if err=$("$KAVA" enable "$cg" 2>&1); then
    ok "kava enable loads and attaches"
else
    nok "kava enable loads and attaches"
    note "kava enable: $err"
    echo "KAVA_VERBOSE=1 kava enable (libbpf's account, last 40 lines):"
    KAVA_VERBOSE=1 "$KAVA" enable "$cg" 2>&1 | tail -n 40
    skip_all "kava enable failed" "${TESTS[@]:1}"
fi
check "kava list shows the cgroup" bash -c "'$KAVA' list | grep -q 'kava-vm-reach'"
check "pinned state under /sys/fs/bpf/kava" bash -c 'ls /sys/fs/bpf/kava | grep -q .'
note "pinned: $(ls /sys/fs/bpf/kava 2>/dev/null | tr '\n' ' ')"

# one busy task in the cgroup for ~3 s (TCG is slow: ask for little)
if [ -x "$KAVA_BUILD/helpers/kava-task" ]; then spin=("$KAVA_BUILD/helpers/kava-task" spin 3)
else spin=(timeout 3 sh -c 'while :; do :; done'); fi
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "${spin[@]}" &
pids+=($!)
wait "${pids[@]}" 2>/dev/null
out=$("$KAVA" stat "$cg" 2>&1)
note "kava stat: $(tr '\n' '|' <<<"$out")"
json=$("$KAVA" stat "$cg" --json 2>&1)
user_ns=$(grep -o '"user_ns":[0-9]*' <<<"$json" | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
usage_us=$(awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat")
note "kava user_ns total $user_ns, cgroup cpu.stat usage_usec $usage_us"
check "kava stat counts CPU time of a busy task" [ "$user_ns" -gt 500000000 ]
check "kava stat --json is one object with loadavg" \
    bash -c "[ \$(wc -l <<<'$json') = 1 ] && grep -q '^{.*\"loadavg\":\[[0-9]*,[0-9]*,[0-9]*\].*}\$' <<<'$json'"
# automatic enablement: its programs (cgroup_mkdir/rmdir, sched_process_exec)
# load on this kernel, and a cgroup made afterwards is enabled by the event
# (6.1's verifier once refused kava_auto_exec after minutes of work)
log=$(mktemp)
"$KAVA" run --view tmpfs --mount /run/kava-vm-reach-view --auto 'kava-vm-reach-auto*' 2>"$log" &
agent=$!; pids+=($agent)
# the first tmpfs refresh (the enabled $cg's directory) follows the start of
# automatic enablement
wait_for 120 sh -c 'ls /run/kava-vm-reach-view 2>/dev/null | grep -q .'
mkdir "$cg-auto"
wait_for 30 sh -c "'$KAVA' list | grep -q kava-vm-reach-auto"
note "kava run --auto log: $(tr '\n' '|' < "$log")"
check_all "kava run --auto loads its event programs and enables a new cgroup" \
    "'$KAVA' list | grep -q kava-vm-reach-auto && ! grep -qi -e 'load failed' -e 'no cgroup removal events' '$log'"
# the tmpfs view in its default mode, refresh on open: fanotify permission
# events on this kernel; a limit changed more than a period (1 s) after the
# last render shows through an open (the first open may get the older text
# when TCG makes the render outlast the 100 ms hold: later ones cannot)
id=$(grep -o '"cgroup_id":[0-9]*' <<<"$json" | cut -d: -f2)
sleep 2
echo 314572800 > "$cg/memory.max"
mt() { timeout 30 awk '/^MemTotal:/ { printf "%d\n", $2 * 1024 }' "/run/kava-vm-reach-view/$id/proc/meminfo"; }
first=$(mt)
for _ in $(seq 150); do [ "$(mt)" = 314572800 ] && break; sleep 0.2; done
last=$(mt)
note "tmpfs view: MemTotal at the first open after the change: $first, then $last"
check_all "the tmpfs view refreshes on open (fanotify permission events) and shows a limit change" \
    "grep -q 'rewritten while open' '$log' && [ '$last' = 314572800 ]"
kill -TERM "$agent"; wait "$agent" 2>/dev/null
"$KAVA" disable "$cg-auto" >/dev/null 2>&1; rmdir "$cg-auto"
check "kava disable" "$KAVA" disable "$cg"
check "kava unload removes pinned state" bash -c "'$KAVA' unload && ! ls /sys/fs/bpf/kava 2>/dev/null | grep -q ."
