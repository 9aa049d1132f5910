#!/usr/bin/env bash
# kava oci-hook under real OCI runtimes (runc, crun): at createRuntime, before
# pivot_root, it enables the container's cgroup, applies the policy named by
# the io.kava.policy annotation and attaches the view, so the container's
# program reads its own figures from its very first read.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("runc: the hook enables the container's cgroup"
       "runc: the program's first read of /proc/meminfo shows its limit"
       "runc: the io.kava.policy annotation's policy is applied"
       "runc: /sys/devices/system/cpu shows the container's one CPU"
       "crun: the program's first read of /proc/meminfo shows its limit"
       "runc, poststart stage: the running container gets the view"
       "no view served: the container is enabled, the hook succeeds"
       "a state that is not JSON: one line, non-zero exit")
need_root "${NAMES[@]}"
for tool in runc jq busybox; do
    command -v $tool >/dev/null || skip_all "$tool not installed" "${NAMES[@]}"
done
[ -e /dev/fuse ] || skip_all "no /dev/fuse" "${NAMES[@]}"

MEM=$((160 * 1024 * 1024))
DIR=$(mktemp -d /tmp/kava-test-$$-oci.XXXX)
VIEW=/run/kava-test-$$-ociview
PIN=${KAVA_PIN_DIR:-/sys/fs/bpf/kava}
CTRS=()
finish() {
    local c
    for c in "${CTRS[@]}"; do
        "$KAVA" policy clear "$(ctr_cg "$c" 2>/dev/null)" >/dev/null 2>&1
        $RT delete -f "$c" >/dev/null 2>&1; runc delete -f "$c" >/dev/null 2>&1
        command -v crun >/dev/null && crun delete -f "$c" >/dev/null 2>&1
    done
    [ -n "${agent:-}" ] && kill -TERM "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
    umount -l "$VIEW" 2>/dev/null; rmdir "$VIEW" 2>/dev/null
    rm -rf "$DIR"
    cleanup
}
trap finish EXIT

ROOT=$DIR/rootfs
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,out}
cp "$(command -v busybox)" "$ROOT/bin/busybox"
for a in sh cat sleep awk ls; do ln -s busybox "$ROOT/bin/$a"; done
printf 'mode = audit\n' >"$DIR/audit.policy"

# bundle NAME STAGE: the program records /proc/meminfo and the CPU directory at once
bundle() {
    local b=$DIR/$1
    mkdir -p "$b" "$DIR/out-$1"
    (cd "$b" && runc spec) || return 1
    jq --arg root "$ROOT" --arg out "$DIR/out-$1" --arg kava "$KAVA" --arg view "$VIEW" \
       --arg pin "$PIN" --arg stage "$2" --arg policy "$DIR/audit.policy" \
       --argjson mem "$MEM" --arg cg "kava-test-$$-$1" '
        .process.terminal = false
        | .process.args = ["/bin/sh", "-c", "cat /proc/meminfo > /out/meminfo; ls /sys/devices/system/cpu > /out/cpus; exec sleep 300"]
        | .root = {path: $root, readonly: true}
        | .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
        | .linux.cgroupsPath = $cg
        | .linux.resources.memory = {limit: $mem}
        | .linux.resources.cpu = {cpus: "0"}
        | .annotations = {"io.kava.policy": $policy}
        | .hooks = {($stage): [{path: $kava, args: ["kava", "oci-hook", "--mount", $view],
                                env: ["KAVA_PIN_DIR=" + $pin, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}
    ' "$b/config.json" > "$b/c.json" && mv "$b/c.json" "$b/config.json"
}
ctr_cg() { echo "$CG2$(sed -n 's/^0:://p' "/proc/$($RT state "$1" | jq -r .pid)/cgroup")"; }
run_ctr() {                # run_ctr RUNTIME NAME STAGE: create (hooks run), start
    local name=kava-test-$$-$2
    RT=$1
    bundle "$2" "$3" || return 1
    CTRS+=("$name")
    $RT create --bundle "$DIR/$2" "$name" >"$DIR/$2.log" 2>&1 </dev/null || { sed 's/^/# /' "$DIR/$2.log"; return 1; }
    $RT start "$name" >>"$DIR/$2.log" 2>&1 || return 1
    wait_for 20 test -s "$DIR/out-$2/cpus"
}
total() { awk '/^MemTotal:/ { print $2 * 1024 }' "$DIR/out-$1/meminfo" 2>/dev/null; }

env -u NOTIFY_SOCKET "$KAVA" run --no-config --mount "$VIEW" 2>"$DIR/agent.log" & agent=$!
wait_for 20 grep -q "FUSE view at" "$DIR/agent.log"

if run_ctr runc first createRuntime; then
    cg=$(ctr_cg "kava-test-$$-first")
    check "runc: the hook enables the container's cgroup" sh -c "'$KAVA' list | grep -q ' $cg\$'"
    note "runc: first read: MemTotal $(total first) (limit $MEM)"
    check "runc: the program's first read of /proc/meminfo shows its limit" [ "$(total first)" = "$MEM" ]
    check "runc: the io.kava.policy annotation's policy is applied" sh -c "'$KAVA' policy show '$cg' | grep -q audit"
    check "runc: /sys/devices/system/cpu shows the container's one CPU" [ "$(grep -c '^cpu[0-9]' "$DIR/out-first/cpus")" = 1 ]
else
    for n in 0 1 2 3; do nok "${NAMES[$n]}"; done
fi
if ! command -v crun >/dev/null; then
    skip "crun: the program's first read of /proc/meminfo shows its limit" "crun not installed"
elif is_hybrid; then
    skip "crun: the program's first read of /proc/meminfo shows its limit" "crun refuses hybrid cgroup hosts (pure cgroup v2 only)"
elif run_ctr crun second createRuntime; then
    note "crun: first read: MemTotal $(total second)"
    check "crun: the program's first read of /proc/meminfo shows its limit" [ "$(total second)" = "$MEM" ]
else
    nok "crun: the program's first read of /proc/meminfo shows its limit"
fi
# poststart: the program has started; its later reads get the view
if run_ctr runc third poststart; then
    pid=$(runc state "kava-test-$$-third" | jq -r .pid)
    got=$(sh -c "$(join_script "$(ctr_cg "kava-test-$$-third")")"' && exec nsenter -t "$1" -m -r /bin/busybox awk "/^MemTotal:/ { print \$2 * 1024 }" /proc/meminfo' sh "$pid")
    check "runc, poststart stage: the running container gets the view" [ "$got" = "$MEM" ]
else
    nok "runc, poststart stage: the running container gets the view"
fi

# no view: the hook must not break the container's start
pid=$(runc state "kava-test-$$-third" | jq -r .pid)
"$KAVA" disable "$(ctr_cg "kava-test-$$-third")" >/dev/null
out=$(jq -n --argjson pid "$pid" '{ociVersion: "1.0.2", id: "t", status: "created", pid: $pid, bundle: "/nonexistent"}' |
      "$KAVA" oci-hook --mount /nonexistent-view 2>&1); rc=$?
note "no view: $out"
check_all "no view served: the container is enabled, the hook succeeds" \
    '[ $rc = 0 ] && "$KAVA" list | grep -q " $(ctr_cg "kava-test-$$-third")\$" && grep -q "no kava view at /nonexistent-view" <<<"$out"'
out=$(echo '{"pid": 1,' | "$KAVA" oci-hook 2>&1); rc=$?
note "bad state: $out"
check_all "a state that is not JSON: one line, non-zero exit" \
    '[ $rc != 0 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "^kava: oci-hook: not a JSON object" <<<"$out"'
