#!/usr/bin/env bash
# CO-RE reach smoke: kava's accounting programs load, attach and count on this
# kernel (6.1 and 6.12 as Debian builds them). Uses the CLI only:
# kava enable/list/stat/disable/unload on a fresh cgroup.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

TESTS=("kava enable loads and attaches" "kava list shows the cgroup" \
       "pinned state under /sys/fs/bpf/kava" "kava stat counts CPU time of a busy task" \
       "kava stat --json is one object with loadavg" "kava disable" "kava unload removes pinned state")
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
    rmdir "$cg" 2>/dev/null
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
check "kava disable" "$KAVA" disable "$cg"
check "kava unload removes pinned state" bash -c "'$KAVA' unload && ! ls /sys/fs/bpf/kava 2>/dev/null | grep -q ."
