#!/bin/sh
# mmdebstrap --customize-hook for the system VM image (tests/vm/system/
# build-image.sh): runs on the host with the image's root directory as $1.
set -eu
R=$1
echo kava-vm >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkava-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t0\n' >"$R/etc/fstab"
# mmdebstrap copied the host's resolv.conf: the VM has no network at all
echo '# the kava system VM has no network' >"$R/etc/resolv.conf"
# A fixed machine-id: the booted system is not a "first boot"
# (systemd-firstboot would prompt on the console).
tr -d '-' </proc/sys/kernel/random/uuid >"$R/etc/machine-id"
# root can log in on the console with no password (a debugging boot without
# kava.scenario=1: tests/vm/system/run.sh --shell)
chroot "$R" passwd -d root >/dev/null
chroot "$R" systemctl set-default multi-user.target
chroot "$R" systemctl enable kava-scenario.service kava-provision.service
# Nothing periodic or networked during a test boot. lxc-net (lxcbr0 and its
# dnsmasq: 15 s to 6 min of a TCG boot) serves no container here: the
# scenarios' containers have no network ("lxc.net =").
for u in apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
         e2scrub_reap.service fstrim.timer dpkg-db-backup.timer systemd-firstboot.service \
         systemd-networkd-wait-online.service podman-auto-update.timer podman-auto-update.service \
         podman-restart.service lxc-net.service; do
    chroot "$R" systemctl mask "$u" >/dev/null 2>&1 || true
done
# kava-scenario.service writes to ttyS0: no getty there during a scenario boot
# (agetty's vhangup would cut the scenario's output)
mkdir -p "$R/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Unit]\nConditionKernelCommandLine=!kava.scenario=1\nConditionKernelCommandLine=!kava.provision=1\n' \
    >"$R/etc/systemd/system/serial-getty@ttyS0.service.d/kava-scenario.conf"
mkdir -p "$R/mnt/kava"
