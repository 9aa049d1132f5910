#!/usr/bin/env bash
# Every CLI failure is one clear line on stderr and a non-zero exit.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

need_root "not root" "no BTF" "program refused by the kernel" "a refused load leaves nothing pinned" \
    "PATH not a cgroup" "PATH with .." "PATH that does not exist" "cgroup vanished" \
    "a vanished cgroup is pruned from the table" "stat of a cgroup not enabled" \
    "disable of a cgroup not enabled" "unknown command" "enable several at once" \
    "a bad PATH among several" "a failed enable of several enables none" \
    "disable: a PATH not enabled among several" "a failed disable of several disables none" \
    "disable several at once" "table full" "a full table: the call's other PATH is not enabled" \
    "table full, one PATH" "1024 containers fit" "help for every command" \
    "top: unknown option" "top: -d out of range" "top: -d not a number" "top: -n not a count" \
    "top: -w too narrow" "top: unknown sort column" "top: an argument" "top: no terminal without -b"

# expect_error NAME PATTERN CMD...: exit status non-zero, one stderr line matching PATTERN
expect_error() {
    local name=$1 pattern=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    note "$name: rc=$rc: $err"
    if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && grep -Eq "$pattern" <<<"$err"; then
        ok "$name"
    else
        nok "$name"
    fi
}

cg=$(new_cgroup err)
expect_error "not root" "^kava: enable: must run as root" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$KAVA" enable "$cg"
expect_error "no BTF" "^kava: enable: this kernel has no BTF" \
    env KAVA_SYSFS_BTF=/nonexistent/vmlinux "$KAVA" enable "$cg"

# Without CAP_PERFMON and CAP_SYS_ADMIN the kernel refuses tracing programs (EPERM).
"$KAVA" unload
expect_error "program refused by the kernel" \
    "^kava: enable: the kernel refused BPF program 'kava_[a-z_]+': Operation not permitted \(EPERM\)$" \
    setpriv --bounding-set=-sys_admin,-perfmon -- "$KAVA" enable "$cg"
# no pinned object (policy/ is not the accounting programs' and stays until
# `kava policy clear`; empty directories are not objects)
pins=${KAVA_PIN_DIR:-/sys/fs/bpf/kava}
left=$(find "$pins" -path "$pins/policy" -prune -o ! -type d -print 2>/dev/null)
note "pinned after the refused load: ${left:-nothing}"
check "a refused load leaves nothing pinned" [ -z "$left" ]

expect_error "PATH not a cgroup" "not a cgroup v2 directory" "$KAVA" enable /tmp
expect_error "PATH with .." "not a valid cgroup path" "$KAVA" enable "$cg/../.."
expect_error "PATH that does not exist" "no such cgroup" "$KAVA" enable "$cg/nope"

gone=$(new_cgroup gone)
"$KAVA" enable "$gone" >/dev/null
id=$("$KAVA" list | awk -v p="$gone" '$2 == p { print $1 }')
rmdir "$gone"
expect_error "cgroup vanished" "no such cgroup \(it does not exist or was removed\)" "$KAVA" stat "$gone"
note "the vanished cgroup had id '$id' in kava list"
check "a vanished cgroup is pruned from the table" not_listed_id "$id"

expect_error "stat of a cgroup not enabled" "is not enabled" "$KAVA" stat "$cg"
expect_error "disable of a cgroup not enabled" "is not enabled" "$KAVA" disable "$cg"
expect_error "unknown command" "unknown command" "$KAVA" frobnicate

# Several PATHs at once: all are enabled, or (one bad PATH) none is.
several=$(new_cgroup several)
mkdir "$several/a" "$several/b" "$several/c"
out=$("$KAVA" enable "$several/a" "$several/b" "$several/a" 2>&1); rc=$?
note "enable a b a: rc=$rc: $(tr '\n' '|' <<<"$out")"
check_all "enable several at once" '[ $rc = 0 ] && [ "$(grep -c "^enabled $several/[ab]\$" <<<"$out")" = 2 ] && grep -q "^$several/a is already enabled\$" <<<"$out"'
expect_error "a bad PATH among several" "no such cgroup" "$KAVA" enable "$several/c" "$several/nope"
check_all "a failed enable of several enables none" 'not_listed "$several/c" && listed "$several/a"'
expect_error "disable: a PATH not enabled among several" "$several/c is not enabled" \
    "$KAVA" disable "$several/a" "$several/c"
check_all "a failed disable of several disables none" 'listed "$several/a" && listed "$several/b"'
out=$("$KAVA" disable "$several/a" "$several/b" "$several/a" 2>&1); rc=$?
note "disable a b a: rc=$rc: $(tr '\n' '|' <<<"$out")"
check_all "disable several at once" '[ $rc = 0 ] && [ "$(grep -c "^disabled $several/[ab]\$" <<<"$out")" = 2 ] && not_listed "$several/a" && not_listed "$several/b"'
rmdir "$several/a" "$several/b" "$several/c"

# The table holds 1024 containers; an enable past that fails clearly and
# changes nothing, also for the PATHs of the same call that would have fitted.
"$KAVA" unload
base=$(new_cgroup full)
for i in $(seq 1024); do mkdir "$base/c$i"; done
mkdir "$base/extra"
"$KAVA" enable $(for i in $(seq 1023); do echo "$base/c$i"; done) >/dev/null 2>&1; first_rc=$?
expect_error "table full" "^kava: enable: the enabled-cgroup table is full \(1024 containers\)" \
    "$KAVA" enable "$base/c1024" "$base/extra"
check_all "a full table: the call's other PATH is not enabled" '[ "$first_rc" = 0 ] && [ "$("$KAVA" list | wc -l)" = 1023 ]'
"$KAVA" enable "$base/c1024" >/dev/null; last_rc=$?
expect_error "table full, one PATH" "^kava: enable: the enabled-cgroup table is full \(1024 containers\)" \
    "$KAVA" enable "$base/extra"
check_all "1024 containers fit" '[ "$last_rc" = 0 ] && [ "$("$KAVA" list | wc -l)" = 1024 ]'
"$KAVA" unload
for i in $(seq 1024); do rmdir "$base/c$i"; done
rmdir "$base/extra"

# every command of `kava --help` (the command table in src/main.c, so a new
# command is covered without editing this list) answers --help with its usage
cmds=$("$KAVA" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
note "commands in kava --help: $(echo $cmds)"
helps=0
[ -n "$cmds" ] || { note "kava --help lists no command"; helps=1; }
if [ -r src/main.c ]; then      # the host tree (the VM has no sources): the table itself
    table=$(awk '/commands\[\] = \{/ { on = 1; next } on && /^\};/ { on = 0 } on' src/main.c |
            sed -n 's/^[[:space:]]*{ *"\([a-z-]*\)".*/\1/p')
    [ "$(echo $table)" = "$(echo $cmds)" ] || { note "src/main.c's table: $(echo $table)"; helps=1; }
fi
for c in $cmds; do
    out=$("$KAVA" "$c" --help) && grep -q "^usage: kava $c" <<<"$out" || { note "no help for $c"; helps=1; }
done
check "help for every command" [ $helps = 0 ]

# kava top: a bad option or value is one line and exit 2 (usage), before any
# BPF state is opened; interactive mode without a terminal is one line too
expect_usage() {                # expect_usage NAME PATTERN CMD...: expect_error with exit status 2
    local name=$1 pattern=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null </dev/null); rc=$?
    note "$name: rc=$rc: $err"
    if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && grep -Eq "$pattern" <<<"$err"; then
        ok "$name"
    else
        nok "$name"
    fi
}
expect_usage "top: unknown option" "^kava: top: unknown option '--frobnicate'" "$KAVA" top --frobnicate
expect_usage "top: -d out of range" "^kava: top: -d takes a number of seconds from 0.1 to 3600, not '0'$" \
    "$KAVA" top -b -d 0
expect_usage "top: -d not a number" "^kava: top: -d takes a number of seconds .* not '1s'$" "$KAVA" top -b -d 1s
expect_usage "top: -n not a count" "^kava: top: -n takes a whole number from 1 .* not '1.5'$" "$KAVA" top -b -n 1.5
expect_usage "top: -w too narrow" "^kava: top: -w takes a whole number from 40 .* not '20'$" "$KAVA" top -b -w 20
expect_usage "top: unknown sort column" "^kava: top: unknown sort column 'pid' \(name, load1, .*\)$" \
    "$KAVA" top -b --sort pid
expect_usage "top: an argument" "^kava: top: unexpected argument 'extra'" "$KAVA" top -b extra
expect_error "top: no terminal without -b" "^kava: top: not a terminal: use -b for batch output$" \
    sh -c '"$1" top </dev/null' sh "$KAVA"
