"""Small helpers of the lab: running commands, polling for a state, stopping processes by PID, and removing
what earlier runs left behind. No state of their own; errors are raised as LabError / WaitTimeout."""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

# Names of a run's namespaces and run directory: acd-<owner pid>[.<seq>][-<role>].
NS_RE = re.compile(r"^acd-(\d+)(?:\.\d+)?-[a-z0-9]+$")
RUNDIR_RE = re.compile(r"^acd-(\d+)(?:\.\d+)?$")


# Held by every run of the fabric (the integration and soak suites, the benchmarks) until it exits: two runs at
# once would load the 2-core machines they run on into timeouts and skew each other's figures.
FABRIC_LOCK = Path("/run/lock/anycastd-fabric.lock")
_fabric_lock = None


def hold_fabric_lock(log=None):
    """Takes FABRIC_LOCK for the rest of this process (waiting, and saying so, while another run holds it).
    Idempotent within a process."""
    global _fabric_lock
    if _fabric_lock is not None:
        return
    FABRIC_LOCK.parent.mkdir(parents=True, exist_ok=True)
    f = open(FABRIC_LOCK, "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        (log or print)(f"waiting for another run of the fabric to end ({FABRIC_LOCK})")
        fcntl.flock(f, fcntl.LOCK_EX)
    _fabric_lock = f


class LabError(Exception):
    """A lab command or process failed."""


class WaitTimeout(AssertionError):
    """wait_for ran out of time."""


def wait_for(probe, timeout, what, until=None, interval=0.05):
    """Polls probe() until it is truthy (or until(value) is), pausing `interval` between polls.

    Returns the value that satisfied it. On timeout raises WaitTimeout naming `what` and the last value seen
    (or the last exception probe raised)."""
    deadline = time.monotonic() + timeout
    last, last_exc = None, None
    while True:
        try:
            last, last_exc = probe(), None
            if (until(last) if until is not None else last):
                return last
        except Exception as exc:  # a probe may fail transiently (e.g. a daemon still starting)
            last_exc = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    seen = f"last exception: {last_exc!r}" if last_exc is not None else f"last seen: {last!r}"
    raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what}; {seen}")


def run(cmd, check=True, timeout=20, input=None):
    """Runs a command, capturing its output; raises LabError when check and it fails."""
    try:
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, input=input)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{' '.join(map(str, cmd))}: no answer within {timeout}s") from exc
    if check and p.returncode != 0:
        raise LabError(f"{' '.join(map(str, cmd))} exited {p.returncode}: {(p.stderr or p.stdout).strip()}")
    return p


def pid_alive(pid):
    """True while the process exists and is not a zombie (daemons re-parented to a PID 1 that does not reap
    stay zombies)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def stop_pid(pid, sig=signal.SIGTERM, timeout=5.0):
    """Sends sig to pid and waits until it is gone, escalating to SIGKILL after timeout."""
    for s, t in ((sig, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, s)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + t
        while time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
            except ChildProcessError:
                pass
            if not pid_alive(pid):
                return
            time.sleep(0.02)
        if s == signal.SIGKILL:
            raise LabError(f"process {pid} survived SIGKILL")


def netns_list():
    out = run(["ip", "netns", "list"], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(ns):
    out = run(["ip", "netns", "pids", ns], check=False).stdout
    return [int(p) for p in out.split()]


def _owner_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def remove_stale():
    """Removes namespaces and run directories of earlier runs whose owning process no longer exists."""
    for ns in netns_list():
        m = NS_RE.match(ns)
        if m and _owner_gone(int(m.group(1))):
            for pid in netns_pids(ns):
                stop_pid(pid, signal.SIGKILL)
            run(["ip", "netns", "del", ns], check=False)
    for d in Path("/run").glob("acd-*"):
        m = RUNDIR_RE.match(d.name)
        if m and _owner_gone(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)



_sigterm_installed = False


def install_sigterm_handler():
    """SIGTERM would otherwise end Python without running clean-up: treat it like Ctrl-C (KeyboardInterrupt,
    which context managers, pytest's fixture teardown and atexit all honour). Main thread only, and only if
    nobody else handles SIGTERM."""
    global _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        def handler(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")
        signal.signal(signal.SIGTERM, handler)
    _sigterm_installed = True
