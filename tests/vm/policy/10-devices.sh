#!/usr/bin/env bash
# Device policy where BPF LSM runs: cgroup/dev plus lsm/file_open and
# lsm/inode_mknod, descendants, audit events from every hook, atomic replace.
. "$(dirname "$0")/common.inc"

TESTS=("kava doctor: every hook offered" "enforce: allowed device opens" "enforce: denied device is EPERM"
    "enforce: mknod of a denied device is EPERM" "outside the cgroup: nothing denied"
    "sub-cgroup created after apply is covered" "audit: nothing denied"
    "audit: would-deny events from cgroup_dev, file_open and inode_mknod"
    "event fields: pid, comm, cgroup, container, device, rule line"
    "second apply is atomic: no failed allowed open, no passed denied open while replacing"
    "clear: device allowed again")
need_policy "${TESTS[@]}"
need_lsm "${TESTS[@]}"

if grep -q "lsm/capable *ok" "$TMP/doctor" && grep -q "lsm/file_open *ok" "$TMP/doctor" &&
   grep -q "lsm/inode_mknod *ok" "$TMP/doctor" && grep -q "cgroup/dev *ok" "$TMP/doctor"; then
    ok "kava doctor: every hook offered"
else
    nok "kava doctor: every hook offered"
fi
"$KAVA" events >/dev/null 2>&1

cg=$(mkcg dev) || exit 1
f=$(policy enforce "mode = enforce" "devices.base = none" "devices.allow = c 1:3 rw")
apply "$cg" "$f"
check "enforce: allowed device opens" [ -z "$(reads "$cg" /dev/null)" ]
out=$(reads "$cg" /dev/zero); note "zero: $out"
check "enforce: denied device is EPERM" is_eperm "$out"
out=$(in_cg "$cg" mknod "$TMP/zero" c 1 5 2>&1); note "mknod: $out"
if is_eperm "$out" && [ ! -e "$TMP/zero" ]; then ok "enforce: mknod of a denied device is EPERM"
else nok "enforce: mknod of a denied device is EPERM"; fi
out=$(head -c1 /dev/zero 2>&1 >/dev/null)$(mknod "$TMP/zero-outside" c 1 5 2>&1)
check "outside the cgroup: nothing denied" [ -z "$out" -a -c "$TMP/zero-outside" ]
mkdir "$cg/later" && MADE_CGS+=("$cg/later")
out=$(reads "$cg/later" /dev/zero)
check "sub-cgroup created after apply is covered" is_eperm "$out"

# audit: cgroup/dev allows, so the LSM hooks behind it run and report too
f=$(policy audit "mode = audit" "devices.base = none" "devices.allow = c 1:3 rw # null only")
apply "$cg" "$f"
"$KAVA" events >/dev/null 2>&1
out=$(reads "$cg/later" /dev/zero)$(in_cg "$cg" mknod "$TMP/zero-audit" c 1 5 2>&1)
check "audit: nothing denied" [ -z "$out" -a -c "$TMP/zero-audit" ]
"$KAVA" events --json > "$TMP/ev"
sed 's/^/# /' "$TMP/ev" | head -8
n=0
for h in cgroup_dev file_open inode_mknod; do
    grep '"verdict":"would-deny"' "$TMP/ev" | grep -q "\"hook\":\"$h\"" && n=$((n + 1))
done
check "audit: would-deny events from cgroup_dev, file_open and inode_mknod" [ $n = 3 ]
if grep '"hook":"file_open"' "$TMP/ev" | grep '"comm":"head"' | grep '"device":"c 1:5 r"' |
   grep "\"cgroup\":\"$cg/later\"" | grep "\"container\":\"$cg\"" | grep -q '"rule":-1'; then
    ok "event fields: pid, comm, cgroup, container, device, rule line"
else
    nok "event fields: pid, comm, cgroup, container, device, rule line"
fi

# Atomic replace: two enforce policies that both allow null and deny zero,
# swapped 30 times while a task inside keeps opening both.
a=$(policy A "mode = enforce" "devices.base = none" "devices.allow = c 1:3 rw" "devices.allow = c 1:8 r")
b=$(policy B "mode = enforce" "devices.base = none" "devices.allow = c 1:9 r" "devices.allow = c 1:3 rw")
apply "$cg" "$a"
in_cg "$cg" bash -c 'bad=0; end=$((SECONDS + 20)); n=0
    while [ ! -e "$0/stop" ] && [ $SECONDS -lt $end ]; do
        head -c1 /dev/null >/dev/null 2>&1 || bad=$((bad + 1))
        head -c1 /dev/zero >/dev/null 2>&1 && bad=$((bad + 1))
        n=$((n + 1))
    done; echo "$n $bad" > "$0/result"' "$TMP" &
loop=$!
for i in $(seq 15); do apply "$cg" "$b"; apply "$cg" "$a"; done
touch "$TMP/stop"; wait $loop
read -r rounds bad < "$TMP/result"
gen=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
note "open rounds during replacement: $rounds, wrong results: $bad, generation $gen"
check "second apply is atomic: no failed allowed open, no passed denied open while replacing" \
    [ "${rounds:-0}" -gt 0 -a "${bad:-1}" = 0 -a "${gen:-0}" -ge 32 ]

"$KAVA" policy clear "$cg"
check "clear: device allowed again" [ -z "$(reads "$cg" /dev/zero)" ]
