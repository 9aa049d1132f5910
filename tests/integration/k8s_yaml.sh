#!/usr/bin/env bash
# deploy/kubernetes: the manifests parse as YAML and have the shape the
# README promises (the DaemonSet privileged, in the host's PID namespace, with
# bpffs, cgroup2 and /var/lib/kava mounted, the view shared both ways, running
# the kubernetes preset with auto-mount; the pod example binding the view).
# Shape only: they are not tested on a real cluster here.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

NAMES=("the manifests parse as YAML"
       "the DaemonSet: privileged, hostPID, the kubernetes preset with auto-mount"
       "the DaemonSet mounts bpffs, cgroup2, /dev/fuse and /var/lib/kava (Bidirectional)"
       "the pod example binds the view's files over /proc")
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed" "${NAMES[@]}"
out=$(python3 - deploy/kubernetes/kava-daemonset.yaml deploy/kubernetes/pod-hostpath-example.yaml <<'PY'
import sys, yaml
docs = []
for f in sys.argv[1:]:
    try:
        docs += [d for d in yaml.safe_load_all(open(f)) if d]
    except yaml.YAMLError as e:
        print("parse", f, str(e).replace("\n", " ")); sys.exit(0)
print("parsed", len(docs))
ds = [d for d in docs if d.get("kind") == "DaemonSet"][0]
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
args = " ".join(c.get("command", []) + c.get("args", []))
print("daemonset", spec.get("hostPID") is True and c["securityContext"].get("privileged") is True
      and "--auto-preset kubernetes" in args and "--auto-mount" in args
      and ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items())
vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
mounts = {m["mountPath"]: (vols[m["name"]], m.get("mountPropagation")) for m in c["volumeMounts"]}
print("mounts", mounts.get("/sys/fs/bpf", (0,))[0] == "/sys/fs/bpf"
      and mounts.get("/sys/fs/cgroup", (0,))[0] == "/sys/fs/cgroup"
      and mounts.get("/dev/fuse", (0,))[0] == "/dev/fuse"
      and mounts.get("/var/lib/kava") == ("/var/lib/kava", "Bidirectional"))
pod = [d for d in docs if d.get("kind") == "Pod"][0]
pvols = {v["name"]: v["hostPath"]["path"] for v in pod["spec"]["volumes"]}
pm = {m["mountPath"]: pvols[m["name"]] for m in pod["spec"]["containers"][0]["volumeMounts"]}
print("pod", all(pm.get("/proc/" + f) == "/var/lib/kava/proc/" + f
                 for f in "meminfo cpuinfo stat uptime loadavg diskstats swaps".split())
      and pm.get("/sys/devices/system/cpu") == "/var/lib/kava/sys/devices/system/cpu")
PY
)
note "$(tr '\n' ' ' <<<"$out")"
check "the manifests parse as YAML" grep -q "^parsed 3$" <<<"$out"
check "the DaemonSet: privileged, hostPID, the kubernetes preset with auto-mount" grep -q "^daemonset True$" <<<"$out"
check "the DaemonSet mounts bpffs, cgroup2, /dev/fuse and /var/lib/kava (Bidirectional)" grep -q "^mounts True$" <<<"$out"
check "the pod example binds the view's files over /proc" grep -q "^pod True$" <<<"$out"
