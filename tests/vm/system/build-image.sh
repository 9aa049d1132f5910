#!/usr/bin/env bash
# Build (or find in the cache) the system VM image: a Debian 12 root
# filesystem made with mmdebstrap from the packages in tests/vm/system/packages,
# with the modules of Debian's 6.12 cloud kernel (from its .deb, not installed
# as a package: the package would pull in initramfs-tools, whose two initrd
# generations were a third of the build) and a small initrd made here that
# loads virtio_blk (a module in that kernel), mounts the root and hands over
# to systemd. Output, in
#   $KAVA_VM_CACHE/system/<key>/       (default tests/vm/cache/system/<key>/)
# rootfs.img (raw ext4, 2 GiB sparse, label kava-root), vmlinuz, initrd.img,
# packages.txt (dpkg -l of the image), kernel (package name), build-seconds.
# <key> hashes the package list, this script, the files it bakes in (guest/)
# and the kernel package name: change any and the next run builds anew.
#
# Prints the image directory on stdout and exits 0; prints "SKIP <reason>"
# and exits 77 when a tool or a package cannot be had; exits 1 when the build
# itself fails (its log is in the output). A cached image is used without
# waiting; builds wait for each other (flock).
#
# Where a fresh build's time goes is in build.log (each line starts with the
# seconds since the build started). Measured on the 2-CPU development machine
# under load: ~1 min of downloads (130 MB from the mirror; none when
# $KAVA_VM_CACHE/system/debs has them), and dpkg. Kept short on purpose: no
# documentation unpacked (dpkg path-exclude, set after the essential packages:
# set before, mmdebstrap pipes every essential package through its python
# tarfilter, ~4 minutes), dpkg's force-unsafe-io (no fsync per file), no
# initramfs-tools, no provisioning boot.
#
# Environment:
#   KAVA_VM_CACHE              cache root (default tests/vm/cache)
#   KAVA_VMSYSTEM_KERNEL       kernel package (default: the one tests/vm/run.sh
#                              cached for 6.12, else the newest in the apt lists)
#   KAVA_VMSYSTEM_IMAGE_SIZE   ext4 size (default 2G)
#   KAVA_VMSYSTEM_REBUILD=1    build even if the cache has this key
#   KAVA_VMSYSTEM_KEEP_OLD=1   keep images of other keys (default: removed)
#   KAVA_VMSYSTEM_PROVISION=1  boot the image once before caching it (see
#                              below; default 0: for a single boot, as in CI,
#                              it only costs)
set -euo pipefail
main() {
cd "$(dirname "$0")/../../.."
ROOT=$PWD
HERE=$ROOT/tests/vm/system
CACHE=${KAVA_VM_CACHE:-$ROOT/tests/vm/cache}
SYSCACHE=$CACHE/system
SIZE=${KAVA_VMSYSTEM_IMAGE_SIZE:-2G}
SUITE=bookworm

log() { echo "# build-image: $*" >&2; }
skip() { echo "SKIP $*"; exit 77; }

for t in mmdebstrap mkfs.ext4 apt-get apt-cache dpkg-deb sha256sum cpio gzip; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed (make deps installs the VMSYSTEM_DEB_PACKAGES of mk/vmsystem.mk)"
done
[ "$(id -u)" = 0 ] || skip "building the image needs root (mmdebstrap --mode=root, mkfs.ext4 -d keeping owners)"
mkdir -p "$SYSCACHE"

# ------------------------------------------------------------ the kernel
# Same choice and cache layout as tests/vm/run.sh: $CACHE/6.12/debs/PKG_VER.deb.
kernel_regex='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-amd64$'
newest_kernel() {
    apt-cache search --names-only "$kernel_regex" 2>/dev/null | awk '{print $1}' | sort -V | tail -1
}
KPKG=${KAVA_VMSYSTEM_KERNEL:-}
if [ -z "$KPKG" ] && [ -s "$CACHE/6.12/package" ]; then
    KPKG=$(awk '{print $1}' "$CACHE/6.12/package")
    ls "$CACHE/6.12/debs/${KPKG}_"*.deb >/dev/null 2>&1 || KPKG=
fi
[ -n "$KPKG" ] || KPKG=$(newest_kernel)
if [ -z "$KPKG" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    KPKG=$(newest_kernel)
fi
[ -n "$KPKG" ] || skip "no package matching $kernel_regex in the apt lists"

# ------------------------------------------------------------ the key
PACKAGES=$(sed 's/#.*//' "$HERE/packages" | tr -s ' \t\n' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
KEY=$( { echo "$SUITE $KPKG $SIZE"; echo "$PACKAGES"; cat "$HERE/build-image.sh"
         cat "$HERE"/guest/kava-scenario.service "$HERE"/guest/kava-scenario-boot "$HERE"/guest/customize.sh \
             "$HERE"/guest/kava-provision.service "$HERE"/guest/kava-provision; } | sha256sum | cut -c1-16)
OUT=$SYSCACHE/$KEY
cached() {
    [ "${KAVA_VMSYSTEM_REBUILD:-0}" != 1 ] && [ -s "$OUT/rootfs.img" ] && [ -s "$OUT/vmlinuz" ] &&
        [ -s "$OUT/initrd.img" ] && [ -e "$OUT/complete" ]
}
# A cached image needs no lock (it is moved into place whole, "complete" in
# it). Otherwise one build at a time: wait, then look again (the build waited
# for may have made this very key).
if cached; then echo "$OUT"; exit 0; fi
if command -v flock >/dev/null; then
    exec 7>"$SYSCACHE/.lock"
    if ! flock -n 7; then
        log "another build of the system VM image is running: waiting for it"
        flock 7
    fi
    if cached; then echo "$OUT"; exit 0; fi
fi

t0=$(date +%s)
KDIR=$CACHE/6.12/debs
mkdir -p "$KDIR"
KDEB=$(ls "$KDIR/${KPKG}_"*.deb 2>/dev/null | head -1 || true)
if [ -z "$KDEB" ]; then
    log "downloading $KPKG into $KDIR"
    if ! (cd "$KDIR" && apt-get download -q "$KPKG" >"$SYSCACHE/kernel-download.log" 2>&1); then
        skip "apt-get download $KPKG failed: $(grep -E '^(E|Err):' "$SYSCACHE/kernel-download.log" | head -1)"
    fi
    KDEB=$(ls "$KDIR/${KPKG}_"*.deb 2>/dev/null | head -1 || true)
    [ -n "$KDEB" ] || skip "apt-get download $KPKG left no .deb in $KDIR"
fi
# our own copy: tests/vm/run.sh prunes older debs of its series
mkdir -p "$SYSCACHE/kernel"
find "$SYSCACHE/kernel" -name '*.deb' ! -name "$(basename "$KDEB")" -delete
[ -s "$SYSCACHE/kernel/$(basename "$KDEB")" ] || cp "$KDEB" "$SYSCACHE/kernel/"
KDEB=$SYSCACHE/kernel/$(basename "$KDEB")

# ------------------------------------------------------------ the mirror
# The host's own Debian sources (the only registry this machine may reach).
MIRRORS=()
while read -r uri suite comps; do
    [ -n "$uri" ] && MIRRORS+=("deb $uri $suite $comps")
done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
         awk '$2 ~ /^bookworm(-updates|-security|-backports)?$/ { c[$1" "$2] = c[$1" "$2] ? c[$1" "$2]" "$3 : $3 }
              END { for (k in c) print k, c[k] }' | sort)
if [ ${#MIRRORS[@]} -eq 0 ]; then
    MIRRORS=("deb http://deb.debian.org/debian $SUITE main" "deb http://deb.debian.org/debian $SUITE-updates main"
             "deb http://deb.debian.org/debian-security $SUITE-security main")
    log "no bookworm sources in the host's apt configuration: using deb.debian.org"
fi

# ------------------------------------------------------------ mmdebstrap
WORK=$(mktemp -d "$SYSCACHE/build.XXXXXX")
cleanup() {             # never rm -rf through a mount mmdebstrap left behind
    local m
    findmnt -rn -o TARGET 2>/dev/null | awk -v w="$WORK/" 'index($0, w) == 1' | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    if findmnt -rn -o TARGET 2>/dev/null | grep -q "^$WORK/"; then
        log "mounts remain under $WORK: not removing it"
    else
        rm -rf --one-file-system "$WORK"
    fi
}
trap cleanup EXIT
mkdir -p "$SYSCACHE/debs"
BUILDLOG=$SYSCACHE/build.log
# each line of the log with the seconds since the build started ("  123 I: ..."):
# where the time goes
stamp() { local l n; while IFS= read -r l; do printf -v n '%(%s)T' -1; printf '%5d %s\n' $((n - t0)) "$l"; done; }
log "building $KEY with $KPKG (log: $BUILDLOG)"
set +e
# --skip=essential/unlink + sync-in/sync-out: a .deb cache across builds
# (mmdebstrap(1), "download cache"). The customize hooks run in this order.
# No documentation for the packages installed after the essential ones (see
# the top: the path-excludes are set by the essential hook, not --dpkgopt).
NODOC='path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/info/*'
mmdebstrap --mode=root --variant=apt --format=directory --verbose \
    --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --include="$PACKAGES" \
    --dpkgopt='force-unsafe-io' \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in '$SYSCACHE/debs' /var/cache/apt/archives/" \
    --essential-hook="printf '%s\\n' '$NODOC' >\"\$1\"/etc/dpkg/dpkg.cfg.d/10-kava-nodoc" \
    --customize-hook="sync-out /var/cache/apt/archives '$SYSCACHE/debs'" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
    --customize-hook='mkdir -p "$1"/usr/local/libexec' \
    --customize-hook="upload '$HERE/guest/kava-scenario.service' /etc/systemd/system/kava-scenario.service" \
    --customize-hook="upload '$HERE/guest/kava-scenario-boot' /usr/local/libexec/kava-scenario-boot" \
    --customize-hook="upload '$HERE/guest/kava-provision.service' /etc/systemd/system/kava-provision.service" \
    --customize-hook="upload '$HERE/guest/kava-provision' /usr/local/libexec/kava-provision" \
    --customize-hook='chmod 0755 "$1"/usr/local/libexec/kava-scenario-boot "$1"/usr/local/libexec/kava-provision' \
    --customize-hook="$HERE/guest/customize.sh"' "$1"' \
    "$SUITE" "$WORK/root" "${MIRRORS[@]}" 2>&1 | stamp >"$BUILDLOG"
rc=${PIPESTATUS[0]}
set -e
if [ $rc -ne 0 ]; then
    tail -n 30 "$BUILDLOG" | sed 's/^/# build-image: | /' >&2
    # a package that cannot be had (no mirror, no network) is "unavailable"
    local unavailable="^ *[0-9]+ E: (Unable to locate package|Package '.*' has no installation candidate|Failed to fetch|Unable to fetch)|Temporary failure resolving|Could not resolve|Could not connect|Connection timed out|Network is unreachable|Some index files failed to download"
    if grep -qE "$unavailable" "$BUILDLOG"; then
        skip "mmdebstrap could not get the packages (no network or mirror?): $(grep -m1 -E "$unavailable" "$BUILDLOG" | sed -E 's/^ *[0-9]+ //')"
    fi
    log "mmdebstrap failed (exit $rc), see $BUILDLOG"
    exit 1
fi

# ------------------------------------------------------------ kernel, initrd, ext4
R=$WORK/root
# The documentation of the essential packages (unpacked before the
# path-exclude): nobody reads it in the VM.
rm -rf "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/doc/*
find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
# The kernel: vmlinuz and /lib/modules from its .deb (dpkg-deb -x into a
# directory of its own: into the root it would replace the merged-/usr links).
KX=$WORK/kernel
mkdir -p "$KX"
dpkg-deb -x "$KDEB" "$KX"
rel=$(ls "$KX/lib/modules" 2>/dev/null | sort -V | tail -1)
[ -n "$rel" ] && [ -f "$KX/boot/vmlinuz-$rel" ] || { log "$KDEB has no lib/modules/REL and boot/vmlinuz-REL"; exit 1; }
mkdir -p "$R/usr/lib/modules" "$R/boot"
cp -a "$KX/lib/modules/$rel" "$R/usr/lib/modules/"
# its config where a Debian host has it (kava reads CONFIG_HZ there)
cp "$KX/boot/config-$rel" "$R/boot/"
chroot "$R" depmod -a "$rel" || { log "depmod -a $rel in the image failed"; exit 1; }
mkdir -p "$WORK/out"
cp "$KX/boot/vmlinuz-$rel" "$WORK/out/vmlinuz"
# The initrd: the image's busybox-static, virtio_blk.ko (it needs no other
# module: virtio and virtio_pci are built in, as is ext4) and an init that
# mounts root= (default /dev/vda) and switches to its /sbin/init.
I=$WORK/initrd
mkdir -p "$I"/{bin,dev,proc,sys,newroot}
cp "$R/usr/bin/busybox" "$I/bin/busybox" || { log "the image has no /usr/bin/busybox (busybox-static)"; exit 1; }
vb=$(find "$R/usr/lib/modules/$rel" -name 'virtio_blk.ko*' | head -1)
case $vb in
    *.xz)  "$I/bin/busybox" xzcat "$vb" >"$I/virtio_blk.ko" ;;
    *.ko)  cp "$vb" "$I/virtio_blk.ko" ;;
    "")    grep -q '/virtio_blk\.ko$' "$R/usr/lib/modules/$rel/modules.builtin" ||
               { log "kernel $rel has no virtio_blk module and does not build it in"; exit 1; } ;;
    *)     log "cannot unpack $vb"; exit 1 ;;
esac
mknod -m 600 "$I/dev/console" c 5 1
cat >"$I/init" <<'EOI'
#!/bin/busybox sh
# kava system VM initrd (tests/vm/system/build-image.sh)
export PATH=/bin
busybox mount -t devtmpfs devtmpfs /dev
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
[ -f /virtio_blk.ko ] && busybox insmod /virtio_blk.ko
root=/dev/vda
for a in $(busybox cat /proc/cmdline); do case $a in root=/dev/*) root=${a#root=} ;; esac; done
i=0
while [ ! -b "$root" ] && [ $i -lt 600 ]; do busybox usleep 100000; i=$((i + 1)); done
if ! busybox mount -o rw "$root" /newroot; then
    echo "kava initrd: cannot mount $root"
    exit 1
fi
busybox umount /proc /sys
busybox mount --move /dev /newroot/dev
exec busybox switch_root /newroot /sbin/init
EOI
chmod 0755 "$I/init"
(cd "$I" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$WORK/out/initrd.img"
chroot "$R" dpkg-query -W -f '${Package} ${Version}\n' >"$WORK/out/packages.txt"
echo "$KPKG $rel" >"$WORK/out/kernel"
log "mkfs.ext4 -d ($(du -sh "$R" | cut -f1) of files) into a $SIZE image"
if ! mkfs.ext4 -q -F -L kava-root -E root_owner=0:0 -d "$R" "$WORK/out/rootfs.img" "$SIZE" >>"$BUILDLOG" 2>&1; then
    tail -n 5 "$BUILDLOG" | sed 's/^/# build-image: | /' >&2
    log "mkfs.ext4 -d failed"; exit 1
fi
# One boot of the image itself, not snapshotted, so that what every boot would
# otherwise redo (compiling the AppArmor profiles, podman's storage) is done
# once. Optional: without qemu, or when it fails, the fresh image is used.
if [ "${KAVA_VMSYSTEM_PROVISION:-0}" = 1 ] && command -v qemu-system-x86_64 >/dev/null; then
    log "provisioning boot (log: $SYSCACHE/provision.log)"
    tp=$(date +%s)
    timeout -k 10 "${KAVA_VMSYSTEM_PROVISION_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 \
        -nographic -nodefaults -no-user-config -no-reboot -serial stdio -monitor none \
        -kernel "$WORK/out/vmlinuz" -initrd "$WORK/out/initrd.img" \
        -drive "file=$WORK/out/rootfs.img,format=raw,if=virtio" -device virtio-rng-pci \
        -append "root=/dev/vda rw console=ttyS0 quiet panic=-1 systemd.unified_cgroup_hierarchy=1 kava.provision=1" \
        </dev/null >"$SYSCACHE/provision.log" 2>&1 || true
    grep -a 'KAVA-PROVISION' "$SYSCACHE/provision.log" | tr -d '\r' | sed 's/^.*KAVA-PROVISION /# build-image: provision: /' >&2
    if grep -aq 'KAVA-PROVISION done' "$SYSCACHE/provision.log" && e2fsck -fn "$WORK/out/rootfs.img" >/dev/null 2>&1; then
        log "provisioned in $(( $(date +%s) - tp ))s"
    else
        log "provisioning boot did not finish cleanly: using the unprovisioned image"
        rm -f "$WORK/out/rootfs.img"
        mkfs.ext4 -q -F -L kava-root -E root_owner=0:0 -d "$R" "$WORK/out/rootfs.img" "$SIZE" >>"$BUILDLOG" 2>&1
    fi
    cp "$SYSCACHE/provision.log" "$WORK/out/provision.log"
fi
echo $(( $(date +%s) - t0 )) >"$WORK/out/build-seconds"
touch "$WORK/out/complete"
rm -rf "$OUT"
mv "$WORK/out" "$OUT"
cp "$BUILDLOG" "$OUT/build.log"
if [ "${KAVA_VMSYSTEM_KEEP_OLD:-0}" != 1 ]; then
    for d in "$SYSCACHE"/*/; do
        d=${d%/}
        case ${d##*/} in "$KEY"|debs|kernel|build.*) continue ;; esac
        [ -e "$d/complete" ] && rm -rf "$d"
    done
fi
log "built $OUT in $(cat "$OUT/build-seconds")s"
echo "$OUT"
}
main "$@"; exit $?   # (one line: an edit of this file while it runs cannot derail the end)
