#!/usr/bin/env bash
# A reader that changes containers between two opens of a view file sees
# its new container's figures at the next open: one process moved between
# two containers with different memory limits (cgroup v2 and, on hybrid
# hosts, its v1 memory cgroup alone), out of every container, through a
# disable, and a pid that a new process in another container takes over.
# The FUSE view may keep what it resolved for a reader (src/view/reader.c);
# these are the events after which it must not, and the kernel's counters of
# them (kava_seq) are checked to move.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

T="reader in A sees A's limit;moved to B (every hierarchy) sees B's;v2 owner follows the move (kava/metrics);v1 memory move alone is seen;moved out of every container sees the host's;disable is seen by a reader;re-enable is seen by a reader;a new process with a dead reader's pid sees its own container;kava_seq counts cgroup moves;kava_pidseq counts a task made at its pid;kava_seq follows enable and disable"
IFS=';' read -r -a NAMES <<<"$T"
need_root "${NAMES[@]}"
need_view "bpftool jq" "${NAMES[@]}"

PIN=${KAVA_PIN_DIR:-/sys/fs/bpf/kava}
VIEW=/run/kava-test-$$-fuse
MEM_A=$((256 * 1024 * 1024)) MEM_B=$((384 * 1024 * 1024))
a=$(new_container a "$MEM_A" 0) && b=$(new_container b "$MEM_B" 0) ||
    skip_all "cannot create containers with memory and cpuset limits here" "${NAMES[@]}"
"$KAVA" enable "$a" >/dev/null && "$KAVA" enable "$b" >/dev/null ||
    skip_all "cannot enable the containers" "${NAMES[@]}"
"$KAVA" run --mount "$VIEW" 2>/dev/null & agent=$!
AGENT_PIDS+=($agent)
wait_for 10 test -e "$VIEW/proc/meminfo"
host_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)

# procs CONTAINER [HIERARCHIES]: the cgroup.procs files that put a process
# in CONTAINER (a v2 path, or "own" for the test's own cgroup) in HIERARCHIES
# ("v2" and v1 controller names; default all there are)
procs() {
    local cg=${1#own} h name=${1##*/}
    for h in ${2:-v2 $V1_CONTROLLERS}; do
        if [ "$h" = v2 ]; then
            echo "${cg:-$(own_cgroup)}/cgroup.procs"
        elif is_hybrid; then
            echo "$(v1_dir "$h")${cg:+/$name}/cgroup.procs"
        fi
    done
}
move() {        # move PID CONTAINER [HIERARCHIES] (from this shell)
    local f
    for f in $(procs "$2" "${3:-}"); do echo "$1" > "$f" || return 1; done
}

# a reader that stays one process (bash: its builtins open, read and write
# files without making a process): each line it is sent names what to read,
# it answers with MemTotal in kB ("mem") or the container its kava/metrics
# names ("owner"), having moved itself first if it is given cgroup.procs
# files. "flip": back and forth between two sets of cgroups,
# writing its own pid to their cgroup.procs files and reading at once, with
# no process made in between by the test (a new task whose pid shares the
# reader's kava_pidseq entry makes the view resolve it anew anyway). "spawn PID": fork, and in a
# child that got PID (the caller set ns_last_pid) answer "mem" for the
# child; "miss" when the child got another pid
READER='
view=$1
mem() {
    local k v rest
    ans=none
    while read -r k v rest; do [ "$k" = MemTotal: ] && { ans=$v; break; }; done < "$view/proc/meminfo"
}
owner() {
    local l
    ans=none
    while IFS= read -r l; do
        if [[ $l =~ cgroup=\"([^\"]*)\" ]]; then ans=${BASH_REMATCH[1]##*/}; break; fi
    done < "$view/kava/metrics"
}
move() { local f; for f in "$@"; do echo "$BASHPID" > "$f"; done; }
while read -r cmd rest; do
    case $cmd in
    mem|owner) move $rest; $cmd; echo "$ans" ;;     # after moving itself, if told where
    flip)       # flip mem|owner ROUNDS FILES1... -- FILES2...: in turn, move and read
        set -- $rest; what=$1 n=$2; shift 2
        one=() two=() side=1 out=
        for x; do
            if [ "$x" = -- ]; then side=2; elif [ $side = 1 ]; then one+=("$x"); else two+=("$x"); fi
        done
        for ((i = 0; i < n; i++)); do
            move "${one[@]}"; $what; out+="$ans "
            move "${two[@]}"; $what; out+="$ans "
        done
        echo "${out% }" ;;
    spawn)
        echo $((rest - 1)) > /proc/sys/kernel/ns_last_pid
        ( if [ "$BASHPID" = "$rest" ]; then mem; echo "$ans"; else echo miss; fi ) ;;
    esac
done
'
coproc R { exec bash -c "$READER" reader "$VIEW"; }
rpid=$R_PID
BG_PIDS+=($rpid)
ask() { echo "$1" >&"${R[1]}" && read -r -t 10 ans <&"${R[0]}" && echo "$ans"; }
seq_field() {   # seq_field FIELD: kava_seq's FIELD as bpftool prints it
    bpftool -j map dump pinned "$PIN/kava_seq" 2>/dev/null |
        jq -r ".[0].formatted.value.$1 // empty" 2>/dev/null
}
pidseq_at() {   # pidseq_at PID: kava_pidseq's count of tasks made at PID's entry
    local i=$(( $1 % 16384 ))     # KAVA_PIDSEQ_SLOTS
    # shellcheck disable=SC2046 # the key's four bytes, little-endian
    bpftool -j map lookup pinned "$PIN/kava_pidseq" key $(printf '%d %d %d %d' $((i & 255)) $((i >> 8 & 255)) 0 0) 2>/dev/null |
        jq -r '.formatted.value // .value // empty' 2>/dev/null
}

moves0=$(seq_field moves)
move "$rpid" "$a"
ask mem >/dev/null; ask mem >/dev/null        # read more than once: anything kept is warm
got=$(ask mem)
note "reader $rpid in A: MemTotal $got kB"
check "reader in A sees A's limit" [ "$got" = $((MEM_A / 1024)) ]
moves1=$(seq_field moves)
note "kava_seq moves: $moves0 before, $moves1 after moving the reader"
check_all "kava_seq counts cgroup moves" '[ -n "$moves0" ] && [ -n "$moves1" ] && [ "$moves1" -gt "$moves0" ]'

# back and forth, each move made by the reader itself right before its
# read; a kept resolution that missed a move would show the other figure
# (ten rounds: a process made meanwhile elsewhere on a busy host hides one)
# flip NAME WHAT STATE1 WANT1 STATE2 WANT2: a STATE is "CONTAINER HIERARCHIES"
flip() {
    local name=$1 what=$2 s1=$3 w1=$4 s2=$5 w2=$6 got want=""
    # shellcheck disable=SC2086
    got=$(ask "flip $what 10 $(procs $s1 | tr '\n' ' ') -- $(procs $s2 | tr '\n' ' ')")
    for _ in 1 2 3 4 5 6 7 8 9 10; do want="$want $w1 $w2"; done
    note "$name: want $w1/$w2, read: $got"
    check "$name" [ "$got" = "${want# }" ]
}
flip "moved to B (every hierarchy) sees B's" mem "$a" $((MEM_A / 1024)) "$b" $((MEM_B / 1024))
flip "v2 owner follows the move (kava/metrics)" owner "$a v2" "${a##*/}" "$b v2" "${b##*/}"
if is_hybrid; then
    move "$rpid" "$a"
    flip "v1 memory move alone is seen" mem "$a memory" $((MEM_A / 1024)) "$b memory" $((MEM_B / 1024))
else
    skip "v1 memory move alone is seen" "no v1 memory hierarchy (pure cgroup2 host)"
fi
move "$rpid" "$a"
flip "moved out of every container sees the host's" mem "$a v2" $((MEM_A / 1024)) "own v2" "$host_kb"

move "$rpid" "$a"; ask mem >/dev/null
ep0=$(seq_field registry)
"$KAVA" disable "$a" >/dev/null
ep1=$(seq_field registry)
got=$(ask mem)
note "A disabled: MemTotal $got kB; kava_seq registry $ep0 -> $ep1"
check "disable is seen by a reader" [ "$got" = "$host_kb" ]
"$KAVA" enable "$a" >/dev/null
ep2=$(seq_field registry)
got=$(ask mem)
note "A enabled again: MemTotal $got kB; kava_seq registry -> $ep2"
check "re-enable is seen by a reader" [ "$got" = $((MEM_A / 1024)) ]
check_all "kava_seq follows enable and disable" '[ -n "$ep0" ] && [ "$ep1" -gt "$ep0" ] && [ "$ep2" -gt "$ep1" ]'

# pid reuse: a reader in A reads and exits; a process in B forks a child
# that takes the dead reader's pid (ns_last_pid) and reads: B's figures
move "$rpid" "$b"
ask mem >/dev/null
spawned=none forks0= forks1=
for _ in $(seq 20); do
    # shellcheck disable=SC2046
    bash -c "$READER" reader "$VIEW" <<<"mem $(procs "$a" | tr '\n' ' ')" > "$TMPDIR/dead" & dead=$!
    wait "$dead"
    [ "$(cat "$TMPDIR/dead")" = $((MEM_A / 1024)) ] || continue
    forks0=$(pidseq_at "$dead")
    spawned=$(ask "spawn $dead")
    [ "$spawned" != miss ] && break
done
forks1=$(pidseq_at "$dead")
note "child with a dead A reader's pid $dead, forked in B: MemTotal $spawned kB; kava_pidseq at its entry $forks0 -> $forks1"
if [ "$spawned" = miss ] || [ "$spawned" = none ]; then
    skip "a new process with a dead reader's pid sees its own container" "could not make a process take a given pid here (busy host?)"
    skip "kava_pidseq counts a task made at its pid" "no process took a given pid (above)"
else
    check "a new process with a dead reader's pid sees its own container" [ "$spawned" = $((MEM_B / 1024)) ]
    check_all "kava_pidseq counts a task made at its pid" '[ -n "$forks0" ] && [ -n "$forks1" ] && [ "$forks1" -gt "$forks0" ]'
fi
