#!/usr/bin/env bash
# Capability policy through lsm/capable: dropped capabilities fail inside the
# cgroup and work outside, kept ones work, audit mode only reports.
. "$(dirname "$0")/common.inc"

TESTS=("enforce: sethostname in a new UTS namespace fails (sys_admin dropped)"
    "enforce: settimeofday fails (sys_time dropped)" "enforce: packet socket fails (net_raw dropped)"
    "enforce: a kept capability works (chown)" "outside the cgroup: the same actions work"
    "sub-cgroup created after apply is covered" "enforce: deny events name the capability"
    "caps.keep: everything else is denied" "audit: nothing denied" "audit: would-deny events"
    "show: counters")
need_policy "${TESTS[@]}"
need_lsm "${TESTS[@]}"
"$KAVA" events >/dev/null 2>&1

now() { date '+%Y-%m-%d %H:%M:%S'; }
try_uts() { in_cg "$1" unshare -u sh -c 'hostname kava-vm-test' 2>&1; }
try_time() { in_cg "$1" date -s "$(now)" 2>&1 >/dev/null; }
try_raw() { in_cg "$1" arping -c 1 -w 1 -I lo 127.0.0.1 2>&1; }
touch "$TMP/owned"

cg=$(mkcg caps) || exit 1
f=$(policy enforce "mode = enforce" "caps.drop = CAP_SYS_ADMIN sys_time Net_Raw")
apply "$cg" "$f"
out=$(try_uts "$cg"); note "uts: $out"
check "enforce: sethostname in a new UTS namespace fails (sys_admin dropped)" is_eperm "$out"
out=$(try_time "$cg"); note "date -s: $out"
check "enforce: settimeofday fails (sys_time dropped)" is_eperm "$out"
out=$(try_raw "$cg"); note "arping: $out"
check "enforce: packet socket fails (net_raw dropped)" is_eperm "$out"
out=$(in_cg "$cg" chown 65534 "$TMP/owned" 2>&1)
check "enforce: a kept capability works (chown)" [ -z "$out" -a "$(stat -c %u "$TMP/owned")" = 65534 ]
out_uts=$(unshare -u sh -c 'hostname kava-vm-test' 2>&1); out_time=$(date -s "$(now)" 2>&1 >/dev/null)
out_raw=$(arping -c 1 -w 1 -I lo 127.0.0.1 2>&1)
note "outside: uts '$out_uts' date '$out_time' arping '$out_raw'"
if [ -z "$out_uts" ] && [ -z "$out_time" ] && ! is_eperm "$out_raw"; then
    ok "outside the cgroup: the same actions work"
else
    nok "outside the cgroup: the same actions work"
fi
mkdir "$cg/later" && MADE_CGS+=("$cg/later")
check "sub-cgroup created after apply is covered" is_eperm "$(try_time "$cg/later")"
"$KAVA" events --json > "$TMP/ev"
sed 's/^/# /' "$TMP/ev" | head -5
if grep '"hook":"capable"' "$TMP/ev" | grep '"verdict":"deny"' | grep -q '"capability":"sys_time","cap":25' &&
   grep '"hook":"capable"' "$TMP/ev" | grep -q '"capability":"sys_admin","cap":21' &&
   grep '"hook":"capable"' "$TMP/ev" | grep '"line":2' | grep -q '"capability":"net_raw"'; then
    ok "enforce: deny events name the capability"
else
    nok "enforce: deny events name the capability"
fi

f=$(policy keep "mode = enforce" "caps.keep = chown dac_override fowner setuid setgid")
apply "$cg" "$f"
out=$(try_time "$cg")$(in_cg "$cg" chown 0 "$TMP/owned" 2>&1)
note "keep: $out"
if is_eperm "$(try_time "$cg")" && [ -z "$(in_cg "$cg" chown 0 "$TMP/owned" 2>&1)" ]; then
    ok "caps.keep: everything else is denied"
else
    nok "caps.keep: everything else is denied"
fi

f=$(policy audit "mode = audit" "caps.drop = sys_admin sys_time net_raw")
apply "$cg" "$f"
"$KAVA" events >/dev/null 2>&1
out=$(try_uts "$cg")$(try_time "$cg")
note "audit: '$out' arping: $(try_raw "$cg")"
check "audit: nothing denied" [ -z "$out" ]
"$KAVA" events --json > "$TMP/ev"
if grep '"verdict":"would-deny"' "$TMP/ev" | grep -q '"capability":"sys_time"' &&
   grep '"verdict":"would-deny"' "$TMP/ev" | grep -q '"capability":"sys_admin"'; then
    ok "audit: would-deny events"
else
    nok "audit: would-deny events"
fi
js=$("$KAVA" policy show "$cg" --json); note "$js"
wd=$(sed -n 's/.*"would_deny":\([0-9]*\).*/\1/p' <<<"$js")
dn=$(sed -n 's/.*"denied":\([0-9]*\).*/\1/p' <<<"$js")
check "show: counters" [ "${wd:-0}" -ge 2 -a "${dn:-0}" -ge 4 ]
