"""Benchmark 3: scale. N VIPs x 16 servers with TCP checks at 1 s intervals (N = 10, 100, 1000): anycastd's CPU
(utime + stime from /proc/PID/stat over a window), RSS, the probes the servers really accepted, the probe
latency distribution (anycastd's anycastd_probe_duration_seconds histogram, summed over every series), and
the time from start-up until every VIP's route is in the leaf's kernel over all 16 servers. In the same run,
on the same fabric and targets, the bare C prober (epoll_prober.c: socket, connect, epoll, close, nothing
else) gives the floor; the ratio is anycastd's CPU per probe over the bare prober's.

Servers: the fabric's 4 server namespaces hold 4 extra IPv6 addresses each (2001:db8:J::10..13, on-link from
the leaf's eth-sJ), 16 servers in all. VIP i (2001:db8:aa::i/128) checks TCP port 20000+i on all 16, so every
(server, check) pair is distinct: 16 x N real probes per second, which nothing can share. In each server
namespace `epoll_prober serve` listens on ports 20000..20000+N-1, accepts and closes, and counts: the
figure "probes/s at the servers" is that count over the window (the probes really executed).

Everything runs through the fabric (namespaces, anycastd, the servers' listeners: stopped by PID on any exit).
"""
import json
import os
import re
import time

from benchlib import REPO
from nlstate import NlReader

import fabric as lab

PORT0 = 20000
HZ = os.sysconf("SC_CLK_TCK")
METRICS = "127.0.0.1:9370"
PROGRAM_LIMIT_S = 150  # how long start-up programming may take before the figure is reported as not done


def server_addrs():
    return [f"2001:db8:{j}::{0x10 + k:x}" for j in range(1, 5) for k in range(4)]


def vip_prefix(i):
    return f"2001:db8:aa::{i + 1:x}/128"


def config(fab, n):
    servers = server_addrs()
    blocks = []
    for i in range(n):
        blocks.append(f'vip {{\n  name: "v{i}"\n  prefix: "{vip_prefix(i)}"\n'
                      f"  check {{ tcp {{ port: {PORT0 + i} }} interval_ms: 1000 timeout_ms: 500 }}\n" +
                      "".join(f'  server {{ name: "s{k}" address: "{a}" }}\n' for k, a in enumerate(servers)) +
                      "}\n")
    return fab.config(*blocks) + f'metrics {{ listen: "{METRICS}" }}\n'


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


class Scale:
    def __init__(self, fab, results, prober, quick):
        self.fab, self.results, self.prober, self.quick = fab, results, prober, quick
        self.nl = NlReader(fab.leaf)
        self.serving = 0

    def prepare(self):
        f = self.fab
        for j, s in enumerate(f.servers, 1):
            for k in range(4):
                f.ip(s.ns, "-6", "addr", "add", f"2001:db8:{j}::{0x10 + k:x}/64", "dev", "eth0", "nodad")
        # Let the leaf resolve every server (16 neighbours) before the clock starts.
        for a in server_addrs():
            f.exec(f.leaf, "ping", "-6", "-c1", "-W2", a, check=False)

    def serve(self, n):
        """(Re)starts the listeners in every server namespace for ports PORT0..PORT0+n-1."""
        f = self.fab
        for s in f.servers:
            f.stop_daemon("serve", s.name)
            count = f.rundir / s.name / "accepted"
            count.unlink(missing_ok=True)
            f.start_daemon("serve", s.name, [self.prober, "serve", PORT0, PORT0 + n - 1, count],
                           ready=count.exists, what="epoll_prober serve")
        self.serving = n

    def accepted(self):
        total = 0
        for s in self.fab.servers:
            try:
                total += int((self.fab.rundir / s.name / "accepted").read_text())
            except (OSError, ValueError):
                pass
        return total

    def programmed(self, n):
        """How many of the n VIPs have their route in the leaf's kernel over all 16 servers."""
        want = len(server_addrs())
        nhs = self.nl.nexthops()
        done = 0
        for prefix, (proto, nhid, _hops) in self.nl.routes(family=6).items():
            if proto != lab.ROUTE_PROTOCOL or nhid is None:
                continue
            if len(nhs.get(nhid, (None, []))[1]) == want:
                done += 1
        return done

    def probe_buckets(self):
        """{le: count} of anycastd_probe_duration_seconds summed over every series (cumulative buckets)."""
        p = self.fab.exec(self.fab.leaf, "/usr/bin/python3", "-c",
                          "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen("
                          f"'http://{METRICS}/metrics', timeout=60).read().decode())", timeout=90, check=False)
        if p.returncode != 0:
            return None  # (anycastd did not answer within 60 s)
        out = p.stdout
        buckets = {}
        for m in re.finditer(r'^anycastd_probe_duration_seconds_bucket\{[^}]*le="([^"]+)"\} (\S+)$', out, re.M):
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0) + float(m.group(2))
        return buckets

    @staticmethod
    def latency(before, after):
        """(p50, p90, p99) upper bucket bounds in ms of the probes timed between two probe_buckets(), and
        their count."""
        if before is None or after is None:
            return None, 0
        buckets = {le: after[le] - before.get(le, 0) for le in after}
        if not buckets:
            return None, 0
        les = sorted(buckets)
        total = buckets[les[-1]]
        res = []
        for p in (50, 90, 99):
            want = p / 100 * total
            res.append(next((le * 1000 for le in les if buckets[le] >= want), None))
        return tuple(res), int(total)

    def one(self, n, window):
        f = self.fab
        if self.serving != n:
            self.serve(n)
        case = f"{n} VIPs x 16 servers, 1 s"
        t0 = time.monotonic()
        proc = f.start_anycastd(config(f, n))
        limit = PROGRAM_LIMIT_S
        try:
            lab.wait_for(lambda: self.programmed(n), limit, f"all {n} VIPs programmed over 16 servers",
                         until=lambda k: k == n, interval=0.02)
            t_prog, prog_note = time.monotonic() - t0, "from exec; includes rise 2 x interval 1 s"
        except lab.WaitTimeout:
            t_prog = None
            prog_note = (f"NOT DONE: {self.programmed(n)} of {n} VIPs over all 16 servers after {limit} s "
                         "(the window below still runs, so it includes that programming)")
        time.sleep(2)  # past the start-up burst
        h0 = self.probe_buckets()  # (the scrape's own CPU is spent before the window opens)
        a0, c0, w0 = self.accepted(), cpu_seconds(proc.pid), time.monotonic()
        time.sleep(window)
        a1, c1, w1 = self.accepted(), cpu_seconds(proc.pid), time.monotonic()
        rss = rss_mib(proc.pid)
        lat, count = self.latency(h0, self.probe_buckets())
        f.stop_anycastd(timeout=180)  # withdrawing 1,000 VIPs takes a while (benchmark 4)
        lab.wait_for(lambda: self.nl.routes(family=6), 120, "anycastd's routes withdrawn",
                     until=lambda rs: not any(v[0] == lab.ROUTE_PROTOCOL for v in rs.values()))
        secs = w1 - w0
        probes = (a1 - a0) / secs
        cpu = (c1 - c0) / secs
        r = self.results
        r.add("3 scale", case, "anycastd", "time to program all routes", t_prog and t_prog * 1000, "ms",
              note=prog_note)
        r.add("3 scale", case, "anycastd", "probes/s at the servers", probes, "/s", note=f"expected {16 * n}")
        r.add("3 scale", case, "anycastd", "CPU", cpu * 100, "%", note=f"of one core, {secs:.0f} s window")
        r.add("3 scale", case, "anycastd", "RSS", rss, "MiB")
        acd_per_probe = cpu / probes * 1e6 if probes else None
        r.add("3 scale", case, "anycastd", "CPU per probe", acd_per_probe, "us")
        if lat:
            r.add("3 scale", case, "anycastd", "probe latency p50/p90/p99 (bucket bound)",
                  "/".join(f"{x:g}" for x in lat), "ms", count, note="anycastd_probe_duration_seconds over the window")
        else:
            r.add("3 scale", case, "anycastd", "probe latency", None, "ms",
                  note="not measured: /metrics did not answer within 60 s")
        # The floor: the bare prober, same targets, same servers.
        targets = f.rundir / "targets"
        targets.write_text("".join(f"{a} {PORT0 + i}\n" for i in range(n) for a in server_addrs()))
        a0 = self.accepted()
        p = f.exec(f.leaf, self.prober, "probe", targets, "1000", "500", str(window), timeout=window + 30)
        a1 = self.accepted()
        res = json.loads(p.stdout)
        b_probes = (a1 - a0) / res["seconds"]
        b_cpu = res["cpu_s"] / res["seconds"]
        b_per_probe = b_cpu / b_probes * 1e6 if b_probes else None
        r.add("3 scale", case, "epoll_prober", "probes/s at the servers", b_probes, "/s")
        r.add("3 scale", case, "epoll_prober", "CPU", b_cpu * 100, "%")
        r.add("3 scale", case, "epoll_prober", "CPU per probe", b_per_probe, "us")
        r.add("3 scale", case, "epoll_prober", "probe latency p50/p90/p99",
              f"{res['p50_us'] / 1000:.2g}/{res['p90_us'] / 1000:.2g}/{res['p99_us'] / 1000:.2g}", "ms",
              res["probes"], note=f"{res['failed']} failed")
        if acd_per_probe and b_per_probe:
            r.add("3 scale", case, "anycastd/epoll_prober", "CPU per probe ratio", acd_per_probe / b_per_probe,
                  "x", note="aim: close to 1")


def run(results, quick=False, outdir=None):
    prober = REPO / "build" / "bench" / "epoll_prober"
    if not prober.exists():
        raise lab.LabError(f"no {prober}: `make bench` builds it")
    with lab.Fabric(vips=(), n_servers=4, log=None) as fab:
        sc = Scale(fab, results, prober, quick)
        try:
            sc.prepare()
            sizes = (10, 100) if quick else (10, 100, 1000)
            for n in sizes:
                print(f"scale: {n} VIPs", flush=True)
                sc.one(n, 5 if quick else (20 if n >= 1000 else 10))
        finally:
            sc.nl.close()
