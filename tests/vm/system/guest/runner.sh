#!/bin/bash
# Runs inside the system VM (from the per-run disk, mounted on /mnt/kava, by
# /usr/local/libexec/kava-scenario-boot): installs kava (make install tree),
# runs every /mnt/kava/scenarios/*.sh in glob order, each in its own session
# with a time limit, and renumbers their TAP lines into one stream, printed
# on the serial console and appended to /mnt/kava/results/results.tap:
#   KAVA-TAP ok N - 00-boot: NAME     a result
#   KAVA-NOTE 00-boot: TEXT           a "#" line of a scenario
#   KAVA-LOG 00-boot: TEXT            other output of a scenario that failed
#   KAVA-DONE FAILURES COUNT          all done, COUNT TAP lines sent
# Each scenario's whole output is kept in /mnt/kava/results/NAME.log.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
D=/mnt/kava
KAVA_VMSYSTEM_SCRIPT_TIMEOUT=600
KAVA_VMSYSTEM_ONLY=
KAVA_VMSYSTEM_CMDLINE=
[ -f "$D/conf" ] && . "$D/conf"
R=$D/results
mkdir -p "$R"
: >"$R/results.tap"
emit() { printf '%s\n' "$*"; printf '%s\n' "$*" >>"$R/results.tap"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

emit "KAVA-NOTE runner: kernel $(uname -r), scenarios start at $(uptime_s)s"
emit "KAVA-NOTE runner: $(systemd-analyze time 2>/dev/null | head -1)"

# kava as `make install` puts it: the host's `make install DESTDIR=` tree
# (install/ on the disk) copied into / (existing directories keep their
# owners and modes). Installed, not enabled or started: that is
# 10-install's job. The list of files is kept in results/installed-files.
export KAVA_SYS=$D KAVA_BUILD=$D/build KAVA_VM=1 KAVA_VM_SYSTEM=1 KAVA=/usr/local/bin/kava
if [ -d "$D/install" ]; then
    (cd "$D/install" && find . ! -type d | sed 's|^\.||' | sort) >"$R/installed-files"
    if tar -C "$D/install" -cf - . | tar -C / -xf - --no-overwrite-dir; then
        systemctl daemon-reload
        emit "KAVA-NOTE runner: installed $(wc -l <"$R/installed-files") files of make install DESTDIR=: $(tr '\n' ' ' <"$R/installed-files")"
    else
        emit "KAVA-NOTE runner: copying the make install tree into / failed"
    fi
elif [ -f "$D/build/kava" ]; then
    # no install tree (make install failed on the host): the binary and units
    install -D -m 0755 "$D/build/kava" /usr/local/bin/kava
    for u in "$D"/deploy/*.service; do
        [ -f "$u" ] && install -m 0644 "$u" /etc/systemd/system/
    done
    systemctl daemon-reload
    emit "KAVA-NOTE runner: no make install tree: installed /usr/local/bin/kava and $(ls "$D"/deploy/*.service 2>/dev/null | wc -l) unit file(s)"
else
    emit "KAVA-NOTE runner: no kava binary on the scenario disk (KAVA_BUILD had none)"
fi
[ -z "${KAVA_VMSYSTEM_CMDLINE:-}" ] || emit "KAVA-NOTE runner: this boot's extra kernel arguments: $KAVA_VMSYSTEM_CMDLINE ($(cat /proc/cmdline))"

# The base LXC container the scenarios copy theirs from (system/lib.sh
# lxc_create: the busybox template, 40-60 s under TCG), made beside the
# first scenarios; lxc_create waits for it.
if command -v lxc-create >/dev/null && ls "$D"/scenarios/*.sh >/dev/null 2>&1 &&
   grep -lq lxc_ "$D"/scenarios/*.sh; then
    (cd /root && exec setsid bash -c '. "$KAVA_SYS/system/lib.sh" && lxc_base' </dev/null >/dev/null 2>&1 &)
fi

n=0 fails=0
for s in "$D"/scenarios/*.sh; do
    [ -f "$s" ] || continue
    label=$(basename "$s" .sh)
    if [ -n "$KAVA_VMSYSTEM_ONLY" ]; then
        # shellcheck disable=SC2254  # a glob on purpose
        case $label in $KAVA_VMSYSTEM_ONLY) ;; *) continue ;; esac
    fi
    out=$R/$label.log
    t0=$(uptime_s)
    rm -f /run/kava-runner.timeout
    # own session and process group, so a hang is killed with its children
    (cd /root && exec setsid bash "$s" >"$out" 2>&1 </dev/null) &
    pid=$!
    setsid sh -c "sleep $KAVA_VMSYSTEM_SCRIPT_TIMEOUT; touch /run/kava-runner.timeout; kill -KILL -$pid" >/dev/null 2>&1 &
    watch=$!
    wait "$pid"
    rc=$?
    kill -KILL -"$watch" 2>/dev/null
    kill -KILL -"$pid" 2>/dev/null      # stragglers the script left behind
    wait "$watch" 2>/dev/null
    t1=$(uptime_s)
    awk -v label="$label" -v n="$n" '
        /^not ok/ { sub(/^not ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, ""); n++; bad++
                    print "KAVA-TAP not ok " n " - " label ": " $0; next }
        /^ok/     { sub(/^ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, ""); n++; res++
                    print "KAVA-TAP ok " n " - " label ": " $0; next }
        /^#/      { sub(/^#[ \t]*/, ""); print "KAVA-NOTE " label ": " $0; next }
        END       { print n, bad + 0, res + bad + 0 > "/run/kava-runner.count" }
    ' "$out" | while IFS= read -r line; do emit "$line"; done
    read -r n bad results </run/kava-runner.count
    fails=$((fails + bad))
    failed=$bad
    if [ -e /run/kava-runner.timeout ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        emit "KAVA-TAP not ok $n - $label: timed out after ${KAVA_VMSYSTEM_SCRIPT_TIMEOUT}s"
    elif [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        emit "KAVA-TAP not ok $n - $label: exited with status $rc"
    elif [ "$results" = 0 ]; then
        n=$((n + 1)); fails=$((fails + 1)); failed=1
        emit "KAVA-TAP not ok $n - $label: reported no results"
    fi
    if [ "$failed" != 0 ]; then
        grep -v -e '^ok' -e '^not ok' -e '^#' -e '^1\.\.' "$out" | tail -n 60 |
            while IFS= read -r line; do emit "KAVA-LOG $label: $line"; done
    fi
    emit "KAVA-NOTE runner: $label took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
done

# (only now: before the boot has finished, systemd-analyze blame has nothing)
systemd-analyze blame --no-pager >"$R/systemd-blame.txt" 2>&1
emit "KAVA-NOTE runner: slowest units: $(head -n 6 "$R/systemd-blame.txt" | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $NF, $1}')"
failed_units=$(systemctl list-units --failed --plain --no-legend 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
[ -z "$failed_units" ] || emit "KAVA-NOTE runner: failed units: $failed_units"
if dmesg | grep -qE 'WARNING: CPU|BUG: |Oops: |Call Trace:'; then
    n=$((n + 1)); fails=$((fails + 1))
    emit "KAVA-TAP not ok $n - kernel log: BUG/WARNING/Oops during the scenarios"
    dmesg | grep -E -A3 'WARNING: CPU|BUG: |Oops: ' | head -n 20 |
        while IFS= read -r line; do emit "KAVA-LOG dmesg: $line"; done
else
    n=$((n + 1))
    emit "KAVA-TAP ok $n - kernel log: no BUG/WARNING/Oops during the scenarios"
fi
dmesg >"$R/dmesg.txt" 2>/dev/null
journalctl -b --no-pager >"$R/journal.txt" 2>/dev/null
emit "KAVA-NOTE runner: scenarios done at $(uptime_s)s"
emit "KAVA-DONE $fails $n"
[ "$fails" = 0 ]
