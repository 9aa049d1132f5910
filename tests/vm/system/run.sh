#!/usr/bin/env bash
# kava system VM harness (host side). Boots a real Debian 12 systemd host
# (tests/vm/system/build-image.sh: mmdebstrap image with systemd, lxc, podman,
# Debian's 6.12 cloud kernel, cached under tests/vm/cache/system/) under
#   qemu-system-x86_64 -accel tcg,thread=single -m 2048 -smp 2
# with a second small ext4 disk made for this run (label KAVASYS, /mnt/kava in
# the VM) that carries the kava build, its unit files, and the scenario
# scripts. kava-scenario.service in the image runs them once the system is up,
# prints TAP on the serial console (and into results/ on that disk) and powers
# off. A scenario that needs kernel arguments says so in a line
#     # vmsystem-cmdline: lockdown=integrity
# and runs in a boot of its own with them (one boot per distinct line; the
# scenarios without one share the first boot). This prints the results
# labelled [system] (or [system ARGS]):
#     ok 3 - [system] 00-boot: cgroup2 is mounted at /sys/fs/cgroup
# followed by "1..N"; exit 1 when something failed. No qemu, no mmdebstrap
# (for a first build), or packages that cannot be had: one "# SKIP" line.
#
# Usage: run.sh            run the scenarios
#        run.sh --shell    boot the image interactively (root, no password;
#                          the scenario disk is attached but nothing runs;
#                          Ctrl-A X quits qemu)
#
# Environment (all optional):
#   KAVA_BUILD                   kava build to install in the VM (default build/):
#                                its kava binary and helpers/ (none: kava checks skip)
#   KAVA_VMSYSTEM_SCENARIOS      directory of scenario scripts (default
#                                tests/vm/system/scenarios); every *.sh runs, in glob order
#   KAVA_VMSYSTEM_ONLY           only scenarios whose name (00-boot) matches this glob
#   KAVA_VMSYSTEM_DEBS           Debian packages for the scenarios that install them
#                                (20-deb), copied to /mnt/kava/debs/ (default: the
#                                kava_*.deb that `make deb` left in $KAVA_BUILD/deb/,
#                                taken when this starts)
#   KAVA_VMSYSTEM_DEB_BUILD=1    build that package here instead (mk/build-deb.sh,
#                                into $KAVA_VMSYSTEM_WORK/deb), beside the image
#                                build (make check, vmtest and vmsystem set it)
#   KAVA_VMSYSTEM_TIMEOUT        seconds the whole boot may take (default 2400)
#   KAVA_VMSYSTEM_SCRIPT_TIMEOUT seconds one scenario may take (default 900)
#   KAVA_VMSYSTEM_MEM, _SMP      VM size (default 2048 MiB, 2 CPUs)
#   KAVA_VMSYSTEM_APPEND         more kernel command line (every boot)
#   KAVA_VMSYSTEM_WORK           per-run files (default build/vm-system): console.log,
#                                results/ (scenario logs, journal, dmesg), data.img
#   KAVA_VMSYSTEM_IMAGE          boot this image directory (build-image.sh's output:
#                                rootfs.img, vmlinuz, initrd.img, kernel) as it is,
#                                without looking at the cache or building
#   KAVA_VM_CACHE                image cache root (default tests/vm/cache), and the
#                                knobs of build-image.sh (KAVA_VMSYSTEM_REBUILD=1 ...)
#   VERBOSE=1                    echo the whole console
set -euo pipefail
main() {                # (the whole script: bash reads it before running, so
                        # an edit while it runs cannot derail it)
cd "$(dirname "$0")/../../.."
ROOT=$PWD
HERE=$ROOT/tests/vm/system
KAVA_BUILD=${KAVA_BUILD:-$ROOT/${BUILD:-build}}
SCENARIOS=${KAVA_VMSYSTEM_SCENARIOS:-$HERE/scenarios}
TIMEOUT=${KAVA_VMSYSTEM_TIMEOUT:-2400}
SCRIPT_TIMEOUT=${KAVA_VMSYSTEM_SCRIPT_TIMEOUT:-900}
MEM=${KAVA_VMSYSTEM_MEM:-2048}
SMP=${KAVA_VMSYSTEM_SMP:-2}
WORK=${KAVA_VMSYSTEM_WORK:-$ROOT/${BUILD:-build}/vm-system}
QEMU=${QEMU:-qemu-system-x86_64}
SHELL_MODE=0
[ "${1:-}" = --shell ] && SHELL_MODE=1

N=0
FAILED=0
tap() {                 # tap ok|"not ok" TEXT
    N=$((N + 1))
    echo "$1 $N - $2"
    [ "$1" = ok ] || FAILED=1
}
log() { echo "# [system] $*"; }
die_skip() { echo "ok 1 - [system] system vm # SKIP $*"; echo "1..1"; exit 0; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

command -v "$QEMU" >/dev/null 2>&1 || die_skip "$QEMU not installed (make deps installs qemu-system-x86)"
for t in mkfs.ext4 debugfs timeout; do
    command -v "$t" >/dev/null 2>&1 || die_skip "$t not found on the host (make deps installs e2fsprogs, coreutils)"
done
[ -d "$SCENARIOS" ] || die_skip "no scenario directory $SCENARIOS"
mkdir -p "$WORK"
if command -v flock >/dev/null; then
    exec 8>"$WORK/.lock"            # one run at a time per work directory
    flock 8
fi

# ------------------------------------------------------------ the package
# KAVA_VMSYSTEM_DEB_BUILD=1 (make check, vmtest, vmsystem): the Debian
# package for 20-deb is built here (mk/build-deb.sh into $WORK/deb), beside
# the image build, unless KAVA_VMSYSTEM_DEBS names packages. Otherwise the
# packages are taken now, before anything else runs (tests/integration/
# package.sh, run beside this suite by make check, replaces $KAVA_BUILD/deb/).
DEBDIR=$WORK/debs.run
rm -rf "$DEBDIR"; mkdir -p "$DEBDIR"
deb_job=""
want_deb=0
# shellcheck disable=SC2194,SC2254  # a constant word against a glob, on purpose
case 20-deb in ${KAVA_VMSYSTEM_ONLY:-*}) want_deb=1 ;; esac
if [ -z "${KAVA_VMSYSTEM_DEBS:-}" ] && [ "${KAVA_VMSYSTEM_DEB_BUILD:-0}" = 1 ] && [ "$want_deb" = 1 ]; then
    t_deb0=$(now)
    (bash "$ROOT/mk/build-deb.sh" "$WORK/deb" >"$WORK/deb-build.out" 2>&1; echo $? >"$WORK/deb-build.rc") &
    deb_job=$!
else
    for d in ${KAVA_VMSYSTEM_DEBS:-"$KAVA_BUILD"/deb/kava_*.deb}; do
        [ -f "$d" ] && cp "$d" "$DEBDIR/"
    done
fi

# ------------------------------------------------------------ the image
t_build0=$(now)
set +e
if [ -n "${KAVA_VMSYSTEM_IMAGE:-}" ]; then
    IMAGE=$KAVA_VMSYSTEM_IMAGE
    [ -s "$IMAGE/rootfs.img" ] && [ -s "$IMAGE/vmlinuz" ] && [ -s "$IMAGE/initrd.img" ]
    brc=$?
else
    IMAGE=$(bash "$HERE/build-image.sh")
    brc=$?
fi
set -e
t_build1=$(now)
# (no image: the package build is let finish, not left running behind)
[ "$brc" = 0 ] || [ -z "$deb_job" ] || wait "$deb_job" 2>/dev/null || true
case $brc in
    0)  ;;
    77) die_skip "${IMAGE#SKIP }" ;;
    *)  tap "not ok" "[system] building the VM image (build-image.sh exit $brc, log in ${KAVA_VM_CACHE:-tests/vm/cache}/system/build.log)"
        echo "1..$N"; exit 1 ;;
esac
if [ -s "$IMAGE/build-seconds" ] && [ "$(secs "$t_build0" "$t_build1" | cut -d. -f1)" -ge 10 ]; then
    log "image built in $(secs "$t_build0" "$t_build1")s: $IMAGE"
else
    log "image (cached): $IMAGE, $(cat "$IMAGE/kernel")"
fi

if [ -n "$deb_job" ]; then
    wait "$deb_job"
    drc=$(cat "$WORK/deb-build.rc" 2>/dev/null || echo 1)
    case $drc in
        0)  cp "$WORK"/deb/kava_*.deb "$DEBDIR/"
            log "Debian package built in $(secs "$t_deb0" "$(now)")s (beside the image): $(ls "$DEBDIR")" ;;
        77) log "no Debian package: $(head -1 "$WORK/deb-build.out")" ;;
        *)  tail -n 10 "$WORK/deb-build.out" | sed 's/^/# [system] build-deb: /'
            tap "not ok" "[system] building the Debian package (mk/build-deb.sh exit $drc, log: $WORK/deb/build.log)" ;;
    esac
fi

# ------------------------------------------------------------ kava, installed
# `make install DESTDIR=...` of this build: the runner copies the tree into
# the VM's / (binary, unit, LXC include, OCI hooks.d file, kava.conf.example,
# manual page, completion), as `make install` on the host would.
DESTDIR_TREE=$WORK/destdir
rm -rf "$DESTDIR_TREE" "$WORK"/results* "$WORK"/stage* "$WORK"/data*.img "$WORK"/console*.log
if [ -f "$KAVA_BUILD/kava" ]; then
    bdir=$(realpath --relative-to="$ROOT" "$KAVA_BUILD")
    case $bdir in ../*|..) bdir=$KAVA_BUILD ;; esac
    if ! make --no-print-directory -C "$ROOT" BUILD="$bdir" DESTDIR="$DESTDIR_TREE" install \
            >"$WORK/install.log" 2>&1; then
        tail -n 10 "$WORK/install.log" | sed 's/^/# [system] make install: /'
        tap "not ok" "[system] make install DESTDIR=$DESTDIR_TREE (log: $WORK/install.log)"
        rm -rf "$DESTDIR_TREE"
    fi
else
    log "no kava binary at $KAVA_BUILD/kava: the kava checks skip"
fi

# ------------------------------------------------------------ boots
# A scenario asks for kernel arguments with a line
#     # vmsystem-cmdline: lockdown=integrity
# Scenarios are grouped by it: one boot per distinct value, the plain boot
# (no such line) first, then the others in glob order of their first scenario.
declare -A GROUP_FILES=()
GROUPS_ORDER=()
nscen=0
for s in "$SCENARIOS"/*.sh; do
    [ -f "$s" ] || continue
    name=$(basename "$s" .sh)
    if [ -n "${KAVA_VMSYSTEM_ONLY:-}" ]; then
        # shellcheck disable=SC2254  # a glob on purpose
        case $name in $KAVA_VMSYSTEM_ONLY) ;; *) continue ;; esac
    fi
    args=$(sed -n 's/^# vmsystem-cmdline:[[:space:]]*//p' "$s" | head -1 | tr -s ' \t' ' ' | sed 's/ *$//')
    # (keys carry a prefix: bash refuses an empty subscript)
    [ -n "${GROUP_FILES[k$args]+set}" ] || GROUPS_ORDER+=("$args")
    GROUP_FILES[k$args]+="$s"$'\n'
    nscen=$((nscen + 1))
done
[ "$nscen" -gt 0 ] || [ "$SHELL_MODE" = 1 ] || die_skip "no scenario scripts in $SCENARIOS${KAVA_VMSYSTEM_ONLY:+ matching $KAVA_VMSYSTEM_ONLY}"
# the plain boot first
ordered=()
for g in "${GROUPS_ORDER[@]}"; do [ -z "$g" ] && ordered+=("$g"); done
for g in "${GROUPS_ORDER[@]}"; do [ -n "$g" ] && ordered+=("$g"); done
[ "$SHELL_MODE" = 1 ] && [ ${#ordered[@]} -eq 0 ] && ordered=("")

# boot_group ARGS: make the scenario disk of one group, boot with ARGS on the
# kernel command line, report its TAP. Per boot: console[-SLUG].log,
# results[-SLUG]/.
boot_group() {
local gargs=$1 slug="" label="[system]"
if [ -n "$gargs" ]; then
    slug=-$(tr -c 'A-Za-z0-9=._\n-' '_' <<<"$gargs" | tr '=' '-')
    label="[system $gargs]"
fi
local STAGE=$WORK/stage$slug RESULTS=$WORK/results$slug DATA=$WORK/data$slug.img
rm -rf "$STAGE" "$RESULTS" "$DATA"
mkdir -p "$STAGE"/{system/guest,lib,scenarios,build,deploy,results,debs}
cp "$HERE/lib.sh" "$STAGE/system/"
cp "$ROOT/tests/lib/tap.sh" "$STAGE/lib/"          # the TAP library system/lib.sh sources
cp "$ROOT/tests/lib/oci_sysinfo.sh" "$STAGE/lib/"  # the sysinfo(2) bundle of 50-lockdown
cp "$HERE/guest/runner.sh" "$STAGE/system/guest/"
local s n=0
while IFS= read -r s; do
    [ -n "$s" ] || continue
    cp "$s" "$STAGE/scenarios/"
    n=$((n + 1))
done <<<"${GROUP_FILES[k$gargs]:-}"
if [ -f "$KAVA_BUILD/kava" ]; then
    cp "$KAVA_BUILD/kava" "$STAGE/build/kava"
    [ -d "$KAVA_BUILD/helpers" ] && cp -r "$KAVA_BUILD/helpers" "$STAGE/build/"
fi
[ -d "$DESTDIR_TREE" ] && cp -a "$DESTDIR_TREE" "$STAGE/install"
[ -d "$ROOT/deploy" ] && cp -r "$ROOT/deploy/." "$STAGE/deploy/"
local d ndeb=0
for d in "$DEBDIR"/*.deb; do
    [ -f "$d" ] || continue
    cp "$d" "$STAGE/debs/"
    ndeb=$((ndeb + 1))
done
if [ "$ndeb" -gt 0 ]; then
    log "Debian packages on the scenario disk: $(ls "$STAGE/debs" | tr '\n' ' ')"
fi
{
    echo "KAVA_VMSYSTEM_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT"
    printf 'KAVA_VMSYSTEM_ONLY=%q\n' ""
    printf 'KAVA_VMSYSTEM_CMDLINE=%q\n' "$gargs"
} >"$STAGE/conf"
local mb
mb=$(du -sm "$STAGE" | cut -f1)
if ! mkfs.ext4 -q -F -L KAVASYS -E root_owner=0:0 -d "$STAGE" "$DATA" "$((mb * 2 + 256))M" >/dev/null 2>&1; then
    tap "not ok" "$label mkfs.ext4 -d of the scenario disk failed"
    return
fi

# (the soft-lockup, RCU-stall and hung-task detectors off: under TCG on a
# busy host a vCPU thread can wait 20-30 s for a host CPU, which they report
# as a "BUG: soft lockup" with a stack, failing the console check for
# nothing kava did; a real hang still ends in the scenario's time limit)
local CMDLINE="root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 panic=-1 quiet"
CMDLINE+=" nosoftlockup rcupdate.rcu_cpu_stall_suppress=1 sysctl.kernel.hung_task_timeout_secs=0"
CMDLINE+=" ${KAVA_VMSYSTEM_APPEND:-} $gargs"
# one TCG thread for the vCPUs, as tests/vm/run.sh (an int3 left by a finished
# text_poke_bp() oopsed the guest under multi-threaded TCG)
local QARGS=(-accel "${KAVA_VMSYSTEM_ACCEL:-tcg,thread=single}" -m "$MEM" -smp "$SMP"
       -nographic -nodefaults -no-user-config -no-reboot
       -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.img"
       -drive "file=$IMAGE/rootfs.img,format=raw,if=virtio,snapshot=on"
       -drive "file=$DATA,format=raw,if=virtio"
       -device virtio-rng-pci)
if [ "$SHELL_MODE" = 1 ]; then
    exec "$QEMU" "${QARGS[@]}" -serial mon:stdio -append "$CMDLINE"
fi

local console=$WORK/console$slug.log
log "booting $(cat "$IMAGE/kernel")${gargs:+ with $gargs} and $n scenario(s) from $SCENARIOS"
local t0 t1 qpid rc t_first="" t_done="" killed=""
t0=$(now)
timeout -k 10 "$TIMEOUT" "$QEMU" "${QARGS[@]}" -serial stdio -monitor none \
    -append "$CMDLINE kava.scenario=1" </dev/null >"$console" 2>&1 &
qpid=$!
while kill -0 "$qpid" 2>/dev/null; do
    sleep 1
    if [ -z "$t_first" ] && grep -aq 'KAVA-NOTE boot: ' "$console"; then t_first=$(now); fi
    if [ -z "$t_done" ] && grep -aq 'KAVA-DONE ' "$console"; then t_done=$(now); fi
    # done but the guest does not power off: its own fallback is 90 s
    if [ -n "$t_done" ] && [ "$(secs "$t_done" "$(now)" | cut -d. -f1)" -ge 150 ]; then
        killed="did not power off within 150s of finishing"
        kill "$qpid" 2>/dev/null || true
        break
    fi
done
set +e
wait "$qpid"
rc=$?
set -e
t1=$(now)
[ -n "${VERBOSE:-}" ] && sed 's/\r$//; s/^/# console: /' "$console"

# results/ from the scenario disk (scenario logs, journal, dmesg), if written
local rtmp=$WORK/.rdump$slug
rm -rf "$rtmp"; mkdir -p "$rtmp"
debugfs -R "rdump /results $rtmp" "$DATA" >/dev/null 2>&1 || true
[ -d "$rtmp/results" ] && mv "$rtmp/results" "$RESULTS"
rm -rf "$rtmp"
local SRC=$console
if [ -s "$RESULTS/results.tap" ] && grep -q '^KAVA-DONE ' "$RESULTS/results.tap"; then
    SRC=$RESULTS/results.tap
fi

local seen=0 done_rc="" sent="" line status
while IFS= read -r line; do
    line=${line%$'\r'}
    case $line in *KAVA-*) line="KAVA-${line#*KAVA-}" ;; esac   # a line the BIOS or systemd did not end
    case $line in
        KAVA-TAP\ *)
            line=${line#KAVA-TAP }
            case $line in
                "not ok "*) status="not ok"; line=${line#not ok } ;;
                "ok "*)     status=ok;       line=${line#ok } ;;
                *) continue ;;
            esac
            seen=$((seen + 1))
            line=$(sed -E 's/^[0-9]+ *(- *)?//' <<<"$line")
            tap "$status" "$label $line" ;;
        KAVA-NOTE\ *) echo "# $label ${line#KAVA-NOTE }" ;;
        KAVA-LOG\ *)  echo "# $label | ${line#KAVA-LOG }" ;;
        KAVA-DONE\ *) done_rc=${line#KAVA-DONE }; sent=${done_rc#* }; done_rc=${done_rc%% *} ;;
    esac
done < <(tr -d '\000' <"$SRC")

local total
total=$(secs "$t0" "$t1")
if [ -n "$done_rc" ]; then
    tap ok "$label boot and scenarios finished in ${total}s"
elif [ -n "$killed" ]; then
    tap "not ok" "$label VM $killed"
elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    tap "not ok" "$label VM timed out after ${TIMEOUT}s"
else
    tap "not ok" "$label VM stopped before the scenarios finished (qemu exit $rc, ${total}s)"
fi
if [ -z "$done_rc" ]; then
    tail -n 40 "$console" | sed "s/\r\$//; s/^/# $label console tail: /"
fi
local oops='Kernel panic|BUG: |Oops: |WARNING: CPU|Call Trace:'
if grep -av 'KAVA-' "$console" | grep -qaE "$oops"; then
    grep -av 'KAVA-' "$console" | grep -aE -A3 "$oops" | head -n 20 | sed "s/\r\$//; s/^/# $label console: /"
    tap "not ok" "$label kernel panic/BUG/Oops on the console (see $console)"
fi
[ "$seen" -gt 0 ] || [ -z "$done_rc" ] || tap "not ok" "$label the VM reported no TAP lines"
if [ -n "$done_rc" ] && [ "$sent" != "$seen" ]; then
    tap "not ok" "$label the VM sent $sent TAP lines, $SRC shows $seen"
fi
[ -n "$t_first" ] && echo "# $label timing: qemu start to kava-scenario.service ${t_first:+$(secs "$t0" "$t_first")}s," \
    "to scenarios done ${t_done:+$(secs "$t0" "$t_done")}s, total ${total}s (console: $console, logs: $RESULTS/)"
return 0
}

t_all=$(now)
for g in "${ordered[@]}"; do
    boot_group "$g"
done
[ ${#ordered[@]} -le 1 ] || log "timing: ${#ordered[@]} boots in $(secs "$t_all" "$(now)")s"
echo "1..$N"
exit "$FAILED"
}
main "$@"
