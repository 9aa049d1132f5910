# shellcheck shell=bash
# oci_sysinfo_bundle BUNDLE SECCOMP(1|0) SCRIPT CGROUPS_PATH: a runc/crun
# bundle (`runc spec`, edited with jq) for the sysinfo(2) tests
# (tests/integration/seccomp_sysinfo.sh on the host, the system VM's
# 50-lockdown scenario): /bin/sh -c SCRIPT in the busybox rootfs $ROOT,
# read-only, the host's /usr bound read-only (python, the helper's libc),
# $OUT bound at /out, a memory limit of $MEM bytes; with SECCOMP 1, a
# profile that notifies sysinfo and uname to the listener at $SOCK.
oci_sysinfo_bundle() {
    local b=$1 seccomp='{}'
    mkdir -p "$b"
    [ "$2" = 1 ] && seccomp=$(jq -n --arg sock "$SOCK" '{defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $sock, architectures: ["SCMP_ARCH_X86_64"],
        syscalls: [{names: ["sysinfo", "uname"], action: "SCMP_ACT_NOTIFY"}]}')
    (cd "$b" && runc spec) || return 1
    jq --arg root "$ROOT" --arg out "$OUT" --arg script "$3" --argjson mem "$MEM" \
       --argjson seccomp "$seccomp" --arg cg "$4" '
        .process.terminal = false | .process.args = ["/bin/sh", "-c", $script]
        | .process.env += ["PATH=/bin:/usr/bin"]
        | .root = {path: $root, readonly: true}
        | .mounts += [{destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"]},
                      {destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
        | .linux.cgroupsPath = $cg
        | .linux.resources.memory = {limit: $mem}
        | if $seccomp == {} then del(.linux.seccomp) else .linux.seccomp = $seccomp end
    ' "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
}
