#!/usr/bin/env bash
# Monitoring with the real tools: `kava run --metrics` scraped by curl,
# checked by `promtool check metrics`, scraped by a real Prometheus server
# (loopback, temporary data directory, 1 s interval) whose query API must
# agree with `kava stat`; bad HTTP requests; the unix socket; the view's
# kava/metrics and kava/runq files read from inside two containers (each
# sees its own series only); the Grafana dashboard's metric names.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="scrape: 200 with the Prometheus text type;promtool check metrics is clean on a live scrape"
T="$T;unknown path is 404;POST is 405;a huge header is refused (431/400);idle and stalled clients never stall the view"
T="$T;unix socket serves the metrics;policy decisions are counted"
T="$T;Prometheus scrapes kava (up is 1);Prometheus load1 within 0.01 of kava stat"
T="$T;Prometheus histogram_quantile(0.99) in kava stat's p99 bucket"
T="$T;reader in A sees A's series only;reader in B sees B's series only;host reader sees every container and the agent"
T="$T;kava/runq shows the reader's own histogram;dashboard is valid JSON and names only live metrics"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
for tool in curl jq promtool prometheus python3; do
    command -v $tool >/dev/null || skip_all "$tool not installed (make deps)" "${NAMES[@]}"
done
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"

TMP=$(mktemp -d /tmp/kava-metrics-XXXXXX)
VIEW=/run/kava-test-$$-metrics
SOCK=$TMP/metrics.sock
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
PPORT=$(free_port)
URL=http://127.0.0.1:$PORT
prom=
stop_all() {
    [ -n "$prom" ] && kill "$prom" 2>/dev/null
    [ -n "${cga:-}" ] && "$KAVA" policy clear "$cga" >/dev/null 2>&1
    cleanup
    rm -rf "$TMP"
}
trap stop_all EXIT

cga=$(new_container a $((1024 * 1024 * 1024)) 0-1) && cgb=$(new_cgroup b) ||
    skip_all "cannot create cgroups with limits here" "${NAMES[@]}"
"$KAVA" enable "$cga" "$cgb" >/dev/null
ida=$("$KAVA" stat "$cga" --json | jq -r .cgroup_id)
idb=$("$KAVA" stat "$cgb" --json | jq -r .cgroup_id)
"$KAVA" run --mount "$VIEW" --metrics "127.0.0.1:$PORT" 2>"$TMP/agent.log" & agent=$!
BG_PIDS+=($agent)
wait_for 10 curl -sf -o /dev/null "$URL/metrics"
# a second agent process serving only the unix socket (no view)
"$KAVA" run --view none --metrics "unix:$SOCK" 2>"$TMP/agent2.log" & BG_PIDS+=($!)

# Work in A (its v1 cgroups too, where its limits are on hybrid hosts): a
# sleeper, and more runnable spinners than CPUs, so tasks wait for a CPU
in_a() { sh -c "$(join_script "$cga")"' && exec "$@"' sh "$@" & BG_PIDS+=($!); }
in_a sleep 300
for _ in 1 2 3; do in_a "$TASK" spin 20; done
spinners=("${BG_PIDS[@]: -3}")

# ---- the endpoint
curl -s -D "$TMP/headers" -o "$TMP/scrape" "$URL/metrics"
check_all "scrape: 200 with the Prometheus text type" \
    'grep -q "^HTTP/1.1 200" "$TMP/headers" && grep -qi "^content-type: text/plain; version=0.0.4" "$TMP/headers"'
promtool check metrics < "$TMP/scrape" > "$TMP/promtool" 2>&1; rc=$?
sed 's/^/# promtool: /' "$TMP/promtool" | head -20
check_all "promtool check metrics is clean on a live scrape" '[ $rc = 0 ] && [ ! -s "$TMP/promtool" ] && grep -q "cgroup_id=\"$ida\"" "$TMP/scrape"'

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "unknown path is 404" [ "$(code "$URL/nope")" = 404 ]
check "POST is 405" [ "$(code -X POST -d x=1 "$URL/metrics")" = 405 ]
c=$(code -H "X-Big: $(head -c 65536 /dev/zero | tr '\0' a)" "$URL/metrics")
note "huge header: HTTP $c"
check_all "a huge header is refused (431/400)" '[ "$c" = 431 ] || [ "$c" = 400 ]'

# Stalled clients: more idle connections than the server allows plus one that
# sends half a request line; the FUSE view must keep answering meanwhile.
fds=()
for _ in $(seq 20); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && fds+=($fd)
done
[ ${#fds[@]} -gt 0 ] && printf 'GET /metr' >&"${fds[0]}"
view_ok=1
for _ in 1 2 3 4 5; do timeout 5 cat "$VIEW/proc/loadavg" >/dev/null || view_ok=0; done
for fd in "${fds[@]}"; do exec {fd}>&-; done
after=$(code --max-time 10 "$URL/metrics")
note "${#fds[@]} stalled connections; scrape after they closed: HTTP $after"
check_all "idle and stalled clients never stall the view" '[ $view_ok = 1 ] && [ "$after" = 200 ]'

wait_for 10 test -S "$SOCK"
check_all "unix socket serves the metrics" \
    'curl -s --unix-socket "$SOCK" http://kava/metrics | grep -q "^kava_container_threads{cgroup=\"[^\"]*\",cgroup_id=\"$ida\"}"'

# ---- policy: an audit policy on A, and a read of a device outside it
printf 'mode = audit\n' > "$TMP/audit.policy"
if "$KAVA" policy apply "$cga" "$TMP/audit.policy" >/dev/null 2>&1; then
    sh -c 'echo $$ > "$1/cgroup.procs"; exec head -c1 /dev/kmsg' sh "$cga" >/dev/null 2>&1
    wd=$(curl -s "$URL/metrics" | awk -v id="$ida" 'index($0, "kava_policy_decisions_total{") == 1 && index($0, "cgroup_id=\"" id "\"") && /decision="would_deny"/ { print $2 }')
    note "would_deny after reading /dev/kmsg in audit mode: $wd"
    check_all "policy decisions are counted" '[ -n "$wd" ] && [ "$wd" -ge 1 ]'
else
    skip "policy decisions are counted" "cgroup/dev policy could not be applied here"
fi

# ---- a real Prometheus
cat > "$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: kava
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
    --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$TMP/prometheus.log" 2>&1 & prom=$!
PURL=http://127.0.0.1:$PPORT
query() {       # query PROMQL: the value of the first result, or nothing
    curl -s "$PURL/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}
wait_for 30 curl -sf -o /dev/null "$PURL/-/ready"
wait_for 15 sh -c "[ \"\$(curl -s '$PURL/api/v1/query' --data-urlencode 'query=up{job=\"kava\"}' | jq -r '.data.result[0].value[1] // empty')\" = 1 ]"
check "Prometheus scrapes kava (up is 1)" [ "$(query 'up{job="kava"}')" = 1 ]

# The spinners stop; A's histogram then stands still, its load changes only every 5 s.
for p in "${spinners[@]}"; do wait "$p" 2>/dev/null; done
sleep 2
load_ok=1 got= want=
for _ in $(seq 8); do
    read -r s1 raw <<<"$("$KAVA" stat "$cga" --json | jq -r '"\(.load_samples) \(.loadavg[0])"')"
    sleep 1.5                       # a scrape lands after the first read
    got=$(query "kava_container_load1{cgroup_id=\"$ida\"}")
    s2=$("$KAVA" stat "$cga" --json | jq -r .load_samples)
    [ "$s1" = "$s2" ] || continue   # a load sample landed meanwhile: again
    want=$(awk -v r="$raw" 'BEGIN { printf "%.6f", r / 2048 }')
    holds "($got - $want) <= 0.01 && ($want - $got) <= 0.01 && $want > 0.05" && load_ok=0
    break
done
note "load1: Prometheus $got, kava stat $want"
check "Prometheus load1 within 0.01 of kava stat" [ $load_ok = 0 ]

p99=$("$KAVA" stat "$cga" --json | jq -r .runq_wait_ns.p99)
sleep 1.5
q=$(query "histogram_quantile(0.99, kava_container_runqueue_wait_seconds_bucket{cgroup_id=\"$ida\"})")
# log2 buckets: both must lie in [2^b, 2^(b+1)] ns, the bucket holding kava's p99
read -r lo hi qns <<<"$(awk -v p="$p99" -v q="$q" 'BEGIN { b = int(log(p) / log(2)); printf "%d %d %.0f", 2^b, 2^(b+1), q * 1e9 }')"
note "run-queue p99: kava stat ${p99}ns, Prometheus ${qns}ns, bucket [$lo, $hi] ns"
check_all "Prometheus histogram_quantile(0.99) in kava stat's p99 bucket" \
    '[ "$p99" -gt 0 ] && holds "$qns >= $lo && $qns <= $hi"'

# ---- the view, from inside each container
read_in() {     # read_in CGROUP FILE: cat FILE from a process in CGROUP
    sh -c 'echo $$ > "$1/cgroup.procs" && exec cat "$2"' sh "$1" "$2"
}
sh -c "$(join_script "$cga")"' && exec cat "$1"' sh "$VIEW/kava/metrics" > "$TMP/in_a"
read_in "$cgb" "$VIEW/kava/metrics" > "$TMP/in_b"
cat "$VIEW/kava/metrics" > "$TMP/host"
ids() { grep -o 'cgroup_id="[0-9]*"' "$1" | sort -u | tr '\n' ' '; }
note "ids seen in A: $(ids "$TMP/in_a"); in B: $(ids "$TMP/in_b")"
check_all "reader in A sees A's series only" \
    '[ "$(ids "$TMP/in_a")" = "cgroup_id=\"$ida\" " ] && ! grep -q "^kava_build_info\|^kava_view_" "$TMP/in_a"'
check_all "reader in B sees B's series only" \
    '[ "$(ids "$TMP/in_b")" = "cgroup_id=\"$idb\" " ] && ! grep -q "^kava_build_info\|^kava_view_" "$TMP/in_b"'
check_all "host reader sees every container and the agent" \
    'grep -q "cgroup_id=\"$ida\"" "$TMP/host" && grep -q "cgroup_id=\"$idb\"" "$TMP/host" && grep -q "^kava_build_info" "$TMP/host"'
read_in "$cga" "$VIEW/kava/runq" > "$TMP/runq_a"
head -3 "$TMP/runq_a" | sed 's/^/# runq in A: /'
check_all "kava/runq shows the reader's own histogram" \
    'grep -q "(id $ida)" "$TMP/runq_a" && ! grep -q "(id $idb)" "$TMP/runq_a" && grep -q "^samples [1-9]" "$TMP/runq_a"'

# ---- the Grafana dashboard: JSON, and every metric it queries is in a live scrape
DASH=deploy/grafana/kava.json
curl -s "$URL/metrics" > "$TMP/scrape2"
missing=
if jq -e . "$DASH" >/dev/null 2>&1; then
    for m in $(jq -r '.. | .expr? // empty' "$DASH" | grep -o 'kava_[a-z0-9_]*' | sort -u); do
        grep -q "^$m[{ ]" "$TMP/scrape2" || missing="$missing $m"
    done
    names=$(jq -r '.. | .expr? // empty' "$DASH" | grep -o 'kava_[a-z0-9_]*' | sort -u | wc -l)
    note "dashboard names $names metrics; missing from the scrape:${missing:- none}"
    check_all "dashboard is valid JSON and names only live metrics" '[ -z "$missing" ] && [ "$names" -gt 3 ]'
else
    nok "dashboard is valid JSON and names only live metrics"
fi
