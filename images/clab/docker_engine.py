"""The docker engine the lab uses: found running, or started here and stopped again by whoever started it.

`ensure_engine(log)` returns at once if a docker engine answers on the default socket. Otherwise it starts
Debian's dockerd (package docker.io) the way this machine allows, with no iptables rules and no bridge
(the lab's containers run with `--network none`):

    dockerd --iptables=false --bridge=none --data-root DATA_ROOT --exec-root RUN_DIR/docker
            --pidfile RUN_DIR/dockerd.pid            (log: LOG)

in its own session so that it outlives `make lab`, and records that the lab owns it in OWNED.
`stop_owned_engine(log)` stops it again (SIGTERM, then SIGKILL) only if OWNED says the lab started it; an
engine that was already running is never touched. Images stay in DATA_ROOT between runs (a cache).

Several users may share the engine at once (`make lab-test` in one tree, `make demo` in another): each takes
a lease with `acquire(user, log)` (starts the engine if needed; the user is a lab name) and gives it back with
`release(user, log)`, which stops the lab's engine only when no other lease is live. A lease is a file in
USERS holding the PID of the process that took it; it stays live while that process runs or the lab of that
name still has containers (`make lab` exits and leaves its lab up). LOCK serialises acquire and release.

Errors: EngineError (a LabError) saying why the engine cannot run (dockerd missing, or the log's tail when
it exited or did not come up within START_TIMEOUT). LAB_DOCKERD names another dockerd binary.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fabric"))
from util import LabError, pid_alive, run, stop_pid, wait_for  # noqa: E402

STATE = Path("/var/lib/anycastd-lab")
DATA_ROOT = STATE / "docker"
LOG = STATE / "dockerd.log"
RUN_DIR = Path("/run/anycastd-lab")
OWNED = RUN_DIR / "dockerd.owned"  # PID of the dockerd the lab started
USERS = STATE / "engine-users"  # one lease file per user of the engine (a lab name): the taker's PID
LOCK = STATE / "engine.lock"
START_TIMEOUT = 60
STOP_TIMEOUT = 20


class EngineError(LabError):
    """The docker engine is not available (the message says why)."""


def docker():
    """The docker client: Debian's (matches its dockerd) when installed, else whatever is on PATH."""
    if Path("/usr/bin/docker").exists():
        return "/usr/bin/docker"
    found = shutil.which("docker")
    if not found:
        raise EngineError("no docker client: apt-get install docker.io (make lab-deps does)")
    return found


def engine_running():
    try:
        return run([docker(), "version", "--format", "{{.Server.Version}}"], check=False,
                   timeout=10).returncode == 0
    except LabError:
        return False


def _owned_pid():
    try:
        return int(OWNED.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def ensure_engine(log=print):
    """Returns True if this call started dockerd, False if an engine was already answering."""
    if engine_running():
        return False
    dockerd = os.environ.get("LAB_DOCKERD") or shutil.which("dockerd") or "/usr/sbin/dockerd"
    if not Path(dockerd).exists():
        raise EngineError("no docker engine is running and dockerd is not installed "
                          "(apt-get install docker.io; `make lab-deps` does)")
    stale = _owned_pid()
    if stale is not None and pid_alive(stale):
        raise EngineError(f"the lab's dockerd (pid {stale}) is running but does not answer; see {LOG}")
    DATA_ROOT.mkdir(parents=True, exist_ok=True)
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    log(f"docker: starting dockerd (data root {DATA_ROOT}, log {LOG})")
    start = LOG.stat().st_size if LOG.exists() else 0
    with open(LOG, "ab") as logf:
        proc = subprocess.Popen([dockerd, "--iptables=false", "--bridge=none", "--data-root", DATA_ROOT,
                                 "--exec-root", RUN_DIR / "docker", "--pidfile", RUN_DIR / "dockerd.pid"],
                                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                start_new_session=True)
    OWNED.write_text(f"{proc.pid}\n")

    try:
        wait_for(lambda: proc.poll() is not None or engine_running(), START_TIMEOUT, "dockerd to answer",
                 interval=0.2)
    except AssertionError as exc:
        stop_owned_engine(log)
        raise EngineError(f"dockerd did not come up: {exc}\nlog tail:\n{_log_tail(start)}") from None
    if proc.poll() is not None:
        OWNED.unlink(missing_ok=True)
        raise EngineError(f"dockerd exited {proc.returncode}; log tail:\n{_log_tail(start)}")
    return True


def stop_owned_engine(log=print):
    """Stops the dockerd the lab started (if any); returns True if it stopped one."""
    pid = _owned_pid()
    if pid is None:
        return False
    if pid_alive(pid):
        log(f"docker: stopping the lab's dockerd (pid {pid})")
        stop_pid(pid, signal.SIGTERM, STOP_TIMEOUT)
    OWNED.unlink(missing_ok=True)
    # dockerd's exec root: empty directories once it stopped, and the bind mount of the host's network
    # namespace (netns/default) that dockerd leaves behind.
    for mount in sorted(_mounts_under(RUN_DIR), reverse=True):
        run(["umount", mount], check=False)
    if not _mounts_under(RUN_DIR):
        shutil.rmtree(RUN_DIR, ignore_errors=True)
    return True


@contextmanager
def _locked():
    STATE.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def acquire(user, log=print):
    """Takes a lease on the engine for user, starting the engine if none answers; True if it started it."""
    with _locked():
        started = ensure_engine(log)
        USERS.mkdir(parents=True, exist_ok=True)
        (USERS / user).write_text(f"{os.getpid()}\n")
        return started


def _lease_live(path):
    try:
        pid = int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        pid = None
    if pid is not None and pid_alive(pid):
        return True
    p = run([docker(), "ps", "-a", "-q", "--filter", f"label=containerlab={path.name}"], check=False, timeout=20)
    return p.returncode == 0 and bool(p.stdout.split())


def other_users(user=None):
    """Names of the live leases other than user's (stale lease files are removed)."""
    live = []
    for path in sorted(USERS.glob("*")) if USERS.is_dir() else ():
        if path.name == user:
            continue
        if engine_running() and _lease_live(path):
            live.append(path.name)
        else:
            path.unlink(missing_ok=True)
    return live


def release(user, log=print):
    """Gives user's lease back; stops the lab's engine (if the lab started it) when no other lease is live.
    Returns True if it stopped the engine."""
    with _locked():
        (USERS / user).unlink(missing_ok=True)
        others = other_users(user)
        if others:
            if _owned_pid() is not None:
                log(f"docker: leaving the lab's dockerd running: still used by {', '.join(others)}")
            return False
        return stop_owned_engine(log)


def _mounts_under(path):
    with open("/proc/self/mounts") as f:
        return [line.split()[1] for line in f if line.split()[1].startswith(str(path) + "/")]


def _log_tail(start=0):
    """The end of what dockerd logged since offset start."""
    try:
        with open(LOG, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        text = ""
    return text[-2000:] or "(nothing logged)"


if __name__ == "__main__":
    # `docker_engine.py start|stop`: what images/clab.mk's targets use when they need only the engine.
    action = sys.argv[1] if len(sys.argv) > 1 else "start"
    try:
        if action == "start":
            ensure_engine()
        elif other_users():
            print(f"docker_engine: not stopping the engine: used by {', '.join(other_users())}")
        else:
            stop_owned_engine()
    except LabError as exc:
        print(f"docker_engine: {exc}", file=sys.stderr)
        sys.exit(1)
    os._exit(0)
