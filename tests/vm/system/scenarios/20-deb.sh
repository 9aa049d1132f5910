#!/bin/bash
# kava's Debian package on a real systemd host: the kava_*.deb built on the
# host (make deb; tests/vm/system/run.sh puts it in /mnt/kava/debs/) installs
# with apt-get, its postinst enables and starts kava.service from
# /lib/systemd/system, the agent serves the view, a reinstall (the upgrade
# path: restart) keeps an enabled container, and removal stops the unit and
# unloads the BPF state.
# What the runner and earlier scenarios installed (`make install`: the unit in
# /etc/systemd/system or /usr/local/lib/systemd/system, which would shadow the
# package's, and the LXC include, hooks.d file and kava.conf.example that the
# package replaces) is set aside first and put back at the end, enabled and
# running again if it was, for the scenarios that follow.
. "$KAVA_SYS/system/lib.sh"

NAMES=("apt-get install ./kava_*.deb"
       "kava.service is enabled by the package"
       "systemctl is-active kava"
       "the running unit is the package's (/lib/systemd/system, /usr/bin/kava)"
       "kava version (the packaged binary) matches the package"
       "the agent serves the view at /var/lib/kava"
       "a reinstall restarts the agent and keeps an enabled container"
       "apt-get remove stops the unit and unloads the BPF state"
       "dpkg --purge leaves none of the package's files")
DEB=$(ls "$KAVA_SYS"/debs/kava_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] || skip_all "no kava_*.deb on the scenario disk (make deb, or make vmsystem with dpkg-buildpackage installed)" "${NAMES[@]}"
note "package: $(basename "$DEB")"
version=$(dpkg-deb -f "$DEB" Version)

W=$(mktemp -d /root/kava-deb.XXXXXX)
CG=/sys/fs/cgroup/kava-deb-test
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $NF }' | sed 's|^\./||' >"$W/pkgfiles"
was_enabled=$(systemctl is-enabled kava.service 2>/dev/null)
was_active=$(systemctl is-active kava.service 2>/dev/null)
cleanup() {
    [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
    rm -f "${pkg:-}"
    if dpkg -s kava >/dev/null 2>&1; then
        logged cleanup-purge dpkg --purge kava
    fi
    if [ -s "$W/before.tar" ]; then
        tar -C / -xpf "$W/before.tar" || note "restoring the files set aside failed"
    fi
    systemctl daemon-reload
    [ "$was_enabled" = enabled ] && systemctl enable kava.service >/dev/null 2>&1
    [ "$was_active" = active ] && { systemctl start kava.service || note "kava.service did not start again"; }
    note "restored: kava.service $(systemctl is-enabled kava.service 2>&1), $(systemctl is-active kava.service 2>&1) (was $was_enabled, $was_active)"
    rm -rf "$W"
}
trap cleanup EXIT

systemctl disable --now kava.service >/dev/null 2>&1
# the files set aside: the package's paths that exist, and make install's units
{
    cat "$W/pkgfiles"
    echo etc/systemd/system/kava.service
    echo usr/local/lib/systemd/system/kava.service
} | while IFS= read -r f; do
    if [ -e "/$f" ]; then printf '%s\n' "$f"; fi
done >"$W/aside"
note "set aside: $(tr '\n' ' ' <"$W/aside")"
if [ -s "$W/aside" ]; then
    tar -C / -cpf "$W/before.tar" -T "$W/aside"
    sed 's|^|/|' "$W/aside" | xargs -r rm -f
fi
systemctl daemon-reload

# ------------------------------------------------------------ install
# (in /tmp, where apt's _apt user can read it; the VM is offline: every
# dependency must already be in the image, tests/vm/system/packages)
pkg=/tmp/$(basename "$DEB")
install -m 0644 "$DEB" "$pkg"
if logged apt-install timeout 300 env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y "$pkg"; then
    ok "${NAMES[0]} ($version)"
else
    nok "${NAMES[0]}"
    dpkg-deb -f "$DEB" Depends | sed 's/^/# Depends: /'
    skip_all "the package did not install" "${NAMES[@]:1}"
fi

state=$(systemctl is-enabled kava.service 2>&1)
check "${NAMES[1]} ($state)" [ "$state" = enabled ]

# postinst starts it (Type=notify: the start returns at READY=1); under TCG
# loading the BPF programs is slow, so give it time
wait_until 180 systemctl is-active --quiet kava.service
state=$(systemctl is-active kava.service 2>&1)
if [ "$state" = active ]; then
    ok "${NAMES[2]}"
else
    nok "${NAMES[2]} ($state)"
    systemctl status kava.service --no-pager 2>&1 | head -n 20 | sed 's/^/# /'
    journalctl -u kava.service -b --no-pager 2>&1 | tail -n 20 | sed 's/^/# journal: /'
fi

frag=$(systemctl show -P FragmentPath kava.service)
mainpid=$(systemctl show -P MainPID kava.service)
exe=$(readlink "/proc/$mainpid/exe" 2>/dev/null)
note "FragmentPath=$frag MainPID=$mainpid exe=$exe"
if { [ "$frag" = /lib/systemd/system/kava.service ] || [ "$frag" = /usr/lib/systemd/system/kava.service ]; } && [ "$exe" = /usr/bin/kava ]; then ok "${NAMES[3]}"; else nok "${NAMES[3]}"; fi

out=$(/usr/bin/kava version 2>&1)
note "kava version: $out"
if [[ $out == "kava ${version%%-*} "* ]]; then ok "${NAMES[4]}"; else nok "${NAMES[4]}"; fi

fstype=$(findmnt -n -o FSTYPE /var/lib/kava 2>/dev/null)
if [ -n "$fstype" ] && grep -q '^MemTotal:' /var/lib/kava/proc/meminfo 2>/dev/null; then
    ok "${NAMES[5]} ($fstype)"
else
    nok "${NAMES[5]} (mount: '${fstype}')"
fi

# ------------------------------------------------------------ reinstall
mkdir -p "$CG"
/usr/bin/kava enable "$CG" >/dev/null 2>&1 || note "kava enable $CG failed"
if logged dpkg-reinstall timeout 300 env DEBIAN_FRONTEND=noninteractive dpkg -i "$pkg" &&
   wait_until 180 systemctl is-active --quiet kava.service; then
    newpid=$(systemctl show -P MainPID kava.service)
    listed=$(/usr/bin/kava list 2>&1)
    note "after the reinstall: MainPID $mainpid -> $newpid; kava list: $(echo "$listed" | tr '\n' ' ')"
    if [ "$newpid" != "$mainpid" ] && [[ $listed == *kava-deb-test* ]]; then ok "${NAMES[6]}"; else nok "${NAMES[6]}"; fi
else
    nok "${NAMES[6]} ($(systemctl is-active kava.service))"
fi
/usr/bin/kava disable "$CG" >/dev/null 2>&1
rmdir "$CG" 2>/dev/null

# ------------------------------------------------------------ remove, purge
if logged apt-remove timeout 300 env DEBIAN_FRONTEND=noninteractive apt-get remove -y kava; then
    state=$(systemctl is-active kava.service 2>&1)
    # kava unload unpins every object and leaves /sys/fs/bpf/kava itself, empty
    pinned=$(ls -A /sys/fs/bpf/kava 2>/dev/null | tr '\n' ' ')
    note "after remove: is-active $state, pinned under /sys/fs/bpf/kava: ${pinned:-nothing}"
    if [ "$state" != active ] && [ -z "$pinned" ] && [ ! -e /usr/bin/kava ]; then ok "${NAMES[7]}"; else nok "${NAMES[7]}"; fi
else
    nok "${NAMES[7]} (apt-get remove failed)"
fi
if logged dpkg-purge dpkg --purge kava; then
    left=$(while IFS= read -r f; do [ -e "/$f" ] && printf '/%s ' "$f"; done <"$W/pkgfiles"
           for f in /etc/systemd/system/multi-user.target.wants/kava.service; do
               [ -e "$f" ] && printf '%s ' "$f"
           done)
    note "left after purge: ${left:-nothing}"
    check "${NAMES[8]}" [ -z "$left" ]
else
    nok "${NAMES[8]} (dpkg --purge failed)"
fi
