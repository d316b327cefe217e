"""Watches VIP prefixes while something happens (a restart, a server change) so that a test can assert that
they were never lost, however briefly. Used through Fabric.watch(); reads the fabric from background threads
and never changes it (except a marker route in table 250 of the leaf, added and removed at start)."""
import ipaddress
import json
import signal
import subprocess
import threading
import time

from util import LabError, stop_pid


class _LineStream:
    """Collects the output lines of a subprocess in a background thread."""

    def __init__(self, cmd):
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.cond.notify_all()

    def wait_line(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not any(pred(line) for _, line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def stop(self):
        if self.proc.poll() is None:
            stop_pid(self.proc.pid, signal.SIGTERM, 2)
        self.proc.wait()
        self.thread.join(timeout=2)


_ROUTE_TYPES = {"unicast", "local", "broadcast", "blackhole", "unreachable", "prohibit", "throw", "multicast",
                "anycast", "nat"}
_MARK = "198.51.100.255/32"  # a route the watcher adds to table 250 to know its kernel monitor is listening


class Watcher:
    """Observes prefixes while an event happens (a restart, a server change), so that a test can assert that
    they were never lost, however briefly:

    - kernel: `ip monitor route` in the leaf records every deletion of a route for the prefixes;
    - spine: `gobgp monitor global rib` records every withdrawal the spine saw;
    - samples: a thread polls the spine RIB and the leaf's route (group id, members) every `interval`.

    Use as a context manager; start() returns once both monitors are listening.
    """

    def __init__(self, fabric, prefixes, interval=0.02):
        self.fab = fabric
        self.prefixes = [str(ipaddress.ip_network(p)) for p in prefixes]
        self.interval = interval
        self.samples = []  # (time, {prefix: (in_spine, group_id or None, members, route present)})
        self._stop = threading.Event()
        self._streams = []
        self._kernel = None
        self._spine = {}
        self._thread = None
        self.errors = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        fab = self.fab
        self._kernel = _LineStream(["ip", "-n", fab.leaf, "monitor", "route"])
        self._streams.append(self._kernel)
        try:
            # The monitor may subscribe after a first marker was added: repeat until one shows up.
            mark = _MARK.split("/")[0]
            deadline = time.monotonic() + 5
            while True:
                fab.ip(fab.leaf, "route", "add", "blackhole", _MARK, "table", "250")
                ok = self._kernel.wait_line(lambda line: mark in line, 0.2)
                fab.ip(fab.leaf, "route", "del", "blackhole", _MARK, "table", "250")
                if ok:
                    break
                if time.monotonic() > deadline:
                    raise LabError(f"ip monitor route did not start listening: {self._kernel.lines[-3:]}")
            for fam in sorted({ipaddress.ip_network(p).version for p in self.prefixes}):
                present = [p for p in self.prefixes if ipaddress.ip_network(p).version == fam]
                stream = _LineStream(["gobgp", f"--target=unix://{fab.gobgp_sock}", "monitor", "global", "rib",
                                      "--current", "-a", f"ipv{fam}", "-j"])
                self._streams.append(stream)
                self._spine[fam] = stream
                # --current dumps the RIB first: seeing the watched prefixes means the stream is subscribed.
                for p in present:
                    if not stream.wait_line(lambda line, p=p: f'"{p}"' in line, 5):
                        raise LabError(f"gobgp monitor did not show {p} (is it announced?): {stream.lines[-3:]}")
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _sample(self):
        while not self._stop.is_set():
            try:
                snap = {}
                rib = {4: None, 6: None}
                for p in self.prefixes:
                    fam = ipaddress.ip_network(p).version
                    if rib[fam] is None:
                        rib[fam] = self.fab.spine_rib(fam)
                    route = self.fab.route(p)
                    snap[p] = (p in rib[fam], route is not None and route.get("nhid"), self.fab.nexthop_group(p),
                               route is not None)
                self.samples.append((time.monotonic(), snap))
            except Exception as exc:
                self.errors.append(exc)
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for s in self._streams:
            s.stop()

    # ---- what was seen ----
    def kernel_deletions(self, prefix):
        """`ip monitor` lines deleting the leaf's route for prefix."""
        net = ipaddress.ip_network(prefix)
        out = []
        for _, line in self._kernel.lines if self._kernel else []:
            tok = line.split()
            if len(tok) < 2 or tok[0] != "Deleted":
                continue
            dst = tok[2] if tok[1] in _ROUTE_TYPES and len(tok) > 2 else tok[1]
            try:
                if ipaddress.ip_network(dst if dst != "default" else "0.0.0.0/0", strict=False) == net:
                    out.append(line)
            except ValueError:
                continue
        return out

    def spine_withdrawals(self, prefix):
        """Withdrawals of prefix the spine's RIB monitor reported."""
        net = ipaddress.ip_network(prefix)
        stream = self._spine.get(net.version)
        out = []
        for _, line in stream.lines if stream else []:
            try:
                paths = json.loads(line)
            except ValueError:
                continue
            for path in paths if isinstance(paths, list) else []:
                if path.get("nlri", {}).get("prefix") == str(net) and path.get("withdrawal"):
                    out.append(path)
        return out

    def spine_updates(self, prefix, since=0.0):
        """(time, is_withdrawal) of every update for prefix the spine's RIB monitor reported after `since`
        (time.monotonic()), so the initial dump of the RIB can be left out."""
        net = ipaddress.ip_network(prefix)
        stream = self._spine.get(net.version)
        out = []
        for t, line in stream.lines if stream else []:
            if t < since:
                continue
            try:
                paths = json.loads(line)
            except ValueError:
                continue
            for path in paths if isinstance(paths, list) else []:
                if path.get("nlri", {}).get("prefix") == str(net):
                    out.append((t, bool(path.get("withdrawal"))))
        return out

    def missing_from_spine(self, prefix):
        return [t for t, snap in self.samples if not snap[str(ipaddress.ip_network(prefix))][0]]

    def group_ids(self, prefix):
        return [snap[str(ipaddress.ip_network(prefix))][1] for _, snap in self.samples]

    def group_sets(self, prefix):
        return [snap[str(ipaddress.ip_network(prefix))][2] for _, snap in self.samples]

    def assert_never_lost(self, prefix):
        """Asserts that prefix stayed in the leaf's kernel and in the spine's RIB the whole time."""
        assert self.samples, f"the watcher took no samples (errors: {self.errors})"
        problems = []
        if self.kernel_deletions(prefix):
            problems.append(f"kernel route deleted: {self.kernel_deletions(prefix)}")
        if self.spine_withdrawals(prefix):
            problems.append(f"spine saw withdrawals: {self.spine_withdrawals(prefix)}")
        missing = self.missing_from_spine(prefix)
        if missing:
            problems.append(f"absent from the spine RIB in {len(missing)} of {len(self.samples)} samples")
        gone = [t for t, snap in self.samples if not snap[str(ipaddress.ip_network(prefix))][3]]
        if gone:
            problems.append(f"no kernel route in {len(gone)} of {len(self.samples)} samples")
        assert not problems, f"{prefix} was lost while watched: " + "; ".join(problems)
