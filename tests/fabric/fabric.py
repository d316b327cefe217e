"""A namespace fabric for testing and demonstrating anycastd: real kernel, real FRR, real BGP peer, real servers.

Topology (every name carries a per-run tag, e.g. `acd-1234-leaf`, so parallel and leftover runs never meet):

    spine (gobgpd, AS 65000)                      198.51.100.0/31 2001:db8:ff::1/64  eth-leaf
      |  IPv4 session (ipv4-unicast) and IPv6 session (ipv6-unicast)
    leaf (FRR zebra + bgpd, AS 65001; anycastd)  198.51.100.1/31 2001:db8:ff::2/64  eth-spine
      |-- eth-s1  192.0.2.1/30   2001:db8:1::1/64  --  s1 eth0 192.0.2.2/30   2001:db8:1::2/64
      |-- eth-s2  192.0.2.5/30   2001:db8:2::1/64  --  s2 eth0 192.0.2.6/30   2001:db8:2::2/64
      '-- eth-s3  192.0.2.9/30   2001:db8:3::1/64  --  s3 eth0 192.0.2.10/30  2001:db8:3::2/64

Each server holds the VIPs on `lo` and runs one HTTP server (tests/fabric/http_server.py, serving `healthz` and
`index.html`) per address family on port 80; `stop_service`/`start_service` stop and start them. Tests may
start more daemons in a server (`start_daemon`, e.g. dnsmasq or nginx); `reset` stops them. The leaf's
bgpd announces kernel routes whose prefix is one of the fabric's VIPs (`redistribute kernel route-map`), so
what anycastd writes into the leaf's kernel is what the spine learns.

FRR release of the leaf (`Fabric(frr=...)`): "8.4" runs the host's FRR (Debian 12); "10.3" runs mgmtd, zebra
and bgpd from a Debian 13 root (tests/fabric/frr_root.py builds and caches it) inside the leaf namespace, each as
`ip netns exec LEAF sh -c '<mounts>; exec chroot ROOT /usr/lib/frr/NAME ...'`: the mounts (/proc, the
namespace's /sys, /dev, tmpfs on /run, /var/lib/frr and /var/tmp, the FRR directory bound at the same path)
live in the private mount namespace `ip netns exec` creates for that one daemon, so the host never sees them
and they go away with it. vtysh is reached the same way.

Ownership and clean-up: a Fabric owns its namespaces, the processes it started (stopped by PID, then anything
left in its namespaces), and its run directory /run/acd-<tag>. `close()` removes all of it; it runs from the
context manager, from atexit, and on SIGTERM (turned into KeyboardInterrupt). Namespaces and run directories
left by a run whose process no longer exists are removed before a new fabric is built.

Threads: a Fabric is driven from one thread; `Watcher` samples it from a background thread, which only reads.
Errors: commands that fail raise LabError with their stderr; `wait_for` raises WaitTimeout (an AssertionError,
so pytest reports it as a failure) with what it was waiting for and what it saw last.
"""
import atexit
import grp
import ipaddress
import itertools
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from util import (LabError, WaitTimeout, install_sigterm_handler, netns_list, netns_pids,  # noqa: E402,F401
                  remove_stale, run, stop_pid, wait_for)
import frr_root  # noqa: E402
from watcher import Watcher  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
HTTP_SERVER = Path(__file__).resolve().parent / "http_server.py"
PYTHON = "/usr/bin/python3"
FRR_BIN = Path("/usr/lib/frr")
FRR_RELEASES = ("8.4", "10.3")  # the host's FRR (Debian 12); FRR from the Debian 13 root (frr_root.py)

SPINE_AS = 65000
LEAF_AS = 65001
SPINE_V4, LEAF_V4 = "198.51.100.0", "198.51.100.1"
SPINE_V6, LEAF_V6 = "2001:db8:ff::1", "2001:db8:ff::2"
VIP4 = "203.0.113.10/32"
VIP6 = "2001:db8::10/128"
HTTP_PORT = 80
ROUTE_PROTOCOL = 200
TABLE_INSTANCE = 100  # zebra mode: route type table, this instance
TAGGED_ROUTE_TAG = 65010  # bgpd's route-map sets MED TAGGED_MED on VIP routes carrying this tag
TAGGED_MED = 500
RTPROT_ZEBRA = 11  # zebra's routes in the kernel

_seq = itertools.count()


def _host_prefix(dst, family):
    if dst == "default":
        return "0.0.0.0/0" if family == 4 else "::/0"
    return str(ipaddress.ip_network(dst, strict=False))


@dataclass(frozen=True)
class Server:
    name: str
    ns: str
    v4: str       # the server's address (the next hop anycastd uses)
    leaf_v4: str  # the leaf's address on that link
    v6: str
    leaf_v6: str
    leaf_dev: str  # the leaf's interface towards the server

    def address(self, family):
        return self.v4 if family == 4 else self.v6


def vip_config(name, prefix, servers, check="http", port=HTTP_PORT, path="/healthz", interval_ms=200,
               timeout_ms=150, rise=2, fall=2, min_healthy=1, weights=None, probe=None):
    """A `vip { ... }` block. servers: list of (name, address); weights: optional {name: weight}. probe: the
    check's probe verbatim (e.g. 'icmp { }'), instead of the one `check` names."""
    if probe is not None:
        pass
    elif check == "http":
        probe = f'http {{ port: {port} path: "{path}" expect_status: 200 }}'
    else:
        probe = f"tcp {{ port: {port} }}"
    lines = [
        "vip {",
        f'  name: "{name}"',
        f'  prefix: "{prefix}"',
        f"  min_healthy: {min_healthy}",
        f"  check {{ {probe} interval_ms: {interval_ms} timeout_ms: {timeout_ms} rise: {rise} fall: {fall} }}",
    ]
    for sname, addr in servers:
        w = (weights or {}).get(sname)
        lines.append(f'  server {{ name: "{sname}" address: "{addr}"' + (f" weight: {w}" if w else "") + " }")
    lines.append("}")
    return "\n".join(lines) + "\n"


class Fabric:
    """Builds and removes the fabric described in the module docstring. Use as a context manager:

        with Fabric() as fab:
            fab.start_anycastd(fab.config(fab.vip("web", VIP4)))
            wait_for(lambda: fab.nexthop_group(VIP4), 10, "the VIP's group",
                     until=lambda g: g == {"192.0.2.2", "192.0.2.6", "192.0.2.10"})
    """

    def __init__(self, vips=(VIP4, VIP6), anycastd=None, n_servers=3, zebra_nhg_keep=1, zebra_extra=(),
                 kernel_extra="", log=None, mode="kernel", frr="8.4"):
        """vips: the prefixes bgpd may announce (and the servers hold on lo). anycastd: the binary (default
        $ANYCASTD or build/anycastd). zebra_nhg_keep: `zebra nexthop-group keep` in seconds, None for FRR's
        default (180 s). zebra 8.4 keeps a kernel nexthop group it learned that long after its last route
        went, and while it does, re-creates the group's members as its own (proto zebra, same IDs) when
        they are deleted; 1 s makes that leftover vanish between tests. zebra_extra: more zebra.conf lines.
        kernel_extra: fields added to `dataplane { kernel { ... } }` by config(). frr: the leaf's FRR release,
        one of FRR_RELEASES (see the module docstring). mode: "kernel" (bgpd
        redistributes kernel routes) or "zebra" (anycastd hands the routes to zebra as type table, instance
        TABLE_INSTANCE; bgpd announces IPv4 VIPs through `redistribute table` and IPv6 VIPs through `network`
        statements, as the README documents)."""
        if frr not in FRR_RELEASES:
            raise ValueError(f"frr must be one of {FRR_RELEASES}, not {frr!r}")
        self.frr = frr
        self.frr_root = None  # the FrrRoot the leaf's FRR runs from (frr != "8.4"), set by build()
        if mode not in ("kernel", "zebra"):
            raise ValueError(f"mode must be kernel or zebra, not {mode!r}")
        self.mode = mode
        # The protocol of the VIP routes in the leaf's kernel: anycastd's own, or zebra's in zebra mode.
        self.route_proto = ROUTE_PROTOCOL if mode == "kernel" else RTPROT_ZEBRA
        self.kernel_extra = kernel_extra
        self.zebra_nhg_keep = zebra_nhg_keep
        self.zebra_extra = list(zebra_extra)
        self.vips = [str(ipaddress.ip_network(v)) for v in vips]
        self.anycastd_binary = Path(anycastd or os.environ.get("ANYCASTD") or REPO / "build" / "anycastd")
        self.owner = os.getpid()
        seq = next(_seq)
        self.tag = f"acd-{self.owner}" + (f".{seq}" if seq else "")
        self.rundir = Path("/run") / self.tag
        self.leaf = f"{self.tag}-leaf"
        self.spine = f"{self.tag}-spine"
        self.servers = []
        for i in range(1, n_servers + 1):
            base = 4 * (i - 1)
            self.servers.append(Server(
                name=f"s{i}", ns=f"{self.tag}-s{i}",
                v4=f"192.0.2.{base + 2}", leaf_v4=f"192.0.2.{base + 1}",
                v6=f"2001:db8:{i}::2", leaf_v6=f"2001:db8:{i}::1", leaf_dev=f"eth-s{i}"))
        self.namespaces = [self.spine, self.leaf] + [s.ns for s in self.servers]
        self.gobgp_sock = self.rundir / "spine" / "gobgp.sock"
        self.frr_dir = self.rundir / "leaf"
        self.control_socket = self.rundir / "anycastd.sock"
        self.state_file = self.rundir / "anycastd" / "state"
        self._log = log or (lambda msg: None)
        self._procs = {}  # key -> Popen: every process we started (all stay our children)
        self._anycastd = None
        self._anycastd_runs = 0
        self.anycastd_log_path = None
        self._built = False
        self._closed = False

    # ---- life cycle -------------------------------------------------------------------------------------
    def __enter__(self):
        self.build()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def build(self):
        """Creates everything; on any failure removes what was created and re-raises."""
        if os.geteuid() != 0:
            raise LabError("the fabric needs root (network namespaces, FRR)")
        atexit.register(self.close)
        install_sigterm_handler()
        self._built = True
        try:
            remove_stale()
            self._find_frr_root()
            self._make_dirs()
            self._make_namespaces()
            self._make_links()
            for s in self.servers:
                self._prepare_server(s)
                self.start_service(s.name)
            self._start_frr()
            self._start_gobgpd()
            wait_for(self.bgp_established, 30, "both BGP sessions leaf<->spine Established")
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Removes everything this fabric created. Idempotent; safe after a partial build."""
        if self._closed or not self._built or os.getpid() != self.owner:
            return
        self._closed = True
        # A second Ctrl-C (or a SIGTERM) must not cut the clean-up short.
        main = threading.current_thread() is threading.main_thread()
        saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)} if main else {}
        try:
            self._remove_all()
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler)

    def _remove_all(self):
        errors = []
        if self._anycastd is not None:
            try:
                self.kill_anycastd()
            except Exception as exc:
                errors.append(exc)
        for key, proc in reversed(list(self._procs.items())):  # the BGP peer first, servers last
            try:
                stop_pid(proc.pid, signal.SIGTERM, 3)
                proc.wait(timeout=1)
            except Exception as exc:
                errors.append(exc)
            self._procs.pop(key, None)
        existing = set(netns_list())
        for ns in self.namespaces:
            if ns not in existing:
                continue
            for pid in netns_pids(ns):  # anything else still inside (children of what we started)
                try:
                    stop_pid(pid, signal.SIGKILL)
                except Exception as exc:
                    errors.append(exc)
            p = run(["ip", "netns", "del", ns], check=False)
            if p.returncode != 0:
                errors.append(LabError(f"ip netns del {ns}: {p.stderr.strip()}"))
        shutil.rmtree(self.rundir, ignore_errors=True)
        atexit.unregister(self.close)
        if errors:
            raise LabError(f"fabric clean-up had errors: {errors}")

    # ---- building ---------------------------------------------------------------------------------------
    def _make_dirs(self):
        self.rundir.mkdir(mode=0o755)
        for sub in ("spine", "anycastd"):
            (self.rundir / sub).mkdir()
        self.frr_dir.mkdir()
        os.chown(self.frr_dir, *self._frr_ids())
        self.frr_dir.chmod(0o775)
        if self.frr_root is not None:
            (self.frr_dir / "run").mkdir()
            os.chown(self.frr_dir / "run", *self._frr_ids())
            (self.frr_dir / "run").chmod(0o775)
        for s in self.servers:
            www = self.rundir / s.name / "www"
            www.mkdir(parents=True)
            (www / "healthz").write_text("ok\n")
            (www / "index.html").write_text(f"served by {s.name}\n")

    def _make_namespaces(self):
        for ns in self.namespaces:
            run(["ip", "netns", "add", ns])
            self.ip(ns, "link", "set", "lo", "up")
            # No duplicate address detection (addresses usable at once); keep IPv6 addresses when a link goes
            # down so that link flaps in tests do not need re-addressing.
            sysctls = ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                       "net.ipv6.conf.all.keep_addr_on_down=1", "net.ipv6.conf.default.keep_addr_on_down=1"]
            if ns in (self.leaf, self.spine):
                sysctls += ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]
            run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", *sysctls])

    def _make_links(self):
        self._veth(self.leaf, "eth-spine", self.spine, "eth-leaf")
        self._addr(self.leaf, "eth-spine", f"{LEAF_V4}/31", f"{LEAF_V6}/64")
        self._addr(self.spine, "eth-leaf", f"{SPINE_V4}/31", f"{SPINE_V6}/64")
        for s in self.servers:
            self._veth(self.leaf, s.leaf_dev, s.ns, "eth0")
            self._addr(self.leaf, s.leaf_dev, f"{s.leaf_v4}/30", f"{s.leaf_v6}/64")
            self._addr(s.ns, "eth0", f"{s.v4}/30", f"{s.v6}/64")
            self.ip(s.ns, "route", "add", "default", "via", s.leaf_v4)
            self.ip(s.ns, "-6", "route", "add", "default", "via", s.leaf_v6)

    def _veth(self, ns_a, dev_a, ns_b, dev_b):
        self.ip(ns_a, "link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", ns_b)
        self.ip(ns_a, "link", "set", dev_a, "up")
        self.ip(ns_b, "link", "set", dev_b, "up")

    def _addr(self, ns, dev, v4, v6):
        self.ip(ns, "addr", "add", v4, "dev", dev)
        self.ip(ns, "-6", "addr", "add", v6, "dev", dev, "nodad")

    def _prepare_server(self, s):
        for vip in self.vips:
            net = ipaddress.ip_network(vip)
            self.ip(s.ns, "-6" if net.version == 6 else "-4", "addr", "add", vip, "dev", "lo")

    def _frr_configs(self):
        v4 = [v for v in self.vips if ipaddress.ip_network(v).version == 4]
        v6 = [v for v in self.vips if ipaddress.ip_network(v).version == 6]
        d = self.frr_dir
        plist = [f"ip prefix-list ANYCAST-VIPS seq {10 * i} permit {v}" for i, v in enumerate(v4, 1)] or \
                ["ip prefix-list ANYCAST-VIPS seq 10 deny any"]
        plist += [f"ipv6 prefix-list ANYCAST-VIPS6 seq {10 * i} permit {v}" for i, v in enumerate(v6, 1)] or \
                 ["ipv6 prefix-list ANYCAST-VIPS6 seq 10 deny any"]
        # `no zebra nexthop kernel enable`: the kernel-mode setting the README documents (zebra stops writing
        # nexthop objects of its own; without it zebra 8.4 rewrites the agent's groups when they change).
        zebra = "\n".join(["hostname leaf", f"log file {d}/zebra.log", "no zebra nexthop kernel enable"] +
                          ([f"zebra nexthop-group keep {self.zebra_nhg_keep}"] if self.zebra_nhg_keep else []) +
                          self.zebra_extra) + "\n"
        bgpd = "\n".join([
            "hostname leaf",
            f"log file {d}/bgpd.log",
            *plist,
            # The README's drain hook: a VIP whose route carries TAGGED_ROUTE_TAG (route_tag, zebra mode) is
            # announced with MED TAGGED_MED.
            "route-map ANYCAST permit 5",
            " match ip address prefix-list ANYCAST-VIPS",
            f" match tag {TAGGED_ROUTE_TAG}",
            f" set metric {TAGGED_MED}",
            "route-map ANYCAST permit 10",
            " match ip address prefix-list ANYCAST-VIPS",
            "route-map ANYCAST6 permit 10",
            " match ipv6 address prefix-list ANYCAST-VIPS6",
            f"router bgp {LEAF_AS}",
            f" bgp router-id {LEAF_V4}",
            " no bgp ebgp-requires-policy",
            " no bgp default ipv4-unicast",
            *[line for peer in (SPINE_V4, SPINE_V6) for line in (
                f" neighbor {peer} remote-as {SPINE_AS}",
                f" neighbor {peer} timers 3 9",
                f" neighbor {peer} timers connect 1",
                f" neighbor {peer} advertisement-interval 0")],
            " address-family ipv4 unicast",
            f"  neighbor {SPINE_V4} activate",
            *(["  redistribute kernel route-map ANYCAST"] if self.mode == "kernel" else
              [f"  redistribute table {TABLE_INSTANCE} route-map ANYCAST"]),
            " exit-address-family",
            " address-family ipv6 unicast",
            f"  neighbor {SPINE_V6} activate",
            *(["  redistribute kernel route-map ANYCAST6"] if self.mode == "kernel" else
              [f"  network {v}" for v in v6]),
            " exit-address-family",
            "",
        ])
        return zebra, bgpd

    def _find_frr_root(self):
        if self.frr != "8.4" and self.frr_root is None:
            root = frr_root.ensure_root(log=self._log)
            if root.release != self.frr:
                raise LabError(f"the FRR root {root.path} holds FRR {root.version}, not {self.frr}")
            self.frr_root = root

    def _frr_ids(self):
        """(uid, gid) of user frr as the leaf's FRR sees it: the host's, or the root's (they differ)."""
        if self.frr_root is not None:
            return self.frr_root.ids()
        return pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid

    def _frr_daemons(self):
        """The leaf's FRR daemons in start order (FRR 10 needs mgmtd before zebra)."""
        return ("zebra", "bgpd") if self.frr_root is None else ("mgmtd", "zebra", "bgpd")

    def _start_frr(self):
        d = self.frr_dir
        zebra, bgpd = self._frr_configs()
        for name, text in (("zebra", zebra), ("bgpd", bgpd)):
            (d / f"{name}.conf").write_text(text)
            os.chown(d / f"{name}.conf", *self._frr_ids())
        common = ["-u", "frr", "-g", "frr", "-P", "0", "-z", d / "zserv.api", "--vty_socket", d]
        if "mgmtd" in self._frr_daemons():
            self._start_frr_daemon("mgmtd", common)
        # --v6-rr-semantics: zebra replaces an IPv6 route in place; without it (and with kernel nexthops off)
        # zebra updates an IPv6 route by deleting and re-adding it, a gap in the FIB (README, zebra mode).
        self._start_frr_daemon("zebra", common + ["--v6-rr-semantics"])
        wait_for(lambda: (d / "zserv.api").exists(), 10, f"zebra's API socket {d}/zserv.api")
        self._start_frr_daemon("bgpd", common + ["-p", "179"])

    def _start_frr_daemon(self, name, common):
        # In the foreground (no -d): the daemon stays our child, so we stop it by PID and reap it.
        d = self.frr_dir
        pidfile = d / f"{name}.pid"
        # mgmtd has no -f (it reads the config of the daemons it serves); it logs through --log.
        conf = ["--log", f"file:{d}/mgmtd.log"] if name == "mgmtd" else ["-f", d / f"{name}.conf"]
        cmd = [FRR_BIN / name, *conf, "-i", pidfile, *common]
        proc = self._spawn(name, self.leaf, self._in_frr_root(cmd), d / f"{name}.out")

        def started():
            if proc.poll() is not None:
                raise LabError(f"{name} exited {proc.returncode}: {(d / f'{name}.out').read_text()[-2000:]}")
            return pidfile.exists()
        wait_for(started, 10, f"{name}'s PID file {pidfile}")

    def _start_gobgpd(self):
        d = self.rundir / "spine"
        neighbors = []
        for addr, afi in ((LEAF_V4, "ipv4-unicast"), (LEAF_V6, "ipv6-unicast")):
            neighbors.append(f"""
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {LEAF_AS}
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "{afi}"
""")
        conf = d / "gobgpd.toml"
        conf.write_text(f"""[global.config]
  as = {SPINE_AS}
  router-id = "{SPINE_V4}"
  port = 179
""" + "".join(neighbors))
        self._spawn("gobgpd", self.spine, ["gobgpd", "-f", conf, "-t", "toml", "-p", "--pprof-disable",
                                           f"--api-hosts=unix://{self.gobgp_sock}"], d / "gobgpd.log")
        wait_for(lambda: self.gobgp_sock.exists() and self.gobgp("global", "-j"), 10,
                 f"gobgpd's API socket {self.gobgp_sock}")

    def _spawn(self, key, ns, cmd, logpath, env=None):
        with open(logpath, "ab") as logf:
            proc = subprocess.Popen(["ip", "netns", "exec", ns, *map(str, cmd)], stdin=subprocess.DEVNULL,
                                    stdout=logf, stderr=subprocess.STDOUT, start_new_session=True,
                                    env=None if env is None else {**os.environ, **env})
        self._procs[key] = proc
        return proc

    # ---- running commands -------------------------------------------------------------------------------
    def ip(self, ns, *args, check=True):
        return run(["ip", "-n", ns, *args], check=check)

    def exec(self, ns, *cmd, check=True, timeout=20):
        return run(["ip", "netns", "exec", ns, *cmd], check=check, timeout=timeout)

    def gobgp(self, *args):
        return run(["gobgp", f"--target=unix://{self.gobgp_sock}", *args], timeout=10).stdout

    def vtysh(self, command):
        """Runs one vtysh command against the leaf's FRR (the vtysh of the same release) and returns its output."""
        cmd = ["vtysh", "--vty_socket", self.frr_dir, "-c", command]
        if self.frr_root is None:
            return run(cmd).stdout
        return run(["ip", "netns", "exec", self.leaf, *self._in_frr_root(cmd)]).stdout

    def _in_frr_root(self, cmd):
        """cmd as is for the host's FRR; for the root's, a shell that makes the private mounts the daemons need
        (in the mount namespace of `ip netns exec`, which exists only for this process) and execs cmd chrooted
        there, so the PID stays cmd's."""
        if self.frr_root is None:
            return cmd
        r, d = shlex.quote(str(self.frr_root.path)), shlex.quote(str(self.frr_dir))
        mounts = [f"mount -t proc proc {r}/proc", f"mount -t sysfs sysfs {r}/sys", f"mount --bind /dev {r}/dev",
                  *[f"mount -t tmpfs -o mode=0755 tmpfs {r}{t}" for t in ("/run", "/var/lib/frr", "/var/tmp")],
                  f"mkdir -p {r}{d} {r}/run/frr", f"mount --bind {d} {r}{d}",
                  # FRR 10 puts mgmtd's sockets (mgmtd_be.sock, mgmtd_fe.sock) in /run/frr whatever
                  # --vty_socket says: the daemons and vtysh share it through a directory of the fabric.
                  f"mount --bind {d}/run {r}/run/frr"]
        return ["sh", "-ec", "; ".join(mounts + [f"exec chroot {r} " + " ".join(shlex.quote(str(c)) for c in cmd)])]

    def server(self, name):
        for s in self.servers:
            if s.name == name:
                return s
        raise KeyError(name)

    # ---- server services ----------------------------------------------------------------------------------
    def start_service(self, name, family=None):
        """Starts the HTTP server(s) of server `name` (both families, or 4 / 6) and waits until they listen."""
        s = self.server(name)
        for fam in (4, 6) if family is None else (family,):
            key = ("http", name, fam)
            if key in self._procs and self._procs[key].poll() is None:
                continue
            ready = self.rundir / name / f"http{fam}.ready"
            ready.unlink(missing_ok=True)
            proc = self._spawn(key, s.ns, [PYTHON, HTTP_SERVER, "--bind", "0.0.0.0" if fam == 4 else "::",
                                           "--port", HTTP_PORT, "--directory", self.rundir / name / "www",
                                           "--ready", ready], self.rundir / name / f"http{fam}.log")

            def listening():
                if proc.poll() is not None:
                    log = (self.rundir / name / f"http{fam}.log").read_text()[-2000:]
                    raise LabError(f"HTTP server of {name} (IPv{fam}) exited {proc.returncode}: {log}")
                return ready.exists()
            wait_for(listening, 10, f"the HTTP server of {name} (IPv{fam}) to listen")

    def stop_service(self, name, family=None):
        """Stops the HTTP server(s) of server `name`; connections to its port are then refused."""
        self.server(name)
        for fam in (4, 6) if family is None else (family,):
            proc = self._procs.pop(("http", name, fam), None)
            if proc is not None:
                stop_pid(proc.pid, signal.SIGTERM, 3)
                proc.wait(timeout=1)

    def start_daemon(self, key, name, cmd, ready, what):
        """Starts an extra daemon (e.g. dnsmasq, nginx) in server `name`'s namespace, in the foreground so that
        it stays our child and is stopped by PID (stop_daemon, reset, close); logs to RUNDIR/NAME/KEY.log.
        Waits until ready() holds; fails at once if the daemon exits."""
        self.server(name)
        k = ("daemon", key, name)
        if k in self._procs:
            raise LabError(f"{key} already runs in {name}")
        log = self.rundir / name / f"{key}.log"
        proc = self._spawn(k, self.server(name).ns, cmd, log)

        def started():
            if proc.poll() is not None:
                self._procs.pop(k, None)
                raise LabError(f"{key} in {name} exited {proc.returncode}: {log.read_text()[-2000:]}")
            return ready()
        wait_for(started, 10, f"{what} in {name}")

    def stop_daemon(self, key, name):
        """Stops a daemon start_daemon started (SIGTERM, then SIGKILL), if it runs."""
        proc = self._procs.pop(("daemon", key, name), None)
        if proc is not None:
            stop_pid(proc.pid, signal.SIGTERM, 3)
            proc.wait(timeout=1)

    def stop_daemons(self):
        for k in [k for k in self._procs if isinstance(k, tuple) and k[0] == "daemon"]:
            self.stop_daemon(k[1], k[2])

    def listening(self, name, port, udp=False):
        """True when something in server `name` listens on port (TCP, or UDP)."""
        out = self.exec(self.server(name).ns, "ss", "-Hln" + ("u" if udp else "t"), f"sport = :{port}").stdout
        return bool(out.strip())

    def service_running(self, name, family=4):
        proc = self._procs.get(("http", name, family))
        return proc is not None and proc.poll() is None

    def set_healthz(self, name, healthy):
        """healthy=False removes the server's /healthz (HTTP 404 while TCP still connects)."""
        path = self.rundir / self.server(name).name / "www" / "healthz"
        if healthy:
            path.write_text("ok\n")
        else:
            path.unlink(missing_ok=True)

    def set_link(self, name, up):
        """Takes the server's end of its link down or up: the leaf's interface loses or regains carrier."""
        self.ip(self.server(name).ns, "link", "set", "eth0", "up" if up else "down")

    def flap_link(self, name, down_s, readdress=False):
        """The server's NIC goes down for down_s seconds (the shape of the fault, not a wait) and comes back up;
        readdress=True flushes its addresses while down and adds them and its default routes again once up
        (a NIC whose driver or network manager re-creates the interface's configuration)."""
        s = self.server(name)
        self.set_link(name, False)
        if readdress:
            self.ip(s.ns, "addr", "flush", "dev", "eth0")
        time.sleep(down_s)
        self.set_link(name, True)
        if readdress:
            self._addr(s.ns, "eth0", f"{s.v4}/30", f"{s.v6}/64")
            self.ip(s.ns, "route", "replace", "default", "via", s.leaf_v4)
            self.ip(s.ns, "-6", "route", "replace", "default", "via", s.leaf_v6)

    def set_arp(self, name, on):
        """on=False makes the server stop answering ARP on its link (the leaf's neighbour entry for it then
        fails at the next resolution); on=True restores it."""
        self.ip(self.server(name).ns, "link", "set", "eth0", "arp", "on" if on else "off")

    def restore(self):
        """Puts every server back to serving: services running, healthz present, links up, ARP answered."""
        for s in self.servers:
            self.set_link(s.name, True)
            self.set_arp(s.name, True)
            self.set_healthz(s.name, True)
            self.start_service(s.name)

    # ---- the leaf's kernel --------------------------------------------------------------------------------
    def kernel_routes(self, proto=ROUTE_PROTOCOL, table="all"):
        """{prefix: route} of the leaf's routes (both families) of protocol `proto` (None: any) in `table`."""
        routes = {}
        for fam in (4, 6):
            args = ["-N", "-j", f"-{fam}", "route", "show", "table", str(table)]
            if proto is not None:
                args += ["proto", str(proto)]
            for r in json.loads(self.ip(self.leaf, *args).stdout or "[]"):
                routes[_host_prefix(r["dst"], fam)] = r
        return routes

    def route(self, prefix, proto=None):
        """The leaf's main-table route for prefix (of protocol proto, default the fabric's route_proto), or
        None."""
        proto = self.route_proto if proto is None else proto
        r = self.kernel_routes(proto, table="main").get(str(ipaddress.ip_network(prefix)))
        return r

    def nexthops(self, proto=None):
        """{id: nexthop object} in the leaf's kernel, optionally only those of protocol proto."""
        args = ["-N", "-j", "nexthop", "list"]
        if proto is not None:
            args += ["protocol", str(proto)]
        return {nh["id"]: nh for nh in json.loads(self.ip(self.leaf, *args).stdout or "[]")}

    def nexthop_group_id(self, prefix):
        r = self.route(prefix)
        return None if r is None else r.get("nhid")

    def nexthop_members(self, prefix):
        """{gateway: weight} of the VIP route's next hops (group members, multipath or single gateway);
        {} when there is no route."""
        r = self.route(prefix)
        if r is None:
            return {}
        return self._route_members(r, self.nexthops() if "nhid" in r else {})

    def nexthop_groups(self):
        """{prefix: frozenset of gateways} of every main-table route of route_proto in the leaf, from one read
        of the routes and one of the nexthop objects (for tests with many VIPs)."""
        nhs = self.nexthops()
        return {p: frozenset(self._route_members(r, nhs))
                for p, r in self.kernel_routes(self.route_proto, table="main").items()}

    @staticmethod
    def _route_members(r, nhs):
        if "nhid" in r:
            top = nhs.get(r["nhid"])
            if top is None:
                return {}
            if "group" not in top:
                return {top["gateway"]: 1} if "gateway" in top else {}
            out = {}
            for m in top["group"]:
                member = nhs.get(m["id"], {})
                out[member.get("gateway", f"id {m['id']}")] = m.get("weight", 1)
            return out
        if "nexthops" in r:
            return {nh["gateway"]: nh.get("weight", 1) for nh in r["nexthops"]}
        return {r["gateway"]: 1} if "gateway" in r else {}

    def nexthop_group(self, prefix):
        """The set of gateway addresses the leaf's kernel route for prefix uses (empty: no route)."""
        return frozenset(self.nexthop_members(prefix))

    def flush_routes(self, proto=ROUTE_PROTOCOL):
        """Deletes the leaf's routes and nexthop objects of protocol proto (routes first, groups before
        their members)."""
        for prefix, r in self.kernel_routes(proto).items():
            fam = "-6" if ":" in prefix else "-4"
            self.ip(self.leaf, fam, "route", "del", prefix, "proto", str(proto), "table", r.get("table", "main"),
                    check=False)
        nhs = self.nexthops(proto)
        for nh_id in sorted(nhs, key=lambda i: "group" not in nhs[i]):
            self.ip(self.leaf, "nexthop", "del", "id", str(nh_id), check=False)

    # ---- the spine ----------------------------------------------------------------------------------------
    def bgp_established(self):
        peers = json.loads(self.gobgp("neighbor", "-j") or "[]")
        states = {p["conf"]["neighbor_address"]: p.get("state", {}).get("session_state") for p in peers}
        return len(states) == 2 and all(st in (6, "established", "ESTABLISHED") for st in states.values())

    def spine_rib_paths(self, family=4):
        """{prefix: [path, ...]} of the spine's global RIB for family 4 or 6."""
        return json.loads(self.gobgp("global", "rib", "-a", f"ipv{family}", "-j") or "{}")

    def spine_rib(self, family=4):
        """The set of prefixes the spine's BGP RIB holds for family 4 or 6."""
        return frozenset(self.spine_rib_paths(family))

    def spine_has(self, prefix):
        net = ipaddress.ip_network(prefix)
        return str(net) in self.spine_rib(net.version)

    def spine_nexthops(self, prefix):
        """The BGP next hops the spine has for prefix."""
        net = ipaddress.ip_network(prefix)
        hops = set()
        for path in self.spine_rib_paths(net.version).get(str(net), []):
            for attr in path.get("attrs", []):
                if "nexthop" in attr:
                    hops.add(attr["nexthop"])
                if attr.get("type") == 14:  # MP_REACH_NLRI
                    hops.update(attr.get("nexthop", []) if isinstance(attr.get("nexthop"), list) else [])
        return hops

    # ---- anycastd -----------------------------------------------------------------------------------------
    def vip(self, name, prefix, family=None, servers=None, **kw):
        """A vip block for prefix over the named servers (default all), using their address of the prefix's
        family. Keyword arguments as for vip_config."""
        family = family or ipaddress.ip_network(prefix).version
        names = servers or [s.name for s in self.servers]
        return vip_config(name, prefix, [(n, self.server(n).address(family)) for n in names], **kw)

    def config(self, *vip_blocks, route_protocol=ROUTE_PROTOCOL, kernel_extra=None, zebra_extra=""):
        """A complete anycastd config: the fabric's dataplane (kernel, or zebra on the leaf's zserv.api), the
        fabric's control socket, the given vip blocks."""
        if self.mode == "zebra":
            dataplane = (f'dataplane {{ zebra {{ socket: "{self.frr_dir / "zserv.api"}" '
                         f"table_instance: {TABLE_INSTANCE} {zebra_extra}}} }}\n")
        else:
            extra = self.kernel_extra if kernel_extra is None else kernel_extra
            dataplane = f"dataplane {{ kernel {{ route_protocol: {route_protocol} {extra}}} }}\n"
        return (dataplane + f'control_socket: "{self.control_socket}"\n' +
                f'state_file: "{self.state_file}"\n' + "".join(vip_blocks))

    @property
    def anycastd_pid(self):
        """The running anycastd's PID (`ip netns exec` execs it, so it is the PID of the process started)."""
        if not self.anycastd_running:
            raise LabError("anycastd is not running")
        return self._anycastd.pid

    @property
    def anycastd_running(self):
        return self._anycastd is not None and self._anycastd.poll() is None

    def start_anycastd(self, config_text, extra_args=(), env=None):
        """Writes config_text to a file and runs anycastd in the leaf (with `env` added to its environment),
        logging to anycastd_log_path."""
        if not self.anycastd_binary.exists():
            raise LabError(f"no anycastd binary at {self.anycastd_binary}")
        if self.anycastd_running:
            raise LabError("anycastd is already running")
        self._anycastd_runs += 1
        n = self._anycastd_runs
        d = self.rundir / "anycastd"
        cfg = d / f"anycastd-{n}.conf"
        cfg.write_text(config_text)
        self.anycastd_config_path = cfg
        self.anycastd_log_path = d / f"anycastd-{n}.log"
        self._anycastd = self._spawn("anycastd", self.leaf,
                                     [self.anycastd_binary, "--config", cfg, *extra_args], self.anycastd_log_path, env)
        self._procs.pop("anycastd")  # managed separately (stop/kill report its exit status)
        self._log(f"started anycastd (pid {self._anycastd.pid}): {' '.join(map(str, extra_args))}")
        return self._anycastd

    def stop_anycastd(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig to anycastd and returns its exit status (negative: killed by that signal). Raises
        LabError if it has not exited within timeout (it is then killed)."""
        proc = self._anycastd
        if proc is None:
            raise LabError("anycastd is not running")
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self._anycastd = None
            raise LabError(f"anycastd did not exit within {timeout}s of {signal.Signals(sig).name}; killed. "
                           f"Log tail:\n{self.anycastd_log()[-2000:]}")
        self._anycastd = None
        return rc

    def reload_anycastd(self, config_text):
        """Rewrites the running anycastd's config file with config_text and sends SIGHUP."""
        if not self.anycastd_running:
            raise LabError("anycastd is not running")
        self.anycastd_config_path.write_text(config_text)
        self._anycastd.send_signal(signal.SIGHUP)

    def kill_anycastd(self):
        return self.stop_anycastd(signal.SIGKILL)

    def anycastd_log(self):
        """The log (stderr and stdout) of the current or last anycastd run."""
        if self.anycastd_log_path is None or not self.anycastd_log_path.exists():
            return ""
        return self.anycastd_log_path.read_text(errors="replace")

    def zebra_nexthop_groups(self):
        """{id: (type, [gateway, ...])} of the nexthop groups zebra holds that have a gateway (zebra's own
        connected ones have none), parsed from `show nexthop-group rib` (8.4 has no JSON for it)."""
        groups, cur = {}, None
        for line in self.vtysh("show nexthop-group rib").splitlines():
            m = re.match(r"ID: (\d+) \((\S+)\)", line)
            if m:
                cur = int(m.group(1))
                groups[cur] = (m.group(2), [])
            elif cur is not None and " via " in f" {line.strip()}":
                groups[cur][1].append(line.strip().split("via ", 1)[1].split(",")[0])
        return {i: g for i, g in groups.items() if g[1]}

    def leftover_nexthops(self):
        """Nexthop objects with a gateway or a group, of any protocol (zebra's own are gateway-less)."""
        return {i: nh for i, nh in self.nexthops().items() if "gateway" in nh or "group" in nh}

    def reset(self):
        """Between tests: stop anycastd (zebra mode: SIGTERM, so it withdraws; kernel mode: kill), remove any route/nexthop of its protocol, restore the servers and
        wait until the spine holds none of the VIPs (and, with a short zebra keep time, until zebra's copies
        of deleted nexthop objects are gone too)."""
        if self._anycastd is not None:
            if self.mode == "zebra" and self.anycastd_running:
                try:
                    self.stop_anycastd(signal.SIGTERM)
                except LabError as exc:
                    self._log(f"reset: {exc}")
            else:
                self.kill_anycastd()
        self.control_socket.unlink(missing_ok=True)  # left by a killed run; a test of that case makes its own
        self.state_file.unlink(missing_ok=True)  # drains of an earlier test
        self.flush_routes()
        if self.mode == "zebra":
            self._sweep_stale_zebra_routes()
        self.stop_daemons()
        self.restore()
        wait_for(lambda: [v for v in self.vips if self.spine_has(v)], 10, "the spine to hold none of the VIPs",
                 until=lambda held: not held)
        if self.mode == "kernel":
            # With `no zebra nexthop kernel enable` zebra writes no nexthop objects, so only the kernel has
            # to be clean here. zebra itself may remember the IDs of deleted objects (10.3 well past its keep
            # time); the tests meet that memory when the agent reuses an ID, as it would in production.
            # Without that line (a test of FRR's default) zebra's own objects stay for its keep time.
            zebra_objects = "zebra nexthop kernel enable" in self.zebra_extra
            wait_for(self.leftover_nexthops, 5, "no nexthop objects with a gateway in the leaf's kernel",
                     until=lambda left: not [nh for nh in left.values()
                                             if not (zebra_objects and str(nh.get("protocol")) in ("11", "zebra"))])

    def _sweep_stale_zebra_routes(self):
        """zebra mode: a killed anycastd's routes stay in zebra for its graceful-restart time. A run of
        anycastd without VIPs takes over the session and tells zebra its routes are complete, which makes
        zebra drop them at once (what an operator would do, too)."""
        if not any(self.route(v) is not None for v in self.vips):
            return
        self.start_anycastd(self.config())
        wait_for(lambda: "routes are complete" in self.anycastd_log(), 10, "the sweeping run to complete")
        self.stop_anycastd()
        try:
            wait_for(lambda: [v for v in self.vips if self.route(v) is not None], 3,
                     "zebra to drop the stale routes", until=lambda left: not left)
        except WaitTimeout as exc:
            # zebra keeps a stale route updated in the same second as the connection dropped (it compares
            # whole seconds); only an FRR restart clears it before the stale time.
            self._log(f"reset: {exc}; restarting FRR")
            self.restart_frr()

    def stop_frr(self, sig=signal.SIGTERM):
        """Stops the leaf's FRR daemons with sig (SIGKILL: a crash), bgpd first (zebra and bgpd; mgmtd too
        for FRR 10)."""
        for name in reversed(self._frr_daemons()):
            proc = self._procs.pop(name, None)
            if proc is not None:
                stop_pid(proc.pid, sig, 5)
                proc.wait(timeout=1)
            (self.frr_dir / f"{name}.pid").unlink(missing_ok=True)  # left by SIGKILL; start waits for it
        (self.frr_dir / "zserv.api").unlink(missing_ok=True)

    def start_frr(self):
        """Starts the leaf's FRR after stop_frr() (leaving the kernel as it is) and waits until both BGP
        sessions are Established."""
        if any(name in self._procs for name in self._frr_daemons()):
            raise LabError("FRR is already running in the leaf")
        self._start_frr()
        wait_for(self.bgp_established, 30, "both BGP sessions leaf<->spine Established after FRR started")

    def restart_frr(self):
        """Stops FRR, deletes every nexthop object with a gateway or group left in the leaf, starts FRR again
        and waits until both BGP sessions are Established."""
        self.stop_frr()
        for nh_id, nh in sorted(self.leftover_nexthops().items(), key=lambda kv: "group" not in kv[1]):
            self.ip(self.leaf, "nexthop", "del", "id", str(nh_id), check=False)
        self._start_frr()
        wait_for(self.bgp_established, 30, "both BGP sessions leaf<->spine Established after an FRR restart")

    def watch(self, prefixes, interval=0.02):
        """A Watcher over prefixes (use as a context manager around the event being observed)."""
        return Watcher(self, prefixes, interval)
