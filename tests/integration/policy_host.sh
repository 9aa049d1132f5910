#!/usr/bin/env bash
# Device policy on the host kernel through cgroup/dev, in fresh cgroups
# beneath the test's own cgroup2 cgroup; what happens to caps lines where
# BPF LSM is unavailable. Needs root (skips otherwise).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

TESTS=("example policies parse" "parse error: one line naming file:line:col, nothing applied"
    "enforce: allowed device opens" "enforce: denied device is EPERM"
    "enforce: access bits (read allowed, write denied)" "enforce: mknod of a denied device is EPERM"
    "sub-cgroup created after apply is covered" "task outside the cgroup is not affected"
    "event: deny with hook, device, pid, comm, container" "show: counters"
    "audit: denies nothing" "audit: event says would-deny" "second apply replaces (generation 2)"
    "caps in enforce mode without BPF LSM: one clear line, nothing changed"
    "caps in audit mode without BPF LSM: warning, device rules applied"
    "rate limit: a flood is cut and counted" "clear: device allowed again, link removed"
    "policy outlives every kava process" "kava doctor: cgroup/dev offered, BPF LSM state explained"
    "policy of a removed cgroup is pruned (link released)"
    "events --follow prints a denial as it happens, stops on SIGTERM")
need_root "${TESTS[@]}"

POLICY_CGS=()
policy_cleanup() {
    local cg
    for cg in "${POLICY_CGS[@]}"; do "$KAVA" policy clear "$cg" >/dev/null 2>&1; done
}
TMP=$(mktemp -d)
trap 'policy_cleanup; cleanup; rm -rf "$TMP"' EXIT

. tests/lib/policy.sh              # in_cg, reads, writes, policy, apply
# has_no_policy CGROUP: `kava policy show` fails because CGROUP has no
# policy (not because the command failed for another reason)
has_no_policy() {
    local err
    err=$("$KAVA" policy show "$1" 2>&1 >/dev/null) && return 1
    grep -Eq "^kava: policy show: ($1 has no policy|no policy is loaded)" <<<"$err" ||
        { note "policy show $1: $err"; return 1; }
}

LSM=0
"$KAVA" doctor > "$TMP/doctor" 2>&1
grep -q "^BPF LSM: *active" "$TMP/doctor" && LSM=1
sed 's/^/# /' "$TMP/doctor"
if grep -q "^  cgroup/dev *ok" "$TMP/doctor" && grep -q "^  lsm/capable " "$TMP/doctor" &&
   { [ $LSM = 1 ] || grep -q "^BPF LSM: *NOT available" "$TMP/doctor"; }; then
    ok "kava doctor: cgroup/dev offered, BPF LSM state explained"
else
    nok "kava doctor: cgroup/dev offered, BPF LSM state explained"
fi
"$KAVA" events >/dev/null 2>&1           # drain older events

# 1. the example policies in tests/policies parse
bad=0
for f in tests/policies/*.policy; do
    "$KAVA" policy check "$f" >/dev/null 2>"$TMP/err" || { bad=1; note "$(cat "$TMP/err")"; }
done
check "example policies parse" [ $bad = 0 ]

cg=$(new_cgroup pol) || exit 1
POLICY_CGS+=("$cg")

# 2. a parse error changes nothing
f=$(policy bad "mode = enforce" "devices.allow = c 1:3 rw" "devices.alow = c 1:5 r")
err=$("$KAVA" policy apply "$cg" "$f" 2>&1 >/dev/null); rc=$?
note "$err"
if [ $rc -ne 0 ] && [ "$(wc -l <<<"$err")" = 1 ] &&
   grep -q "^kava: policy apply: $f:3:1: unknown key 'devices.alow'" <<<"$err" &&
   has_no_policy "$cg" && [ -z "$(reads "$cg" /dev/zero)" ]; then
    ok "parse error: one line naming file:line:col, nothing applied"
else
    nok "parse error: one line naming file:line:col, nothing applied"
fi

# 3-6. enforce: null allowed, zero denied, full read-only, mknod refused
f=$(policy enforce "mode = enforce" "devices.base = none" "devices.allow = c 1:3 rw # null" \
    "devices.allow = c 1:7 r    # full, read only")
apply "$cg" "$f" || nok "apply enforce policy"
out=$(reads "$cg" /dev/null)
check "enforce: allowed device opens" [ -z "$out" ]
out=$(reads "$cg" /dev/zero); note "zero: $out"
check "enforce: denied device is EPERM" is_eperm "$out"
r=$(reads "$cg" /dev/full); w=$(writes "$cg" /dev/full); note "full: read '$r' write '$w'"
if [ -z "$r" ] && is_eperm "$w"; then ok "enforce: access bits (read allowed, write denied)"
else nok "enforce: access bits (read allowed, write denied)"; fi
out=$(in_cg "$cg" mknod "$TMP/zero" c 1 5 2>&1); note "mknod: $out"
if is_eperm "$out" && [ ! -e "$TMP/zero" ]; then ok "enforce: mknod of a denied device is EPERM"
else nok "enforce: mknod of a denied device is EPERM"; fi

# 7-8. descendants are covered; the rest of the host is not
mkdir "$cg/later"
out=$(reads "$cg/later" /dev/zero)
check "sub-cgroup created after apply is covered" is_eperm "$out"
rmdir "$cg/later"
check "task outside the cgroup is not affected" [ -z "$(head -c1 /dev/zero 2>&1 >/dev/null)" ]

# 9. the events carry the fields
"$KAVA" events --json > "$TMP/ev"
note "$(grep -m1 '"device":"c 1:5 r"' "$TMP/ev")"
cgid=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"cgroup_id":\([0-9]*\).*/\1/p')
if grep '"device":"c 1:5 r"' "$TMP/ev" | grep '"verdict":"deny"' | grep '"hook":"cgroup_dev"' |
   grep '"comm":"head"' | grep "\"container_id\":$cgid," | grep -q "\"container\":\"$cg\""; then
    ok "event: deny with hook, device, pid, comm, container"
else
    nok "event: deny with hook, device, pid, comm, container"
fi

# 10. counters
js=$("$KAVA" policy show "$cg" --json); note "$js"
denied=$(sed -n 's/.*"denied":\([0-9]*\).*/\1/p' <<<"$js")
allowed=$(sed -n 's/.*"allowed":\([0-9]*\).*/\1/p' <<<"$js")
check "show: counters" [ "${denied:-0}" -ge 4 -a "${allowed:-0}" -ge 2 ]

# 11-13. audit mode on top: the same opens pass, events say would-deny
f=$(policy audit "mode = audit" "devices.base = none" "devices.allow = c 1:3 rw")
apply "$cg" "$f" || nok "apply audit policy"
out=$(reads "$cg" /dev/zero)$(writes "$cg" /dev/zero)
check "audit: denies nothing" [ -z "$out" ]
"$KAVA" events --json > "$TMP/ev"
check "audit: event says would-deny" grep -q '"verdict":"would-deny".*"device":"c 1:5 r"' "$TMP/ev"
gen=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
mode=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p')
check "second apply replaces (generation 2)" [ "$gen" = 2 -a "$mode" = audit ]

# 14-15. caps lines where BPF LSM is missing
if [ $LSM = 1 ]; then
    skip "caps in enforce mode without BPF LSM: one clear line, nothing changed" "BPF LSM is active here"
    skip "caps in audit mode without BPF LSM: warning, device rules applied" "BPF LSM is active here"
else
    f=$(policy capsenf "mode = enforce" "devices.allow = c 1:3 rw" "caps.drop = sys_time")
    err=$("$KAVA" policy apply "$cg" "$f" 2>&1 >/dev/null); rc=$?
    note "$err"
    gen2=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"generation":\([0-9]*\).*/\1/p')
    if [ $rc -ne 0 ] && [ "$(wc -l <<<"$err")" = 1 ] && [ "$gen2" = 2 ] &&
       grep -q "^kava: policy apply: caps.drop needs BPF LSM, which this kernel does not offer (.*); nothing was changed$" <<<"$err"; then
        ok "caps in enforce mode without BPF LSM: one clear line, nothing changed"
    else
        nok "caps in enforce mode without BPF LSM: one clear line, nothing changed"
    fi
    f=$(policy capsaud "mode = audit" "devices.base = none" "devices.allow = c 1:3 rw" "caps.keep = chown")
    err=$("$KAVA" policy apply "$cg" "$f" 2>&1 >/dev/null); rc=$?
    note "$err"
    if [ $rc = 0 ] && grep -q "warning: BPF LSM is not available" <<<"$err" &&
       "$KAVA" policy show "$cg" | grep -q "generation:  3"; then
        ok "caps in audit mode without BPF LSM: warning, device rules applied"
    else
        nok "caps in audit mode without BPF LSM: warning, device rules applied"
    fi
fi

# 16. rate limit: 300 denials in well under a second give at most a burst of events
f=$(policy flood "mode = enforce" "devices.base = none" "devices.allow = c 1:3 rw")
apply "$cg" "$f"
"$KAVA" events >/dev/null
in_cg "$cg" sh -c 'i=0; while [ $i -lt 300 ]; do true < /dev/zero; i=$((i+1)); done' 2>/dev/null
n=$("$KAVA" events --json | grep -c '"device":"c 1:5 r"')
sup=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"suppressed":\([0-9]*\).*/\1/p')
note "events: $n, suppressed: $sup"
check "rate limit: a flood is cut and counted" [ "$n" -ge 1 -a "$n" -lt 300 -a "${sup:-0}" -ge $((300 - n - 64)) ]

# events --follow, as an agent's log would run it
"$KAVA" events >/dev/null
"$KAVA" events --follow --json > "$TMP/follow" 2>&1 &
fp=$!
sleep 1.2                      # also past the flood's rate-limit window
reads "$cg" /dev/zero >/dev/null
wait_for 5 grep -q '"device":"c 1:5 r"' "$TMP/follow"
kill -TERM $fp; wait $fp; rc=$?
note "follow: rc $rc, $(wc -l < "$TMP/follow") lines"
check "events --follow prints a denial as it happens, stops on SIGTERM" \
    [ $rc = 0 -a -n "$(grep '"device":"c 1:5 r"' "$TMP/follow")" ]

# 17. every kava command above has exited: the pinned link and maps alone enforce
out=$(reads "$cg" /dev/zero)
check "policy outlives every kava process" is_eperm "$out"

# 18. clear
cgid=$("$KAVA" policy show "$cg" --json | sed -n 's/.*"cgroup_id":\([0-9]*\).*/\1/p')
"$KAVA" policy clear "$cg"
out=$(reads "$cg" /dev/zero)
if [ -z "$out" ] && [ -n "$cgid" ] && [ ! -e "${KAVA_PIN_DIR:-/sys/fs/bpf/kava}/policy/links/cg-$cgid" ] &&
   has_no_policy "$cg"; then
    ok "clear: device allowed again, link removed"
else
    nok "clear: device allowed again, link removed"
fi

# 19. a policied cgroup that is removed: the next apply/show drops its entry
# and releases its link (the cgroup is freed instead of lingering as a zombie)
gone=$(new_cgroup gone) || exit 1
apply "$gone" "$f"
gid=$("$KAVA" policy show "$gone" --json | sed -n 's/.*"cgroup_id":\([0-9]*\).*/\1/p')
listed_before=0
"$KAVA" policy show | grep -q "^$gone " && listed_before=1     # the list shows it while it exists
rmdir "$gone"
"$KAVA" policy show > "$TMP/list"; list_rc=$?
note "policy show (all): rc $list_rc, $(wc -l < "$TMP/list") policies"
if [ "$listed_before" = 1 ] && [ "$list_rc" = 0 ] && [ -n "$gid" ] && [ ! -e "${KAVA_PIN_DIR:-/sys/fs/bpf/kava}/policy/links/cg-$gid" ] && ! grep -Eq "$gone|removed cgroup $gid\)" "$TMP/list"; then
    ok "policy of a removed cgroup is pruned (link released)"
else
    nok "policy of a removed cgroup is pruned (link released)"
fi
