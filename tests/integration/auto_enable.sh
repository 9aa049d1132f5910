#!/usr/bin/env bash
# Automatic enablement: `kava run --auto PATTERN` and kava.conf's `auto =`
# rules enable matching cgroups that exist at start and those created later
# (the kernel's cgroup_mkdir event), disable them when removed (cgroup_rmdir),
# apply a rule's policy, and with --auto-mount attach the view in a container
# once its first task runs in its own root. A full table is logged once and
# never stops the agent. Bad configuration files fail with FILE:LINE.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("a bad config file fails with FILE:LINE: in one line"
       "a bad policy named by a rule stops the start"
       "a matching cgroup that exists at start is enabled"
       "a matching cgroup created after start is enabled"
       "a rule from the config file works like --auto"
       "'**' matches across path components"
       "a cgroup no pattern matches is not enabled"
       "an excluded cgroup is not enabled"
       "a removed cgroup is disabled"
       "the rule's policy is applied"
       "auto-mount: a container running at start gets the view"
       "auto-mount: a container started later gets the view when it has pivoted"
       "auto-mount: the container reads its own memory limit"
       "a full table is logged once, naming the cgroups left out"
       "the agent keeps serving with a full table"
       "a cgroup left out is enabled when a slot frees up")
need_root "${NAMES[@]}"
for tool in unshare nsenter pivot_root; do
    command -v $tool >/dev/null || skip_all "$tool not installed" "${NAMES[@]}"
done
[ -x /bin/busybox ] || skip_all "busybox not installed (a container's root needs it)" "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"

VIEW=/run/kava-test-$$-autoview
ROOT=/run/kava-test-$$-rootfs
MEM=$((192 * 1024 * 1024))
tmp=$(mktemp -d)
log=$tmp/agent.log
OWN=$(own_cgroup)
REL=${OWN#"$CG2"}; REL=${REL#/}; REL=${REL:+$REL/}     # our cgroup, relative to the mount
P="kava-test-$$"
enabled() { "$KAVA" list | awk '{ print $2 }' | grep -qx "$1"; }
not_enabled() { not_listed "$1"; }     # kava list succeeded and does not show it
agent=
stop_agent() { [ -n "$agent" ] && kill -TERM "$agent" 2>/dev/null && wait "$agent" 2>/dev/null; agent=; }
finish() {
    stop_agent
    for c in "$OWN/$P"-*; do [ -d "$c" ] && "$KAVA" policy clear "$c" >/dev/null 2>&1; done
    umount -l "$VIEW" 2>/dev/null; rmdir "$VIEW" 2>/dev/null
    umount -l "$ROOT/sys" "$ROOT/proc" "$ROOT" 2>/dev/null; rm -rf "$ROOT" "$tmp"
    rmdir "$OWN/$P-deep/x/y/leaf-1" "$OWN/$P-deep/x/y" "$OWN/$P-deep/x" 2>/dev/null
    cleanup
}
trap finish EXIT

# ---- configuration errors: one line naming FILE:LINE, non-zero exit, nothing started
printf 'auto = %s%s-a*\nauto-mount = perhaps\n' "$REL" "$P" >"$tmp/bad.conf"
err=$("$KAVA" run --config "$tmp/bad.conf" --view none 2>&1); rc=$?
note "bad config: $err"
check_all "a bad config file fails with FILE:LINE: in one line" \
    '[ $rc != 0 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "^kava: run: $tmp/bad.conf:2: auto-mount takes yes or no$" <<<"$err"'
printf 'mode = sometimes\n' >"$tmp/bad.policy"
err=$("$KAVA" run --no-config --view none --auto "$REL$P-a* policy=$tmp/bad.policy" 2>&1); rc=$?
note "bad policy: $err"
check_all "a bad policy named by a rule stops the start" \
    '[ $rc != 0 ] && grep -q "bad.policy:1:" <<<"$err"'

# ---- the agent: rules from a file and from the command line
printf 'mode = audit\n' >"$tmp/audit.policy"
cat >"$tmp/kava.conf" <<EOF
# rules as an operator writes them
auto = $REL$P-file-*        # from the file
auto = $REL$P-pol-* policy=$tmp/audit.policy
auto = !$REL$P-a-skip*
EOF
pre=$(new_cgroup a-pre)
skipped_pre=$(new_cgroup a-skip1)
# a container already running in its own root when the agent starts
mkdir -p "$ROOT"/{bin,proc,sys,old} && cp /bin/busybox "$ROOT/bin/" || skip_all "cannot build a root filesystem" "${NAMES[@]}"
start_container() {        # start_container CGROUP: a task that pivots into $ROOT, like a runtime's
    sh -c "$(join_script "$1")"' && exec unshare -m --propagation private sh -c '\''
        mount --bind "$0" "$0" && mount -t proc proc "$0/proc" && mount --rbind /sys "$0/sys" &&
        cd "$0" && pivot_root . old &&
        exec /bin/busybox sh -c "/bin/busybox umount -l /old; exec /bin/busybox sleep 300"'\'' "$1"' \
        sh "$ROOT" & BG_PIDS+=($!)
}
c_pre=$(new_container a-mnt-pre "$MEM" 0) || skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
start_container "$c_pre"
pre_pid=$!
root_is_pivoted() { [ "$(stat -c %i /proc/"$1"/root/bin/busybox 2>/dev/null)" = "$(stat -c %i "$ROOT/bin/busybox")" ]; }
wait_for 10 root_is_pivoted "$pre_pid"

"$KAVA" run --config "$tmp/kava.conf" --mount "$VIEW" --auto "$REL$P-a-*" \
    --auto "$REL$P-deep/**/leaf-*" --auto-mount 2>"$log" & agent=$!
wait_for 20 grep -q "FUSE view at" "$log"
wait_for 20 enabled "$pre"
check "a matching cgroup that exists at start is enabled" enabled "$pre"

new=$(new_cgroup a-new)
fromfile=$(new_cgroup file-1)
mkdir -p "$OWN/$P-deep/x/y/leaf-1"; deep="$OWN/$P-deep/x/y/leaf-1"
other=$(new_cgroup b-other)
skipped=$(new_cgroup a-skip2)
pol=$(new_cgroup pol-1)
wait_for 20 enabled "$new"
check "a matching cgroup created after start is enabled" enabled "$new"
wait_for 20 enabled "$fromfile"
check "a rule from the config file works like --auto" enabled "$fromfile"
wait_for 20 enabled "$deep"
check "'**' matches across path components" enabled "$deep"
wait_for 20 enabled "$pol"          # created last: the ones before it have been handled too
check "a cgroup no pattern matches is not enabled" not_enabled "$other"
check_all "an excluded cgroup is not enabled" 'not_enabled "$skipped" && not_enabled "$skipped_pre"'
# the agent's own log line: `kava list` would prune a removed cgroup by itself
rmdir "$new"
wait_for 20 grep -q "disabled $new (removed)" "$log"
check "a removed cgroup is disabled" grep -q "disabled $new (removed)" "$log"
wait_for 20 grep -q "$pol: policy $tmp/audit.policy applied" "$log"
check_all "the rule's policy is applied" '"$KAVA" policy show "$pol" 2>/dev/null | grep -q audit'

# ---- auto-mount
inside_total() {           # MemTotal in bytes as a task in the container's cgroup and root reads it
    sh -c "$(join_script "$1")"' && exec nsenter -t "$1" -m -r /bin/busybox awk "/^MemTotal:/ { print \$2 * 1024 }" /proc/meminfo' sh "$2" 2>/dev/null
}
wait_for 20 grep -q "view attached in $c_pre " "$log"
check_all "auto-mount: a container running at start gets the view" \
    'grep -q "view attached in $c_pre " "$log" && [ "$(inside_total "$c_pre" "$pre_pid")" = "$MEM" ]'
c_new=$(new_container a-mnt-new "$MEM" 0)
t0=$SECONDS
start_container "$c_new"
new_pid=$!
wait_for 20 grep -q "view attached in $c_new " "$log"
note "a container started to its view attached: $((SECONDS - t0)) s or less"
grep "auto-mount" "$log" | sed 's/^/# /'
check "auto-mount: a container started later gets the view when it has pivoted" grep -q "view attached in $c_new (pid [0-9]*): 11 mounted" "$log"
total=$(inside_total "$c_new" "$new_pid")
note "MemTotal inside: $total (limit $MEM, host $(awk '/^MemTotal:/ { print $2 * 1024 }' /proc/meminfo))"
check "auto-mount: the container reads its own memory limit" [ "$total" = "$MEM" ]
stop_agent

# ---- a full table: fill the free room, plus three that cannot fit
room=$((1024 - $("$KAVA" list | wc -l)))
full=$(new_cgroup full)
for i in $(seq $((room + 3))); do mkdir "$full/c$i"; done
: >"$log"
"$KAVA" run --no-config --view none --auto "$REL$P-full/c*" 2>"$log" & agent=$!
t0=$SECONDS
wait_for 300 grep -q "table is full" "$log"
note "$room cgroups enabled at start in $((SECONDS - t0)) s"
grep "table is full" "$log" | sed 's/^/# /'
mkdir "$full/late"; mkdir "$full/c-late"      # one more left out: not logged again
wait_for 20 sh -c "[ \$('$KAVA' list | wc -l) = 1024 ]"
check_all "a full table is logged once, naming the cgroups left out" \
    '[ "$(grep -c "table is full" "$log")" = 1 ] && grep -q "3 cgroups left out: .*c[0-9]" "$log"'
check "the agent keeps serving with a full table" kill -0 "$agent"
victim=$("$KAVA" list | awk -v f="$full/" 'index($2, f) == 1 { print $2; exit }')
rmdir "$victim"
wait_for 20 grep -q "had been left out while the table was full" "$log"
check_all "a cgroup left out is enabled when a slot frees up" \
    'grep -q "had been left out while the table was full" "$log" && [ "$("$KAVA" list | wc -l)" = 1024 ]'
# removing them is the agent's job too (one rmdir event each)
t0=$SECONDS
rmdir "$full"/*/
wait_for 120 sh -c "[ \$('$KAVA' list | wc -l) = $((1024 - room)) ]"
note "$((room + 4)) removals handled in $((SECONDS - t0)) s"
stop_agent
