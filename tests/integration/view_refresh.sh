#!/usr/bin/env bash
# The tmpfs view's refresh on open (--tmpfs-refresh on-open, fanotify) beside
# the periodic one: an unread container's files are not rewritten; an open
# of a file older than a period shows the container's figures of now; a
# file kept open is rewritten every period; the agent's own writes never
# wait for readers; a stopped and then killed agent leaves its openers
# allowed (the kernel answers at the group's release) and the files frozen.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("periodic: an unread container's files are rewritten every period"
       "on-open: an unread container's files are not rewritten while another's are"
       "on-open: an open after a limit change shows the new MemTotal"
       "on-open: a file kept open shows a limit change on a re-read from offset 0"
       "on-open: the agent writes a new container's files while readers open others"
       "on-open: readers opening in a loop are all answered"
       "on-open: the metrics count fresh marks, held opens and their renders"
       "on-open: a fresh file's open does not wait for the agent (stopped)"
       "on-open: a CPU topology file's open does not wait for the agent (stopped)"
       "on-open: a file kept open after opens merged in the queue stays rewritten"
       "on-open: a file opened before the agent started keeps its container rewritten"
       "on-open: an open waiting on a stopped agent completes when it is killed"
       "on-open: files stay readable, frozen, after the agent is killed"
       "periodic: a limit change shows within a few periods"
       "the agent logs its first pass over every enabled container")
need_root "${NAMES[@]}"
for tool in python3 jq timeout curl; do
    command -v $tool >/dev/null || skip_all "$tool not installed" "${NAMES[@]}"
done

OPEN=/run/kava-test-$$-open PER=/run/kava-test-$$-periodic
M1=$((256 * 1024 * 1024)) M2=$((384 * 1024 * 1024)) M3=$((320 * 1024 * 1024))
x=$(new_container readx "$M1" 0) && y=$(new_container ready "$M1" 0) &&
    z=$(new_container readz "$M1" 0) ||
    skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]}"
mem_file() {               # mem_file V2PATH: where its memory limit is written
    if is_hybrid; then echo "$(v1_dir memory)/${1##*/}/memory.limit_in_bytes"; else echo "$1/memory.max"; fi
}
"$KAVA" enable "$x" >/dev/null && "$KAVA" enable "$y" >/dev/null || skip_all "kava enable failed" "${NAMES[@]}"
xid=$(jfield "$x" .cgroup_id) yid=$(jfield "$y" .cgroup_id)
# a process in each (a hybrid host's v1 limits are found through one)
for c in "$x" "$y" "$z"; do
    sh -c "$(join_script "$c")"' && exec sleep 600' & BG_PIDS+=($!)
done
log=$TMPDIR/open.log
"$KAVA" run --view tmpfs --tmpfs-refresh on-open --period 1000 --mount "$OPEN" --no-config \
    --metrics "unix:$TMPDIR/metrics.sock" 2>"$log" & oagent=$!
AGENT_PIDS+=($oagent)
"$KAVA" run --view tmpfs --tmpfs-refresh periodic --period 200 --mount "$PER" --no-config 2>/dev/null & pagent=$!
AGENT_PIDS+=($pagent)
wait_for 20 test -s "$OPEN/$yid/proc/meminfo"
wait_for 20 test -s "$PER/$yid/proc/meminfo"
wait_for 10 grep -q "rewritten while open" "$log"
if ! grep -q "rewritten while open" "$log"; then
    note "$(cat "$log")"
    skip_all "no refresh on open here (fanotify permission events refused)" "${NAMES[@]}"
fi
# an operator (and the scale bench) learns when every container's files are written
wait_for 10 grep -q "first pass over" "$log"
note "$(grep "first pass over" "$log")"
check "the agent logs its first pass over every enabled container" \
    grep -Eq "tmpfs view: first pass over 2 containers in [0-9]+ ms" "$log"
memtotal() { awk '/^MemTotal:/ { printf "%d\n", $2 * 1024 }' "$1"; }
mtime() { stat -c %Y.%y "$1"; }
# kept_meminfo FILE GO WANT [merged]: keep FILE open (merged: open it twice
# and close the first), say "open", wait for the file GO, then re-read from
# offset 0 until MemTotal is WANT (30 s at most) and print the last MemTotal
kept_meminfo() {
    python3 - "$@" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
if sys.argv[4:] == ["merged"]:
    first, fd = fd, os.open(sys.argv[1], os.O_RDONLY)
    os.close(first)
total = lambda: int(os.pread(fd, 65536, 0).split(b"MemTotal:")[1].split()[0]) * 1024
print("open", flush=True)
end = time.time() + 90
while not os.path.exists(sys.argv[2]) and time.time() < end:
    time.sleep(0.1)
end, now = time.time() + 30, total()
while now != int(sys.argv[3]) and time.time() < end:
    time.sleep(0.1)
    now = total()
print(now)
PY
}

# ---- 1: nobody reads y. x's uptime is kept open by a reader (so the on-open
# agent rewrites x every period: the periods go on); y's files must not move
# there, while the periodic agent rewrites y's uptime.
python3 - "$OPEN/$xid/proc/uptime" "$OPEN/$yid/proc/uptime" "$OPEN/$yid/proc/stat" "$PER/$yid/proc/uptime" \
    >"$TMPDIR/idle" <<'PY'
import os, sys, time
held = os.open(sys.argv[1], os.O_RDONLY)          # x stays open: x is active
mt = lambda f: os.stat(f).st_mtime_ns              # stat(2): no open, no event
x0, y0, s0, p0 = (mt(f) for f in sys.argv[1:])
xs, ps, last_x, last_p = 0, 0, x0, p0
end = time.time() + 60
while (xs < 4 or ps < 4) and time.time() < end:
    time.sleep(0.05)
    if mt(sys.argv[1]) != last_x:
        xs, last_x = xs + 1, mt(sys.argv[1])
    if mt(sys.argv[4]) != last_p:
        ps, last_p = ps + 1, mt(sys.argv[4])
print(xs, ps, int(mt(sys.argv[2]) != y0), int(mt(sys.argv[3]) != s0))
os.close(held)
PY
read -r xs ps ymoved smoved <"$TMPDIR/idle"
note "x (kept open) rewritten $xs times, y (unread) uptime moved: $ymoved, stat moved: $smoved; periodic agent: y rewritten $ps times"
check "periodic: an unread container's files are rewritten every period" [ "$ps" -ge 4 ]
check_all "on-open: an unread container's files are not rewritten while another's are" \
    '[ "$xs" -ge 4 ] && [ "$ymoved" = 0 ] && [ "$smoved" = 0 ]'

# ---- 2: more than a period after y's last render, change its limit and open
sleep 1.5
echo "$M2" >"$(mem_file "$y")"
got=$(timeout 20 awk '/^MemTotal:/ { printf "%d\n", $2 * 1024 }' "$OPEN/$yid/proc/meminfo")
note "on-open: MemTotal right after the change $got (limit $M2; before $M1)"
check "on-open: an open after a limit change shows the new MemTotal" [ "$got" = "$M2" ]

# ---- 3: a reader keeps y's meminfo open; the limit changes; re-reads from offset 0
python3 - "$OPEN/$yid/proc/meminfo" "$(mem_file "$y")" "$M3" >"$TMPDIR/kept" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
total = lambda: int(os.pread(fd, 65536, 0).split(b"MemTotal:")[1].split()[0]) * 1024
first = total()
time.sleep(1.2)                     # y's text is older than a period by now
with open(sys.argv[2], "w") as f:
    f.write(sys.argv[3])
end, now = time.time() + 30, first
while now != int(sys.argv[3]) and time.time() < end:
    time.sleep(0.1)
    now = total()
print(first, now)
PY
read -r first now <"$TMPDIR/kept"
note "on-open: kept-open meminfo MemTotal $first, after the change to $M3 re-read at 0: $now"
check "on-open: a file kept open shows a limit change on a re-read from offset 0" [ "$now" = "$M3" ]

# ---- 8: a container read every period has its files marked fresh
# (fanotify ignore marks): their opens never wait for the agent, so they
# complete even while it is stopped, while an unread container's still wait
python3 - "$OPEN/$xid/proc/uptime" >/dev/null <<'PY' & keeper=$!
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
end = time.time() + 12
while time.time() < end:
    os.pread(fd, 4096, 0)
    time.sleep(0.2)
PY
sleep 3                     # x rendered (and marked) in the periods since
kill -STOP "$oagent"
timeout 3 cat "$OPEN/$xid/proc/loadavg" >"$TMPDIR/fresh"; fstatus=$?
timeout 3 cat "$OPEN/$yid/proc/swaps" >/dev/null; sstatus=$?
timeout 3 cat "$OPEN/$yid/sys/devices/system/cpu/cpu0/topology/core_id" >"$TMPDIR/topo"; tstatus=$?
kill -CONT "$oagent"
note "on-open: with the agent stopped, x's (read) loadavg: status $fstatus ($(cat "$TMPDIR/fresh")); y's (unread) swaps: status $sstatus (124: waited)"
check_all "on-open: a fresh file's open does not wait for the agent (stopped)" \
    '[ "$fstatus" = 0 ] && [ -s "$TMPDIR/fresh" ] && [ "$sstatus" = 124 ]'
note "on-open: with the agent stopped, y's cpu0/topology/core_id: status $tstatus ($(cat "$TMPDIR/topo"))"
# the topology changes with the CPU set only: its files never wait for a render
check_all "on-open: a CPU topology file's open does not wait for the agent (stopped)" \
    '[ "$tstatus" = 0 ] && [ "$(cat "$TMPDIR/topo")" = 0 ]'
wait "$keeper"

# ---- 9: two opens of one file by one process merge in fanotify's queue
# (here while the agent is stopped: one event, open and close bits), so the
# count says closed while the second descriptor is open; the openers check
# (/proc/PID/fd) made before y's files go cold still finds the reader
cat "$OPEN/$yid/proc/meminfo" >/dev/null      # rendered for the open, marked
kill -STOP "$oagent"
kept_meminfo "$OPEN/$yid/proc/meminfo" "$TMPDIR/merged.go" "$M2" merged >"$TMPDIR/merged.out" & merged=$!
wait_for 10 grep -q open "$TMPDIR/merged.out"
kill -CONT "$oagent"
sleep 3.5                   # past the close's period: a count alone would let y go cold
echo "$M2" >"$(mem_file "$y")"
touch "$TMPDIR/merged.go"
wait "$merged"
note "on-open: meminfo kept open after a merged open+open+close, re-read at 0 after a change to $M2: $(tail -1 "$TMPDIR/merged.out")"
check "on-open: a file kept open after opens merged in the queue stays rewritten" \
    [ "$(tail -1 "$TMPDIR/merged.out")" = "$M2" ]
echo "$M3" >"$(mem_file "$y")"

# ---- 6: readers open x's and y's files in a loop while z is enabled: the
# agent's own opens (z's new files) are answered at once, the readers' too
python3 - "$OPEN" "$xid" "$yid" >"$TMPDIR/loop" <<'PY' & reader=$!
import os, sys, time
names = ["proc/meminfo", "proc/stat", "proc/uptime", "proc/loadavg", "proc/cpuinfo"]
n, end = 0, time.time() + 8
while time.time() < end:
    for c in sys.argv[2:]:
        for f in names:
            with open(os.path.join(sys.argv[1], c, f), "rb") as fh:
                fh.read()
            n += 1
print(n)
PY
sleep 0.5
"$KAVA" enable "$z" >/dev/null
zid=$(jfield "$z" .cgroup_id)
wait_for 20 test -s "$OPEN/$zid/proc/meminfo"
timeout 60 tail --pid="$reader" -f /dev/null
wait "$reader"; rstatus=$?
nreads=$(cat "$TMPDIR/loop")
zmem=$(timeout 20 awk '/^MemTotal:/ { printf "%d\n", $2 * 1024 }' "$OPEN/$zid/proc/meminfo")
note "on-open: z's MemTotal $zmem while a reader opened x's and y's files $nreads times (status $rstatus)"
check "on-open: the agent writes a new container's files while readers open others" [ "$zmem" = "$M1" ]
check_all "on-open: readers opening in a loop are all answered" '[ "$rstatus" = 0 ] && [ "${nreads:-0}" -gt 0 ]'
# what the agent did so far: files marked fresh after renders; opens of
# stale files held (step 2's open after a limit change) and renders for them
scrape=$(curl -s --unix-socket "$TMPDIR/metrics.sock" http://kava/metrics)
metric() { awk -v m="$1" '$1 == m { print $2 }' <<<"$scrape"; }
marks=$(metric kava_tmpfs_fresh_marks_total) renders=$(metric kava_tmpfs_renders_on_open_total)
held=$(metric 'kava_tmpfs_opens_total{answer="held"}')
note "on-open: metrics: fresh marks ${marks:-none}, held opens ${held:-none}, renders on open ${renders:-none}"
check_all "on-open: the metrics count fresh marks, held opens and their renders" \
    '[ "${marks:-0}" -gt 0 ] && [ "${held:-0}" -gt 0 ] && [ "${renders:-0}" -gt 0 ]'

# ---- 7: a file opened before the agent started (a restart): the start's
# audit of /proc/PID/fd finds it, so its container is rewritten every period
kept_meminfo "$OPEN/$yid/proc/meminfo" "$TMPDIR/restarted" "$M1" >"$TMPDIR/audit" & kept=$!
wait_for 10 grep -q open "$TMPDIR/audit"
kill -TERM "$oagent"; wait "$oagent" 2>/dev/null
"$KAVA" run --view tmpfs --tmpfs-refresh on-open --period 1000 --mount "$OPEN" --no-config 2>"$log" & oagent=$!
AGENT_PIDS+=($oagent)
wait_for 20 grep -q "rewritten while open" "$log"
sleep 2.5                   # past the start's render and audit, and y's last render
echo "$M1" >"$(mem_file "$y")"
touch "$TMPDIR/restarted"
wait "$kept"
note "on-open: after a restart, meminfo opened before it re-read at 0: $(tail -1 "$TMPDIR/audit") (limit $M1)"
check "on-open: a file opened before the agent started keeps its container rewritten" \
    [ "$(tail -1 "$TMPDIR/audit")" = "$M1" ]
echo "$M3" >"$(mem_file "$y")"

# ---- 4: the agent stopped: an opener of a file older than a period waits;
# killed: the kernel allows it (fanotify_release()), and the files stay, frozen
# (every open waits while it is stopped: the listener answers none). y's
# limit has been M3 for longer than its renders take to follow: read it once
sleep 2.5
before=$(memtotal "$OPEN/$yid/proc/meminfo")
note "on-open: y's MemTotal before the agent stops: $before"
kill -STOP "$oagent"
timeout 60 cat "$OPEN/$yid/proc/meminfo" >"$TMPDIR/waited" & opener=$!
sleep 1
state=$(awk '{ print $3 }' "/proc/$opener/stat" 2>/dev/null)
note "on-open: a cat opening y's meminfo while the agent is stopped: state ${state:-gone}"
kill -KILL "$oagent"
wait "$opener"; ostatus=$?
wait "$oagent" 2>/dev/null
check_all "on-open: an open waiting on a stopped agent completes when it is killed" \
    '[ "$ostatus" = 0 ] && [ "$(memtotal "$TMPDIR/waited")" = "$M3" ]'
m0=$(mtime "$OPEN/$xid/proc/uptime")
echo "$M2" >"$(mem_file "$y")"
a=$(timeout 20 cat "$OPEN/$xid/proc/uptime") && sleep 1.2 && b=$(timeout 20 cat "$OPEN/$xid/proc/uptime")
ymem=$(timeout 20 awk '/^MemTotal:/ { printf "%d\n", $2 * 1024 }' "$OPEN/$yid/proc/meminfo")
check_all "on-open: files stay readable, frozen, after the agent is killed" \
    '[ -n "$a" ] && [ "$a" = "$b" ] && [ "$(mtime "$OPEN/$xid/proc/uptime")" = "$m0" ] && [ "$ymem" = "$M3" ]'

# ---- 5: the periodic agent follows the last limit change by itself
for _ in $(seq 50); do [ "$(memtotal "$PER/$yid/proc/meminfo")" = "$M2" ] && break; sleep 0.2; done
check "periodic: a limit change shows within a few periods" [ "$(memtotal "$PER/$yid/proc/meminfo")" = "$M2" ]

kill -TERM "$pagent" 2>/dev/null; wait "$pagent" 2>/dev/null
umount -l "$OPEN" "$PER" 2>/dev/null; rmdir "$OPEN" "$PER" 2>/dev/null
