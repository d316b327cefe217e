"""Benchmarks 1 and 2: failure to withdrawal, anycastd next to ExaBGP's healthcheck on the same fabric.

The fabric (tests/fabric/fabric.py: leaf with FRR 8.4, gobgpd spine, 3 servers with real HTTP servers on port 80)
carries one VIP per tool, both served by all three servers:

- anycastd (in the leaf) probes the servers over TCP port 80 and programs 203.0.113.10/32 into the leaf's
  kernel as a nexthop group; bgpd redistributes it to the spine.
- ExaBGP (one `exabgp` per server namespace, Debian's package) runs `exabgp healthcheck` with a TCP connect
  check of the local port 80 and announces 203.0.113.20/32 with itself as next hop to the leaf's bgpd
  (eBGP, AS 65100); bgpd installs the multipath route (maximum-paths 16) and passes it on to the spine.
  This is how operators run it today: the check runs on each server, BGP carries the decision.

Both see the same event at the same instant, so the two figures of one repetition share the machine's load.
One repetition: s1's event (time until s1's next hop leaves each VIP's kernel route), s2's event (the same),
s3's event (the last server: time until the spine's RIB withdraws each VIP, and until the leaf's kernel route
is gone); then everything is restored and announced again. Events:
- service: the server's HTTP server (IPv4) is killed (SIGTERM; it exits at once, connections are refused);
- link: the leaf's server-facing veth (eth-sN) is set administratively down (the kernel itself then drops the
  next hops through it: nexthop objects are deleted, multipath next hops marked dead);
- carrier: the server's end of the veth goes down, so the leaf's port loses carrier but stays up (the kernel
  only flags the next hops linkdown and keeps forwarding to them: the agent has to act).
A tool that does not react within WAIT seconds is recorded as a miss (shown in the table), not as a time.

Timing: t0 is taken just before the event is caused; the leaf's kernel is polled over rtnetlink every 5 ms
(nlstate.py, well under 1 ms per poll); the spine's withdrawals come from `gobgp monitor` with their arrival
time. A random delay (0..1 probe interval) before each event spreads the event over the probe phase.

keepalived: its checkers (virtual_server with TCP_CHECK/HTTP_GET) need IPVS, which this kernel does not have
(CONFIG_IP_VS unset: "IPVS: Can't initialize ipvs", the checker process exits); its VRRP track scripts run at
whole-second intervals and drive a VRRP state, not the membership of a route. The benchmark checks whether
IPVS is there and reports keepalived as not run, with that reason, when it is not.

Settings: fast (anycastd interval 100 ms, timeout 50 ms, rise 2, fall 2; ExaBGP --interval 0.1
--fast-interval 0.1 --rise 2 --fall 2) and defaults (anycastd 1000/500 ms, rise 2, fall 3; ExaBGP interval 5 s,
fast-interval 1 s, rise 3, fall 3).

Ownership: the Fabric owns the namespaces and every process (anycastd; the ExaBGP daemons, started with
start_daemon in the server namespaces); Failover owns its rtnetlink reader and the spine's update stream
(a gobgp process read by one background thread). Everything else runs on the calling thread.
"""
import random
import time
from pathlib import Path

from benchlib import SpineUpdates, median, percentile
from nlstate import NlReader

import fabric as lab

VIP_ACD = "203.0.113.10/32"
VIP_EXA = "203.0.113.20/32"
SERVER_AS = 65100
POLL = 0.005
WAIT = 15  # seconds a tool has to react to one event
CHECK_CMD = "timeout 1 bash -c '</dev/tcp/127.0.0.1/80'"

SETTINGS = {
    "fast": dict(acd=dict(interval_ms=100, timeout_ms=50, rise=2, fall=2),
                 exa=["--interval", "0.1", "--fast-interval", "0.1", "--rise", "2", "--fall", "2", "--timeout", "1"],
                 jitter=0.1, note="interval 100 ms, fall 2, rise 2"),
    "defaults": dict(acd={}, exa=[], jitter=1.0,
                     note="each tool's defaults: anycastd 1 s/fall 3/rise 2; ExaBGP 5 s (fast 1 s)/fall 3/rise 3"),
}


def ipvs_available():
    return Path("/proc/net/ip_vs").exists()


class AnycastdTool:
    name = "anycastd"
    vip = VIP_ACD

    def __init__(self, fab):
        self.fab = fab

    def start(self, setting):
        f = self.fab
        timing = " ".join(f"{k}: {v}" for k, v in SETTINGS[setting]["acd"].items())  # none: the defaults
        block = (f'vip {{\n  name: "web"\n  prefix: "{VIP_ACD}"\n  check {{ tcp {{ port: 80 }} {timing} }}\n' +
                 "".join(f'  server {{ name: "{s.name}" address: "{s.v4}" }}\n' for s in f.servers) + "}\n")
        f.start_anycastd(f.config(block))

    def stop(self):
        if self.fab.anycastd_running:
            self.fab.stop_anycastd()


class ExabgpTool:
    name = "exabgp"
    vip = VIP_EXA

    def __init__(self, fab):
        self.fab = fab
        self.peered = False

    def _peer_leaf(self):
        f = self.fab
        cmds = ["configure terminal", f"router bgp {lab.LEAF_AS}", "neighbor SERVERS peer-group",
                f"neighbor SERVERS remote-as {SERVER_AS}", "neighbor SERVERS timers 3 9",
                "neighbor SERVERS timers connect 1", "neighbor SERVERS advertisement-interval 0"]
        cmds += [f"neighbor {s.v4} peer-group SERVERS" for s in f.servers]
        cmds += ["address-family ipv4 unicast", "neighbor SERVERS activate", "maximum-paths 16"]
        args = ["vtysh", "--vty_socket", f.frr_dir]
        for c in cmds:
            args += ["-c", c]
        lab.run(args)
        self.peered = True

    def start(self, setting):
        f = self.fab
        if not self.peered:
            self._peer_leaf()
        for s in f.servers:
            d = f.rundir / s.name / "exabgp"
            d.mkdir(exist_ok=True)
            check = d / "check.sh"
            check.write_text(f"#!/bin/sh\n{CHECK_CMD}\n")
            check.chmod(0o755)
            hc = " ".join(["/usr/bin/python3", "-m", "exabgp", "healthcheck", "--no-syslog", "--no-ip-setup",
                           "--withdraw-on-down", "--ip", VIP_EXA, "--next-hop", s.v4, "--cmd", str(check),
                           *SETTINGS[setting]["exa"]])
            (d / "exabgp.conf").write_text(f"""process hc {{
  run {hc};
  encoder text;
}}
neighbor {s.leaf_v4} {{
  router-id {s.v4};
  local-address {s.v4};
  local-as {SERVER_AS};
  peer-as {lab.LEAF_AS};
  hold-time 9;
  family {{ ipv4 unicast; }}
  api {{ processes [ hc ]; }}
}}
""")
            # Listening too (tcp.bind), so that the leaf's 1 s connect timer brings a session back after a link
            # event instead of ExaBGP's own reconnection backoff.
            env = ["env", "exabgp.daemon.user=root", "exabgp.daemon.drop=false", "exabgp.log.destination=stdout",
                   f"exabgp.tcp.bind={s.v4}", "exabgp.tcp.port=179",
                   f"exabgp.api.pipename=acd-bench-{s.name}", "exabgp.log.level=WARNING"]
            f.start_daemon("exabgp", s.name, [*env, "exabgp", d / "exabgp.conf"], ready=lambda: True,
                           what="exabgp")

    def stop(self):
        for s in self.fab.servers:
            self.fab.stop_daemon("exabgp", s.name)


class Failover:
    def __init__(self, fab, results, tools, reps):
        self.fab, self.results, self.tools, self.reps = fab, results, tools, reps
        self.nl = NlReader(fab.leaf)
        self.spine = SpineUpdates(fab)

    def close(self):
        self.nl.close()
        self.spine.stop()

    def everything_up(self, timeout):
        want = frozenset(s.v4 for s in self.fab.servers)

        def state():
            rib = self.fab.spine_rib(4)
            return {t.name: (sorted(self.nl.gateways(t.vip) or []), t.vip in rib) for t in self.tools}
        try:
            lab.wait_for(state, timeout, "every VIP over all servers in the leaf and at the spine",
                         until=lambda st: all(set(g) == want and held for g, held in st.values()), interval=0.05)
        except lab.WaitTimeout as exc:
            logs = "".join(f"\n---- {s.name} exabgp log tail:\n" +
                           (self.fab.rundir / s.name / "exabgp.log").read_text(errors="replace")[-600:]
                           for s in self.fab.servers if (self.fab.rundir / s.name / "exabgp.log").exists())
            raise lab.LabError(f"{exc} ((kernel gateways, at the spine) per tool)\n---- anycastd log tail:\n"
                               f"{self.fab.anycastd_log()[-1500:]}{logs}") from exc

    def event(self, kind, s, up):
        f = self.fab
        if kind == "service":
            f.start_service(s.name, 4) if up else f.stop_service(s.name, 4)
        elif kind == "link":
            f.ip(f.leaf, "link", "set", s.leaf_dev, "up" if up else "down")
        else:  # carrier: the server's end goes down, the leaf's port stays up without carrier
            f.set_link(s.name, up)

    def one(self, setting, kind, samples, misses):
        """One repetition; a tool that did not react within WAIT s counts a miss (after two misses of the
        same metric in a case it is no longer waited for)."""
        f = self.fab
        jitter = SETTINGS[setting]["jitter"]
        for i, s in enumerate(f.servers):
            last = i == len(f.servers) - 1
            metrics = (("kernel route deleted (last server)", "spine withdraws the VIP (last server)") if last
                       else ("next hop leaves the kernel route",))
            time.sleep(random.uniform(0, jitter))
            self.spine.trim()
            t0 = time.monotonic()
            self.event(kind, s, up=False)
            pending = {t.name: t for t in self.tools if misses.get((t.name, metrics[-1]), 0) < 2}
            gone = {}
            deadline = t0 + WAIT
            while pending and time.monotonic() < deadline:
                now = time.monotonic()
                for name, t in list(pending.items()):
                    gws = self.nl.gateways(t.vip)
                    if not last:
                        if gws is not None and s.v4 not in gws:
                            samples.setdefault((name, metrics[0]), []).append(now - t0)
                            del pending[name]
                    else:
                        if gws is None and name not in gone:
                            gone[name] = now - t0
                            samples.setdefault((name, metrics[0]), []).append(gone[name])
                        w = self.spine.withdrawn_at(t.vip, t0)
                        if w is not None and name in gone:
                            samples.setdefault((name, metrics[1]), []).append(w - t0)
                            del pending[name]
                time.sleep(POLL)
            for name in pending:
                for m in metrics:
                    if not (m == metrics[0] and name in gone):
                        misses[(name, m)] = misses.get((name, m), 0) + 1
                        samples.setdefault((name, m), [])
        for s in f.servers:
            self.event(kind, s, up=True)

    def run(self, setting, kind):
        for t in self.tools:
            t.start(setting)
        try:
            self.everything_up(120)
            samples, misses = {}, {}
            restarts = 0
            for _ in range(self.reps[setting, kind]):
                self.one(setting, kind, samples, misses)
                try:
                    self.everything_up(60)
                except lab.LabError as exc:
                    # ExaBGP sometimes leaves a session down after a link or carrier event (seen about once in
                    # 40 repetitions); restart the peer's daemons, count it, and go on.
                    print(f"failover: restarting the peers: {str(exc).splitlines()[0]}", flush=True)
                    for t in self.tools:
                        if t.name != "anycastd":
                            t.stop()
                            t.start(setting)
                    restarts += 1
                    self.everything_up(120)
            if restarts:
                self.results.add("1 failover", f"{kind} down, {setting}", "exabgp", "restarted to recover",
                                 restarts, "times", self.reps[setting, kind],
                                 note="a BGP session did not come back within 60 s of the restore")
        finally:
            for t in self.tools:
                t.stop()
            self.fab.flush_routes()
        case = f"{kind} down, {setting}"
        for (tool, metric), v in sorted(samples.items()):
            ms = [x * 1000 for x in v]
            miss = misses.get((tool, metric), 0)
            note = f"did not happen within {WAIT} s in {miss} tries" if miss else ""
            if tool == "anycastd" and not note:
                note = SETTINGS[setting]["note"]
            self.results.add("1 failover", case, tool, f"{metric} median", median(ms), "ms", len(ms), note)
            self.results.add("1 failover", case, tool, f"{metric} p99", percentile(ms, 99), "ms", len(ms))
        for metric in ("next hop leaves the kernel route", "spine withdraws the VIP (last server)"):
            a, e = samples.get(("anycastd", metric)), samples.get(("exabgp", metric))
            if a and e and median(e) > 0:
                self.results.add("2 vs peer", case, "anycastd/exabgp", f"{metric} median ratio",
                                 median(a) / median(e), "x")


# Repetitions per (setting, event): a link or carrier event costs ExaBGP a BGP session re-establishment on
# restore (about 10 s a repetition), so those run fewer; the whole benchmark stays around 8 minutes here.
REPS = {("fast", "service"): 10, ("fast", "link"): 6, ("fast", "carrier"): 6,
        ("defaults", "service"): 4, ("defaults", "link"): 3, ("defaults", "carrier"): 3}


def run(results, quick=False, kinds=("service", "link", "carrier"), with_exabgp=True):
    with lab.Fabric(vips=(VIP_ACD, VIP_EXA), log=None) as fab:
        tools = [AnycastdTool(fab)] + ([ExabgpTool(fab)] if with_exabgp else [])
        if not ipvs_available():
            results.add("2 vs peer", "all", "keepalived", "not run", None, "",
                        note="its checkers need IPVS; this kernel has none (CONFIG_IP_VS unset)")
        reps = {k: (1 if k[0] == "defaults" else 2) if quick else v for k, v in REPS.items()}
        fo = Failover(fab, results, tools, reps)
        try:
            for setting in ("fast", "defaults"):
                for kind in kinds:
                    print(f"failover: {setting} / {kind} ({reps[setting, kind]} repetitions)", flush=True)
                    fo.run(setting, kind)
        finally:
            fo.close()
