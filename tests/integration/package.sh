#!/usr/bin/env bash
# The Debian package: dpkg-buildpackage -b -us -uc (mk/build-deb.sh, in a
# temporary copy of the tracked files, so the tree's build/ and debian/ are
# left alone), lintian with no error, every file where Debian 12 and the
# container managers look for it, the unit enabled and started by the
# maintainer scripts, and the packaged binary runs (dpkg -x into a scratch
# root: nothing is installed on this host, whose kava state is shared).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("dpkg-buildpackage -b -us -uc builds the package"
       "lintian reports no errors"
       "the package holds every file in place"
       "installed files name /usr/bin/kava"
       "postinst enables and starts kava.service, prerm stops it"
       "Depends has fuse3 and the shared libraries"
       "the packaged kava version runs and matches the package version"
       "the tree has no build residue in debian/")
command -v dpkg-buildpackage >/dev/null 2>&1 ||
    skip_all "dpkg-buildpackage not installed (make deps installs dpkg-dev, debhelper)" "${NAMES[@]}"
command -v dh >/dev/null 2>&1 ||
    skip_all "debhelper not installed (make deps installs it)" "${NAMES[@]}"

D=$(mktemp -d)
# D lives in lib.sh's per-test TMPDIR, which its exit trap removes (a trap here would replace that one)
OUT=$D/out
# (a package of an older tree must not be the one the system VM installs)
[ -n "${KAVA_BUILD:-}" ] && rm -f "$KAVA_BUILD"/deb/kava_*.deb
bash mk/build-deb.sh "$OUT" >"$D/build.out" 2>&1
rc=$?
DEB=$(ls "$OUT"/kava_*.deb 2>/dev/null | head -1)
if [ $rc -ne 0 ] || [ -z "$DEB" ]; then
    nok "${NAMES[0]} (exit $rc)"
    sed 's/^/# /' "$D/build.out" | tail -n 40
    for t in "${NAMES[@]:1}"; do skip "$t" "the package did not build"; done
    exit 0
fi
ok "${NAMES[0]} ($(basename "$DEB"), $(stat -c %s "$DEB") bytes)"
# make check's system VM (tests/vm/system, scenario 20-deb, after the
# integration tests) installs this package: leave it where make deb would
if [ -n "${KAVA_BUILD:-}" ] && [ -d "$KAVA_BUILD" ]; then
    mkdir -p "$KAVA_BUILD/deb" && rm -f "$KAVA_BUILD"/deb/kava_*.deb && cp "$DEB" "$KAVA_BUILD/deb/"
fi

# ------------------------------------------------------------ lintian
CHANGES=$(ls "$OUT"/kava_*.changes | head -1)
if command -v lintian >/dev/null 2>&1; then
    lintian --pedantic -I "$CHANGES" >"$D/lintian.out" 2>&1
    sed 's/^/# lintian: /' "$D/lintian.out" | grep -v 'running with root privileges'
    note "lintian: $(grep -c '^E: ' "$D/lintian.out") error(s), $(grep -c '^W: ' "$D/lintian.out") warning(s), $(grep -c '^[IPX]: ' "$D/lintian.out") info/pedantic/experimental"
    check "${NAMES[1]}" bash -c '! grep -q "^E: " "$1"' sh "$D/lintian.out"
else
    skip "${NAMES[1]}" "lintian not installed (make deps installs it)"
fi

# ------------------------------------------------------------ contents
dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./||' >"$D/files"
files="usr/bin/kava lib/systemd/system/kava.service usr/share/man/man8/kava.8.gz
       usr/share/bash-completion/completions/kava
       usr/share/lxc/config/common.conf.d/00-kava.conf
       usr/share/containers/oci/hooks.d/kava-hook.json etc/kava/kava.conf.example
       usr/share/doc/kava/README.md usr/share/doc/kava/copyright usr/share/doc/kava/README.Debian"
missing=""
for f in $files; do grep -qx "$f" "$D/files" || missing="$missing $f"; done
note "missing from the package:${missing:- none}"
check "${NAMES[2]}" [ -z "$missing" ]

R=$D/root
mkdir -p "$R"
dpkg -x "$DEB" "$R"
check_all "${NAMES[3]}" \
    '! grep -rqs /usr/local "$R/lib/systemd" "$R/usr/share/lxc" "$R/usr/share/containers" &&
     grep -q "^ExecStart=/usr/bin/kava run" "$R/lib/systemd/system/kava.service" &&
     grep -q "^Documentation=file:///usr/share/doc/kava/README.md" "$R/lib/systemd/system/kava.service" &&
     grep -q "^lxc.hook.start-host = /usr/bin/kava oci-hook --lxc" "$R/usr/share/lxc/config/common.conf.d/00-kava.conf" &&
     grep -q "\"path\": \"/usr/bin/kava\"" "$R/usr/share/containers/oci/hooks.d/kava-hook.json"'

C=$D/control
dpkg-deb -e "$DEB" "$C"
check_all "${NAMES[4]}" \
    'grep -q "deb-systemd-helper enable .kava.service" "$C/postinst" &&
     grep -q "deb-systemd-invoke \$_dh_action .kava.service" "$C/postinst" &&
     grep -q "deb-systemd-invoke stop .kava.service" "$C/prerm"'

depends=$(dpkg-deb -f "$DEB" Depends)
note "Depends: $depends"
# (libelf1 comes with libbpf1: kava calls none of its functions, so the linker
# (--as-needed) does not link it)
depends_missing=""
for p in fuse3 libbpf1 libfuse3-3 libjson-c5 libmicrohttpd12 libncursesw6 libtinfo6 libsystemd0 zlib1g libc6; do
    [[ ", $depends," == *", $p"[\ ,]* ]] || depends_missing="$depends_missing $p"
done
note "missing from Depends:${depends_missing:- none}"
check "${NAMES[5]}" [ -z "$depends_missing" ]

# ------------------------------------------------------------ the binary
version=$(dpkg-deb -f "$DEB" Version)
out=$("$R/usr/bin/kava" version 2>&1)
rc=$?
note "packaged kava version: $out (package $version)"
check_all "${NAMES[6]}" '[ $rc -eq 0 ] && [[ $out == "kava ${version%%-*} "* ]]'

check_all "${NAMES[7]}" \
    '[ ! -e debian/kava ] && [ ! -e debian/files ] && [ ! -e debian/.debhelper ] &&
     [ ! -e debian/debhelper-build-stamp ] && [ ! -e debian/kava.substvars ]'
