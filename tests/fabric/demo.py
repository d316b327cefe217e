#!/usr/bin/python3
"""`make demo-netns`: anycastd on the namespace fabric (no docker), narrated step by step.

Builds the namespace fabric (tests/fabric/fabric.py: a gobgpd spine, an FRR leaf, three HTTP servers), starts
anycastd on the leaf for one IPv4 VIP, and shows what the leaf's kernel and the spine's BGP RIB hold while
the servers' web services fail and recover. Every step waits for the state it describes (polling); the only
sleeps are short pauses for reading. Everything is removed on exit, also on Ctrl-C or an error.

Run as root: /usr/bin/python3 tests/fabric/demo.py --anycastd build/anycastd [--pause SECONDS]
"""
import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fabric import HTTP_PORT, PYTHON, VIP4, Fabric, LabError, wait_for  # noqa: E402

TIMEOUT = 20


class Narrator:
    def __init__(self, pause):
        self.pause_s = pause
        self.color = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
        self.lock = threading.Lock()
        self.step_no = 0

    def _c(self, code, text):
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def out(self, text=""):
        with self.lock:
            print(text, flush=True)

    def step(self, title):
        self.step_no += 1
        self.out()
        self.out(self._c("1;36", f"== Step {self.step_no}: {title}"))

    def say(self, text):
        self.out(f"   {text}")

    def ok(self, text):
        self.out(self._c("32", f"   ✔ {text}"))

    def block(self, title, text):
        self.out(self._c("33", f"   {title}"))
        for line in (text.rstrip() or "(empty)").splitlines():
            self.out(f"      {line}")

    def pause(self, factor=1.0):
        time.sleep(self.pause_s * factor)


class LogTail:
    """Prints the lines anycastd logs, as they appear, prefixed with `anycastd |`."""

    def __init__(self, narrator, path):
        self.n, self.path = narrator, Path(path)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        pos = 0
        while not self.stop_event.is_set():
            pos = self._drain(pos)
            self.stop_event.wait(0.1)
        self._drain(pos)

    def _drain(self, pos):
        try:
            with open(self.path, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            return pos
        end = data.rfind(b"\n") + 1
        for line in data[:end].decode(errors="replace").splitlines():
            self.n.out(self.n._c("35", f"   anycastd | {line}"))
        return pos + end

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=2)


def kernel_view(fab):
    route = fab.ip(fab.leaf, "route", "show", VIP4, "proto", "200").stdout
    nhs = fab.ip(fab.leaf, "nexthop", "list", "protocol", "200").stdout
    return f"$ ip route show {VIP4} proto 200\n{route or '(no route)'}\n$ ip nexthop list protocol 200\n" \
           f"{nhs or '(none)'}"


def spine_view(fab):
    return "$ gobgp global rib -a ipv4\n" + fab.gobgp("global", "rib", "-a", "ipv4")


def ask_vip(fab):
    """One HTTP request from the leaf to the VIP; returns who answered."""
    addr = VIP4.split("/")[0]
    p = fab.exec(fab.leaf, PYTHON, "-c", "import urllib.request as u; print(u.urlopen("
                 f"'http://{addr}:{HTTP_PORT}/', timeout=2).read().decode().strip())", check=False, timeout=10)
    return p.stdout.strip() if p.returncode == 0 else f"no answer ({p.stderr.strip().splitlines()[-1:]})"


def show(n, fab, spine=True):
    n.block("leaf kernel:", kernel_view(fab))
    if spine:
        n.block("spine BGP RIB:", spine_view(fab))


def group_of(fab, names):
    return frozenset(fab.server(s).v4 for s in names)


def wait_group(n, fab, names, what):
    want = group_of(fab, names)
    t0 = time.monotonic()
    wait_for(lambda: fab.nexthop_group(VIP4), TIMEOUT, what, until=lambda g: g == want)
    return time.monotonic() - t0


def wait_spine(fab, present):
    t0 = time.monotonic()
    wait_for(lambda: fab.spine_rib(4), TIMEOUT, f"the spine to {'learn' if present else 'withdraw'} {VIP4}",
             until=lambda rib: (VIP4 in rib) == present)
    return time.monotonic() - t0


def demo(n, fab):
    servers = [s.name for s in fab.servers]
    n.step("the fabric")
    n.say("Network namespaces on this machine, wired with veth pairs:")
    n.block("topology:", f"""\
spine  gobgpd AS 65000 (a BGP peer that is not FRR)        ns {fab.spine}
  |    eBGP 198.51.100.0/31
leaf   FRR zebra+bgpd AS 65001, `redistribute kernel       ns {fab.leaf}
       route-map ANYCAST` (only {VIP4}); anycastd runs here
  |-- s1 192.0.2.2    \\
  |-- s2 192.0.2.6     > each holds {VIP4} on lo and runs an HTTP server (/healthz)
  '-- s3 192.0.2.10   /""")
    n.ok("BGP session leaf <-> spine is Established")
    n.block("spine BGP RIB (nothing announced yet):", spine_view(fab))
    n.pause()

    n.step("start anycastd on the leaf")
    config = fab.config(fab.vip("web", VIP4, interval_ms=500, timeout_ms=400, rise=2, fall=2))
    n.block("config:", config)
    fab.start_anycastd(config)
    tail = LogTail(n, fab.anycastd_log_path)
    try:
        n.say("Every server starts down and needs 2 passing health checks (GET /healthz every 500 ms)...")
        t = wait_group(n, fab, servers, "the VIP's group to hold all three servers")
        n.ok(f"after {t:.1f} s the kernel routes {VIP4} over a resilient nexthop group of s1, s2, s3")
        t = wait_spine(fab, True)
        n.ok(f"bgpd picked up the kernel route and the spine learned {VIP4} ({t:.1f} s later)")
        show(n, fab)
        n.say(f"A request to http://{VIP4.split('/')[0]}/ from the leaf: {ask_vip(fab)}")
        n.pause(1.5)

        n.step("s1's web server fails")
        fab.stop_service("s1")
        n.say("Stopped the HTTP server on s1: its health checks now get 'connection refused'.")
        t = wait_group(n, fab, ["s2", "s3"], "s1 to leave the VIP's group")
        n.ok(f"after {t:.1f} s anycastd took s1 out of the group in place; only s1's flows move")
        n.ok("the VIP stays announced: " + ("the spine still has it" if fab.spine_has(VIP4) else "NOT at the spine!"))
        show(n, fab)
        n.pause(1.5)

        n.step("s2 and s3 fail too")
        fab.stop_service("s2")
        fab.stop_service("s3")
        n.say("No healthy server is left (min_healthy is 1), so this site must stop attracting traffic.")
        wait_for(lambda: fab.route(VIP4), TIMEOUT, "the VIP's kernel route to be deleted", until=lambda r: r is None)
        n.ok("anycastd deleted the route from the leaf's kernel")
        t = wait_spine(fab, False)
        n.ok(f"bgpd withdrew it: the spine no longer has {VIP4} ({t:.1f} s later); clients go to other sites")
        show(n, fab)
        n.pause(1.5)

        n.step("the servers recover")
        for s in servers:
            fab.start_service(s)
        n.say("Started the three HTTP servers again; each must pass 2 checks before it may carry traffic.")
        t = wait_group(n, fab, servers, "all three servers back in the VIP's group")
        n.ok(f"after {t:.1f} s the route is back over s1, s2, s3")
        wait_spine(fab, True)
        n.ok(f"the spine learned {VIP4} again: re-announced")
        show(n, fab)
        n.say(f"A request to http://{VIP4.split('/')[0]}/ from the leaf: {ask_vip(fab)}")
        n.pause(1.5)

        n.step("stop anycastd (SIGTERM)")
        rc = fab.stop_anycastd(signal.SIGTERM)
        n.ok(f"anycastd exited with status {rc} after withdrawing its VIP")
        wait_spine(fab, False)
        n.ok(f"the spine no longer has {VIP4}")
        show(n, fab)
    finally:
        tail.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--anycastd", required=True, help="path of the anycastd binary")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds to pause between steps (reading time)")
    args = parser.parse_args()
    n = Narrator(args.pause)
    binary = Path(args.anycastd).resolve()
    if os.geteuid() != 0:
        n.out("demo: needs root (network namespaces, FRR, kernel routes); run `sudo make demo`")
        return 1
    if not os.access(binary, os.X_OK):
        n.out(f"demo: no anycastd binary at {binary}; build it with `make`")
        return 1

    n.out(n._c("1", "anycastd demo: health-checked anycast VIP on a virtual leaf/spine fabric"))
    n.say("Building the fabric (namespaces, FRR, gobgpd, HTTP servers)...")
    fab = Fabric(vips=[VIP4], anycastd=binary, log=lambda m: None)
    status = 0
    try:
        with fab:
            try:
                demo(n, fab)
            except (LabError, AssertionError) as exc:
                status = 1
                n.out()
                n.out(n._c("1;31", f"demo failed: {exc}"))
                log = fab.anycastd_log()
                if log:
                    n.block("anycastd log (last lines):", "\n".join(log.splitlines()[-20:]))
            n.out()
            n.say("Removing the fabric...")
        n.ok("done: namespaces, processes and files removed")
    except KeyboardInterrupt:
        n.out()
        n.ok("interrupted: the fabric has been removed")
        return 130
    except LabError as exc:  # building or removing the fabric failed
        n.out(n._c("1;31", f"demo failed: {exc}"))
        return 1
    return status

if __name__ == "__main__":
    sys.exit(main())
