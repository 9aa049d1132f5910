#!/usr/bin/env bash
# make install into a staging directory: every file where its consumer looks
# for it (systemd, LXC, podman/CRI-O hooks.d, /etc/kava), each naming the
# installed binary, and the files themselves well-formed.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("make install puts every file in place"
       "installed files name the installed binary"
       "the hooks.d file is valid JSON at stage createRuntime"
       "the unit is ordered before the container managers"
       "systemd-analyze accepts the unit")
command -v jq >/dev/null || skip_all "jq not installed" "${NAMES[@]}"
D=$(mktemp -d)
trap 'rm -rf "$D"; cleanup' EXIT
make -s install DESTDIR="$D" PREFIX=/usr BUILD="$KAVA_BUILD" >"$D.log" 2>&1 || { sed 's/^/# /' "$D.log"; }
rm -f "$D.log"
files="usr/bin/kava usr/lib/systemd/system/kava.service usr/share/lxc/config/common.conf.d/00-kava.conf
       usr/share/containers/oci/hooks.d/kava-hook.json etc/kava/kava.conf.example
       usr/share/man/man8/kava.8 usr/share/bash-completion/completions/kava usr/share/doc/kava/README.md"
missing=""
for f in $files; do [ -f "$D/$f" ] || missing="$missing $f"; done
note "missing:${missing:- none}"
check "make install puts every file in place" [ -z "$missing" ]
check_all "installed files name the installed binary" \
    '! grep -rq /usr/local "$D/usr/lib/systemd" "$D/usr/share/lxc" "$D/usr/share/containers" &&
     grep -q "^ExecStart=/usr/bin/kava run" "$D/usr/lib/systemd/system/kava.service" &&
     grep -q "^lxc.hook.start-host = /usr/bin/kava oci-hook --lxc" "$D/usr/share/lxc/config/common.conf.d/00-kava.conf"'
hook=$D/usr/share/containers/oci/hooks.d/kava-hook.json
check_all "the hooks.d file is valid JSON at stage createRuntime" \
    '[ "$(jq -r ".hook.path, .stages[0], .version" "$hook" | tr "\n" " ")" = "/usr/bin/kava createRuntime 1.0.0 " ]'
check_all "the unit is ordered before the container managers" \
    'grep "^Before=" "$D/usr/lib/systemd/system/kava.service" | grep -q "lxc.service" &&
     grep "^Before=" "$D/usr/lib/systemd/system/kava.service" | grep -q "docker.service"'
if command -v systemd-analyze >/dev/null; then
    # the staged binary stands in for /usr/bin/kava, which this host may not have
    mkdir -p "$D/verify"
    sed "s|/usr/bin/kava|$D/usr/bin/kava|g" "$D/usr/lib/systemd/system/kava.service" >"$D/verify/kava.service"
    out=$(systemd-analyze verify "$D/verify/kava.service" 2>&1)
    note "systemd-analyze: ${out:-clean}"
    check "systemd-analyze accepts the unit" [ -z "$out" ]
else
    skip "systemd-analyze accepts the unit" "systemd-analyze not installed"
fi
