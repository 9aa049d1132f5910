#!/usr/bin/env bash
# 32 readers for 30 s across several containers (open/read/close, re-reads
# from offset 0 and sendfile), while containers are
# enabled, disabled, created and removed: no read fails, readers outside
# every container always get the host's files, no read waits long, and the
# agent (built with AddressSanitizer/LeakSanitizer here) leaks nothing.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("no failed read under churn" "outside readers get host files" "no reader blocked" "agent clean under ASan/LSan")
need_root "${NAMES[@]}"
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"
command -v python3 >/dev/null || skip_all "python3 not installed" "${NAMES[@]}"

SECS=${STRESS_SECONDS:-30}
ASAN_BUILD=${KAVA_ASAN_BUILD:-$KAVA_BUILD/../build-asan}
if ! make -s BUILD="$ASAN_BUILD" SANITIZE=1 "$ASAN_BUILD/kava" >/dev/null 2>&1; then
    skip_all "cannot build kava with SANITIZE=1" "${NAMES[@]}"
fi
VIEW=/run/kava-test-$$-stress
log=$(mktemp)
ASAN_OPTIONS=detect_leaks=1 "$ASAN_BUILD/kava" run --mount "$VIEW" 2>"$log" & agent=$!
AGENT_PIDS+=($agent)
wait_for 20 test -e "$VIEW/proc/meminfo"

cgs=()
for i in 1 2 3; do
    c=$(new_cgroup "c$i"); cgs+=("$c"); "$KAVA" enable "$c" >/dev/null
done
outside=$(new_cgroup outside)      # never enabled

reader=$(cat <<'PY'
import os, sys, time
view, secs, outside = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
files = ["proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime", "proc/loadavg",
         "proc/diskstats", "proc/swaps", "sys/devices/system/cpu/online",
         "sys/devices/system/cpu/cpu0/topology/core_siblings_list"]
fails = mism = n = 0
worst = 0.0
devnull = os.open("/dev/null", os.O_WRONLY)
end = time.time() + secs
while time.time() < end:
    for f in files:
        t = time.time()
        try:
            fd = os.open(os.path.join(view, f), os.O_RDONLY)
            data = b""
            while True:
                b = os.read(fd, 1024)
                if not b: break
                data += b
            if n % 3 == 1:      # a re-read from 0 (renders afresh) and a sendfile (page cache)
                again = os.pread(fd, 1 << 20, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                sent = os.sendfile(devnull, fd, None, 1 << 20)
                if (not again or not sent) and f != "proc/diskstats":
                    fails += 1
                    print("fail", f, "re-read", len(again), "sendfile", sent, file=sys.stderr)
            os.close(fd)
            if not data and f != "proc/diskstats":   # no I/O yet: empty, as it should be
                fails += 1
                print("fail", f, "empty", file=sys.stderr)
        except OSError as e:
            fails += 1
            print("fail", f, e, file=sys.stderr)
        worst = max(worst, time.time() - t)
        n += 1
        if outside and f.startswith("sys/") and data != open("/" + f, "rb").read():
            mism += 1
print(n, fails, mism, "%.3f" % worst)
PY
)
outs=()
for r in $(seq 32); do
    case $((r % 4)) in
        0) where=$outside; o=1 ;;
        *) where=${cgs[$((r % 4 - 1))]}; o=0 ;;
    esac
    out=$(mktemp); outs+=("$out")
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$where" python3 -c "$reader" "$VIEW" "$SECS" "$o" >"$out" 2>&1 &
    BG_PIDS+=($!)
done
# churn: containers come and go; one of the readers' containers flips on and off
end=$((SECONDS + SECS))
k=0
while [ $SECONDS -lt $end ]; do
    k=$((k + 1))
    t=$(new_cgroup "tmp$k"); "$KAVA" enable "$t" >/dev/null; mkdir "$t/sub"
    sleep 0.3
    rmdir "$t/sub"; [ $((k % 2)) = 0 ] && "$KAVA" disable "$t" >/dev/null; rmdir "$t"
    if [ $((k % 3)) = 0 ]; then "$KAVA" disable "${cgs[2]}" >/dev/null; else "$KAVA" enable "${cgs[2]}" >/dev/null; fi
done
wait "${BG_PIDS[@]}" 2>/dev/null; BG_PIDS=()
total=0 fails=0 mism=0 worst=0
for o in "${outs[@]}"; do
    read -r n f m w < <(tail -1 "$o")
    total=$((total + ${n:-0})); fails=$((fails + ${f:-1})); mism=$((mism + ${m:-0}))
    worst=$(python3 -c "print(max($worst, ${w:-99}))")
    grep '^fail' "$o" | head -3 | sed 's/^/# /'
    rm -f "$o"
done
note "$total reads, $fails failed, $mism host mismatches, slowest read ${worst}s, $k churn rounds"
check_all "no failed read under churn" '[ "$fails" = 0 ] && [ "$total" -gt 1000 ]'
check "outside readers get host files" [ "$mism" = 0 ]
check "no reader blocked" python3 -c "import sys; sys.exit(0 if $worst < 5 else 1)"
kill -TERM "$agent"; wait "$agent"; rc=$?
grep -E "ERROR: (Leak|Address)Sanitizer|runtime error" "$log" | head -5 | sed 's/^/# /'
# a non-zero exit without a sanitizer report: say what the agent said last
[ "$rc" = 0 ] || { note "agent exit status $rc; its last lines:"; tail -5 "$log" | sed 's/^/#   /'; }
check_all "agent clean under ASan/LSan" '[ $rc = 0 ] && ! grep -qE "ERROR: (Leak|Address)Sanitizer|runtime error" "$log"'
rm -f "$log"; rmdir "$VIEW" 2>/dev/null
