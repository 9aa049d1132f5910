#!/usr/bin/env bash
# The VM offers what the policy and CO-RE tests assume: BPF LSM active,
# a pure cgroup v2 hierarchy with controllers enabled, bpffs, BTF.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

lsms=$(cat /sys/kernel/security/lsm 2>/dev/null || echo "")
note "kernel $(uname -r), LSMs: ${lsms:-(securityfs unreadable)}"
env_check "bpf is an active LSM (/sys/kernel/security/lsm)" grep -qw bpf <<<"${lsms//,/ }"

fstype_at() { awk -v d="$1" '$2 == d { t = $3 } END { print t }' /proc/mounts; }
env_check "cgroup2 mounted at /sys/fs/cgroup" [ "$(fstype_at /sys/fs/cgroup)" = cgroup2 ]
env_check "no cgroup v1 hierarchy mounted (pure v2)" bash -c '! awk "\$3 == \"cgroup\"" /proc/mounts | grep -q .'
ctrls=$(cat /sys/fs/cgroup/cgroup.controllers)
sub=$(cat /sys/fs/cgroup/cgroup.subtree_control)
note "cgroup controllers: $ctrls; enabled for children: $sub"
for c in cpu cpuset memory io pids; do
    env_check "controller $c available and enabled in the root's subtree_control" \
        bash -c "grep -qw $c <<<'$ctrls' && grep -qw $c <<<'$sub'"
done
env_check "bpffs mounted at /sys/fs/bpf" [ "$(fstype_at /sys/fs/bpf)" = bpf ]
env_check "kernel BTF at /sys/kernel/btf/vmlinux" [ -r /sys/kernel/btf/vmlinux ]

if command -v bpftool >/dev/null; then
    probe=$(bpftool feature probe kernel 2>/dev/null || true)
    for t in lsm tracing cgroup_device; do
        env_check "bpftool: program type $t available" grep -q "program_type $t is available" <<<"$probe"
    done
    env_check "bpftool: map type ringbuf available" grep -q "map_type ringbuf is available" <<<"$probe"
else
    env_skip "bpftool feature probe" "bpftool not in the initramfs"
fi

# a cgroup can be made, limited, entered and removed
cg=/sys/fs/cgroup/kava-vm-boot
mkdir "$cg"
env_check "a child cgroup gets memory.max and cpu.max" \
    bash -c "echo 256M > $cg/memory.max && echo '50000 100000' > $cg/cpu.max"
env_check "a task can enter a child cgroup" bash -c "echo \$\$ > $cg/cgroup.procs && grep -q '^0::/kava-vm-boot\$' /proc/self/cgroup"
rmdir "$cg"

# device nodes the policy tests use (tun and fuse are modules on some kernels)
for d in /dev/null /dev/zero /dev/net/tun /dev/fuse; do
    env_check "device node $d present" [ -c "$d" ]
done
