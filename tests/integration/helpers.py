"""Assertions shared by the integration tests: wait until a VIP is announced with a given set of servers (in
the leaf's kernel and at the spine) or withdrawn, and check the route anycastd wrote against the contract
(protocol 200, table main, distance 0, a nexthop object of its protocol). Each waits by polling and fails
with what it saw last."""
import ipaddress
import time

from fabric import LEAF_V4, LEAF_V6, ROUTE_PROTOCOL, wait_for

TIMEOUT = 15  # seconds; probes run every 200 ms, so a change normally shows within ~1 s


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
