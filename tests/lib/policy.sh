# shellcheck shell=bash
# Policy test helpers shared by tests/integration/policy_host.sh (the host
# kernel: cgroup/dev only) and tests/vm/policy/*.sh (BPF LSM): running
# commands inside a cgroup and writing policy files. Needs KAVA, and TMP (a
# scratch directory the caller removes), and tests/lib/tap.sh (note).

in_cg() {                      # in_cg CGROUP CMD...: run CMD inside CGROUP, in the foreground
    local cg=$1; shift
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"
}
# reads CGROUP DEV: read one byte of DEV inside CGROUP; prints the error, if any
# shellcheck disable=SC2069  # on purpose: the error to stdout, the byte read away
reads() { in_cg "$1" head -c1 "$2" 2>&1 >/dev/null; }
# writes CGROUP DEV: write to DEV inside CGROUP; prints the error, if any
writes() { in_cg "$1" sh -c 'echo x > "$0"' "$2" 2>&1; }
policy() {                     # policy NAME LINE...: write a policy file, echo its path
    local f=$TMP/$1.policy; shift
    printf '%s\n' "$@" > "$f"
    echo "$f"
}
apply() {                      # apply CGROUP FILE: quietly, the error as a note on failure
    local err
    err=$("$KAVA" policy apply "$1" "$2" 2>&1 >/dev/null) || { note "apply failed: $err"; return 1; }
}
