#!/usr/bin/env bash
# Build (or find in the cache) the system VM image: a Debian 12 root
# filesystem made with mmdebstrap from the packages in tests/vm/system/packages
# plus Debian's 6.12 cloud kernel, installed inside so that initramfs-tools
# makes its initrd (virtio_blk is a module there). Output, in
#   $KAVA_VM_CACHE/system/<key>/       (default tests/vm/cache/system/<key>/)
# rootfs.img (raw ext4, 3 GiB sparse, label kava-root), vmlinuz, initrd.img,
# packages.txt (dpkg -l of the image), kernel (package name), build-seconds.
# <key> hashes the package list, this script, the files it bakes in (guest/)
# and the kernel package name: change any and the next run builds anew.
#
# Prints the image directory on stdout and exits 0; prints "SKIP <reason>"
# and exits 77 when a tool or a package cannot be had; exits 1 when the build
# itself fails (its log is in the output).
#
# Environment:
#   KAVA_VM_CACHE              cache root (default tests/vm/cache)
#   KAVA_VMSYSTEM_KERNEL       kernel package (default: the one tests/vm/run.sh
#                              cached for 6.12, else the newest in the apt lists)
#   KAVA_VMSYSTEM_IMAGE_SIZE   ext4 size (default 3G)
#   KAVA_VMSYSTEM_REBUILD=1    build even if the cache has this key
#   KAVA_VMSYSTEM_KEEP_OLD=1   keep images of other keys (default: removed)
#   KAVA_VMSYSTEM_PROVISION=0  no provisioning boot (see below; default 1)
set -euo pipefail
main() {
cd "$(dirname "$0")/../../.."
ROOT=$PWD
HERE=$ROOT/tests/vm/system
CACHE=${KAVA_VM_CACHE:-$ROOT/tests/vm/cache}
SYSCACHE=$CACHE/system
SIZE=${KAVA_VMSYSTEM_IMAGE_SIZE:-3G}
SUITE=bookworm

log() { echo "# build-image: $*" >&2; }
skip() { echo "SKIP $*"; exit 77; }

for t in mmdebstrap mkfs.ext4 apt-get apt-cache dpkg-deb sha256sum; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed (make deps installs the VMSYSTEM_DEB_PACKAGES of mk/vmsystem.mk)"
done
[ "$(id -u)" = 0 ] || skip "building the image needs root (mmdebstrap --mode=root, mkfs.ext4 -d keeping owners)"
mkdir -p "$SYSCACHE"
if command -v flock >/dev/null; then
    exec 7>"$SYSCACHE/.lock"
    flock 7
fi

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
if [ "${KAVA_VMSYSTEM_REBUILD:-0}" != 1 ] && [ -s "$OUT/rootfs.img" ] && [ -s "$OUT/vmlinuz" ] &&
   [ -s "$OUT/initrd.img" ] && [ -e "$OUT/complete" ]; then
    echo "$OUT"
    exit 0
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
log "building $KEY with $KPKG (log: $BUILDLOG)"
set +e
# --skip=essential/unlink + sync-in/sync-out: a .deb cache across builds
# (mmdebstrap(1), "download cache"). The customize hooks run in this order.
mmdebstrap --mode=root --variant=apt --format=directory \
    --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --include="$PACKAGES" --include="$KDEB" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in '$SYSCACHE/debs' /var/cache/apt/archives/" \
    --setup-hook='mkdir -p "$1"/etc/initramfs-tools/conf.d && echo RESUME=none >"$1"/etc/initramfs-tools/conf.d/resume' \
    --customize-hook="sync-out /var/cache/apt/archives '$SYSCACHE/debs'" \
    --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
    --customize-hook='mkdir -p "$1"/usr/local/libexec' \
    --customize-hook="upload '$HERE/guest/kava-scenario.service' /etc/systemd/system/kava-scenario.service" \
    --customize-hook="upload '$HERE/guest/kava-scenario-boot' /usr/local/libexec/kava-scenario-boot" \
    --customize-hook="upload '$HERE/guest/kava-provision.service' /etc/systemd/system/kava-provision.service" \
    --customize-hook="upload '$HERE/guest/kava-provision' /usr/local/libexec/kava-provision" \
    --customize-hook='chmod 0755 "$1"/usr/local/libexec/kava-scenario-boot "$1"/usr/local/libexec/kava-provision' \
    --customize-hook="$HERE/guest/customize.sh"' "$1"' \
    "$SUITE" "$WORK/root" "${MIRRORS[@]}" >"$BUILDLOG" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    tail -n 30 "$BUILDLOG" | sed 's/^/# build-image: | /' >&2
    # a package that cannot be had (no mirror, no network) is "unavailable"
    if grep -qE "^E: (Unable to locate package|Package '.*' has no installation candidate|Failed to fetch|Unable to fetch)|Temporary failure resolving|Could not resolve" "$BUILDLOG"; then
        skip "mmdebstrap could not get the packages: $(grep -m1 -E '^E: ' "$BUILDLOG")"
    fi
    log "mmdebstrap failed (exit $rc), see $BUILDLOG"
    exit 1
fi

# ------------------------------------------------------------ kernel, initrd, ext4
R=$WORK/root
rel=$(ls "$R/lib/modules" | sort -V | tail -1)
[ -n "$rel" ] && [ -f "$R/boot/vmlinuz-$rel" ] && [ -f "$R/boot/initrd.img-$rel" ] || {
    log "the image has no /boot/vmlinuz-$rel or initrd.img-$rel (initramfs-tools did not run?)"; exit 1; }
mkdir -p "$WORK/out"
cp "$R/boot/vmlinuz-$rel" "$WORK/out/vmlinuz"
cp "$R/boot/initrd.img-$rel" "$WORK/out/initrd.img"
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
if [ "${KAVA_VMSYSTEM_PROVISION:-1}" = 1 ] && command -v qemu-system-x86_64 >/dev/null; then
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
main "$@"
exit
