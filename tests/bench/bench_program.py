"""Benchmark 4: kernel programming rate. In the fabric's leaf namespace (8 servers on their links), the
daemon's own kernel dataplane (program_rate.cpp, linking platform/ and netlink/) adds N IPv6 VIP routes over
8 servers (a resilient group each, member objects shared), changes every group in place (one server out),
and removes them all; then `ip -batch` does the same changes (the 8 member objects, a group and a route per
VIP; `nexthop replace` of each group; route and group deletions, then the members). Alternating runs, the
median of each phase is reported as operations per second (a route with its group counts as one).
The leaf's zebra sees every change too (it is there, as on a switch), for both sides alike.
The Fabric owns the namespaces and processes; program_rate and `ip -batch` run to completion as children
(fab.exec). One thread.
"""
import json
import statistics
import time

from benchlib import REPO

import fabric as lab

BASE = "2001:db8:bb::"
ID0 = 9000000  # ip -batch's nexthop IDs, clear of the daemon's range


def batch_files(fab, n):
    gws = sorted(fab.servers, key=lambda s: s.v6)
    members = [ID0 + k for k in range(len(gws))]
    group = [f"{ID0 + 1000 + i}" for i in range(1, n + 1)]
    res = "type resilient buckets 128 idle_timer 10 unbalanced_timer 0 proto 200"
    add = [f"nexthop add id {m} via {s.v6} dev {s.leaf_dev} proto 200" for m, s in zip(members, gws)]
    for i in range(1, n + 1):
        add.append(f"nexthop add id {group[i - 1]} group {'/'.join(map(str, members))} {res}")
        add.append(f"route add {BASE}{i:x}/128 nhid {group[i - 1]} proto 200")
    change = [f"nexthop replace id {group[i - 1]} group {'/'.join(map(str, members[1:]))} {res}"
              for i in range(1, n + 1)]
    remove = []
    for i in range(1, n + 1):
        remove += [f"route del {BASE}{i:x}/128 proto 200", f"nexthop del id {group[i - 1]}"]
    remove += [f"nexthop del id {m}" for m in members]
    out = {}
    for name, lines in (("add", add), ("change", change), ("remove", remove)):
        path = fab.rundir / f"batch-{name}"
        path.write_text("\n".join(lines) + "\n")
        out[name] = path
    return out


def run(results, quick=False):
    binary = REPO / "build" / "bench" / "program_rate"
    if not binary.exists():
        raise lab.LabError(f"no {binary}: `make bench` builds it")
    n = 200 if quick else 1000
    rounds = 1 if quick else 3
    with lab.Fabric(vips=(), n_servers=8, log=None) as fab:
        files = batch_files(fab, n)
        gws = [s.v6 for s in fab.servers]
        times = {"anycastd": {"add": [], "change": [], "remove": []},
                 "ip -batch": {"add": [], "change": [], "remove": []}}
        for _ in range(rounds):
            p = fab.exec(fab.leaf, binary, str(n), BASE, *gws, timeout=300)
            r = json.loads(p.stdout)
            for ph in ("add", "change", "remove"):
                times["anycastd"][ph].append(r[f"{ph}_s"])
            for ph in ("add", "change", "remove"):
                t0 = time.monotonic()
                fab.exec(fab.leaf, "ip", "-batch", files[ph], timeout=300)
                times["ip -batch"][ph].append(time.monotonic() - t0)
            left = fab.kernel_routes(200)
            if left:
                raise lab.LabError(f"routes left after a round: {len(left)}")
        what = {"add": "routes added (group + route)", "change": "groups changed in place",
                "remove": "routes removed (route + group)"}
        case = f"{n} IPv6 VIPs x 8 servers"
        for ph in ("add", "change", "remove"):
            rates = {}
            for tool in ("anycastd", "ip -batch"):
                rates[tool] = n / statistics.median(times[tool][ph])
                results.add("4 programming", case, tool, f"{what[ph]} per second", rates[tool], "/s", rounds,
                            note="median of rounds" if tool == "anycastd" else "incl. ip's start-up")
            results.add("4 programming", case, "anycastd/ip -batch", f"{what[ph]} rate ratio",
                        rates["anycastd"] / rates["ip -batch"], "x")
