#!/bin/sh
# Runs inside the VM: every tests/vm/<dir>/*.sh, then the host integration
# scripts named in KAVA_VM_INTEGRATION (by default the accounting suite:
# accounting, cli_errors; "all" for every one), each in its own session with
# a time limit, renumbering their TAP lines into one stream for the host:
#   KAVA-TAP ok N - core/00-boot: NAME     a result
#   KAVA-NOTE core/00-boot: TEXT           a "#" line (shown on failure)
#   KAVA-LOG core/00-boot: TEXT            other output of a script that failed
#   KAVA-DONE FAILURES COUNT               the suite finished, COUNT TAP lines sent
KAVA_VM_SCRIPT_TIMEOUT=120
KAVA_VM_INTEGRATION_TIMEOUT=400
KAVA_VM_ONLY=
KAVA_VM_INTEGRATION="accounting cli_errors cpu_quota view_uptime sysinfo view_budgets"
[ -f /etc/kava-vm.conf ] && . /etc/kava-vm.conf
KAVA_VM_SERIES=$(cat /etc/kava-vm-series 2>/dev/null || echo unknown)
export KAVA=/opt/kava/build/kava KAVA_BUILD=/opt/kava/build KAVA_VM=1 KAVA_VM_SERIES
cd /opt/kava || exit 1

# wanted_integration NAME: is tests/integration/NAME.sh in this run?
wanted_integration() {
    [ "$KAVA_VM_INTEGRATION" = all ] && return 0
    for w in $KAVA_VM_INTEGRATION; do [ "$w" = "$1" ] && return 0; done
    return 1
}

n=0 fails=0
uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo                    # end the BIOS's last line
echo "KAVA-NOTE runner: kernel $(uname -r), userspace up at $(uptime_s)s"

# tests/vm/<dir>/*.sh, then the host's integration tests (executable ones,
# as tests/run.sh picks them) for CO-RE reach
left_out=
for s in tests/vm/*/*.sh tests/integration/*.sh; do
    [ -f "$s" ] || continue
    rel=${s#tests/vm/}; rel=${rel#tests/}
    limit=$KAVA_VM_SCRIPT_TIMEOUT
    case $s in
        tests/integration/*)
            [ -x "$s" ] || continue
            limit=$KAVA_VM_INTEGRATION_TIMEOUT
            name=${s##*/}; name=${name%.sh}
            if [ -z "$KAVA_VM_ONLY" ] && ! wanted_integration "$name"; then
                left_out="$left_out $name"; continue
            fi ;;
    esac
    if [ -n "$KAVA_VM_ONLY" ]; then
        case $rel in $KAVA_VM_ONLY) ;; *) continue ;; esac
    fi
    label=${rel%.sh}
    if grep -q python3 "$s" && ! command -v python3 >/dev/null 2>&1; then
        n=$((n + 1))
        echo "KAVA-TAP ok $n - $label: all tests # SKIP needs python3, which the VM image leaves out"
        continue
    fi
    out=/tmp/runner.out
    t0=$(uptime_s)
    # own session and process group, so a hang is killed with all its children
    setsid bash "$s" >"$out" 2>&1 </dev/null &
    pid=$!
    setsid sh -c "sleep $limit; touch /tmp/runner.timeout; kill -KILL -$pid" >/dev/null 2>&1 &
    watch=$!
    wait "$pid"
    rc=$?
    kill -KILL -"$watch" 2>/dev/null
    kill -KILL -"$pid" 2>/dev/null      # stragglers the script left behind
    wait "$watch" 2>/dev/null
    timed_out=0
    [ -e /tmp/runner.timeout ] && timed_out=1 && rm -f /tmp/runner.timeout
    t1=$(uptime_s)
    awk -v label="$label" -v n="$n" '
        /^not ok/ { sub(/^not ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, ""); n++; bad++
                    print "KAVA-TAP not ok " n " - " label ": " $0; next }
        /^ok/     { sub(/^ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, ""); n++; res++
                    print "KAVA-TAP ok " n " - " label ": " $0; next }
        END       { print n, bad + 0, res + bad + 0 > "/tmp/runner.count" }
    ' "$out"
    read -r n bad results </tmp/runner.count
    fails=$((fails + bad))
    failed=$bad
    if [ "$timed_out" = 1 ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        echo "KAVA-TAP not ok $n - $label: timed out after ${limit}s"
    elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        echo "KAVA-TAP not ok $n - $label: exited with status $rc"
    elif [ "$results" = 0 ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        echo "KAVA-TAP not ok $n - $label: reported no results"
    fi
    sed -n "s|^#[ \t]*|KAVA-NOTE $label: |p" "$out"
    if [ "$failed" != 0 ]; then
        grep -v -e '^ok' -e '^not ok' -e '^#' -e '^1\.\.' "$out" | tail -n 40 | sed "s|^|KAVA-LOG $label: |"
    fi
    echo "KAVA-NOTE runner: $label took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
done

[ -z "$left_out" ] ||
    echo "KAVA-NOTE runner: host-only integration scripts (make vmtest-full runs them here too):$left_out"

# Warnings and oopses are printed below the console's "quiet" level: look here.
if dmesg | grep -qE 'WARNING: CPU|BUG: |Oops: |Call Trace:'; then
    n=$((n + 1)); fails=$((fails + 1))
    echo "KAVA-TAP not ok $n - kernel log: BUG/WARNING/Oops during the suite"
    dmesg | grep -E -A3 'WARNING: CPU|BUG: |Oops: ' | head -n 20 | sed 's|^|KAVA-LOG dmesg: |'
else
    n=$((n + 1))
    echo "KAVA-TAP ok $n - kernel log: no BUG/WARNING/Oops during the suite"
fi
echo "KAVA-NOTE runner: suite done at $(uptime_s)s"
echo "KAVA-DONE $fails $n"
