"""Assertions shared by the integration tests: wait until a VIP is announced with a given set of servers (in
the leaf's kernel and at the spine) or withdrawn, and check the route anycastd wrote against the contract
(protocol 200, table main, distance 0, a nexthop object of its protocol). Each waits by polling and fails
with what it saw last."""
import contextlib
import ipaddress
import json
import os
import subprocess
import time
from pathlib import Path

from fabric import LEAF_V4, LEAF_V6, ROUTE_PROTOCOL, wait_for

TIMEOUT = 15  # seconds; probes run every 200 ms, so a change normally shows within ~1 s
ANYCASTCTL = Path(os.environ.get("ANYCASTCTL") or
                  Path(os.environ.get("ANYCASTD") or Path(__file__).resolve().parents[2] / "build" / "anycastd")
                  .with_name("anycastctl"))


def addresses(fab, names, family):
    return frozenset(fab.server(n).address(family) for n in names)


def family(prefix):
    return ipaddress.ip_network(prefix).version


def wait_group(fab, prefix, names, timeout=TIMEOUT):
    """Waits until the leaf's kernel route for prefix goes over exactly the named servers."""
    expected = addresses(fab, names, family(prefix))
    return wait_for(lambda: fab.nexthop_group(prefix), timeout,
                    f"{prefix}'s kernel next hops to be {sorted(expected)} ({', '.join(names)})",
                    until=lambda group: group == expected)


def wait_spine(fab, prefix, present=True, timeout=TIMEOUT):
    fam = family(prefix)
    return wait_for(lambda: fab.spine_rib(fam), timeout,
                    f"the spine to {'hold' if present else 'withdraw'} {prefix}",
                    until=lambda rib: (prefix in rib) == present)


def wait_announced(fab, prefix, names, timeout=TIMEOUT):
    """Waits until prefix goes over exactly `names` in the kernel and the spine holds it from the leaf."""
    wait_group(fab, prefix, names, timeout)
    wait_spine(fab, prefix, True, timeout)
    leaf = LEAF_V4 if family(prefix) == 4 else LEAF_V6
    assert leaf in fab.spine_nexthops(prefix), f"spine's next hop for {prefix}: {fab.spine_nexthops(prefix)}"


def wait_withdrawn(fab, prefix, timeout=TIMEOUT):
    """Waits until the leaf has no route of anycastd's protocol for prefix and the spine withdrew it."""
    wait_for(lambda: fab.route(prefix), timeout, f"{prefix}'s kernel route to be deleted",
             until=lambda r: r is None)
    wait_spine(fab, prefix, False, timeout)


@contextlib.contextmanager
def failing_neighbour(fab, name):
    """Makes the leaf's neighbour entry for server `name` (IPv4) fail the way a dead server's does: the server
    stops answering ARP, the entry is forgotten (an administrative delete is not a failure) and a connection
    attempt starts a resolution the kernel gives up after 3 retries 100 ms apart. Yields the time the
    resolution started; afterwards the server answers ARP again."""
    server = fab.server(name)
    sysctl = f"net.ipv4.neigh.{server.leaf_dev}.retrans_time_ms"
    fab.exec(fab.leaf, "sysctl", "-q", "-w", f"{sysctl}=100")
    conn = None
    try:
        fab.set_arp(name, False)
        fab.ip(fab.leaf, "neigh", "del", server.v4, "dev", server.leaf_dev, check=False)
        started = time.monotonic()
        conn = subprocess.Popen(["ip", "netns", "exec", fab.leaf, "timeout", "2", "bash", "-c",
                                 f"echo > /dev/tcp/{server.v4}/80"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        yield started
    finally:
        if conn is not None:
            conn.wait(timeout=5)
        fab.exec(fab.leaf, "sysctl", "-q", "-w", f"{sysctl}=1000")
        fab.set_arp(name, True)


def assert_route_contract(fab, prefix):
    """The route is in table main, protocol 200, distance 0 (metric 0 for IPv4; IPv6 metric 0 reads back
    as 1024, which zebra also takes as distance 0), over a nexthop object of protocol 200 whose members are
    of protocol 200 too."""
    routes = fab.kernel_routes(ROUTE_PROTOCOL, table="all")
    r = routes.get(prefix)
    assert r is not None, f"no route of protocol {ROUTE_PROTOCOL} for {prefix}: {routes}"
    assert r.get("table", "main") in ("main", "254"), f"route not in table main: {r}"
    metric = r.get("metric", 0)
    if family(prefix) == 4:
        assert metric == 0, f"IPv4 route metric {metric}, want 0: {r}"
    else:
        assert metric >> 24 == 0, f"IPv6 route metric {metric} makes zebra's distance {metric >> 24}: {r}"
    assert "nhid" in r, f"route does not use a nexthop object: {r}"
    nhs = fab.nexthops()
    top = nhs.get(r["nhid"])
    assert top is not None, f"route's nexthop object {r['nhid']} missing: {nhs}"
    assert top.get("protocol") == str(ROUTE_PROTOCOL), f"nexthop object protocol: {top}"
    for m in top.get("group", []):
        member = nhs.get(m["id"])
        assert member is not None and member.get("protocol") == str(ROUTE_PROTOCOL), \
            f"group member {m['id']} of {prefix}: {member}"
    return r, top


def observe(seconds, probe, interval=0.05):
    """Calls probe() for `seconds` (an observation window: used only to check that something does NOT
    happen) and returns the values seen."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.append(probe())
        time.sleep(interval)
    return seen


def scrape(fab, port=9370):
    """The text of anycastd's /metrics on 127.0.0.1:port in the leaf."""
    p = fab.exec(fab.leaf, "/usr/bin/python3", "-c",
                 f"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/metrics', "
                 "timeout=5).read().decode())")
    return p.stdout


def metric(text, name, **labels):
    """The value of the series `name{labels...}` (labels given must match; others are ignored)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def metric_sum(text, name, **labels):
    """The sum of every series `name{labels...}` (labels given must match; others, e.g. reason, may differ)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if (line.startswith(name + "{") or line.startswith(name + " "))
               and all(f'{k}="{v}"' in line for k, v in labels.items()))


def anycastctl(fab, *args):
    """Runs anycastctl against the fabric's anycastd and returns its output; fails the test if it fails."""
    assert os.access(ANYCASTCTL, os.X_OK), f"no anycastctl binary at {ANYCASTCTL} (build it with `make`)"
    p = subprocess.run([str(ANYCASTCTL), "--socket", str(fab.control_socket), *args], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 0, f"anycastctl {' '.join(args)} exited {p.returncode}: {p.stderr}{p.stdout}"
    return p.stdout


def server_status(fab, vip, server):
    """The server's entry in `anycastctl --json show vip VIP` (control.proto ServerStatus as JSON)."""
    status = json.loads(anycastctl(fab, "--json", "show", "vip", vip))
    for v in status.get("vips", [status]):
        for s in v.get("servers", []):
            if s.get("name") == server:
                return s
    raise AssertionError(f"no server {server} in vip {vip}: {status}")


def wait_last_failure(fab, vip, server, text, timeout=TIMEOUT):
    """Waits until the server's last failed probe's reason contains text."""
    return wait_for(lambda: server_status(fab, vip, server).get("last_failure", ""), timeout,
                    f"{vip}/{server}'s last failure to contain {text!r}", until=lambda f: text in f)


def with_slow_start(vip_block, seconds):
    """The vip block with `slow_start_s: seconds` added."""
    return vip_block[: vip_block.rindex("}")] + f"  slow_start_s: {seconds}\n}}\n"


def assert_recovered_server_ramps(fab, vip, prefix, names, ramping, slow_start_s, sample=None):
    """With the VIP announced over `names` (all weight 1) and slow_start_s set: `ramping` fails and comes back;
    its weight in the leaf's kernel route must start below the others' (which stay equal), grow relative to
    them, and be back to equal weights within slow_start_s (plus TIMEOUT); `anycastctl show vip` shows the ramp
    meanwhile. sample(), if given, is called at every poll from before the server returns until the end.
    Returns the weights seen on the way ({gateway: weight} each) for the caller to check exact
    values (zebra may rescale them: FRR 10.3 installs 8:8:1 as 254:254:31)."""
    fam = family(prefix)
    hops = {n: fab.server(n).address(fam) for n in names}
    back, others = hops[ramping], [hops[n] for n in names if n != ramping]
    equal = {a: 1 for a in hops.values()}
    # The first verdict does not ramp: equal weights from the start.
    assert fab.nexthop_members(prefix) == equal
    fab.stop_service(ramping)
    wait_group(fab, prefix, [n for n in names if n != ramping])
    if sample:
        sample()
    fab.start_service(ramping)
    seen = []

    def members():
        if sample:
            sample()
        m = fab.nexthop_members(prefix)
        if back in m and (not seen or seen[-1] != m):
            seen.append(m)
        return m

    def share(m):
        """The ramping server's weight relative to the others' while it ramps (they are equal), else None."""
        if back not in m or any(o not in m for o in others) or len({m[o] for o in others}) != 1:
            return None
        return m[back] / m[others[0]]

    first = wait_for(members, TIMEOUT, f"{ramping} back with a weight below the others'",
                     until=lambda m: share(m) is not None and share(m) < 1)
    shown = anycastctl(fab, "show", "vip", vip)
    assert "up (slow start " in shown, shown
    status = server_status(fab, vip, ramping)
    assert 0 < status.get("slow_start_percent", 0) < 100, status
    wait_for(members, slow_start_s + TIMEOUT, f"{ramping}'s weight to grow",
             until=lambda m: share(m) is not None and share(first) < share(m) < 1)
    wait_for(members, slow_start_s + TIMEOUT, "equal weights again", until=lambda m: m == equal)
    print(f"weights seen while {ramping} ramped: {seen}")
    shares = [share(m) for m in seen]
    assert None not in shares, f"the others' weights differed during the ramp: {seen}"
    assert shares == sorted(shares), f"{ramping}'s weight went down during the ramp: {seen}"
    assert "up (slow start" not in anycastctl(fab, "show", "vip", vip)
    return seen


ROUTED_SERVER_V4 = "192.0.2.130"  # a server address behind s2: on s2's lo, reached by the leaf via s2's link


@contextlib.contextmanager
def routed_server(fab, via="s2", address=ROUTED_SERVER_V4):
    """A server that the leaf reaches through a route (via `via`'s address), not on a connected subnet: the
    address goes on `via`'s lo and the leaf gets `address/32 via <via's address>`. Both are removed on exit,
    also on failure. Yields the address."""
    server = fab.server(via)
    fab.ip(server.ns, "addr", "add", f"{address}/32", "dev", "lo")
    try:
        fab.ip(fab.leaf, "route", "add", f"{address}/32", "via", server.v4)
        try:
            yield address
        finally:
            fab.ip(fab.leaf, "route", "del", f"{address}/32", check=False)
    finally:
        fab.ip(server.ns, "addr", "del", f"{address}/32", "dev", "lo", check=False)


@contextlib.contextmanager
def icmp_ignored(fab, name):
    """`name` stops answering ICMP echo (its probes fail, its link stays up) until the block ends."""
    ignore = "net.ipv4.icmp_echo_ignore_all"
    fab.exec(fab.server(name).ns, "sysctl", "-q", "-w", f"{ignore}=1")
    try:
        yield
    finally:
        fab.exec(fab.server(name).ns, "sysctl", "-q", "-w", f"{ignore}=0", check=False)
