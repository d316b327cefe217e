#!/usr/bin/python3
"""PID 1 of the anycastd-switch image (installed as /usr/sbin/anycastd-switch-init).

Starts what the container's files ask for, in this order, each in the foreground as a child of this process:

    mgmtd                      if /usr/lib/frr/mgmtd exists and zebra is started (FRR 10 needs it first)
    zebra                      if /etc/frr/zebra.conf exists (waits for /run/frr/zserv.api)
    bgpd, staticd              if /etc/frr/bgpd.conf, /etc/frr/staticd.conf exist
    anycastd                   if /etc/anycastd/anycastd.conf exists
    the command line           if any (e.g. a server's web server: `anycastd-switch-init python3 -m http.server`)

so one image serves as switch (FRR + anycastd), spine (FRR), server (a command) and client (nothing).

Each child's PID is written to /run/switch-init/NAME.pid (NAME: mgmtd, zebra, bgpd, staticd, anycastd,
cmd) so that a test can stop one service (`kill $(cat /run/switch-init/cmd.pid)`). A child that exits is
logged and not restarted. As PID 1 it reaps every child, including orphans re-parented to it. SIGTERM or
SIGINT is forwarded to the children (anycastd first, so it withdraws its routes while FRR still runs, then
bgpd, staticd, zebra, mgmtd and the command); the init exits once they are gone, SIGKILLing what is left
after 10 s. Logs go to stdout (docker logs); daemons log to /var/log/frr and anycastd to stderr.
"""
import os
import signal
import sys
import time

FRR = "/usr/lib/frr"
FRR_RUN = "/run/frr"
PID_DIR = "/run/switch-init"
ANYCASTD_CONF = "/etc/anycastd/anycastd.conf"
STOP_ORDER = ("anycastd", "bgpd", "staticd", "zebra", "mgmtd", "cmd")
STOP_TIMEOUT = 10.0
START_TIMEOUT = 10.0

children = {}  # pid -> name
stopping = False


def log(msg):
    print(f"switch-init: {msg}", flush=True)


def spawn(name, argv):
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.execvp(argv[0], argv)
        except OSError as exc:
            print(f"switch-init: cannot run {argv[0]}: {exc}", file=sys.stderr, flush=True)
        os._exit(127)
    children[pid] = name
    with open(f"{PID_DIR}/{name}.pid", "w") as f:
        f.write(f"{pid}\n")
    log(f"started {name} (pid {pid}): {' '.join(argv)}")
    return pid


def reap():
    """Reaps every exited child (ours or orphans); logs ours."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        name = children.pop(pid, None)
        if name is not None:
            log(f"{name} (pid {pid}) exited with status {os.waitstatus_to_exitcode(status)}")


def wait_until(condition, timeout, what):
    """Reaps while waiting for condition() (a state, polled), up to timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        reap()
        if time.monotonic() >= deadline:
            log(f"gave up waiting for {what} after {timeout:g}s")
            return False
        time.sleep(0.05)
    return True


def frr_daemon(name, extra=()):
    conf = [] if name == "mgmtd" else ["-f", f"/etc/frr/{name}.conf"]
    return [f"{FRR}/{name}", *conf, "-u", "frr", "-g", "frr", *extra]


def start_all(command):
    os.makedirs(PID_DIR, exist_ok=True)
    for d in (FRR_RUN, "/var/log/frr"):
        os.makedirs(d, exist_ok=True)
        os.system(f"chown frr:frr {d} 2>/dev/null")
    os.makedirs("/run/anycastd", exist_ok=True)
    os.makedirs("/var/lib/anycastd", exist_ok=True)
    if os.path.exists("/etc/frr/zebra.conf"):
        if os.path.exists(f"{FRR}/mgmtd"):
            spawn("mgmtd", frr_daemon("mgmtd"))
        spawn("zebra", frr_daemon("zebra"))
        wait_until(lambda: os.path.exists(f"{FRR_RUN}/zserv.api"), START_TIMEOUT, "zebra's API socket")
    for name in ("bgpd", "staticd"):
        if os.path.exists(f"/etc/frr/{name}.conf"):
            spawn(name, frr_daemon(name))
    if os.path.exists(ANYCASTD_CONF):
        spawn("anycastd", ["/usr/sbin/anycastd", "--config", ANYCASTD_CONF])
    if command:
        spawn("cmd", command)


def stop_all():
    """Stops the children in STOP_ORDER, each within STOP_TIMEOUT (then SIGKILL)."""
    for name in STOP_ORDER:
        for pid in [p for p, n in children.items() if n == name]:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            if not wait_until(lambda: pid not in children, STOP_TIMEOUT, f"{name} to exit"):
                os.kill(pid, signal.SIGKILL)
                wait_until(lambda: pid not in children, STOP_TIMEOUT, f"{name} to die")


def main():
    global stopping
    # Signals are taken synchronously (sigwait), so no handler runs in the middle of a fork or a wait.
    watched = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: None)  # a handler, so PID 1 is never immune to them
    start_all(sys.argv[1:])
    while True:
        sig = signal.sigwait(watched)
        if sig == signal.SIGCHLD:
            reap()
            continue
        log(f"{signal.Signals(sig).name}: stopping")
        stop_all()
        reap()
        return 0


if __name__ == "__main__":
    sys.exit(main())
