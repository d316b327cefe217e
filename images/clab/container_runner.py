"""Brings a containerlab topology up and down with plain docker and iproute2, the way containerlab does, for
machines without containerlab.

up(topology):
    1. removes what an earlier run of the same lab left (down());
    2. per node: `docker run -d --network none --privileged (see privilege_args) --name clab-<lab>-<node> --hostname <node>
       --label containerlab=<lab> --label clab-node-name=<node> -v <binds> IMAGE [cmd]`, waits until it runs
       and names its network namespace (`ip netns attach clab-<lab>-<node> PID`, as containerlab does);
    3. per link: a veth pair created in the host's namespace under temporary names (TMP_PREFIX...), each end
       moved into its node's namespace, renamed to the endpoint's interface and set up;
    4. per node, in file order: its `exec` commands through `docker exec` (a failing one fails the run).
  On any failure (or Ctrl-C / SIGTERM) it removes everything it created before re-raising.

down(lab): removes the lab's containers (by label; their namespaces and the veths in them go with them),
the nodes' netns names, and any temporary veth an interrupted run left in the host's namespace (named after
the run's PID: only those of runs no longer alive). Idempotent; leaves other labs (other names) alone.

Errors: LabError with the failing command's output. Single-threaded; nothing is kept between calls: the
containers' labels are the state.
"""
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fabric"))
from util import LabError, install_sigterm_handler, netns_list, pid_alive, run, wait_for  # noqa: E402
from docker_engine import docker  # noqa: E402

TMP_PREFIX = "acdl"  # temporary veth names in the host's namespace: acdl<pid>.<link #><a|b> (<= 15 chars)
TMP_RE = re.compile(rf"^{TMP_PREFIX}(\d+)\.\d+[ab]$")
START_TIMEOUT = 30
EXEC_TIMEOUT = 30


def _ip(*args, check=True):
    return run(["ip", *args], check=check)


def containers(lab):
    """IDs of the lab's containers (running or not)."""
    out = run([docker(), "ps", "-a", "-q", "--filter", f"label=containerlab={lab}"]).stdout
    return out.split()


def running(topology):
    """True if every node's container of the topology is running."""
    for node in topology.nodes.values():
        p = run([docker(), "inspect", "-f", "{{.State.Running}}", node.container], check=False)
        if p.returncode != 0 or p.stdout.strip() != "true":
            return False
    return True


# Capability names by number (linux/capability.h), for docker's --cap-drop.
CAPS = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
        "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT "
        "SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE "
        "AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ "
        "PERFMON BPF CHECKPOINT_RESTORE").split()


def privilege_args():
    """`--privileged`, as containerlab runs its nodes, where this process holds every capability. Where it
    does not (a sandbox without CAP_SYS_RESOURCE, say), runc cannot grant them and --privileged fails; the
    nodes then get everything else --privileged gives that matters here: every capability held, writable
    /proc/sys (sysctl), no seccomp or AppArmor profile."""
    with open("/proc/self/status") as f:
        bnd = int(next(line.split()[1] for line in f if line.startswith("CapBnd:")), 16)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    missing = [CAPS[i] for i in range(min(last + 1, len(CAPS))) if not bnd & (1 << i)]
    if not missing:
        return ["--privileged"]
    return (["--cap-add", "ALL"] + [a for cap in missing for a in ("--cap-drop", cap)] +
            ["--security-opt", "systempaths=unconfined", "--security-opt", "seccomp=unconfined",
             "--security-opt", "apparmor=unconfined"])


def _start_node(lab, node, privileges):
    args = [docker(), "run", "-d", "--name", node.container, "--hostname", node.name,
            "--network", node.network_mode, *privileges,
            "--label", f"containerlab={lab}", "--label", f"clab-node-name={node.name}"]
    for host, target, opts in node.binds:
        args += ["-v", f"{host}:{target}" + (f":{opts}" if opts else "")]
    run(args + [node.image, *node.cmd], timeout=60)

    def pid():
        out = run([docker(), "inspect", "-f", "{{.State.Running}} {{.State.Pid}}", node.container]).stdout.split()
        return int(out[1]) if out[0] == "true" and int(out[1]) > 0 else None
    p = wait_for(pid, START_TIMEOUT, f"container {node.container} to run")
    _ip("netns", "attach", node.container, str(p))


def _wire(topology, index, link):
    base = f"{TMP_PREFIX}{os.getpid()}.{index}"
    a_tmp, b_tmp = f"{base}a", f"{base}b"
    _ip("link", "add", a_tmp, "type", "veth", "peer", "name", b_tmp)
    for tmp, node, ifname in ((a_tmp, link.a, link.a_if), (b_tmp, link.b, link.b_if)):
        ns = topology.node(node).container
        _ip("link", "set", tmp, "netns", ns)
        _ip("-n", ns, "link", "set", tmp, "name", ifname)
        _ip("-n", ns, "link", "set", ifname, "up")


def _exec(node):
    for argv in node.exec:
        p = run([docker(), "exec", node.container, *argv], check=False, timeout=EXEC_TIMEOUT)
        if p.returncode != 0:
            raise LabError(f"{node.name}: exec {' '.join(argv)} exited {p.returncode}: "
                           f"{(p.stderr or p.stdout).strip()}")


def temporary_links(pid=None):
    """Temporary veth names in the host's namespace (of run pid, if given)."""
    found = []
    for line in _ip("-o", "link", "show", check=False).stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        m = TMP_RE.match(name)
        if m and (pid is None or int(m.group(1)) == pid):
            found.append(name)
    return found


def up(topology, log=print):
    install_sigterm_handler()
    down(topology, log=lambda msg: None)
    t0 = time.monotonic()
    try:
        privileges = privilege_args()
        if privileges != ["--privileged"]:
            log(f"lab: this machine cannot grant every capability; nodes run with {' '.join(privileges)}")
        for node in topology.nodes.values():
            _start_node(topology.name, node, privileges)
        log(f"lab: {len(topology.nodes)} containers running ({time.monotonic() - t0:.1f}s)")
        for i, link in enumerate(topology.links):
            _wire(topology, i, link)
        log(f"lab: {len(topology.links)} links wired")
        for node in topology.nodes.values():
            _exec(node)
    except BaseException:
        log("lab: bringing the topology up failed; removing what was created")
        down(topology, log)
        raise


def down(topology, log=print):
    errors = []
    ids = containers(topology.name)
    if ids:
        p = run([docker(), "rm", "-f", *ids], check=False, timeout=120)
        if p.returncode != 0:
            errors.append(p.stderr.strip())
        log(f"lab: removed {len(ids)} containers")
    names = {node.container for node in topology.nodes.values()}
    for ns in netns_list():
        if ns in names:
            p = _ip("netns", "del", ns, check=False)
            if p.returncode != 0:
                errors.append(p.stderr.strip())
    for name in temporary_links():
        pid = int(TMP_RE.match(name).group(1))
        if pid == os.getpid() or not pid_alive(pid):  # a concurrent run's links are its own business
            _ip("link", "del", name, check=False)
    if errors:
        raise LabError(f"lab clean-up had errors: {errors}")
