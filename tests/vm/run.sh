#!/usr/bin/env bash
# kava VM harness (host side). Boots Debian's cloud kernels under
# qemu-system-x86_64 -accel tcg,thread=single with a busybox initramfs that holds kava, its
# libraries, bpftool, bash, the unit test binaries and the scripts in
# tests/vm/*/*.sh, plus the accounting suite's host integration scripts
# (tests/integration/accounting.sh, cli_errors.sh) as a CO-RE reach check, and
# prints the TAP lines the VM reports, labelled per kernel:
#     ok 3 - [6.12] policy/10-devices: enforce: denied device is EPERM
# Checks of the VM itself (core/00-boot.sh: BPF LSM active, bpffs mounted...;
# the boot finishing) end in "# ENV": tests/run.sh tallies them apart.
# One boot per kernel. tests/run.sh counts the lines (make vmtest, make check).
#
# Environment (all optional):
#   KAVA_VM_CACHE     kernel package cache       (default tests/vm/cache)
#   KAVA_VM_KERNELS   kernel series to boot      (default "6.12 6.1")
#   KAVA_VM_REFRESH=1 look for newer kernel packages even if some are cached
#   KAVA_VM_INTEGRATION  host integration scripts to run inside the VMs, by
#                     name (default "accounting cli_errors cpu_quota view_uptime sysinfo view_budgets"; "all" = every
#                     tests/integration/*.sh, as make vmtest-full; "none")
#   KAVA_VM_TIMEOUT   seconds one boot may take  (default 900; 1500 with "all")
#   KAVA_VM_SCRIPT_TIMEOUT  seconds a tests/vm script may take (default 120)
#   KAVA_VM_INTEGRATION_TIMEOUT  seconds an integration script may take (default 400)
#   KAVA_VM_LSM       lsm= list                  (default lockdown,capability,landlock,yama,bpf)
#   KAVA_VM_MODULES   modules to load if not built in (default "tun fuse")
#   KAVA_VM_ONLY      only run scripts whose path (core/00-boot.sh, integration/x.sh) matches this glob
#   KAVA_VM_EXTRA_BINS host programs copied in with their libraries
#                     (default "bpftool setpriv unshare nsenter jq"; busybox has the rest)
#   KAVA_VM_KEEP=1    keep the console logs (always kept in $KAVA_BUILD/vm/)
#   VERBOSE=1         echo everything the VM prints
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
KAVA_BUILD=${KAVA_BUILD:-$ROOT/$BUILD}
CACHE=${KAVA_VM_CACHE:-$ROOT/tests/vm/cache}
KERNELS=${KAVA_VM_KERNELS:-6.12 6.1}
INTEGRATION=${KAVA_VM_INTEGRATION:-accounting cli_errors cpu_quota view_uptime sysinfo view_budgets}
[ "$INTEGRATION" = none ] && INTEGRATION=
if [ "$INTEGRATION" = all ]; then TIMEOUT=${KAVA_VM_TIMEOUT:-1500}; else TIMEOUT=${KAVA_VM_TIMEOUT:-900}; fi
SCRIPT_TIMEOUT=${KAVA_VM_SCRIPT_TIMEOUT:-120}
INTEGRATION_TIMEOUT=${KAVA_VM_INTEGRATION_TIMEOUT:-400}
LSM=${KAVA_VM_LSM:-lockdown,capability,landlock,yama,bpf}
MODULES=${KAVA_VM_MODULES:-tun fuse}
WORK=$KAVA_BUILD/vm
QEMU=${QEMU:-qemu-system-x86_64}

N=0
FAILED=0
tap() {                 # tap ok|"not ok" TEXT
    N=$((N + 1))
    echo "$1 $N - $2"
    [ "$1" = ok ] || FAILED=1
}
log() { echo "# $*"; }
die_skip() { echo "ok 1 - vm # SKIP $*"; echo "1..1"; exit 0; }

command -v "$QEMU" >/dev/null 2>&1 || die_skip "$QEMU not installed (make deps installs qemu-system-x86)"
BUSYBOX=$(command -v busybox 2>/dev/null || true)
[ -n "$BUSYBOX" ] || die_skip "busybox not installed (make deps installs busybox-static)"
for t in cpio gzip dpkg-deb apt-get ldd; do
    command -v "$t" >/dev/null 2>&1 || die_skip "$t not found on the host"
done
mkdir -p "$CACHE" "$WORK"
# one harness at a time per build dir and per cache (waits for the other)
if command -v flock >/dev/null; then
    exec 8>"$WORK/.lock" 9>"$CACHE/.lock"
    flock 8; flock 9
fi

# ---------------------------------------------------------------- kernels
# Newest cloud kernel package of a series, from the apt lists.
kernel_regex() {
    case $1 in
        6.1)  echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
        *)    local s=${1//./\\.}; echo "^linux-image-${s}\.[0-9]+\+deb[0-9]+-cloud-amd64$" ;;
    esac
}
newest_package() {
    apt-cache search --names-only "$(kernel_regex "$1")" 2>/dev/null | awk '{print $1}' | sort -V | tail -1
}
APT_UPDATED=0

# fetch_kernel SERIES: make $CACHE/SERIES/{vmlinuz,package,modules/} exist.
# Sets REASON and returns 1 when it cannot.
fetch_kernel() {
    local series=$1 dir=$CACHE/$1 pkg deb tmp ver rel m f dep
    if [ -s "$dir/vmlinuz" ] && [ -s "$dir/package" ] && [ "${KAVA_VM_REFRESH:-0}" != 1 ]; then
        [ "$(cat "$dir/modules.want" 2>/dev/null)" = "$MODULES" ] && return 0
        pkg=$(awk '{print $1}' "$dir/package")     # other modules: re-extract the cached .deb
        rm -f "$dir/vmlinuz"
    else
        pkg=$(newest_package "$series")
    fi
    if [ -z "$pkg" ] && [ "$APT_UPDATED" = 0 ] && [ "$(id -u)" = 0 ]; then
        APT_UPDATED=1
        apt-get update -qq >/dev/null 2>&1 || true
        pkg=$(newest_package "$series")
    fi
    if [ -z "$pkg" ]; then
        REASON="no package matching $(kernel_regex "$series") in the apt lists"; return 1
    fi
    if [ -s "$dir/package" ] && [ "$(awk '{print $1}' "$dir/package")" = "$pkg" ] && [ -s "$dir/vmlinuz" ]; then
        return 0            # refresh found nothing newer
    fi
    mkdir -p "$dir/debs"
    deb=$(ls "$dir/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        log "downloading $pkg"
        if ! (cd "$dir/debs" && apt-get download -q "$pkg" >"$dir/debs/download.log" 2>&1); then
            REASON="apt-get download $pkg failed: $(grep -E '^(E|Err):' "$dir/debs/download.log" | head -1)"
            return 1
        fi
        deb=$(ls "$dir/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
        [ -n "$deb" ] || { REASON="apt-get download $pkg left no .deb"; return 1; }
    fi
    tmp=$(mktemp -d "$dir/x.XXXXXX")
    dpkg-deb -x "$deb" "$tmp"
    ver=$(dpkg-deb -f "$deb" Version)
    rel=$(ls "$tmp/lib/modules" 2>/dev/null | head -1)
    [ -n "$rel" ] && [ -f "$tmp/boot/vmlinuz-$rel" ] || { rm -rf "$tmp"; REASON="$deb holds no vmlinuz"; return 1; }
    rm -rf "$dir/modules" "$dir/vmlinuz" "$dir/config"
    mkdir -p "$dir/modules"
    cp "$tmp/boot/vmlinuz-$rel" "$dir/vmlinuz"
    cp "$tmp/boot/config-$rel" "$dir/config"
    # Modules we want that are not built in, uncompressed, with their deps
    # first, in load order (modules.load).
    : >"$dir/modules/modules.load"
    add_module() {
        local name=$1 path d
        grep -q "^$name\$" "$dir/modules/modules.load" && return 0
        if grep -qE "/$name\.ko\$" "$tmp/lib/modules/$rel/modules.builtin" 2>/dev/null; then return 0; fi
        path=$(find "$tmp/lib/modules/$rel/kernel" -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" | head -1)
        [ -n "$path" ] || { log "$series: module $name not found, skipped"; return 0; }
        case $path in
            *.xz)  if command -v xz >/dev/null; then xz -dc "$path"; else "$BUSYBOX" xzcat "$path"; fi >"$dir/modules/$name.ko" ;;
            *.zst) zstd -qdc "$path" >"$dir/modules/$name.ko" ;;
            *)     cp "$path" "$dir/modules/$name.ko" ;;
        esac
        for d in $(tr '\0' '\n' <"$dir/modules/$name.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
            add_module "${d//-/_}"
        done
        echo "$name" >>"$dir/modules/modules.load"
    }
    for m in $MODULES; do add_module "$m"; done
    echo "$pkg $ver $rel" >"$dir/package"
    echo "$MODULES" >"$dir/modules.want"
    rm -rf "$tmp"
    # keep only the newest .deb of this series
    for f in "$dir/debs/"*.deb; do [ "$f" = "$deb" ] || rm -f "$f"; done
    return 0
}

# ---------------------------------------------------------------- initramfs
ROOTFS=$WORK/rootfs
COMMON=$WORK/common.cpio.gz

copy_file() {           # copy_file SRC [DEST-in-rootfs]: keep the path, follow links
    local src=$1 dst=${2:-$1}
    mkdir -p "$ROOTFS$(dirname "$dst")"
    cp -L "$src" "$ROOTFS$dst"
}
copy_elf() {            # copy_elf BINARY DEST: the binary and every library ldd lists
    local bin=$1 dst=$2 lib
    copy_file "$bin" "$dst"
    { ldd "$bin" 2>/dev/null || true; } | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' | while read -r lib; do
        [ -e "$ROOTFS$lib" ] || copy_file "$lib"
    done
}

build_common() {
    rm -rf "$ROOTFS"
    mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,run,root,var/log,opt/kava/build,lib/modules}
    copy_elf "$BUSYBOX" /bin/busybox
    ln -s busybox "$ROOTFS/bin/sh"
    copy_elf /bin/bash /bin/bash
    local b p
    # full util-linux versions where busybox's lack options the tests use
    for b in ${KAVA_VM_EXTRA_BINS:-bpftool setpriv unshare nsenter jq}; do
        p=$(command -v "$b" 2>/dev/null || true)
        if [ -n "$p" ]; then copy_elf "$p" "$p"; else log "$b not found on the host, not in the VM"; fi
    done
    # glibc dlopen()s libgcc_s for pthread_cancel (libfuse's worker threads): ldd cannot see it
    p=$(ldconfig -p 2>/dev/null | awk '$1 == "libgcc_s.so.1" && /x86-64/ && !p { print $NF; p = 1 }')   # no early exit: SIGPIPE under pipefail
    if [ -n "$p" ]; then copy_file "$p"; else log "libgcc_s.so.1 not found: a FUSE agent's shutdown may abort"; fi
    if [ -x "$KAVA_BUILD/kava" ]; then
        copy_elf "$KAVA_BUILD/kava" /opt/kava/build/kava
        ln -s /opt/kava/build/kava "$ROOTFS/usr/local/bin/kava"
    else
        log "no kava binary at $KAVA_BUILD/kava: tests that need it will skip"
    fi
    local h
    for h in "$KAVA_BUILD"/helpers/* "$KAVA_BUILD"/tests/test_*; do
        [ -f "$h" ] && [ -x "$h" ] && copy_elf "$h" "/opt/kava/build/${h#"$KAVA_BUILD"/}"
    done
    # the tests: every tests/vm/<dir>/ (not the cache), plus fixtures
    mkdir -p "$ROOTFS/opt/kava/tests/vm"
    local d
    for d in tests/vm/*/; do
        d=${d%/}
        case $d in tests/vm/cache|tests/vm/system) continue ;; esac   # system: its own VM
        cp -r "$d" "$ROOTFS/opt/kava/tests/vm/"
    done
    cp tests/vm/init "$ROOTFS/init"
    cp tests/vm/runner.sh tests/vm/lib.sh "$ROOTFS/opt/kava/tests/vm/"
    cp -r tests/lib "$ROOTFS/opt/kava/tests/"       # the TAP library every script sources
    [ -d tests/fixtures ] && cp -r tests/fixtures "$ROOTFS/opt/kava/tests/"
    [ -d tests/integration ] && cp -r tests/integration "$ROOTFS/opt/kava/tests/"
    chmod 0755 "$ROOTFS/init"
    echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"
    echo "nobody:x:65534:65534:nobody:/:/bin/false" >>"$ROOTFS/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
    (cd "$ROOTFS" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$COMMON"
}

# per-kernel archive: its modules and its name, appended to the common one
build_initrd() {        # build_initrd SERIES OUT
    local series=$1 out=$2 k
    k=$(mktemp -d "$WORK/k.XXXXXX")
    chmod 0755 "$k"         # its "." entry sets the mode of the VM's /
    mkdir -p "$k/lib/modules" "$k/etc"
    cp "$CACHE/$series"/modules/* "$k/lib/modules/" 2>/dev/null || true
    echo "$series" >"$k/etc/kava-vm-series"
    # as on an installed Debian system: libbpf reads __kconfig externs from it
    mkdir -p "$k/boot"
    cp "$CACHE/$series/config" "$k/boot/config-$(awk '{print $3}' "$CACHE/$series/package")"
    {
        echo "KAVA_VM_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT"
        echo "KAVA_VM_ONLY='${KAVA_VM_ONLY:-}'"
        echo "KAVA_VM_INTEGRATION_TIMEOUT=$INTEGRATION_TIMEOUT"
        echo "KAVA_VM_INTEGRATION='$INTEGRATION'"
    } >"$k/etc/kava-vm.conf"
    (cd "$k" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$k.cpio.gz"
    cat "$COMMON" "$k.cpio.gz" >"$out"
    rm -rf "$k" "$k.cpio.gz"
}

# ---------------------------------------------------------------- boot
boot() {                # boot SERIES
    local series=$1 pkg initrd console t0 t1 secs rc line status seen=0 done_rc="" sent=""
    REASON=""
    if ! fetch_kernel "$series"; then
        tap ok "[$series] vm # SKIP kernel unavailable: $REASON"
        return 0
    fi
    pkg=$(cat "$CACHE/$series/package")
    initrd=$WORK/initrd-$series.cpio.gz
    console=$WORK/console-$series.log
    build_initrd "$series" "$initrd"
    log "[$series] booting $pkg (initrd $(du -h "$initrd" | cut -f1))"
    t0=$(date +%s.%N)
    set +e
    # one TCG thread for both vCPUs (thread=single): under multi-threaded TCG a
    # vCPU can still run a translated block holding the int3 of a kernel
    # text_poke_bp() that has finished (a static key flipped as a tracepoint
    # gets its first or loses its last BPF program): "Oops: int3" in
    # ttwu_do_activate() and __alloc_pages_noprof() on 6.12 guests, twice.
    timeout -k 10 "$TIMEOUT" "$QEMU" -accel "${KAVA_VM_ACCEL:-tcg,thread=single}" -m 1G -smp 2 \
        -nographic -nodefaults -no-user-config -serial stdio -monitor none -no-reboot \
        -kernel "$CACHE/$series/vmlinuz" -initrd "$initrd" \
        -append "console=ttyS0 lsm=$LSM panic=-1 quiet ${KAVA_VM_APPEND:-}" \
        </dev/null >"$console" 2>&1
    rc=$?
    set -e
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    [ -n "${VERBOSE:-}" ] && sed 's/\r$//; s/^/# console: /' "$console"
    while IFS= read -r line; do
        line=${line%$'\r'}
        case $line in *KAVA-*) line="KAVA-${line#*KAVA-}" ;; esac   # BIOS output has no newline
        case $line in
            KAVA-TAP\ *)
                line=${line#KAVA-TAP }
                seen=$((seen + 1))
                case $line in
                    "not ok "*) status="not ok"; line=${line#not ok } ;;
                    "ok "*)     status=ok;       line=${line#ok } ;;
                    *) continue ;;
                esac
                line=$(sed -E 's/^[0-9]+ *(- *)?//' <<<"$line")
                tap "$status" "[$series] $line" ;;
            KAVA-NOTE\ *) log "[$series] ${line#KAVA-NOTE }" ;;
            KAVA-LOG\ *)  log "[$series] | ${line#KAVA-LOG }" ;;
            KAVA-DONE\ *) done_rc=${line#KAVA-DONE }; sent=${done_rc#* }; done_rc=${done_rc%% *} ;;
        esac
    done <"$console"
    if [ -n "$done_rc" ]; then
        tap ok "[$series] boot and suite finished in ${secs}s ($pkg) # ENV"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        tap "not ok" "[$series] VM timed out after ${TIMEOUT}s ($pkg)"
    else
        tap "not ok" "[$series] VM stopped before the suite finished (qemu exit $rc, ${secs}s, $pkg)"
    fi
    # a panic or oops on the console (the VM's own dmesg check sees warnings)
    local oops='Kernel panic|BUG: |Oops: |WARNING: CPU|Call Trace:'
    if [ -z "$done_rc" ]; then
        tail -n 25 "$console" | sed 's/\r$//; s/^/# console tail: /'
    fi
    if grep -v '^KAVA-' "$console" | grep -qaE "$oops"; then
        grep -v '^KAVA-' "$console" | grep -aE -A3 "$oops" | head -n 20 | sed 's/\r$//; s/^/# console: /'
        tap "not ok" "[$series] kernel panic/BUG/Oops on the console (see $console)"
    fi
    [ "$seen" -gt 0 ] || [ -z "$done_rc" ] || tap "not ok" "[$series] VM suite reported no TAP lines"
    if [ -n "$done_rc" ] && [ "$sent" != "$seen" ]; then
        tap "not ok" "[$series] the VM sent $sent TAP lines, the console shows $seen"
    fi
}

log "building initramfs in $WORK"
build_common
for series in $KERNELS; do boot "$series"; done
echo "1..$N"
exit "$FAILED"
