#!/usr/bin/env bash
# kava test runner. Every test program speaks TAP on stdout:
#   ok N - name            passed
#   not ok N - name        failed
#   ok N - name # SKIP why skipped (the reason is printed)
#   ok N - name # ENV      a check of the test machine itself (the VM image:
#   not ok N - name # ENV  bpffs mounted, BPF LSM active...), tallied apart
# Unit tests are cmocka binaries (CMOCKA_MESSAGE_OUTPUT=TAP); integration
# tests are tests/integration/*.sh but lib.sh (each must be executable: one
# that is not is a failure, never a silent omission); suites added by mk/*.mk list
# themselves in $EXTRA_SUITES, or in $BACKGROUND_SUITES to start at the
# beginning beside the others and be reported after them (the system VM).
# ONLY=unit|integration|extra|host (unit and integration) picks some; the
# background suites are extra ones. The last line is "N passed, N failed, N skipped",
# followed by "; environment: N ok, N not ok, N skipped" when there were ENV
# checks. kava's own results only are in the first three numbers; a failed
# environment check fails the run too (listed under failures).
#
# After each shell suite, nothing it created may be left: cgroups named
# kava-test-PID-* (any hierarchy), mounts and directories /run/kava-test-PID-*,
# /tmp/kava-test-PID-*, where PID is the suite's own process (tests name what
# they create after $$, so other runs on the same machine do not count).
# Anything left is one failure, and is then removed.
#
# Without KAVA_PIN_DIR, the run pins its BPF state under
# /sys/fs/bpf/kava-check-PID and unloads it at the end.
set -u
cd "$(dirname "$0")/.." || exit 1
# A golden comparison must never turn silently into a write: REGEN=1 makes the
# renderer tests rewrite tests/fixtures/render/*.golden instead of comparing.
# Only `make regen` sets it, and it does not come through here.
if [ -n "${REGEN+set}" ]; then
    echo "tests/run.sh: REGEN is set in the environment; it would rewrite golden files instead of" \
         "comparing them. Unset it (make regen rewrites them on purpose)." >&2
    exit 2
fi
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
export KAVA="$PWD/$BUILD/kava" KAVA_BUILD="$PWD/$BUILD" CMOCKA_MESSAGE_OUTPUT=TAP
. tests/lib/cleanup.sh

pass=0 fail=0 skip=0
env_ok=0 env_fail=0 env_skip=0
failed_names=()
pidfile=$(mktemp)
# The suites' kernel state goes to a pin directory of this run unless one is
# given: what an older kava left pinned on the machine (its programs keep
# running across upgrades, by design) must not decide a fresh build's results.
own_pins=
if [ -z "${KAVA_PIN_DIR:-}" ]; then
    own_pins=/sys/fs/bpf/kava-check-$$
    export KAVA_PIN_DIR=$own_pins
fi
remove_own_pins() {
    [ -n "$own_pins" ] && [ -d "$own_pins" ] || return 0
    "$KAVA" policy clear --all >/dev/null 2>&1
    "$KAVA" unload >/dev/null 2>&1
    rm -rf "$own_pins" 2>/dev/null
    [ ! -e "$own_pins" ] || echo "tests/run.sh: could not remove $own_pins" >&2
}
trap 'rm -f "$pidfile"; remove_own_pins' EXIT

# leftovers PID: what a suite whose process was PID left behind, one per line
leftovers() {
    local pid=$1 m
    # cgroups, in every v1 and v2 hierarchy (the fstype follows " - ")
    awk '{ for (i = 7; i < NF && $i != "-"; i++); if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' \
        /proc/self/mountinfo | sort -u | while read -r m; do
        find "$m" -type d -name "kava-test-$pid-*" -prune -print 2>/dev/null | sed 's/^/cgroup /'
    done
    awk -v p="/kava-test-$pid-" 'index($5, p) { print "mount " $5 }' /proc/self/mountinfo
    for m in /run/kava-test-"$pid"-* /tmp/kava-test-"$pid"-*; do
        [ -e "$m" ] || [ -L "$m" ] && echo "directory $m"
    done
}

# remove_leftovers: what leftovers printed (stdin), deepest cgroups first
remove_leftovers() {
    local kind path
    sort -r -k2 | while read -r kind path; do
        case $kind in
            cgroup)    find "$path" -depth -type d 2>/dev/null | while read -r m; do remove_cgroup "$m"; done ;;
            mount)     umount -l "$path" 2>/dev/null ;;
            directory) remove_mount_dir "$path" 2>/dev/null || rm -rf --one-file-system "$path" ;;
        esac
    done 2>&1 | sed 's/^/  | /'
}

run_suite() {            # $1 = label, rest = command
    local label=$1; shift
    local out rc line pid left
    echo "== $label"
    out=$(mktemp)
    : >"$pidfile"
    # in the foreground (Ctrl-C reaches it), its pid noted for the leftover check
    bash -c 'echo $$ > "$0" && exec "$@"' "$pidfile" "$@" >"$out" 2>&1
    rc=$?
    pid=$(cat "$pidfile")
    local p0=$pass f0=$fail s0=$skip ef0=$env_fail e0=$((env_ok + env_fail + env_skip))
    while IFS= read -r line; do
        case "$line" in
            "ok "*" # ENV"*"SKIP"*)   env_skip=$((env_skip + 1)); echo "  $line" ;;
            "ok "*" # ENV"*)          env_ok=$((env_ok + 1)); echo "  $line" ;;
            "not ok "*" # ENV"*)      env_fail=$((env_fail + 1))
                                      failed_names+=("environment: $label: ${line#not ok }"); echo "  $line" ;;
            "ok "*"# SKIP"*|"ok "*"# skip"*|"not ok "*"# SKIP"*)
                skip=$((skip + 1)); echo "  $line" ;;
            "ok "*)     pass=$((pass + 1)); echo "  $line" ;;
            "not ok "*) fail=$((fail + 1)); failed_names+=("$label: ${line#not ok }"); echo "  $line" ;;
            "#"*|"1.."*) ;;
            *) [ -n "${VERBOSE:-}" ] && echo "  | $line" ;;
        esac
    done <"$out"
    if [ $rc -ne 0 ] && [ $fail -eq $f0 ]; then
        # crashed or failed without a TAP verdict: count it and show the output
        fail=$((fail + 1)); failed_names+=("$label: exited $rc")
        echo "  not ok - $label exited with status $rc"; sed 's/^/  | /' "$out" | tail -40
    elif [ $fail -ne $f0 ] || [ $env_fail -ne $ef0 ]; then
        sed 's/^/  | /' "$out" | grep -v '^  | ok ' | tail -60
    fi
    if [ $((pass + fail + skip + env_ok + env_fail + env_skip)) -eq $((p0 + f0 + s0 + e0)) ] && [ $rc -eq 0 ]; then
        fail=$((fail + 1)); failed_names+=("$label: reported no results")
        echo "  not ok - $label reported no results"
    fi
    if [ "${CHECK_LEFTOVERS:-0}" = 1 ] && [ -n "$pid" ]; then
        left=$(leftovers "$pid")
        if [ -n "$left" ]; then
            fail=$((fail + 1)); failed_names+=("$label: left behind: $(echo $left)")
            echo "  not ok - $label left behind what it created (removed now):"
            sed 's/^/  |   /' <<<"$left"
            remove_leftovers <<<"$left"
        fi
    fi
    rm -f "$out"
}

want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ] || { [ "$ONLY" = host ] && [ "$1" != extra ]; }; }

# $BACKGROUND_SUITES (extra suites too: the system VM, mk/vmtest.mk) start
# now, beside everything else, and are reported last, as if run there: a
# qemu TCG boot that spends much of its time waiting (its guest's sleeps and
# read loops) would otherwise add its whole length to the run's. Each one's
# output goes to a file; bg_collect waits for it and prints it to run_suite,
# with its pid for the leftover check and its exit status.
bg_names=() bg_dirs=()
if want extra; then
    for s in ${BACKGROUND_SUITES:-}; do
        d=$(mktemp -d)
        bash -c 'echo $$ > "$0/pid" && exec "$@"' "$d" bash "$s" >"$d/out" 2>&1 </dev/null &
        echo $! >"$d/job"
        echo "== ${s#tests/}: started in the background (reported at the end)"
        bg_names+=("$s") bg_dirs+=("$d")
    done
fi
# bg_collect DIR PIDFILE: (run_suite's command) wait for that background
# suite, note its pid where run_suite looks, print its output, exit as it did
bg_collect() {
    wait "$(cat "$1/job")"
    echo $? >"$1/rc"
}
# (interrupted: a background suite must not outlive the run; each is a
# process group of its own only under job control, so its whole tree is
# found from its pid)
bg_stop() {
    local d p
    for d in "${bg_dirs[@]}"; do
        [ -s "$d/pid" ] && [ ! -e "$d/rc" ] || continue
        p=$(cat "$d/pid")
        pkill -TERM -P "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null
        rm -rf "$d"
    done
}
[ ${#bg_dirs[@]} -eq 0 ] || trap 'bg_stop; rm -f "$pidfile"; remove_own_pins' EXIT

if want unit; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] && CHECK_LEFTOVERS=0 run_suite "unit/$(basename "$t")" "$t"
    done
fi
if want integration; then
    for t in tests/integration/*.sh; do
        [ "$t" = tests/integration/lib.sh ] && continue
        if [ ! -x "$t" ]; then
            # a script that lost its exec bit would drop out of the suite unseen
            echo "== integration/$(basename "$t" .sh)"
            echo "  not ok - $t is not executable (chmod +x it): it never ran"
            fail=$((fail + 1)); failed_names+=("integration/$(basename "$t" .sh): not executable")
            continue
        fi
        CHECK_LEFTOVERS=1 run_suite "integration/$(basename "$t" .sh)" "$t"
    done
fi
if want extra; then
    for s in ${EXTRA_SUITES:-}; do
        CHECK_LEFTOVERS=1 run_suite "${s#tests/}" bash "$s"
    done
    for i in "${!bg_dirs[@]}"; do
        d=${bg_dirs[$i]}
        bg_collect "$d"
        # its output and status, through run_suite as the foreground suites'
        CHECK_LEFTOVERS=1 run_suite "${bg_names[$i]#tests/}" bash -c \
            'cat "$1/pid" >"$2"; cat "$1/out"; exit "$(cat "$1/rc")"' _ "$d" "$pidfile"
        rm -rf "$d"
    done
fi

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failures:"; printf '  %s\n' "${failed_names[@]}"
fi
summary="$pass passed, $fail failed, $skip skipped"
[ $((env_ok + env_fail + env_skip)) -eq 0 ] ||
    summary="$summary; environment: $env_ok ok, $env_fail not ok, $env_skip skipped"
echo "$summary"
[ $fail -eq 0 ] && [ $env_fail -eq 0 ]
