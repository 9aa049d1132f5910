# shellcheck shell=bash
# The one TAP library of kava's shell tests: host integration scripts
# (tests/integration/lib.sh sources it) and the scripts run inside the test
# VMs (tests/vm/lib.sh sources it; tests/vm/run.sh copies tests/lib into the
# initramfs at /opt/kava/tests/lib). Bash; no other dependency.
#
# Output, read by tests/run.sh and tests/vm/runner.sh:
#   ok N - NAME                  a kava check that passed
#   not ok N - NAME              a kava check that failed
#   ok N - NAME # SKIP WHY       a kava check that could not run here
#   ok N - NAME # ENV            a check of the test machine itself (env_check,
#   not ok N - NAME # ENV        env_skip): tests/run.sh counts these apart from
#   ok N - NAME # ENV SKIP WHY   kava's results
#   # TEXT                       a note, shown when the suite fails

TAP_N=0

ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
nok()  { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
note() { echo "# $*"; }

check() {                      # check NAME COMMAND...: ok when the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else nok "$name"; fi
}
# check_all NAME 'CONDITION': ok when the shell condition holds. The condition
# is one quoted string evaluated in this shell, so `[ a ] && [ b ]` tests both
# (with plain check, the && would apply to check's own status instead).
check_all() {
    if eval "$2"; then ok "$1"; else nok "$1"; fi
}
# env_check NAME COMMAND...: like check, for what the machine offers the tests
# (a mounted bpffs, an active LSM), not for what kava does: marked "# ENV".
env_check() {
    local name=$1; shift
    if "$@"; then ok "$name # ENV"; else nok "$name # ENV"; fi
}

env_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # ENV SKIP $2"; }

# skip_all REASON NAME...: skip every listed test and exit 0
skip_all() {
    local why=$1; shift
    local t
    for t in "$@"; do skip "$t" "$why"; done
    exit 0
}

# is_eperm TEXT: TEXT has strerror(EPERM), the error kava's hooks return
# (cgroup/dev, lsm/*). EACCES ("Permission denied") is a different error:
# it comes from file modes, not from kava, and does not count.
is_eperm() { case $1 in *"Operation not permitted"*) return 0 ;; esac; return 1; }

# kava_has CMD: the kava binary exists and knows the subcommand
kava_has() {
    [ -x "$KAVA" ] || return 1
    "$KAVA" "$@" --help >/dev/null 2>&1
}

# holds EXPR: succeed when the awk expression is true (floating point checks)
holds() { awk "BEGIN { exit !($1) }" </dev/null; }

# wait_for SECONDS COMMAND...: poll until the command succeeds (its last try's status)
wait_for() {
    local t=$1; shift
    local end=$((SECONDS + t))
    while [ $SECONDS -lt $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}
