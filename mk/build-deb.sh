#!/usr/bin/env bash
# Build kava's Debian package (debian/: dpkg-buildpackage -b -us -uc) from a
# copy of the tree's tracked files in a temporary directory, so the tree's
# build/ and debian/ are never touched. Puts kava_*.deb, the -dbgsym package,
# the .changes and .buildinfo, and build.log in OUTDIR (default build/deb),
# after removing the previous ones there.
#
# Usage: mk/build-deb.sh [OUTDIR]
# Exit: 0 built; 77 dpkg-buildpackage is not installed (the reason on
# stdout); other: the build failed (the tail of build.log on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-build/deb}")
if ! command -v dpkg-buildpackage >/dev/null 2>&1; then
    echo "dpkg-buildpackage not installed (make deps installs dpkg-dev and debhelper)"
    exit 77
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kava-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SRC=$TMP/kava
mkdir -p "$SRC" "$OUT"
rm -f "$OUT"/kava_*.deb "$OUT"/kava-dbgsym_*.*deb "$OUT"/kava_*.changes "$OUT"/kava_*.buildinfo "$OUT/build.log"

# The tracked files as they are in the work tree (edits included, files
# deleted but not yet committed left out); without git, everything but build
# output and the VM cache.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached | while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done | tar --null -T - -cf - | tar -xf - -C "$SRC"
else
    tar --exclude=./build --exclude='./build-*' --exclude=./tests/vm/cache -cf - . | tar -xf - -C "$SRC"
fi

# Only dpkg-buildflags' flags: nothing from a developer's make or test
# environment (BUILD, CFLAGS, a parent make's jobserver) leaks in.
set +e
(
    cd "$SRC"
    unset BUILD KAVA_BUILD CFLAGS CPPFLAGS LDFLAGS LDLIBS MAKEFLAGS MFLAGS MAKELEVEL
    dpkg-buildpackage -b -us -uc -Jauto
) >"$OUT/build.log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    echo "mk/build-deb.sh: dpkg-buildpackage failed (exit $rc), log: $OUT/build.log" >&2
    tail -n 30 "$OUT/build.log" >&2
    exit 1
fi
cp "$TMP"/kava_*.deb "$TMP"/kava_*.changes "$TMP"/kava_*.buildinfo "$OUT/"
cp "$TMP"/kava-dbgsym_*deb "$OUT/" 2>/dev/null || true
ls "$OUT"/kava_*.deb
