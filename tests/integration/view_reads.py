#!/usr/bin/env python3
"""Read view files every way a program can, inside a container (view_tools.sh).

  view_reads.py ways FILE...    read(), pread(), readv(), sendfile(), splice()
                                and mmap() of each file give the same text
                                (same lines, each line the same shape: the
                                figures may move between two reads)
  view_reads.py fresh FILE...   read each file from one kept-open fd, change
                                the container (the env names how: MEM_FILE,
                                MEM_VALUE, CPUS_FILE, CPUS_VALUE), then pread()
                                at 0: prints the files whose text changed and
                                the files whose pread(0) differs from a fresh
                                open's text
Exit status 0, and lines "bad FILE WAY WHY" for what is wrong.
"""
import errno, fcntl, mmap, os, subprocess, sys, time


def shape(text):
    """Lines, each as its field count and its first field when not a number."""
    out = []
    for line in text.split(b"\n"):
        f = line.split()
        first = f[0] if f and not f[0].replace(b".", b"").isdigit() else b"#"
        out.append((len(f), first))
    return out


def read_all(fd):
    text = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return text
        text += chunk


def drain(r):
    os.set_blocking(r, False)
    text = b""
    while True:
        try:
            chunk = os.read(r, 1 << 20)
        except BlockingIOError:
            return text
        if not chunk:
            return text
        text += chunk


def by_pipe(fd, how):
    r, w = os.pipe()
    fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ: a whole file fits
    total, text, off = 0, b"", 0
    while True:
        if how == "sendfile":
            n = os.sendfile(w, fd, off, 1 << 20)
        else:
            n = os.splice(fd, w, 1 << 20, offset_src=off)
        if n == 0:
            break
        off += n
        text += drain(r)
    text += drain(r)
    os.close(r)
    os.close(w)
    return text


def ways(paths):
    bad = 0
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        ref = read_all(fd)
        got = {}
        got["pread"] = os.pread(fd, 1 << 20, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        bufs = [bytearray(7), bytearray(1 << 20)]
        n = os.readv(fd, bufs)
        got["readv"] = (bytes(bufs[0]) + bytes(bufs[1]))[:n]
        got["sendfile"] = by_pipe(fd, "sendfile")
        got["splice"] = by_pipe(fd, "splice")
        try:
            # the pages that hold the text: past its last page a mapping of
            # the FUSE view ends (SIGBUS), as any file's does past its end
            # (the kernel's /proc files refuse mmap altogether: ENODEV)
            # (a file opened afresh: as a program that maps a file would)
            mfd = os.open(p, os.O_RDONLY)
            size = min((len(ref) + 4095) // 4096 * 4096, os.fstat(mfd).st_size)
            m = mmap.mmap(mfd, size, mmap.MAP_PRIVATE, mmap.PROT_READ) if size else None
            os.close(mfd)
            if m is not None:
                got["mmap"] = m[:].rstrip(b"\0")
                m.close()
        except OSError as e:
            if e.errno not in (errno.ENODEV, errno.EINVAL, errno.EACCES):
                raise
        os.close(fd)
        if ref and not ref.endswith(b"\n"):
            print("bad", p, "read", "no final newline: %r" % ref[-40:])
            bad += 1
        for way, text in got.items():
            if shape(text) != shape(ref):
                print("bad", p, way, "%d bytes, %d lines; read() gave %d bytes, %d lines"
                      % (len(text), text.count(b"\n"), len(ref), ref.count(b"\n")))
                bad += 1
    print("checked", len(paths), "files", "bad", bad)
    return 1 if bad else 0


def fresh(paths):
    fds = {p: os.open(p, os.O_RDONLY) for p in paths}
    first = {p: read_all(fd) for p, fd in fds.items()}
    for key in ("MEM", "CPUS"):
        if os.environ.get(key + "_FILE"):
            with open(os.environ[key + "_FILE"], "w") as f:
                f.write(os.environ[key + "_VALUE"])
    subprocess.run(["true"])      # a new task: the container's last pid moves
    time.sleep(1.1)               # uptime moves by more than its 0.01 s print
    for p, fd in fds.items():
        again = os.pread(fd, 1 << 20, 0)
        new = open(p, "rb").read()
        print("changed" if again != first[p] else "same", p,
              "current" if shape(again) == shape(new) else "stale")
    return 0


if __name__ == "__main__":
    sys.exit(ways(sys.argv[2:]) if sys.argv[1] == "ways" else fresh(sys.argv[2:]))
