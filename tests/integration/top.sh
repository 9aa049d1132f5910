#!/usr/bin/env bash
# kava top, in batch mode and on a terminal: a busy container limited to host
# CPU 0 (its CPU % agrees with its own cgroup's cpu.stat over the same
# interval), an idle one and one with a long path; load and threads against
# kava stat, the order of every sort column, 80 columns, JSON, a container
# removed while kava top runs; the not-loaded and nothing-enabled errors; and
# the interactive screen in a detached 80x24 tmux session (capture-pane,
# send-keys: a sort key, < >, i, q).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="not loaded: one line, non-zero exit;nothing enabled: one line, non-zero exit"
T="$T;batch: a frame per refresh with every enabled container;batch: the busy container sees 1 CPU and 512 MiB"
T="$T;batch: CPU% agrees with the cgroup's cpu.stat;batch: CPU% above 90 when the container had its CPU"
T="$T;batch: load and threads agree with kava stat;batch: rows follow every sort column"
T="$T;batch: every line fits 80 columns;batch: -w 120 gives the name the room"
T="$T;batch: a removed container leaves the list;batch: policy decisions show in DENY"
T="$T;tmux: header and rows on an 80x24 screen;tmux: a sort key reorders the rows"
T="$T;tmux: < and > move the sort, i reverses;tmux: q exits with status 0"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
command -v jq >/dev/null || skip_all "jq not installed (make deps)" "${NAMES[@]}"
kava_has top || skip_all "this kava has no top command" "${NAMES[@]}"

SOCK=$TMPDIR/tmux.sock
stop_all() {
    [ -S "$SOCK" ] && tmux -S "$SOCK" kill-server 2>/dev/null
    [ -n "${hot:-}" ] && "$KAVA" policy clear "$hot" >/dev/null 2>&1
    cleanup
}
trap stop_all EXIT

# expect_fail NAME PATTERN CMD...: non-zero exit, one stderr line matching PATTERN
expect_fail() {
    local name=$1 pattern=$2 err rc; shift 2
    err=$("$@" 2>&1 >/dev/null); rc=$?
    note "$name: rc=$rc: $err"
    check_all "$name" '[ $rc -ne 0 ] && [ "$(printf "%s\n" "$err" | wc -l)" -eq 1 ] && grep -Eq "$pattern" <<<"$err"'
}

# ---- errors: nothing pinned in a pin directory of our own; nothing enabled in ours
expect_fail "${NAMES[0]}" "^kava: top: kava is not loaded \(nothing pinned in /sys/fs/bpf/kava-test-$$-none\)$" \
    env KAVA_PIN_DIR=/sys/fs/bpf/kava-test-$$-none "$KAVA" top -b -n 1
# ---- the containers: hot (host CPU 0, a spinner and a sleeper), cold (a
# sleeper, no limits), a long path (no task)
hot=$(new_container top-hot $((512 * 1024 * 1024)) 0) ||
    skip_all "cannot create a container with memory and cpuset limits here" "${NAMES[@]:2}"
cold=$(new_cgroup top-cold)
long=$(new_cgroup top-long)/a-container-name-much-too-long-for-eighty-columns.scope
mkdir "$long"
# nothing enabled (in a loaded state: an enable and a disable load it)
"$KAVA" enable "$cold" >/dev/null && "$KAVA" disable "$cold" >/dev/null
enabled=$("$KAVA" list 2>&1) || note "kava list: $enabled"
if [ -z "$enabled" ]; then
    expect_fail "${NAMES[1]}" "^kava: top: no container is enabled" "$KAVA" top -b -n 1 -d 0.1
else
    skip "${NAMES[1]}" "other containers are enabled in this pin directory ($(wc -l <<<"$enabled"))"
fi
"$KAVA" enable "$hot" "$cold" "$long" >/dev/null
in_hot() { sh -c "$(join_script "$hot")"' && exec "$@"' sh "$@" & BG_PIDS+=($!); }
in_hot "$TASK" spin 600
in_hot sleep 600
run_in "$cold" sleep 600
wait_for 10 sh -c "[ \"\$(\"$KAVA\" stat '$hot' --json | jq .nr_threads)\" = 2 ]"
rel() { echo "${1#"$CG2"}"; }
usage_us() { awk '$1 == "usage_usec" { print $2 }' "$hot/cpu.stat"; }
frames() { awk -v RS= 'END { print NR }' "$1"; }      # frames are paragraphs

# ---- batch, JSON: one refresh of 2 s, inside a window measured around it
u0=$(usage_us); t0=$(now_ns)
"$KAVA" top -b --json -n 1 -d 2 > "$TMPDIR/json" 2>"$TMPDIR/json.err"; rc=$?
u1=$(usage_us); t1=$(now_ns)
[ -s "$TMPDIR/json.err" ] && note "stderr: $(cat "$TMPDIR/json.err")"
hotj=$(jq -c --arg p "$(rel "$hot")" '.containers[] | select(.cgroup == $p)' "$TMPDIR/json")
note "hot: $hotj"
check_all "${NAMES[2]}" '[ $rc = 0 ] && [ "$(wc -l < "$TMPDIR/json")" = 1 ] &&
    for c in "$hot" "$cold" "$long"; do jq -e --arg p "$(rel "$c")" "any(.containers[]; .cgroup == \$p)" "$TMPDIR/json" >/dev/null || exit 1; done'
check_all "${NAMES[3]}" '[ "$(jq -r .visible_cpus <<<"$hotj")" = 1 ] && [ "$(jq -r .memory_limit_bytes <<<"$hotj")" = $((512 * 1024 * 1024)) ]'
# The cgroup's share over the outer window; CPU used in the few ms between
# the windows' edges can move it by at most their share of the window.
top_pct=$(jq -r .cpu_percent <<<"$hotj")
inner=$(jq -r .interval_s "$TMPDIR/json")
read -r cg_pct slack <<<"$(awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) -v i="$inner" \
    'BEGIN { printf "%.1f %.1f", 100 * u * 1000 / t, 5 + 100 * (t / 1e9 - i) / (t / 1e9) }')"
note "CPU%: kava top $top_pct over ${inner}s; the cgroup's cpu.stat $cg_pct over $(((t1 - t0) / 1000000)) ms; tolerance $slack"
check "${NAMES[4]}" holds "$top_pct - $cg_pct <= $slack && $cg_pct - $top_pct <= $slack"
if holds "$cg_pct >= 95"; then
    check "${NAMES[5]}" holds "$top_pct > 90"
else
    skip "${NAMES[5]}" "the container got only $cg_pct% of its CPU (host CPU 0 is busy with other work)"
fi

# ---- batch text: load and threads against kava stat, read with no load sample between
load_ok=1
for _ in 1 2 3 4 5 6; do
    s1=$(jfield "$hot" .load_samples)
    "$KAVA" top -b -n 1 -d 0.3 -s name > "$TMPDIR/text" || break
    st=$("$KAVA" stat "$hot")
    s2=$(jfield "$hot" .load_samples)
    [ "$s1" = "$s2" ] || continue           # a load sample landed meanwhile: again
    top_row=$(awk '$1 ~ /-top-hot$/ { print $2, $3, $4, $10 }' "$TMPDIR/text")
    stat_row=$(awk '$1 == "loadavg" { l = $2 " " $3 " " $4 } $1 == "tasks" { t = $9 } END { print l, t }' <<<"$st")
    note "kava top: load $top_row (threads last); kava stat: $stat_row"
    [ -n "$top_row" ] && [ "$top_row" = "$stat_row" ] && load_ok=0
    break
done
check "${NAMES[6]}" [ $load_ok = 0 ]

# ---- every sort column: the JSON rows in the order the column says
sorted() {      # sorted COLUMN JQ_KEY [-r]: the rows follow JQ_KEY (numbers descending, nulls last)
    local col=$1 key=$2 rev=${3:-} out
    out=$("$KAVA" top -b --json -n 1 -d 0.2 -s "$col" $rev) || return 1
    jq -e --arg rev "$rev" "[.containers[] | $key] as \$v | (\$v | map(select(. != null))) as \$k |
        (\$v[0:(\$k | length)] == \$k) and
        (if \"$col\" == \"name\" then (if \$rev == \"\" then \$k == (\$k | sort) else \$k == (\$k | sort | reverse) end)
         elif \$rev == \"\" then \$k == (\$k | sort | reverse) else \$k == (\$k | sort) end)" <<<"$out" >/dev/null
}
bad=
for c in "name .cgroup" "load1 .loadavg[0]" "load5 .loadavg[1]" "load15 .loadavg[2]" "cpu .cpu_percent" \
         "run .nr_running" "blk .nr_uninterruptible" "rq50 .runq_wait_ns.p50" "rq99 .runq_wait_ns.p99" \
         "threads .nr_threads" "mem .memory_usage_bytes" "deny .policy_denials"; do
    read -r col key <<<"$c"
    sorted "$col" "$key" || bad="$bad $col"
    sorted "$col" "$key" -r || bad="$bad $col(-r)"
done
"$KAVA" top -b -n 1 -d 0.5 -s cpu > "$TMPDIR/bycpu"
"$KAVA" top -b -n 1 -d 0.2 -s name > "$TMPDIR/byname"
order() { awk '$1 ~ /-top-(hot|cold)$/ { sub(/.*-top-/, "", $1); printf "%s ", $1 }' "$1"; }
note "text rows: by cpu: $(order "$TMPDIR/bycpu"); by name: $(order "$TMPDIR/byname"); columns out of order:${bad:- none}"
check_all "${NAMES[7]}" '[ -z "$bad" ] && [ "$(order "$TMPDIR/bycpu")" = "hot cold " ] && [ "$(order "$TMPDIR/byname")" = "cold hot " ]'

# ---- 80 columns, and wider on request
"$KAVA" top -b -n 2 -d 0.3 > "$TMPDIR/frames"
longest=$(awk '{ if (length > m) m = length } END { print m + 0 }' "$TMPDIR/frames")
sed 's/^/# /' "$TMPDIR/frames" | head -8
check_all "${NAMES[8]}" '[ "$(frames "$TMPDIR/frames")" = 2 ] && [ "$longest" -le 80 ] &&
    grep -q "^\.\.[a-z-]*\.scope " "$TMPDIR/frames"'
"$KAVA" top -b -n 1 -d 0.2 -w 120 > "$TMPDIR/wide"
wlong=$(awk '{ if (length > m) m = length } END { print m + 0 }' "$TMPDIR/wide")
check_all "${NAMES[9]}" '[ "$wlong" -le 120 ] && [ "$wlong" -gt 80 ] && grep -q "much-too-long-for-eighty-columns.scope " "$TMPDIR/wide"'

# ---- a container removed while kava top runs: in the first frame, in none after
gone=$(new_cgroup top-gone)
"$KAVA" enable "$gone" >/dev/null
"$KAVA" top -b -n 4 -d 1 -s name > "$TMPDIR/gone" & topid=$!
wait_for 10 grep -q -- "-top-gone " "$TMPDIR/gone"
rmdir "$gone"
wait $topid; rc=$?
per_frame=$(awk -v RS= '{ printf "%d ", (index($0, "-top-gone ") > 0) }' "$TMPDIR/gone")
note "removed container in frames 1..4: $per_frame(rc $rc)"
check_all "${NAMES[10]}" '[ $rc = 0 ] && [ "$(frames "$TMPDIR/gone")" = 4 ] && [[ $per_frame == 1\ * ]] && [[ $per_frame == *" 0 " ]]'

# ---- policy decisions: an audit policy on hot, and a read of a device outside it
printf 'mode = audit\n' > "$TMPDIR/audit.policy"
if "$KAVA" policy apply "$hot" "$TMPDIR/audit.policy" >/dev/null 2>&1; then
    sh -c "$(join_script "$hot")"' && exec head -c1 /dev/kmsg' >/dev/null 2>&1
    deny=$("$KAVA" top -b -n 1 -d 0.2 -s deny | awk '$1 ~ /-top-hot$/ { print $12 }')
    djson=$("$KAVA" top -b --json -n 1 -d 0.2 | jq -r --arg p "$(rel "$hot")" '.containers[] | select(.cgroup == $p) | .policy_denials')
    note "DENY of the audited container: text '$deny', JSON '$djson'"
    check_all "${NAMES[11]}" '[ -n "$deny" ] && [ "$deny" != - ] && [ "$deny" -ge 1 ] && [ "$djson" -ge "$deny" ]'
    "$KAVA" policy clear "$hot" >/dev/null 2>&1
else
    skip "${NAMES[11]}" "a cgroup/dev policy could not be applied here"
fi

# ---- the interactive screen in tmux (80x24)
TN=("${NAMES[@]:12}")
if ! command -v tmux >/dev/null; then
    skip_all "tmux not installed (make deps)" "${TN[@]}"
fi
tmux -S "$SOCK" -f /dev/null new-session -d -s top -x 80 -y 24 \
    "env KAVA_PIN_DIR='${KAVA_PIN_DIR:-}' TERM=screen '$KAVA' top -d 1; echo \$? > '$TMPDIR/rc'" ||
    skip_all "tmux cannot start a session here" "${TN[@]}"
screen() { tmux -S "$SOCK" capture-pane -p -t top; }
shows() { screen | grep -qE -- "$1"; }
rows() { screen | awk '$1 ~ /-top-(hot|cold)$/ { sub(/.*-top-/, "", $1); printf "%s ", $1 }'; }
keys() { tmux -S "$SOCK" send-keys -t top "$@"; }
wait_for 15 shows "-top-cold "
screen > "$TMPDIR/screen"
sed 's/^/# | /' "$TMPDIR/screen" | head -6
wide=$(awk '{ if (length > m) m = length } END { print m + 0 }' "$TMPDIR/screen")
check_all "${TN[0]}" 'grep -qE "^kava top .* sort cpu( |$)" "$TMPDIR/screen" && grep -q "^CONTAINER  *LOAD1 LOAD5 LOAD15  CPU%" "$TMPDIR/screen" &&
    [ "$(rows)" = "hot cold " ] && [ "$wide" -le 80 ] && [ "$(wc -l < "$TMPDIR/screen")" -le 24 ]'
keys n
wait_for 5 shows "sort name( |$)"
check_all "${TN[1]}" 'shows "sort name( |$)" && [ "$(rows)" = "cold hot " ]'
keys '>'
wait_for 5 shows "sort load1( |$)"; a=$(screen | grep -o "sort [a-z0-9 ]*" | head -1)
keys '<' '<'
wait_for 5 shows "sort deny( |$)"; b=$(screen | grep -o "sort [a-z0-9 ]*" | head -1)
keys i
wait_for 5 shows "sort deny rev( |$)"; c=$(screen | grep -o "sort [a-z0-9 ]*" | head -1)
note "after >: $a; after < <: $b; after i: $c"
check_all "${TN[2]}" '[[ $a == "sort load1"* ]] && [[ $b == "sort deny"* ]] && [[ $c == "sort deny rev"* ]]'
keys q
wait_for 10 test -s "$TMPDIR/rc"
check_all "${TN[3]}" '[ "$(cat "$TMPDIR/rc" 2>/dev/null)" = 0 ]'
