"""Shared by the fault-injection tests (tests/integration/test_faults*.py, short) and the soak tests
(tests/soak/, the same scenarios repeated and bigger): the faults themselves and the one check that follows
each of them.

`converged(fab, want)` waits until the fabric holds what health dictates and checks that nothing leaked:
- the leaf's kernel: exactly the wanted routes (of anycastd's protocol in kernel mode, zebra's in zebra mode),
  each over exactly the wanted servers, and no nexthop object beyond those the routes use;
- zebra (`show ip[v6] route json`): each wanted route (in zebra mode with exactly the wanted next hops),
  none for the others;
- the spine's BGP RIB: the wanted VIPs that bgpd announces, and none of the withdrawn ones;
- anycastd: `anycastctl --json show vips` answers within RESPONSIVE_S and agrees, its open fds are back to
  the baseline (plus FD_SLACK) and its RSS within the bound of `Resources`.
Every wait polls with a deadline and fails with what it saw last.

Faults: `Storm` (thousands of unrelated route changes in the leaf through `ip -batch`),
`event_socket_drops` (what the kernel dropped on anycastd's netlink sockets, from /proc/PID/net/netlink),
`open_idle` and `send_malformed` (control connections that never send; malformed and oversized messages),
`FaultyServer` (a server that answers slowly, resets or answers garbage: tests/fabric/faulty_http_server.py).

Threads: the calling test's thread only (the control socket floods open their sockets from it too).
"""
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from fabric import VIP4, VIP6, LabError, WaitTimeout, wait_for
from helpers import TIMEOUT, addresses, family

REPO = Path(__file__).resolve().parents[2]
ANYCASTCTL = Path(os.environ.get("ANYCASTCTL") or
                  Path(os.environ.get("ANYCASTD") or REPO / "build" / "anycastd").with_name("anycastctl"))
FAULTY_HTTP_SERVER = REPO / "tests" / "fabric" / "faulty_http_server.py"
RESPONSIVE_S = 3.0    # anycastctl show must answer within this (the machine is loaded; normally ~10 ms)
FD_SLACK = 4          # open fds may exceed the baseline by this much (probes in flight)
RSS_SLACK_KB = 16384  # RSS may grow by this much plus half the baseline
CONVERGE_S = 30       # deadline for the fabric to converge after a fault


# ---- anycastctl ------------------------------------------------------------------------------------------

@pytest.fixture
def need_anycastctl():
    """Skips a test when anycastctl is not built (import it into a test module with autouse)."""
    if not os.access(ANYCASTCTL, os.X_OK):
        pytest.skip(f"no anycastctl binary at {ANYCASTCTL} (build it with `make`)")


def both(names):
    """The same servers for the fabric's IPv4 and IPv6 VIP."""
    return {VIP4: names, VIP6: names}


def ctl(fab, *args, timeout=20, check=True):
    """Runs anycastctl against the fabric's anycastd; returns (CompletedProcess, seconds it took)."""
    cmd = [str(ANYCASTCTL), "--socket", str(fab.control_socket), "--timeout", str(int(timeout * 1000)), *args]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5)
    took = time.monotonic() - t0
    if check and p.returncode != 0:
        raise AssertionError(f"anycastctl {' '.join(args)} exited {p.returncode} after {took:.2f}s: "
                             f"{p.stderr}{p.stdout}")
    return p, took


def show_vips(fab, bound=RESPONSIVE_S):
    """{name: vip} from `anycastctl --json show vips`, asserting it answered within `bound` seconds."""
    p, took = ctl(fab, "--json", "show", "vips", timeout=bound)
    assert took <= bound, f"anycastctl show took {took:.2f}s (bound {bound}s)"
    return {v["name"]: v for v in json.loads(p.stdout).get("vips", [])}


def show_vip(fab, name):
    p, _ = ctl(fab, "--json", "show", "vip", name, timeout=RESPONSIVE_S)
    vips = json.loads(p.stdout).get("vips", [])
    return vips[0] if vips else None


def wait_ctl_socket(fab):
    wait_for(lambda: fab.control_socket.exists(), TIMEOUT, "anycastd's control socket")


# ---- resources ---------------------------------------------------------------------------------------------

def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def open_fds(pid):
    """What each of pid's open fds refers to, sorted; an fd closed while reading is left out."""
    out = []
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{n}"))
        except FileNotFoundError:
            pass
    return sorted(out)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise LabError(f"no VmRSS for {pid}")


class Resources:
    """anycastd's open fds and RSS at a quiet moment (the baseline), and the check that they came back to
    it: fds at most FD_SLACK above, RSS at most RSS_SLACK_KB plus half the baseline above."""

    def __init__(self, fab):
        self.pid = fab.anycastd_pid
        # The least fds seen in a few samples: probes in flight hold a socket each.
        samples = []
        for _ in range(5):
            samples.append(fd_count(self.pid))
            time.sleep(0.02)
        self.fds = min(samples)
        self.rss = rss_kb(self.pid)

    def fd_bound(self):
        return self.fds + FD_SLACK

    def rss_bound(self):
        return self.rss + self.rss // 2 + RSS_SLACK_KB

    def check(self, fab, timeout=TIMEOUT):
        assert fab.anycastd_pid == self.pid, "anycastd was restarted: compare with a new baseline"
        # The probe returns what the fds are, so that a timeout shows them.
        wait_for(lambda: open_fds(self.pid), timeout,
                 f"anycastd's open fds back to at most {self.fd_bound()} (baseline {self.fds})",
                 until=lambda fds: len(fds) <= self.fd_bound())
        rss = rss_kb(self.pid)
        assert rss <= self.rss_bound(), f"anycastd's RSS {rss} kB, baseline {self.rss} kB (bound {self.rss_bound()})"
        return fd_count(self.pid), rss


# ---- convergence -------------------------------------------------------------------------------------------

def zebra_rib(fab, fam):
    """{prefix: gateways} of zebra's selected routes of family 4 or 6 (`show ip[v6] route json`)."""
    rib = json.loads(fab.vtysh(f"show {'ipv6' if fam == 6 else 'ip'} route json") or "{}")
    out = {}
    for prefix, entries in rib.items():
        for e in entries:
            if e.get("selected"):
                out[prefix] = frozenset(nh["ip"] for nh in e.get("nexthops", [])
                                        if "ip" in nh and nh.get("active", True))
    return out


def _expected_objects(fab):
    """The nexthop objects the kernel should hold: in kernel mode the groups of anycastd's routes and their
    members; in zebra mode none (the fabric's zebra writes no nexthop objects)."""
    if fab.mode != "kernel":
        return set()
    nhs = fab.nexthops()
    want = set()
    for r in fab.kernel_routes().values():
        if "nhid" in r:
            want.add(r["nhid"])
            want.update(m["id"] for m in nhs.get(r["nhid"], {}).get("group", []))
    return want


def converged(fab, want, resources=None, vip_names=None, timeout=CONVERGE_S):
    """Waits until the fabric holds `want` ({prefix: server names, or () for withdrawn}) everywhere and
    nothing leaked (module docstring). vip_names: {prefix: VIP name} to cross-check `anycastctl show`."""
    expect = {p: addresses(fab, names, family(p)) for p, names in want.items()}
    announced = {p for p, a in expect.items() if a}

    def kernel():
        groups = fab.nexthop_groups()
        return {p: groups.get(p, frozenset()) for p in expect}
    try:
        wait_for(kernel, timeout, f"the leaf's kernel routes to be {expect}", until=lambda k: k == expect)
    except WaitTimeout as exc:
        raise WaitTimeout(f"{exc}\nzebra's view: {fab.vtysh('show ip route')}\n{fab.vtysh('show ipv6 route')}") from exc
    routes = set(fab.kernel_routes(fab.route_proto if fab.mode == "kernel" else 200))
    if fab.mode == "kernel":
        assert routes == announced, f"routes of protocol 200 in the leaf: {sorted(routes)}, want {sorted(announced)}"
    else:
        assert not routes, f"routes of protocol 200 in zebra mode: {routes}"
    wait_for(lambda: (set(fab.leftover_nexthops()), _expected_objects(fab)), timeout,
             "no nexthop objects in the leaf beyond those of the wanted routes",
             until=lambda got: got[0] == got[1])

    # zebra mode: zebra owns the route, so its next hops must be exactly the wanted ones. Kernel mode: zebra
    # holds the agent's route as a kernel route (what bgpd redistributes) exactly while it is announced; its
    # next hops are not compared because zebra 8.4 keeps the members a group had when it first learned it and
    # ignores the agent's in-place changes (README, kernel mode: use `ip route` or `anycastctl show`).
    def zebra():
        ribs = {4: zebra_rib(fab, 4), 6: zebra_rib(fab, 6)}
        held = {p: ribs[family(p)].get(p) for p in expect}
        if fab.mode == "kernel":
            return {p: bool(h) for p, h in held.items()}
        return {p: h or frozenset() for p, h in held.items()}
    zebra_want = {p: bool(a) for p, a in expect.items()} if fab.mode == "kernel" else expect
    wait_for(zebra, timeout, f"zebra's RIB to hold {zebra_want}", until=lambda z: z == zebra_want)

    def spine():
        return {p: fab.spine_has(p) for p in expect if p in fab.vips}
    wait_for(spine, timeout, "the spine's BGP RIB to hold exactly the announced VIPs",
             until=lambda s: all(held == (p in announced) for p, held in s.items()))

    if vip_names:
        def agent():
            v = show_vips(fab)
            return {p: frozenset(v[n].get("nexthops", [])) for p, n in vip_names.items()}
        wait_for(agent, timeout, "anycastctl show vips to agree with the kernel",
                 until=lambda a: a == {p: expect[p] for p in vip_names})
    else:
        show_vips(fab)
    assert fab.anycastd_running, f"anycastd exited:\n{fab.anycastd_log()[-3000:]}"
    if resources is not None:
        return resources.check(fab)
    return None


# ---- netlink event storms -----------------------------------------------------------------------------------

class Storm:
    """A veth pair in the leaf (storm0/storm1, no addresses) for storms of route changes in table 4242, which
    nothing else uses, so a storm changes nothing that anycastd, zebra or bgpd act on. A context manager:
    the pair is removed on exit."""

    DEV = "storm0"

    def __init__(self, fab, tmpdir):
        self.fab, self.tmpdir = fab, Path(tmpdir)

    def __enter__(self):
        self.fab.ip(self.fab.leaf, "link", "del", self.DEV, check=False)
        self.fab.ip(self.fab.leaf, "link", "add", self.DEV, "type", "veth", "peer", "name", "storm1")
        self.fab.ip(self.fab.leaf, "link", "set", self.DEV, "up")
        self.fab.ip(self.fab.leaf, "link", "set", "storm1", "up")
        return self

    def __exit__(self, *exc):
        self.fab.ip(self.fab.leaf, "link", "del", self.DEV, check=False)
        return False

    def blow(self, changes, name="storm"):
        """Makes `changes` route notifications in the leaf (IPv4 /32s and IPv6 /128s added and deleted) with
        one tight `ip -batch`; returns the seconds it took."""
        lines = []
        for i in range(changes // 4):
            v4 = f"198.51.100.{128 + i % 64}/32"
            v6 = f"2001:db8:5000::{i % 4096:x}/128"
            lines += [f"route add {v4} dev {self.DEV} table 4242", f"route del {v4} dev {self.DEV} table 4242",
                      f"route add {v6} dev {self.DEV} table 4242",
                      f"route del {v6} dev {self.DEV} table 4242"]
        path = self.tmpdir / f"{name}.batch"
        path.write_text("\n".join(lines) + "\n")
        t0 = time.monotonic()
        self.fab.ip(self.fab.leaf, "-batch", str(path))
        return time.monotonic() - t0


def event_socket_drops(pid):
    """{inode: drops} of the netlink sockets anycastd holds, from the kernel's /proc/PID/net/netlink (the
    Drops column counts notifications lost to a full receive buffer: the ENOBUFS the process then reads)."""
    inodes = set()
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            m = re.match(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{n}"))
        except FileNotFoundError:
            continue
        if m:
            inodes.add(int(m.group(1)))
    drops = {}
    with open(f"/proc/{pid}/net/netlink") as f:
        header = f.readline().split()
        for line in f:
            row = dict(zip(header, line.split()))
            if int(row["Inode"]) in inodes:
                drops[int(row["Inode"])] = int(row["Drops"])
    return drops


# ---- the control socket ------------------------------------------------------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


MALFORMED = [
    b"\xff\xff\xff\xff\xff\xff\xff",            # a varint that never ends
    b"\x05hello",                               # a frame that is no Request
    varint(70000) + b"x" * 70000,               # over the 64 KiB limit
    varint(1 << 30) + b"y" * 200000,            # announces 1 GiB, sends 200 KB
    varint(10) + b"\x0a\x08" + b"\xff" * 8,     # a Request whose field lies about its length
    os.urandom(8192),
]


def open_idle(fab, count):
    """Opens `count` connections to the control socket that never send anything; the caller closes them."""
    idlers = []
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(fab.control_socket))
        idlers.append(s)
    return idlers


def send_malformed(fab, connections, rounds=1):
    """`rounds` x `connections` connections, each sending one of MALFORMED and reading what comes back, if
    anything. Returns how many got an error reply."""
    path = str(fab.control_socket)
    replies = 0
    for _ in range(rounds):
        socks = []
        for i in range(connections):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect(path)
                s.sendall(MALFORMED[i % len(MALFORMED)])
            except OSError:
                pass  # the daemon may close an oversized sender before it finished
            socks.append(s)
        for s in socks:
            try:
                if b"bad request" in s.recv(65536):
                    replies += 1
            except OSError:
                pass
            s.close()
    return replies


# ---- a misbehaving server ----------------------------------------------------------------------------------

class FaultyServer:
    """Replaces server `name`'s IPv4 HTTP service by tests/fabric/faulty_http_server.py, whose behaviour
    set_mode() switches (ok, slow, reset, garbage). Started as a fabric daemon, so the fabric's reset stops
    it; stop() puts the normal service back."""

    def __init__(self, fab, name, slow_seconds=3.0):
        self.fab, self.name = fab, name
        d = fab.rundir / name
        self.mode_file = d / "faulty.mode"
        self.ready = d / "faulty.ready"
        self.set_mode("ok")
        self.ready.unlink(missing_ok=True)
        fab.stop_service(name, family=4)
        fab.start_daemon("faulty-http", name,
                         ["/usr/bin/python3", FAULTY_HTTP_SERVER, "--bind", fab.server(name).v4, "--port", "80",
                          "--mode-file", self.mode_file, "--slow-seconds", str(slow_seconds),
                          "--ready", self.ready],
                         self.ready.exists, "the faulty HTTP server listening")

    def set_mode(self, mode):
        tmp = self.mode_file.with_suffix(".tmp")
        tmp.write_text(mode + "\n")
        tmp.rename(self.mode_file)

    def stop(self):
        self.fab.stop_daemon("faulty-http", self.name)
        self.fab.start_service(self.name, family=4)


def many_vips(fab, count, first=100, **kw):
    """`count` VIP blocks over all servers, prefixes 203.0.113.<first>.. then /128s in 2001:db8:100::/64 (only
    the fabric's own VIPs are announced by bgpd; these stay in the leaf's kernel)."""
    blocks = []
    for i in range(count):
        prefix = f"203.0.113.{first + i}/32" if first + i < 256 else f"2001:db8:100::{i:x}/128"
        blocks.append(fab.vip(f"v{i}", prefix, **kw))
    return blocks


def prefixes_of(blocks):
    return [re.search(r'prefix: "([^"]+)"', b).group(1) for b in blocks]

