#!/usr/bin/env bash
# The FUSE view across agent restarts under a service manager: the agent
# stores its /dev/fuse descriptor (systemd's FDSTORE protocol, played here by
# fdstore_manager.py), so a restart (SIGTERM) or a crash (SIGKILL) leaves the
# mount and the container's bind mounts in place: a reader inside keeps
# reading, waits at most for the next agent, and never sees an error.
# Stopping the service for good releases the connection.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("the agent stores its FUSE connection with the service manager"
       "a restarted agent takes over the connection"
       "a crashed agent's successor takes over too"
       "no read failed across a restart and a crash"
       "every read showed the container's memory"
       "directories and topology after the takeover"
       "stopping the service for good releases the view"
       "the next agent mounts the view afresh")
need_root "${NAMES[@]}"
need_view "python3 unshare nsenter lscpu" "${NAMES[@]}"

VIEW=/run/kava-test-$$-restart
MEM=$((512 * 1024 * 1024))
events=$(mktemp); agentlog=$(mktemp); stopfile=$(mktemp -u); readlog=$(mktemp)
cg=$(new_container restart "$MEM" 0) || skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
"$KAVA" enable "$cg" >/dev/null

python3 tests/integration/fdstore_manager.py "$events" "$KAVA" run --mount "$VIEW" 2>"$agentlog" & mgr=$!
BG_PIDS+=($mgr)
readies() { grep -c '^ready' "$events"; }
agent_pid() { awk '$1 == "ready" { p = $2 } END { print p }' "$events"; }
wait_for 20 sh -c "grep -q '^ready' '$events'"
check "the agent stores its FUSE connection with the service manager" grep -q '^stored kava-fuse$' "$events"

# the container: its cgroups and a private mount namespace with the view bind-mounted
sh -c "$(join_script "$cg")"' && exec unshare -m --propagation private sleep 300' & holder=$!
BG_PIDS+=($holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$holder/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
"$KAVA" mount --mount "$VIEW" "$holder" >/dev/null
JOIN=$(join_script "$cg")
inside() { nsenter -t "$holder" -m sh -c "$JOIN"' && exec "$@"' sh "$@"; }

# a reader in the container, reading /proc/meminfo until told to stop
inside python3 - "$stopfile" "$MEM" >"$readlog" 2>&1 <<'PY' &
import os, sys
stop, mem = sys.argv[1], int(sys.argv[2]) // 1024
n = fails = wrong = 0
while not os.path.exists(stop):
    try:
        with open("/proc/meminfo") as f:
            total = int(f.readline().split()[1])
        wrong += total != mem
    except OSError as e:
        fails += 1
        print("fail", e, file=sys.stderr)
    n += 1
print(n, fails, wrong)
PY
reader=$!
BG_PIDS+=($reader)
sleep 1

first=$(agent_pid)
kill -TERM "$first"
wait_for 20 sh -c "[ \$(grep -c '^ready' '$events') -ge 2 ]"
check_all "a restarted agent takes over the connection" '[ "$(readies)" -ge 2 ] && [ "$(grep -c "took over the FUSE view" "$agentlog")" = 1 ]'
sleep 1
kill -KILL "$(agent_pid)"
wait_for 20 sh -c "[ \$(grep -c '^ready' '$events') -ge 3 ]"
check_all "a crashed agent's successor takes over too" '[ "$(readies)" -ge 3 ] && [ "$(grep -c "took over the FUSE view" "$agentlog")" = 2 ]'
sleep 1
touch "$stopfile"
# a reader still waiting after 30 s would be a hang: count it as failed
for _ in $(seq 300); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$reader" 2>/dev/null; then
    note "the reader is stuck"; kill -KILL "$reader"; echo "0 1 0" >>"$readlog"
fi
wait "$reader" 2>/dev/null
read -r n fails wrong < <(tail -1 "$readlog")
grep '^fail' "$readlog" | head -3 | sed 's/^/# /'
note "reader: $n reads, $fails failed, $wrong wrong; events: $(tr '\n' ',' <"$events")"
check_all "no read failed across a restart and a crash" '[ "${fails:-1}" = 0 ] && [ "${n:-0}" -gt 100 ]'
check "every read showed the container's memory" [ "${wrong:-1}" = 0 ]
topo=$(inside lscpu | awk -F: '/^(CPU\(s\)|Thread\(s\) per core):/ { gsub(/ /, "", $2); printf "%s/", $2 }')
check_all "directories and topology after the takeover" '[ "$(inside ls /sys/devices/system/cpu | grep -c "^cpu[0-9]")" = 1 ] && [ "$topo" = 1/1/ ]'

# systemctl stop: the manager stops the agent and closes the store
kill -TERM "$mgr"; wait "$mgr" 2>/dev/null
err=$(inside cat /proc/meminfo 2>&1 >/dev/null)
note "after the service stopped: $err"
check "stopping the service for good releases the view" grep -q "Transport endpoint is not connected" <<<"$err"
"$KAVA" run --mount "$VIEW" 2>/dev/null & again=$!
BG_PIDS+=($again)
wait_for 20 test -e "$VIEW/proc/meminfo"
check "the next agent mounts the view afresh" test -e "$VIEW/proc/meminfo"
kill -TERM "$again"; wait "$again" 2>/dev/null
umount -l "$VIEW" 2>/dev/null; rmdir "$VIEW" 2>/dev/null
rm -f "$events" "$agentlog" "$stopfile" "$readlog"
