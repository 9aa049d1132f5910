#!/usr/bin/env bash
# Per-container budgets of the FUSE view (issue 15), on either cgroup layout
# (a v1 CPU quota on hybrid hosts, v2 cpu.max on pure ones; no python: it
# runs in the VMs too).
#
# Memory: container A holds as many view files as its fd limit allows (raised
# above the budget): it gets exactly its budget, then ENFILE; the agent's RSS
# grows by at most the budget's worth; container B's reads keep working; after
# A closes them, the agent's RSS comes back within 20% of its baseline (Rss of
# smaps_rollup, the figure the issue gives; the anonymous part alone is ~2 MB
# here). A container matched by a kava.conf rule with view-files=N gets N.
#
# CPU: container H, limited to 0.2 CPU, hammers the view with 8 readers for
# 20 s. Its request rate limit is 0.2 x view-rate; its requests are delayed
# (counted) and none fails; the requests it was served stay within the token
# bucket's bound; B's reads keep working. The agent's CPU meanwhile is
# reported, not asserted (timings are the bench's: tests/bench/budgets.bench).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("opens beyond the budget fail with ENFILE"
       "agent RSS grows at most by the budget's worth"
       "another container reads while one is at its budget"
       "agent RSS back within 20% of its baseline after close"
       "the agent serves the burst with the threads of its baseline"
       "a kava.conf rule's view-files applies to its containers"
       "refused opens are counted in the metrics"
       "a 0.2-CPU container's request rate is 0.2 x view-rate"
       "hammering requests are delayed, none fails"
       "requests served stay within the token bucket's bound"
       "another container reads while one is throttled")
need_root "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"
VL=$KAVA_BUILD/helpers/kava-viewload
[ -x "$VL" ] || skip_all "build $VL first" "${NAMES[@]}"

BUDGET=4096            # the default view-files
# view-rate given explicitly (2500, the default, gives 500/s at 0.2 CPU). H,
# the hammering container, gets its own by a kava.conf rule: 0.2 x 250 = 50/s,
# the floor (BUDGET_RATE_MIN), which 8 readers exceed in a TCG VM (~230
# requests/s there). On a host loaded past that (37/s and 18/s seen with
# benches beside the VM) H never reaches its rate: that check skips, saying so.
RATE=500
H_RATE=250
SECS=${BUDGET_HAMMER_SECONDS:-20}
VIEW=/run/kava-test-$$-budgets
TMP=$(mktemp -d)        # in the test's own TMPDIR: removed on exit, as $VIEW is

a=$(new_cgroup a) && b=$(new_cgroup b) && c=$(new_cgroup c) || skip_all "cannot create cgroups" "${NAMES[@]}"
h=$(new_container hammer 1073741824 0) || skip_all "cannot create a CPU-limited container" "${NAMES[@]}"
if is_hybrid; then
    echo 100000 > "$(v1_dir cpu)/kava-test-$$-hammer/cpu.cfs_period_us" &&
        echo 20000 > "$(v1_dir cpu)/kava-test-$$-hammer/cpu.cfs_quota_us"
else
    echo "20000 100000" > "$h/cpu.max"
fi || skip_all "cannot set a CPU quota" "${NAMES[@]}"
for cg in "$a" "$b" "$h"; do "$KAVA" enable "$cg" >/dev/null || skip_all "kava enable failed" "${NAMES[@]}"; done
# C is enabled by its rule, which also gives it its own budget; H's rule gives it its rate
rel() { echo "${1#"$CG2"}"; }
printf 'auto = %s view-files=8\nauto = %s view-rate=%d\n' "$(rel "$c" | sed 's|^/||')" \
    "$(rel "$h" | sed 's|^/||')" $H_RATE > "$TMP/kava.conf"

"$KAVA" run --mount "$VIEW" --config "$TMP/kava.conf" --view-rate $RATE 2>"$TMP/agent.log" & agent=$!
AGENT_PIDS+=($agent)
wait_for 20 test -e "$VIEW/proc/meminfo" || { sed 's/^/# /' "$TMP/agent.log"; skip_all "the agent did not start" "${NAMES[@]}"; }

in_cg() { local cg=$1; shift; sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"; }
# The agent's RSS and its anonymous part (kB: the heap, where snapshots live)
# from smaps_rollup, which walks the page tables. /proc/PID/status's VmRSS is
# exact only from 6.2: before, each thread caches its RSS changes and adds
# them to the process's every 64 page faults (SPLIT_RSS_COUNTING), so with a
# dozen threads it may be off by a few MB either way (6.1 VM: +1.6 MB of
# VmRSS after close with +0.4 MB anonymous, then back down untouched). The
# RSS includes pages of the binary and libraries, which the warm-up below
# touches before the baseline.
rss() { awk '/^Anonymous:/ { print $2 }' "/proc/$agent/smaps_rollup"; }
vmrss() { awk '/^Rss:/ { print $2 }' "/proc/$agent/smaps_rollup"; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$agent/status"; }
# The agent's thread ids, sorted: a FUSE worker made during a burst takes its
# 1 MiB request buffer from the middle of an arena the burst's snapshots grew
# and freed (glibc maps a block past M_MMAP_THRESHOLD only when the arena
# cannot hold it), and the ~1 MB of pages under it stay resident while that
# worker lives: the same threads before and after mean none was made.
tids() { ls "/proc/$agent/task" | sort -n | tr '\n' ' '; }
# Where the agent's anonymous memory is (kB), to tell what a burst left behind:
# malloc's main arena (the [heap]), its thread arenas (mappings at 64 MiB
# boundaries, glibc's HEAP_MAX_SIZE), the rest (thread stacks, mmap'ed blocks),
# and how much of it all is in transparent huge pages
anon_where() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / { a = $1; sub(/-.*/, "", a); n = length(a)
             k = "other"
             if (substr(a, n - 5) == "000000" && index("048c", substr(a, n - 6, 1))) k = "arenas"
             if ($6 == "[heap]") k = "heap" }
         /^Anonymous:/ { kb[k] += $2 }
         /^AnonHugePages:/ { huge += $2 }
         END { printf "main arena %d, thread arenas %d, other %d (huge pages %d)", kb["heap"], kb["arenas"], kb["other"], huge }' \
        "/proc/$agent/smaps" 2>/dev/null
}
# metric NAME CGROUP [LABEL]: a container's value from the view's kava/metrics (read as the host)
metric() {
    awk -v n="$1{cgroup=\"$(rel "$2")\"," -v x="${3:-}" \
        'index($0, n) == 1 && (x == "" || index($0, x)) { print $NF; exit }' "$VIEW/kava/metrics"
}

# ---- memory
# warm up: every worker thread the hold will use exists before the baseline
in_cg "$b" "$VL" loop 1 8 "$VIEW/proc/meminfo" >/dev/null
# and the metrics' caches (read below) exist before it too
cat "$VIEW/kava/metrics" >/dev/null
# and the code of a hold past a budget (cpuinfo's renderer, the refusal, its
# log line) is paged in: C's budget is 8 files. The RSS counts the binary's
# and libraries' pages too, which a burst would otherwise touch first.
in_cg "$c" "$VL" hold 16 "$VIEW/proc/cpuinfo" < /dev/null >/dev/null 2>&1
sleep 2
base=$(rss) base_vm=$(vmrss) base_threads=$(threads) base_where=$(anon_where) base_tids=$(tids)
mkfifo "$TMP/in"
in_cg "$a" "$VL" hold $((BUDGET + 256)) "$VIEW/proc/cpuinfo" < "$TMP/in" > "$TMP/hold" 2>&1 &
holder=$!; BG_PIDS+=($holder)
exec 3>"$TMP/in"
wait_for 300 grep -q '^held' "$TMP/hold"
read -r _ held _ failed _ errno_ < <(grep '^held' "$TMP/hold")
full=$(rss) full_where=$(anon_where)
note "A held ${held:-?} files, ${failed:-?} opens failed (errno ${errno_:-?}); anonymous RSS ${base} kB -> ${full} kB (RSS $base_vm kB -> $(vmrss) kB)"
check_all "opens beyond the budget fail with ENFILE" \
    '[ "${held:-0}" = $BUDGET ] && [ "${failed:-0}" -gt 0 ] && [ "${errno_:-0}" = 23 ]'
check_all "agent RSS grows at most by the budget's worth" \
    '[ -n "$full" ] && [ $((full - base)) -le $((BUDGET * 16)) ]'
out=$(in_cg "$b" "$VL" lat 50 "$VIEW/proc/meminfo")
note "B while A is at its budget: $out"
check_all "another container reads while one is at its budget" '[ "$(echo "$out" | awk "{print \$4}")" = 0 ]'
refused=$(metric kava_container_view_opens_refused_total "$a")
echo >&3
wait_for 60 grep -q '^closed' "$TMP/hold"
# the agent sees the closes as FUSE releases (4096 of them: seconds in a TCG
# VM); the budget's thread gives freed memory back a second after them
wait_for 120 sh -c "[ \"\$(awk -v n='kava_container_view_open_files{cgroup=\"$(rel "$a")\",' 'index(\$0, n) == 1 { print \$NF }' '$VIEW/kava/metrics')\" = 0 ]" ||
    note "A's view files still open after 120 s: $(metric kava_container_view_open_files "$a")"
wait_for 30 sh -c "[ \$(awk '/^Rss:/ { print \$2 }' /proc/$agent/smaps_rollup) -le $((base_vm * 12 / 10)) ]"
after=$(vmrss)
note "RSS after close: ${after} kB (baseline ${base_vm} kB); anonymous RSS $base kB -> $(rss) kB; threads $base_threads -> $(threads)"
note "anonymous kB at the baseline: $base_where; at the budget: $full_where; after close: $(anon_where)"
check_all "agent RSS back within 20% of its baseline after close" '[ -n "$after" ] && [ "$after" -le $((base_vm * 12 / 10)) ]'
after_tids=$(tids)
[ "$after_tids" = "$base_tids" ] || note "agent threads at the baseline: $base_tids; after close: $after_tids"
check_all "the agent serves the burst with the threads of its baseline" '[ -n "$base_tids" ] && [ "$after_tids" = "$base_tids" ]'
echo >&3; exec 3>&-
wait "$holder" 2>/dev/null

out=$(in_cg "$c" "$VL" hold 100 "$VIEW/proc/loadavg" < /dev/null | head -1)
note "C (view-files=8 by its rule): $out"
check_all "a kava.conf rule's view-files applies to its containers" \
    '[ "$(echo "$out" | awk "/^held/ {print \$2, \$6}")" = "8 23" ]'
note "A's refused opens in the metrics: ${refused:-none}"
check_all "refused opens are counted in the metrics" '[ -n "$refused" ] && [ "$refused" = "$failed" ]'

# ---- CPU
req0=$(metric kava_container_view_requests_total "$h"); req0=${req0:-0}
t0=$(now_ns); c0=$(awk '{ print $14 + $15 }' "/proc/$agent/stat")
sh -c "$(join_script "$h") && exec \"\$@\"" sh "$VL" loop "$SECS" 8 "$VIEW/proc/meminfo" > "$TMP/hammer" 2>&1 &
hammer=$!; BG_PIDS+=($hammer)
sleep 2
out=$(in_cg "$b" "$VL" lat 200 "$VIEW/proc/loadavg")
wait "$hammer"
c1=$(awk '{ print $14 + $15 }' "/proc/$agent/stat")
req1=$(metric kava_container_view_requests_total "$h"); t1=$(now_ns)
rate=$(metric kava_container_view_request_rate_limit "$h")
delayed=$(metric kava_container_view_requests_delayed_total "$h" 'reason="rate"')
read -r _ ops _ hfailed < "$TMP/hammer"
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)   # busybox has no getconf
note "H: ${ops:-?} reads, ${hfailed:-?} failed; rate limit ${rate:-?}/s; $((req1 - req0)) requests, ${delayed:-?} delayed for the rate"
note "agent CPU over the hammering: $(awk -v c=$((c1 - c0)) -v hz="$hz" -v s="$SECS" 'BEGIN { printf "%.2f s in %d s (%.2f CPU; H may use 0.2)", c / hz, s, c / hz / s }')"
note "B under the hammering: $out"
check_all "a 0.2-CPU container's request rate is 0.2 x view-rate" '[ "$rate" = $((H_RATE / 5)) ]'
# H is delayed only once it asks for more than its rate: served requests
# never exceed the bucket's bound, and under it by a fifth H never got there
if [ -n "$rate" ] && [ $((req1 - req0)) -lt "$(awk -v r="$rate" -v ns=$((t1 - t0)) 'BEGIN { printf "%d", 0.8 * r * ns / 1e9 }')" ]; then
    skip "hammering requests are delayed, none fails" \
        "H made $((req1 - req0)) requests in $(((t1 - t0) / 1000000000)) s, within its rate of $rate/s: the host is too loaded for 8 readers at 0.2 CPU to exceed it"
else
    check_all "hammering requests are delayed, none fails" \
        '[ "${hfailed:-1}" = 0 ] && [ "${ops:-0}" -gt 0 ] && [ "${delayed:-0}" -gt 0 ]'
fi
# a full bucket (one second's worth) plus the rate over the span, plus 8 parked at the start
bound=$(awk -v r="$rate" -v ns=$((t1 - t0)) 'BEGIN { printf "%d", r + r * ns / 1e9 + 8 }')
note "requests served to H: $((req1 - req0)) (bound $bound)"
check_all "requests served stay within the token bucket's bound" \
    '[ -n "$rate" ] && [ $((req1 - req0)) -gt 0 ] && [ $((req1 - req0)) -le "$bound" ]'
check_all "another container reads while one is throttled" '[ "$(echo "$out" | awk "{print \$4}")" = 0 ]'

kill -TERM "$agent"; wait "$agent" 2>/dev/null
grep "kava: view:" "$TMP/agent.log" | head -4 | sed 's/^/# /'
