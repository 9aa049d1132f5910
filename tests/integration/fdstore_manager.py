#!/usr/bin/env python3
"""A stand-in for systemd's side of the protocols kava uses under a
Type=notify unit with Restart= and FileDescriptorStoreMax=: it runs the
agent with $NOTIFY_SOCKET, keeps the descriptors the agent stores
(FDSTORE=1 / FDNAME= / FDSTOREREMOVE=1, with SCM_RIGHTS), and restarts the
agent whenever it exits, passing them back as sd_listen_fds(3) expects
($LISTEN_FDS, $LISTEN_PID, $LISTEN_FDNAMES, fds from 3). SIGTERM stops the
agent and releases the store, as `systemctl stop` does.

usage: fdstore_manager.py EVENT_LOG COMMAND...
The event log gets one line per event: "ready PID", "stored NAME",
"removed NAME", "exited PID STATUS", "stopped".
"""
import array
import fcntl
import os
import select
import signal
import socket
import sys
import time

log_path, cmd = sys.argv[1], sys.argv[2:]
sock_path = "/run/kava-fdstore-%d.sock" % os.getpid()
store = {}          # name -> fd
stopping = False


def event(text):
    with open(log_path, "a") as f:
        f.write(text + "\n")


def on_term(signum, frame):
    global stopping
    stopping = True


def spawn():
    names = list(store)
    high = [fcntl.fcntl(store[n], fcntl.F_DUPFD, 100) for n in names]
    pid = os.fork()
    if pid:
        for fd in high:
            os.close(fd)
        return pid
    try:
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i, inheritable=True)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path)
        if names:
            env.update(LISTEN_FDS=str(len(names)), LISTEN_PID=str(os.getpid()),
                       LISTEN_FDNAMES=":".join(names))
        os.execvpe(cmd[0], cmd, env)
    finally:
        os._exit(127)


def receive(sock, pid):
    data, ancdata, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
    name = fields.get("FDNAME", "stored")
    for fd in fds:
        os.set_inheritable(fd, False)
    if fields.get("FDSTORE") == "1":
        for fd in fds:
            if name in store:
                os.close(store[name])
            store[name] = fd
            event("stored " + name)
    else:
        for fd in fds:
            os.close(fd)
    if fields.get("FDSTOREREMOVE") == "1" and name in store:
        os.close(store.pop(name))
        event("removed " + name)
    if fields.get("READY") == "1":
        event("ready %d" % pid)


def main():
    signal.signal(signal.SIGTERM, on_term)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    try:
        pid = spawn()
        told = False
        while True:
            if stopping and not told:
                os.kill(pid, signal.SIGTERM)
                told = True
            ready, _, _ = select.select([sock], [], [], 0.05)
            if ready:
                receive(sock, pid)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                while select.select([sock], [], [], 0)[0]:
                    receive(sock, pid)      # what it said before it went
                event("exited %d %d" % (pid, status))
                if stopping:
                    break
                time.sleep(0.1)             # RestartSec
                pid = spawn()
    finally:
        for fd in store.values():
            os.close(fd)
        sock.close()
        os.unlink(sock_path)
        event("stopped")


main()
