#!/usr/bin/env python3
# Figures for scale.bench and soak.bench, from the kernel's own records:
# bpf_stats (run_time_ns/run_cnt per program), /proc/PID/stat and status, and
# kava's pinned maps read with bpftool (the same maps kava stat reads).
#
#   scale_lib.py snap PIN [PID...] > FILE     run time and count of this kava's programs
#   scale_lib.py cost LABEL BEFORE AFTER SECONDS [FLOOR_FILE]
#   scale_lib.py proc PID                     "cpu_ticks rss_kib"
#   scale_lib.py agent LABEL PID BEFORE AFTER SECONDS
#   scale_lib.py series PID STEP              PID's CPU each STEP seconds, in % of one core,
#                                             one figure a line, until killed or PID exits
#   scale_lib.py counts PIN THREADS DIR...    each enabled DIR counts THREADS threads
#   scale_lib.py leftovers PIN IDS_FILE       entries of removed cgroups left in the maps
#   scale_lib.py readers VIEW N               top-like readers of the tmpfs view's first N
#                                             containers: meminfo and stat kept open, re-read
#                                             from offset 0 every second, until killed
#   scale_lib.py openlat VIEW LABEL WARM COLD open+read+close latency of meminfo: WARM times
#                                             one container's, then the last COLD containers'
#                                             once each (unread for more than a period)
import json
import os
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def bpftool(*args):
    out = subprocess.run(["bpftool", "-j", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout or "null")


def map_id(pin, name):
    return bpftool("map", "show", "pinned", os.path.join(pin, name))["id"]


def fd_prog_ids(pid):
    """Programs a process holds (prog and link fds): the agent's own, not pinned."""
    ids = set()
    d = "/proc/%s/fdinfo" % pid
    for fd in os.listdir(d):
        try:
            for line in open(os.path.join(d, fd)):
                if line.startswith("prog_id:"):
                    ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def snap(pin, pids):
    """This kava's programs only: others run kava on the same host with other pin dirs."""
    config = map_id(pin, "kava_config")
    mine = set()
    for pid in pids:
        mine |= fd_prog_ids(pid)
    out = {}
    for p in bpftool("prog", "show"):
        if config in p.get("map_ids", []) or p["id"] in mine:
            out[p["id"]] = [p.get("run_time_ns", 0), p.get("run_cnt", 0), p.get("name", "?")]
    return out


def cost(label, before, after, seconds, floor_file=None):
    b = json.load(open(before))
    a = json.load(open(after))
    total_ns = total_cnt = 0
    lines = []
    for pid, (ns, cnt, name) in sorted(a.items(), key=lambda kv: kv[1][2]):
        ns0, cnt0, _ = b.get(pid, [0, 0, name])
        dns, dcnt = ns - ns0, cnt - cnt0
        if dcnt <= 0:
            continue
        total_ns += dns
        total_cnt += dcnt
        lines.append("    %-26s %8.0f events/s %7.1f ns/event" % (name, dcnt / seconds, dns / dcnt))
    per = total_ns / total_cnt if total_cnt else 0.0
    share = total_ns / (seconds * 1e9) * 100
    print("  %s:" % label)
    for line in lines:
        print(line)
    extra = ""
    if floor_file:
        try:
            floor = float(open(floor_file).read())
            extra = "  (%.2fx the floor)" % (per / floor) if floor else ""
        except (OSError, ValueError):
            open(floor_file, "w").write("%.3f" % per)
    print("    all: %.0f events/s, %.1f ns/event%s, %.2f%% of one core" %
          (total_cnt / seconds, per, extra, share))
    sys.stdout.flush()
    return per, share


def proc(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])      # utime + stime
    rss = 0
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return ticks, rss


def series(pid, step):
    """The agent's CPU second by second: a render that outlasts the bench's
    settle (its first pass over every container) shows as a decay into the
    window, a steady cost as a level."""
    import signal
    import time
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        last = proc(pid)[0]
        while True:
            time.sleep(step)
            now = proc(pid)[0]
            print("%.0f" % ((now - last) / TICK / step * 100), flush=True)
            last = now
    except (OSError, IndexError):
        return      # the agent exited


def cgroup_id(path):
    return os.stat(path).st_ino       # kernfs: the inode number is kn->id


def slots_by_cgroup(pin):
    """cgroup id -> (slot, summed counters) of every live slot."""
    enabled = {e["formatted"]["key"]: e["formatted"]["value"] for e in
               bpftool("map", "dump", "pinned", os.path.join(pin, "kava_enabled"))}
    slots = {e["formatted"]["key"]: e["formatted"]["value"] for e in
             bpftool("map", "dump", "pinned", os.path.join(pin, "kava_slots"))}
    stats = {}
    for e in bpftool("map", "dump", "pinned", os.path.join(pin, "kava_cpustats")):
        f = e["formatted"]
        tot = {}
        for v in f["values"]:
            for k in ("nr_running", "nr_uninterruptible", "nr_iowait", "nr_threads"):
                tot[k] = tot.get(k, 0) + v["value"][k]
        stats[f["key"]] = tot
    out = {}
    for cg, owner in enabled.items():
        s = slots.get(owner["slot"])
        if s and s["cgroup_id"] == cg and s["gen"] == owner["gen"]:
            out[cg] = (owner["slot"], stats.get(owner["slot"], {}))
    return out, enabled, slots


def counts(pin, threads, dirs):
    live, _, _ = slots_by_cgroup(pin)
    bad = []
    for d in dirs:
        cg = cgroup_id(d)
        if cg not in live:
            bad.append("%s: not enabled" % d)
            continue
        t = live[cg][1].get("nr_threads")
        kernel = sum(1 for _ in open(os.path.join(d, "cgroup.threads")))
        if t != threads or kernel != threads:
            bad.append("%s: kava %s threads, kernel %d, expected %d" % (d, t, kernel, threads))
    print("    threads per container: %d of %d containers exact (%d each)%s" %
          (len(dirs) - len(bad), len(dirs), threads, "" if not bad else ": " + "; ".join(bad[:5])))
    return not bad


def leftovers(pin, ids_file):
    removed = set(int(x) for x in open(ids_file).read().split())
    live, enabled, slots = slots_by_cgroup(pin)
    left = {
        "kava_enabled": sum(1 for cg in enabled if cg in removed),
        "kava_slots": sum(1 for s in slots.values() if s["cgroup_id"] in removed),
        "kava_cgcache": 0,
    }
    cache = bpftool("map", "dump", "pinned", os.path.join(pin, "kava_cgcache"))
    left["kava_cgcache"] = sum(1 for e in cache if e["formatted"]["key"] in removed)
    print("    entries of the %d removed cgroups left: %s; kava_cgcache holds %d entries in all" %
          (len(removed), ", ".join("%s %d" % kv for kv in left.items()), len(cache)))
    return not any(left.values())


def view_ids(view):
    return sorted((d for d in os.listdir(view) if d.isdigit()), key=int)


def readers(view, n):
    import time
    fds = [os.open(os.path.join(view, c, "proc", f), os.O_RDONLY)
           for c in view_ids(view)[:n] for f in ("meminfo", "stat")]
    print("readers %d" % len(fds), flush=True)
    while True:
        for fd in fds:
            os.pread(fd, 1 << 16, 0)
        time.sleep(1)


def openlat(view, label, warm, cold):
    import time

    def once(path):
        t = time.perf_counter_ns()
        with open(path, "rb") as f:
            f.read()
        return time.perf_counter_ns() - t

    def show(what, ns):
        ns.sort()
        pick = lambda q: ns[min(len(ns) - 1, int(q * len(ns)))] / 1000
        print("   open latency, %s, %s: median %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us (%d opens)"
              % (label, what, pick(0.5), pick(0.9), pick(0.99), ns[-1] / 1000, len(ns)))

    ids = view_ids(view)
    hot = os.path.join(view, ids[0], "proc", "meminfo")
    once(hot)
    show("one container again and again", [once(hot) for _ in range(warm)])
    show("unread containers, once each", [once(os.path.join(view, c, "proc", "meminfo")) for c in ids[-cold:]])


def main(argv):
    cmd = argv[1]
    if cmd == "snap":
        json.dump(snap(argv[2], argv[3:]), sys.stdout)
    elif cmd == "cost":
        cost(argv[2], argv[3], argv[4], float(argv[5]), argv[6] if len(argv) > 6 else None)
    elif cmd == "proc":
        print("%d %d" % proc(argv[2]))
    elif cmd == "series":
        series(argv[2], float(argv[3]))
    elif cmd == "counts":
        return 0 if counts(argv[2], int(argv[3]), argv[4:]) else 1
    elif cmd == "leftovers":
        return 0 if leftovers(argv[2], argv[3]) else 1
    elif cmd == "readers":
        readers(argv[2], int(argv[3]))
    elif cmd == "openlat":
        openlat(argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        print("scale_lib.py: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
