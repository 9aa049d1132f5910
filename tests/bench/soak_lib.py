#!/usr/bin/env python3
# The soak's driver (soak.bench): TOTAL containers created, given THREADS
# threads (kava-sleepers), enabled and removed in turn, at most ALIVE at
# once, while the agent runs. MODE auto: the agent enables them (kava run
# --auto); MODE manual: `kava enable` per batch, the agent only disables
# removed cgroups. Then: no entry of a removed cgroup in kava_enabled,
# kava_slots or kava_cgcache, the live containers count exactly THREADS
# threads, the agent's RSS within 10 % of where it started.
#
#   soak_lib.py PIN KAVA SLEEPERS BASE TOTAL ALIVE THREADS MODE AGENT_PID
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_lib  # noqa: E402

BATCH = 50
TABLE = 1024           # KAVA_MAX_CONTAINERS: enabled cgroups kava holds at once


def enabled_ids(pin):
    return {e["formatted"]["key"] for e in
            scale_lib.bpftool("map", "dump", "pinned", os.path.join(pin, "kava_enabled"))}


def rss_kib(pid):
    return scale_lib.proc(pid)[1]


def remove(entry, removed):
    d, p, cg = entry
    p.stdin.close()
    p.wait()
    for _ in range(100):
        try:
            os.rmdir(d)
            break
        except OSError:         # the last threads still exiting
            time.sleep(0.01)
    removed.append(cg)


def wait_for(cond, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.5)
    return cond()


def main(argv):
    pin, kava, sleepers, base = argv[1:5]
    total, alive, threads = int(argv[5]), int(argv[6]), int(argv[7])
    mode, agent = argv[8], argv[9]
    live, removed, pending = [], [], []
    rss0 = rss_kib(agent)
    t0 = time.time()

    def start(d):
        p = subprocess.Popen([sleepers, str(threads), "1000", "10", d], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        if not p.stdout.readline().startswith("ready 1"):
            sys.exit("   kava-sleepers failed in %s" % d)
        live.append((d, p, os.stat(d).st_ino))

    for i in range(total):
        d = os.path.join(base, "c%d" % i)
        os.mkdir(d)
        if mode == "auto":
            start(d)
        else:
            pending.append(d)
            if len(pending) == BATCH or i == total - 1:
                # at most `alive` enabled, counting the batch: kava's table
                # holds 1,024, and the agent frees a removed cgroup's slot
                # on its cgroup_rmdir event, a moment later
                while live and len(live) + len(pending) > alive:
                    remove(live.pop(0), removed)
                wait_for(lambda: len(enabled_ids(pin)) + len(pending) <= TABLE, 60)
                subprocess.run([kava, "enable", *pending], check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                for pd in pending:
                    start(pd)
                pending = []
        while len(live) > alive:
            remove(live.pop(0), removed)
        if (i + 1) % (total // 5 or 1) == 0:
            print("    %6d created, %4d alive, agent RSS %.1f MiB, %.0f s" %
                  (i + 1, len(live), rss_kib(agent) / 1024, time.time() - t0))
            sys.stdout.flush()

    ok = True
    live_ids = {cg for _, _, cg in live}
    gone = set(removed)
    if not wait_for(lambda: (lambda e: live_ids <= e and not (e & gone))(enabled_ids(pin)), 120):
        e = enabled_ids(pin)
        print("    the agent did not catch up in 120 s: %d of %d live enabled, %d removed still enabled"
              % (len(live_ids & e), len(live_ids), len(e & gone)))
        ok = False
    ids_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), "kava-soak-removed-%d" % os.getpid())
    with open(ids_file, "w") as f:
        f.write("\n".join(str(x) for x in removed))
    ok &= scale_lib.leftovers(pin, ids_file)
    ok &= scale_lib.counts(pin, threads, [d for d, _, _ in live])
    rss1 = rss_kib(agent)
    grew = (rss1 - rss0) / rss0 * 100
    print("    agent RSS %.1f MiB at the start, %.1f MiB with %d containers alive after %d "
          "(%+.1f %%; target within 10 %%: %s)" % (rss0 / 1024, rss1 / 1024, len(live), total, grew,
                                                  "met" if abs(grew) <= 10 else "MISSED"))
    ok &= abs(grew) <= 10
    # all gone: nothing of any of them may stay
    while live:
        remove(live.pop(0), removed)
    gone = set(removed)
    wait_for(lambda: not (enabled_ids(pin) & gone), 120)
    with open(ids_file, "w") as f:
        f.write("\n".join(str(x) for x in removed))
    print("    every container removed:")
    ok &= scale_lib.leftovers(pin, ids_file)
    rss2 = rss_kib(agent)
    print("    agent RSS %.1f MiB (%+.1f %% from the start), %.0f s in all" %
          (rss2 / 1024, (rss2 - rss0) / rss0 * 100, time.time() - t0))
    os.unlink(ids_file)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
