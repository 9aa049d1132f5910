#!/usr/bin/env bash
# kava mount repairs what a dead agent left in a container: an agent that dies
# without a service manager to hold its FUSE connection leaves every bind
# mount of the view answering ENOTCONN. The next `kava mount` must detach
# those dead mounts in the container's namespace and attach the new view,
# report every target, never stack mounts, and fail when a target that exists
# cannot be mounted.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("a dead agent leaves the container reading ENOTCONN"
       "kava mount after a new agent started exits 0"
       "it reports the dead mounts as replaced"
       "the container reads its own figures again"
       "the dead mounts were detached, not stacked over"
       "kava mount again keeps the current mounts"
       "a target missing in the container is reported missing"
       "a target that cannot be mounted fails the command"
       "the failure names the target")
need_root "${NAMES[@]}"
need_view "unshare nsenter" "${NAMES[@]}"

VIEW=/run/kava-test-$$-repair
MEM=$((256 * 1024 * 1024))
out=$(mktemp)
cg=$(new_container repair "$MEM" 0) || skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
"$KAVA" enable "$cg" >/dev/null

# no service manager: nothing holds the agent's /dev/fuse descriptor for it
start_agent() {
    env -u NOTIFY_SOCKET "$KAVA" run --mount "$VIEW" 2>>"$out.agent" & agent=$!
    BG_PIDS+=($agent)
    wait_for 20 test -e "$VIEW/proc/meminfo"
}
start_agent
agent_log() { sed "s/^/# agent: /" "$out.agent"; }

sh -c "$(join_script "$cg")"' && exec unshare -m --propagation private sleep 300' & holder=$!
BG_PIDS+=($holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$holder/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
"$KAVA" mount --mount "$VIEW" "$holder" >/dev/null
JOIN=$(join_script "$cg")
inside() { nsenter -t "$holder" -m sh -c "$JOIN"' && exec "$@"' sh "$@"; }
memtotal() { inside awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo 2>&1; }
# mounts stacked on /proc/meminfo in the container's namespace
stacked() { awk '$5 == "/proc/meminfo"' "/proc/$holder/mountinfo" | wc -l; }
note "before the crash: MemTotal $(memtotal), $(stacked) mount(s) on /proc/meminfo"

kill -KILL "$agent"; wait "$agent" 2>/dev/null
err=$(inside cat /proc/meminfo 2>&1 >/dev/null)
note "after the agent died: $err"
check "a dead agent leaves the container reading ENOTCONN" grep -q "Transport endpoint is not connected" <<<"$err"
# as an operator would find it a little later: the kernel's cached attributes
# of the dead files have expired, so even access() on them fails
dead() { ! inside test -e /proc/meminfo; }
wait_for 10 dead

start_agent
agent_log() { sed "s/^/# agent: /" "$out.agent"; }
"$KAVA" mount --mount "$VIEW" "$holder" >"$out" 2>&1; rc=$?
sed 's/^/# /' "$out"
check "kava mount after a new agent started exits 0" [ "$rc" = 0 ]
check_all "it reports the dead mounts as replaced" \
    'grep -Eq "^replaced +/proc/meminfo" "$out" && grep -Eq "^replaced +/sys/devices/system/cpu" "$out"'
check "the container reads its own figures again" [ "$(memtotal)" = "$MEM" ]
check "the dead mounts were detached, not stacked over" [ "$(stacked)" = 1 ]

"$KAVA" mount --mount "$VIEW" "$holder" >"$out" 2>&1; rc=$?
sed 's/^/# /' "$out"
check_all "kava mount again keeps the current mounts" \
    '[ "$rc" = 0 ] && grep -Eq "^current +/proc/meminfo" "$out" && [ "$(stacked)" = 1 ]'

# hide /proc/pressure in the container: its three files are missing there
inside mount -t tmpfs kava-test-hide /proc/pressure
"$KAVA" mount --mount "$VIEW" "$holder" >"$out" 2>&1; rc=$?
sed 's/^/# /' "$out"
check_all "a target missing in the container is reported missing" \
    '[ "$rc" = 0 ] && grep -Eq "^missing +/proc/pressure/cpu" "$out"'

# a directory where a file should be: the mount cannot go there
inside mkdir /proc/pressure/cpu
"$KAVA" mount --mount "$VIEW" "$holder" >"$out" 2>&1; rc=$?
sed 's/^/# /' "$out"
check "a target that cannot be mounted fails the command" [ "$rc" != 0 ]
check "the failure names the target" grep -Eq "^failed +/proc/pressure/cpu" "$out"

kill -TERM "$agent"; wait "$agent" 2>/dev/null
umount -l "$VIEW" 2>/dev/null; rmdir "$VIEW" 2>/dev/null
rm -f "$out" "$out.agent"
