"""Benchmark 5: flow stability. The VIP over 8 servers in the leaf's kernel, with L4 hashing
(net.ipv4.fib_multipath_hash_policy=1 in the leaf); FLOWS 5-tuples (TCP, source ports and a few source
addresses, destination port 80) are mapped to a server with `ip route get VIP from SRC ipproto tcp sport S
dport 80` (through `ip -batch`, so the kernel's own choice); then one server's service stops, anycastd takes it
out (probes: interval 100 ms, fall 2), and the flows are mapped again. The figure is the fraction of all flows
whose server changed: ideally 1/8 (only the failed server's own flows). Once with a resilient nexthop group
(nexthop_mode RESILIENT_GROUP, anycastd's default) and once with a classic multipath route
(MULTIPATH_ROUTE, hash-threshold), same fabric, same flows.
The Fabric owns the namespaces and processes (anycastd, the servers); `ip -batch` runs as a child. One thread.
"""
import collections
import re

import fabric as lab
from fabric import VIP4

FLOWS = 4000
SOURCES = ("192.0.2.1", "198.51.100.1")  # the leaf's own addresses (eth-s1, eth-spine)
MODES = (("resilient group", "RESILIENT_GROUP"), ("multipath route", "MULTIPATH_ROUTE"))


def mapping(fab, flows):
    path = fab.rundir / "route-get"
    vip = VIP4.split("/")[0]
    path.write_text("".join(f"route get {vip} from {src} ipproto tcp sport {sport} dport 80\n"
                            for src, sport in flows))
    out = fab.exec(fab.leaf, "ip", "-batch", path, timeout=120).stdout
    hops = re.findall(r" via (\S+) ", out)
    if len(hops) != len(flows):
        raise lab.LabError(f"ip route get answered {len(hops)} of {len(flows)} flows: {out[:500]}")
    return hops


def run(results, quick=False):
    n_flows = 1000 if quick else FLOWS
    flows = [(SOURCES[i % len(SOURCES)], 10000 + i) for i in range(n_flows)]
    with lab.Fabric(vips=(VIP4,), n_servers=8, log=None) as fab:
        fab.exec(fab.leaf, "sysctl", "-q", "-w", "net.ipv4.fib_multipath_hash_policy=1")
        all8 = frozenset(s.v4 for s in fab.servers)
        victim = fab.servers[2]
        for label, mode in MODES:
            fab.reset()
            fab.start_anycastd(fab.config(
                fab.vip("web", VIP4, check="tcp", interval_ms=100, timeout_ms=50, rise=2, fall=2),
                kernel_extra=f"nexthop_mode: {mode}"))
            lab.wait_for(lambda: fab.nexthop_group(VIP4), 30, "the VIP over 8 servers", until=lambda g: g == all8)
            before = mapping(fab, flows)
            spread = collections.Counter(before)
            fab.stop_service(victim.name)
            lab.wait_for(lambda: fab.nexthop_group(VIP4), 30, f"the VIP without {victim.name}",
                         until=lambda g: g == all8 - {victim.v4})
            after = mapping(fab, flows)
            moved = sum(1 for a, b in zip(before, after) if a != b)
            own = spread[victim.v4]
            results.add("5 flows", f"8 servers, 1 fails, {n_flows} flows", label, "flows that changed server",
                        moved / n_flows, "fraction", n_flows,
                        note=f"ideal {own / n_flows:.3f} (the failed server's share; 1/8 = 0.125)")
            moved_others = sum(1 for a, b in zip(before, after) if a != b and a != victim.v4)
            results.add("5 flows", f"8 servers, 1 fails, {n_flows} flows", label,
                        "flows of healthy servers that moved", moved_others / n_flows, "fraction", n_flows,
                        note="ideal 0")
            fab.start_service(victim.name)
