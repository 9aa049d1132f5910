#!/bin/bash
# kava installed as `make install` installs it (the runner copied the host's
# `make install DESTDIR=` tree into /), then started the way README
# "Deploying" says: systemctl daemon-reload && systemctl enable --now kava.
# Type=notify readiness: `enable --now` returns once kava said READY=1, and
# by then /var/lib/kava is served. Leaves kava enabled and running with no
# /etc/kava/kava.conf.
. "$KAVA_SYS/system/lib.sh"

NAMES=("make install put every file in place" "the installed kava finds its libraries"
       "kava.service comes from make install's unit directory"
       "the LXC include and the OCI hook name the installed binary"
       "systemctl enable --now kava" "kava.service is active (Type=notify) and enabled"
       "/var/lib/kava is kava's FUSE view" "a reader in no container reads the host's meminfo"
       "kava doctor: sysinfo(2) path" "the service's main process is kava run")
[ -s "$KAVA_SYS/results/installed-files" ] || skip_all "no make install tree on the scenario disk" "${NAMES[@]}"
# a clean start whatever ran before (only then: disable reloads systemd,
# 5-15 s under TCG)
if systemctl is-enabled -q kava 2>/dev/null || systemctl is-active -q kava 2>/dev/null; then
    systemctl disable --now kava >/dev/null 2>&1
fi
rm -f /etc/kava/kava.conf

# ------------------------------------------------------------ the files
missing=
while IFS= read -r f; do
    [ -e "$f" ] || missing="$missing $f"
done <"$KAVA_SYS/results/installed-files"
want="/usr/local/bin/kava /usr/local/lib/systemd/system/kava.service
      /usr/share/lxc/config/common.conf.d/00-kava.conf /usr/share/containers/oci/hooks.d/kava-hook.json
      /etc/kava/kava.conf.example /usr/local/share/man/man8/kava.8 /usr/local/share/bash-completion/completions/kava"
for f in $want; do
    grep -qxF "$f" "$KAVA_SYS/results/installed-files" || missing="$missing $f(not-installed)"
done
if [ -z "$missing" ] && [ -x /usr/local/bin/kava ]; then
    ok "${NAMES[0]} ($(wc -l <"$KAVA_SYS/results/installed-files") files)"
else
    nok "${NAMES[0]}: missing$missing"
fi
notfound=$(ldd /usr/local/bin/kava 2>&1 | grep 'not found' | awk '{print $1}' | tr '\n' ' ')
if [ -z "$notfound" ] && /usr/local/bin/kava version >/dev/null 2>&1; then
    ok "${NAMES[1]} ($(/usr/local/bin/kava version 2>&1 | head -1))"
else
    nok "${NAMES[1]}: not found: ${notfound:-none, but kava version fails: $(/usr/local/bin/kava version 2>&1 | head -1)}"
fi

systemctl daemon-reload
frag=$(systemctl show -p FragmentPath --value kava)
check "${NAMES[2]} ($frag)" [ "$frag" = /usr/local/lib/systemd/system/kava.service ]
hookpath=$(jq -r '.hook.path' /usr/share/containers/oci/hooks.d/kava-hook.json 2>/dev/null)
lxchook=$(awk -F' *= *' '$1 == "lxc.hook.start-host" { split($2, a, " "); print a[1] }' \
    /usr/share/lxc/config/common.conf.d/00-kava.conf 2>/dev/null)
check "${NAMES[3]} (hooks.d: $hookpath, lxc: $lxchook)" \
    [ "$hookpath" = /usr/local/bin/kava -a "$lxchook" = /usr/local/bin/kava ]

# ------------------------------------------------------------ the service
t0=$(date +%s.%N)
if logged enable-now timeout 180 systemctl enable --now kava; then
    t1=$(date +%s.%N)
    ok "${NAMES[4]} ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
else
    nok "${NAMES[4]}"
    journalctl -u kava -b --no-pager 2>&1 | tail -n 15 | sed 's/^/# journal: /'
fi
# is-active right after enable --now: with Type=notify it is "active" only
# after READY=1 ("activating" before), so no waiting here
state=$(systemctl is-active kava)
type=$(systemctl show -p Type --value kava)
enabled=$(systemctl is-enabled kava 2>&1)
check "${NAMES[5]} ($state, Type=$type, $enabled)" [ "$state" = active -a "$type" = notify -a "$enabled" = enabled ]
mnt=$(findmnt -n -o FSTYPE,SOURCE /var/lib/kava 2>/dev/null | tr -s ' ')
check "${NAMES[6]} ($mnt)" [ "${mnt%% *}" = fuse.kava ]
host_total=$(grep '^MemTotal:' /proc/meminfo | tr -s ' ')
view_total=$(grep '^MemTotal:' /var/lib/kava/proc/meminfo 2>/dev/null | tr -s ' ')
check "${NAMES[7]} (${view_total:-nothing})" [ -n "$view_total" -a "$view_total" = "$host_total" ]

doc=$(/usr/local/bin/kava doctor 2>&1 | grep '^sysinfo(2):')
note "$doc"
note "lockdown: $(cat /sys/kernel/security/lockdown 2>/dev/null)"
# this boot has no lockdown: the BPF rewrite answers, and kava.service's
# seccomp sockets listen too
check "${NAMES[8]}: the BPF rewrite, and the seccomp sockets listen" \
    grep -q 'BPF rewrite (sys_exit_sysinfo attached); seccomp listener also at /run/kava/seccomp.sock' <<<"$doc"
mainpid=$(kava_main_pid)
check "${NAMES[9]} (pid $mainpid: $(tr '\0' ' ' <"/proc/$mainpid/cmdline" 2>/dev/null))" \
    grep -qa '^/usr/local/bin/kava.run' "/proc/$mainpid/cmdline"
note "systemctl status: $(systemctl status kava --no-pager 2>&1 | sed -n 's/^ *Status: //p')"
note "NRestarts $(systemctl show -p NRestarts --value kava), fd store: $(systemctl show -p FileDescriptorStoreMax --value kava) max"
journalctl -u kava -b --no-pager -o cat 2>&1 | head -n 8 | sed 's/^/# kava: /'
