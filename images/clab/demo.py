#!/usr/bin/python3
"""`make demo`: the two-site anycast story, narrated live on the container lab (images/clab/anycast.clab.yml).

Brings the lab up under its own name (LAB_NAME, containers clab-anycastd-demo-<node>, so it cannot collide
with `make lab-test`'s clab-anycast-<node>), then, step by step with a pause for reading in between:

    1. the fabric, anycastd on both leaves, the spine's BGP view, the leaves' kernel routes, anycastctl
    2. the client's flows (source address, port) to http://VIP/, each answered by the server naming itself
    3. s1a's web server fails: anycastd's log line, the group shrinks, only s1a's flows move, site A stays
    4. site A fails (s2a too): leafA withdraws, the spine switches to leafB, the client is served by site B
    5. recovery: the servers return, leafA re-announces after `rise`, the client returns to site A
    6. drain: `anycastctl drain vip web` on leafA moves the client to site B with the checks still running;
       undrain brings it back

Every step polls for the state it describes with a deadline (the only sleep is the reading pause) and fails
with what it saw last. On exit (end, error, Ctrl-C, SIGTERM) it removes what it created (containers, links,
netns names; the docker engine if it started it and nobody else uses it), in a separate session so that a
second Ctrl-C cannot cut the clean-up short, checks that nothing is left, and ends with "demo: clean-up done".

Run as root: /usr/bin/python3 images/clab/demo.py [--pause SECONDS] (env DEMO_PAUSE; 0 for fast runs).
Exit status: 0 the story was told, 1 a step failed (or the lab could not come up), 130 interrupted.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_lab  # noqa: E402  (sets up the import path for the lab's modules)
import container_runner  # noqa: E402
import docker_engine  # noqa: E402
import topology as topology_file  # noqa: E402
from lab_nodes import Lab  # noqa: E402
from narrator import Narrator  # noqa: E402
from run_lab import CLIENT, SITES, SPINE, VIP  # noqa: E402
from util import LabError, netns_list, wait_for  # noqa: E402

LAB_NAME = "anycastd-demo"
VIP_NAME = "web"
FLOWS = [(f"198.51.100.{130 + i}", 41000 + i) for i in range(8)]  # (client source address, source port)
ANYCASTD_PROTO = 200  # route_protocol in the leaves' anycastd.conf
TIMEOUT = 20
CLEANUP_TIMEOUT = 180
LEAF_CONF = run_lab.TOPOLOGY.parent / "nodes" / "leafA" / "anycastd.conf"

FABRIC = f"""\
                          client  198.51.100.130-137 (8 source addresses)
                             |
                   spine  FRR bgpd, AS 65000: prefers the shorter AS path
              65001 /                 \\ 65002 65002 65002 (leafB prepends)
   leafA  FRR + anycastd, AS 65001      leafB  FRR + anycastd, AS 65002
        /            \\                        /            \\
   s1a 192.0.2.2   s2a 192.0.2.6          s1b 192.0.2.10   s2b 192.0.2.14
   site A                                  site B
   every server: VIP {VIP}/32 on lo, HTTP on port 80 answering "served by <server>"
   anycastd on each leaf checks its two servers (GET /healthz) and routes the VIP over the healthy ones
   (a resilient nexthop group); FRR announces that kernel route to the spine while it exists"""


class DemoFailed(Exception):
    """A step's state did not come (the message says which and what was seen last)."""


class Interrupts:
    """The first SIGINT/SIGTERM raises KeyboardInterrupt; during the clean-up, signals only print a note."""

    def __init__(self, narrator):
        self.n = narrator
        self.cleaning = False

    def install(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handler)

    def _handler(self, signum, frame):
        if self.cleaning:
            self.n.say("(clean-up in progress: it finishes by itself in a few seconds)")
            return
        self.cleaning = True  # a second signal must not interrupt what the first one starts
        raise KeyboardInterrupt(signal.Signals(signum).name)


def site_of(server):
    return next((site for site, (_, _, servers) in SITES.items() if server in servers), None)


class Story:
    def __init__(self, narrator, lab):
        self.n, self.lab = narrator, lab

    # ---- what the lab looks like ---------------------------------------------------------------------------
    def wait(self, probe, what, until=None, timeout=TIMEOUT):
        try:
            return wait_for(probe, timeout, what, until=until, interval=0.1)
        except AssertionError as exc:
            raise DemoFailed(str(exc)) from None

    def members(self, site):
        leaf, _, _ = SITES[site]
        return self.lab.route_gateways(leaf, f"{VIP}/32", proto=ANYCASTD_PROTO)

    def all_members(self, site):
        return frozenset(SITES[site][2].values())

    def spine_site(self):
        gws = self.lab.route_gateways(SPINE, f"{VIP}/32")
        return next((site for site, (_, addr, _) in SITES.items() if gws == {addr}), None)

    def flows(self):
        got = self.lab.fetch(CLIENT, VIP, FLOWS)
        return {f: got[f"{f[0]}:{f[1]}"] for f in FLOWS}

    def flows_on(self, site, what):
        return self.wait(self.flows, what, until=lambda got: all(site_of(s) == site for s in got.values()))

    def flow_table(self, got, before=None):
        if before is None:
            rows = [(f"{a}:{p}", s, f"site {site_of(s) or '-'}") for (a, p), s in got.items()]
            self.n.table(("flow (source:port)", "answered by", "site"), rows)
        else:
            rows = [(f"{a}:{p}", before[(a, p)], s, "moved" if s != before[(a, p)] else "")
                    for (a, p), s in got.items()]
            self.n.table(("flow (source:port)", "before", "now", ""), rows)

    def spine_view(self):
        doc = json.loads(self.lab.exec(SPINE, "vtysh", "-c", f"show ip bgp {VIP}/32 json").stdout or "{}")
        lines = []
        for path in doc.get("paths", []):
            hop = (path.get("nexthops") or [{}])[0].get("ip") or path.get("peer", {}).get("peerId", "?")
            leaf = next((leaf for leaf, addr, _ in SITES.values() if addr == hop), hop)
            best = "  <- best: the spine forwards here" if path.get("bestpath", {}).get("overall") else ""
            aspath = path.get("aspath", {}).get("string", "?")
            lines.append(f"via {leaf:5} ({hop})  AS path {aspath:17}{best}")
        route = self.lab.exec(SPINE, "ip", "route", "show", VIP).stdout.strip()
        return "\n".join(lines or ["(no path)"]) + f"\n$ ip route show {VIP}\n{route or '(no route)'}"

    def leaf_view(self, site):
        leaf, _, _ = SITES[site]
        route = self.lab.exec(leaf, "ip", "route", "show", VIP, "proto", str(ANYCASTD_PROTO)).stdout.strip()
        nhs = self.lab.exec(leaf, "ip", "nexthop", "list", "protocol", str(ANYCASTD_PROTO)).stdout.strip()
        return (f"$ ip route show {VIP} proto {ANYCASTD_PROTO}\n{route or '(no route: withdrawn)'}\n"
                f"$ ip nexthop list protocol {ANYCASTD_PROTO}\n{nhs or '(none)'}")

    def vips(self, site="A"):
        return self.lab.ctl(SITES[site][0], "show", "vips")

    def vip_status(self, site="A"):
        doc = json.loads(self.lab.ctl(SITES[site][0], "--json", "show", "vips") or "{}")
        return next((v for v in doc.get("vips", []) if v.get("name") == VIP_NAME), {})

    def log_lines(self, node, since, pattern):
        return [line for line in self.lab.log_lines(node, since) if re.search(pattern, line)]

    def show_log(self, node, since, pattern, what):
        lines = self.wait(lambda: self.log_lines(node, since, pattern), what)
        for line in lines:
            self.n.log_line(f"{node}: {line}")

    # ---- the steps -----------------------------------------------------------------------------------------
    def fabric(self):
        self.n.step("the fabric: two sites, one VIP, anycastd on both leaves")
        self.n.block("topology:", FABRIC)
        for site, (leaf, _, _) in SITES.items():
            self.wait(lambda: self.lab.anycastd_running(leaf), f"anycastd to run on {leaf}")
            self.wait(lambda: self.members(site), f"{leaf}'s group to hold both servers of site {site}",
                      until=lambda m: m == self.all_members(site))
            self.n.ok(f"anycastd runs on {leaf}; its route to {VIP} uses both site {site} servers")
        self.wait(self.spine_site, "the spine to route the VIP through site A", until=lambda s: s == "A")
        self.n.block("the spine's BGP view (show ip bgp):", self.spine_view())
        for site in SITES:
            self.n.block(f"{SITES[site][0]}'s kernel (anycastd's route and resilient nexthop group):",
                         self.leaf_view(site))
        self.n.block("leafA $ anycastctl show vips", self.vips())

    def client(self):
        self.n.step(f"the client's view: {len(FLOWS)} flows to http://{VIP}/")
        got = self.flows_on("A", "every flow to be answered by a site A server")
        self.n.say("Each flow is one HTTP GET from a fixed source address and port; the server names itself.")
        self.flow_table(got)
        used = sorted(set(got.values()))
        self.n.ok(f"the spine sends the client to site A; leafA spreads the flows over {', '.join(used)}")
        return got

    def server_failure(self, before):
        self.n.step("a server fails at site A: s1a's web server stops")
        since = time.time()
        self.lab.stop_service("s1a")
        self.n.say("Stopped s1a's web server: its health checks are refused now.")
        self.show_log(SITES["A"][0], since, r"server s1a .*down", "anycastd on leafA to log s1a going down")
        s2a = SITES["A"][2]["s2a"]
        self.wait(lambda: self.members("A"), "leafA's group to shrink to s2a", until=lambda m: m == {s2a})
        self.n.ok(f"the group shrank to s2a {time.time() - since:.1f}s after the failure")
        self.n.block("leafA's kernel:", self.leaf_view("A"))
        after = self.flows()
        self.flow_table(after, before)
        moved = [f for f in FLOWS if after[f] != before[f]]
        wrong = [f for f in FLOWS if after[f] != "s2a" or (f in moved and before[f] != "s1a")]
        if wrong:
            raise DemoFailed(f"every flow should be on s2a now, and only s1a's should have moved: "
                             f"before {before}, now {after}")
        self.n.ok(f"only s1a's flows moved ({len(moved)} of {len(FLOWS)}), to s2a; s2a's stayed where they were")
        site = self.spine_site()
        if site != "A":
            raise DemoFailed(f"the spine should still use site A, it uses {site}")
        self.n.ok("the spine still uses site A: one healthy server is enough (min_healthy 1)")

    def site_failure(self):
        self.n.step("the whole of site A fails: s2a's web server stops too")
        since = time.time()
        self.lab.stop_service("s2a")
        self.n.say("No healthy server is left at site A.")
        self.show_log(SITES["A"][0], since, r"withdrawn", "anycastd on leafA to withdraw the VIP")
        self.wait(self.spine_site, "the spine to switch to leafB", until=lambda s: s == "B")
        t_spine = time.time() - since
        got = self.flows_on("B", "every flow to be answered by a site B server")
        t_client = time.time() - since
        self.n.block("leafA's kernel:", self.leaf_view("A"))
        self.n.block("the spine's BGP view:", self.spine_view())
        self.flow_table(got)
        self.n.ok(f"leafA withdrew the VIP; the spine switched to leafB after {t_spine:.1f}s; "
                  f"the client was served by site B after {t_client:.1f}s (measured by polling)")

    def recovery(self):
        rise = re.search(r"rise:\s*(\d+)", LEAF_CONF.read_text()).group(1)
        interval = re.search(r"interval_ms:\s*(\d+)", LEAF_CONF.read_text()).group(1)
        self.n.step("recovery: site A's web servers come back")
        since = time.time()
        for server in SITES["A"][2]:
            self.lab.start_service(server)
        self.n.say(f"Started s1a and s2a again; each must pass {rise} checks in a row (every {interval} ms) "
                   "before anycastd routes to it.")
        self.show_log(SITES["A"][0], since, r"announced", "anycastd on leafA to announce the VIP again")
        self.wait(lambda: self.members("A"), "leafA's group to hold both servers again",
                  until=lambda m: m == self.all_members("A"))
        self.wait(self.spine_site, "the spine to switch back to leafA", until=lambda s: s == "A")
        t_spine = time.time() - since
        got = self.flows_on("A", "every flow to be answered by a site A server again")
        t_client = time.time() - since
        self.n.block("the spine's BGP view:", self.spine_view())
        self.flow_table(got)
        self.n.ok(f"site A re-announced: the spine uses leafA again after {t_spine:.1f}s, the client is back "
                  f"at site A after {t_client:.1f}s")

    def drain(self):
        self.n.step("a drain: `anycastctl drain vip web` on leafA (maintenance)")
        since = time.time()
        answer = self.lab.ctl(SITES["A"][0], "drain", "vip", VIP_NAME, "--reason", "demo").strip()
        self.n.block(f"leafA $ anycastctl drain vip {VIP_NAME} --reason demo", answer.splitlines()[0] if answer else "")
        self.wait(self.spine_site, "the spine to switch to leafB", until=lambda s: s == "B")
        got = self.flows_on("B", "every flow to be answered by a site B server")
        status = self.wait(self.vip_status, "anycastctl to report web drained with both servers healthy",
                           until=lambda v: v.get("state") == "DRAINED" and v.get("healthy") == 2)
        self.n.block("leafA $ anycastctl show vips", self.vips())
        self.flow_table(got)
        self.n.ok(f"the client moved to site B after {time.time() - since:.1f}s; leafA's health checks keep "
                  f"running ({status.get('healthy')}/{status.get('total')} healthy)")
        self.n.pause()
        since = time.time()
        self.lab.ctl(SITES["A"][0], "undrain", "vip", VIP_NAME)
        self.n.say("leafA $ anycastctl undrain vip web")
        self.wait(self.spine_site, "the spine to switch back to leafA", until=lambda s: s == "A")
        self.flows_on("A", "every flow to be answered by a site A server again")
        self.n.ok(f"undrained: the client is back at site A after {time.time() - since:.1f}s (no new rise: "
                  "the servers stayed healthy)")

    def tell(self):
        self.fabric()
        self.n.pause()
        before = self.client()
        self.n.pause()
        self.server_failure(before)
        self.n.pause()
        self.site_failure()
        self.n.pause()
        self.recovery()
        self.n.pause()
        self.drain()


# ---- bringing the lab up and removing it -----------------------------------------------------------------
def leftovers(topo):
    """What of the demo's lab is still there (empty: nothing)."""
    left = []
    if docker_engine.engine_running():
        left += [f"container {c}" for c in container_runner.containers(topo.name)]
    names = {node.container for node in topo.nodes.values()}
    left += [f"netns {ns}" for ns in netns_list() if ns in names]
    left += [f"link {link}" for link in container_runner.temporary_links(os.getpid())]
    return left


def clean_up(n, topo):
    """Removes the lab in a child of its own session (a terminal's Ctrl-C does not reach it); True if nothing
    is left."""
    n.out()
    n.say("Removing the lab (containers, links, netns names; the docker engine if the demo started it)...")
    try:
        p = subprocess.run([run_lab.PYTHON, str(HERE / "run_lab.py"), "down", "--name", topo.name],
                           capture_output=True, text=True, timeout=CLEANUP_TIMEOUT, start_new_session=True)
        for line in (p.stdout + p.stderr).splitlines():
            n.say(line)
    except subprocess.TimeoutExpired:
        n.fail(f"demo: `run_lab.py down` did not finish within {CLEANUP_TIMEOUT}s")
    left = leftovers(topo)
    if left:
        n.fail(f"demo: clean-up incomplete, left: {', '.join(left)} (remove with `/usr/bin/python3 "
               f"images/clab/run_lab.py down --name {topo.name}`)")
        return False
    n.ok("demo: clean-up done: no container, link or namespace of the demo is left")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pause", type=float, default=float(os.environ.get("DEMO_PAUSE") or 3),
                        help="seconds to pause between steps for reading (env DEMO_PAUSE; default 3)")
    parser.add_argument("--name", default=os.environ.get("DEMO_LAB_NAME") or LAB_NAME,
                        help=f"the demo lab's name (containers clab-NAME-<node>; default {LAB_NAME})")
    args = parser.parse_args()
    n = Narrator(args.pause)
    if os.geteuid() != 0:
        n.fail("demo: needs root (docker, network namespaces); run `sudo make demo`")
        return 1
    interrupts = Interrupts(n)
    interrupts.install()
    status = 0
    topo = None
    try:
        topo = topology_file.parse(run_lab.TOPOLOGY, name=args.name)
        n.title("anycastd demo: one anycast VIP served from two sites, health-checked by anycastd on each leaf")
        n.say(f"Bringing the two-site lab up as '{topo.name}' (docker engine, image, 8 containers, BGP)...")
        t0 = time.monotonic()
        run_lab.up(topo)
        n.ok(f"lab up in {time.monotonic() - t0:.0f}s")
        Story(n, Lab(topo)).tell()
        n.out()
        n.ok("the story is told: server failure, site failure, recovery and drain, all seen by the client")
    except KeyboardInterrupt as exc:
        n.out()
        n.fail(f"demo: interrupted ({exc or 'Ctrl-C'})")
        status = 130
    except (DemoFailed, LabError, topology_file.TopologyError, AssertionError,
            subprocess.CalledProcessError) as exc:
        n.out()
        n.fail(f"demo failed at step {n.step_no}: {exc}")
        status = 1
    finally:
        interrupts.cleaning = True
        if topo is not None and not clean_up(n, topo):
            status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
