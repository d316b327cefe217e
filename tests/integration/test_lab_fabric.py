"""The lab itself, without anycastd: routes of protocol 200 written by hand into the leaf's kernel must reach
the spine (and only the VIPs), deletions must be withdrawn, and the helpers must read the kernel and the
spine correctly. If these fail, the anycastd scenarios cannot be trusted either."""
import ipaddress
import errno

import pytest

import fabric as lab
from fabric import LEAF_V4, LEAF_V6, VIP4, VIP6, wait_for


def add_group(fab, prefix, servers, base_id, weights=None):
    """Nexthop objects for servers, a resilient group over them and the route, all protocol 200."""
    fam = ipaddress.ip_network(prefix).version
    ids = []
    for i, name in enumerate(servers, 1):
        s = fab.server(name)
        fab.ip(fab.leaf, "nexthop", "add", "id", str(base_id + i), "via", s.address(fam), "dev", s.leaf_dev,
               "proto", "200")
        w = (weights or {}).get(name)
        ids.append(f"{base_id + i}" + (f",{w}" if w else ""))
    fab.ip(fab.leaf, "nexthop", "add", "id", str(base_id), "group", "/".join(ids), "type", "resilient",
           "buckets", "32", "proto", "200")
    fab.ip(fab.leaf, f"-{fam}", "route", "add", prefix, "nhid", str(base_id), "proto", "200")


# Each test uses its own nexthop IDs: zebra 8.4 remembers a deleted ID's old next hop for a while.
@pytest.mark.parametrize("prefix,base", [(VIP4, 100), (VIP6, 200)])
def test_hand_made_route_is_announced_and_withdrawn(bare_fabric, prefix, base):
    fab = bare_fabric
    fam = ipaddress.ip_network(prefix).version
    add_group(fab, prefix, ["s1", "s2", "s3"], base, weights={"s2": 2})
    expected = {fab.server(n).address(fam) for n in ("s1", "s2", "s3")}
    assert fab.nexthop_group(prefix) == expected
    assert fab.nexthop_members(prefix)[fab.server("s2").address(fam)] == 2
    assert fab.nexthop_group_id(prefix) == base
    wait_for(lambda: fab.spine_rib(fam), 10, f"the spine to learn {prefix}", until=lambda rib: prefix in rib)
    assert fab.spine_nexthops(prefix) == {LEAF_V4 if fam == 4 else LEAF_V6}

    with fab.watch([prefix]) as w:
        fab.ip(fab.leaf, "nexthop", "replace", "id", str(base), "group", f"{base + 1}/{base + 3}", "type",
               "resilient", "buckets", "32", "proto", "200")
        wait_for(lambda: fab.nexthop_group(prefix), 5, "s2 out of the group",
                 until=lambda g: g == expected - {fab.server("s2").address(fam)})
    w.assert_never_lost(prefix)

    with fab.watch([prefix]) as w:
        fab.ip(fab.leaf, f"-{fam}", "route", "del", prefix, "proto", "200")
        wait_for(lambda: fab.spine_rib(fam), 10, f"the spine to withdraw {prefix}",
                 until=lambda rib: prefix not in rib)
    assert fab.nexthop_group(prefix) == frozenset()
    assert w.kernel_deletions(prefix), "the watcher missed the kernel deletion"
    assert w.spine_withdrawals(prefix), "the watcher missed the spine's withdrawal"
    with pytest.raises(AssertionError):
        w.assert_never_lost(prefix)


def test_only_vips_are_announced(bare_fabric):
    fab = bare_fabric
    fab.ip(fab.leaf, "nexthop", "add", "id", "301", "via", "192.0.2.2", "dev", "eth-s1", "proto", "200")
    fab.ip(fab.leaf, "route", "add", "203.0.113.99/32", "nhid", "301", "proto", "200")
    fab.ip(fab.leaf, "route", "add", VIP4, "nhid", "301", "proto", "200")
    wait_for(lambda: fab.spine_rib(4), 10, "the spine to learn the VIP", until=lambda rib: VIP4 in rib)
    assert "203.0.113.99/32" not in fab.spine_rib(4)
    assert set(fab.kernel_routes()) == {VIP4, "203.0.113.99/32"}
    fab.flush_routes()
    assert fab.kernel_routes() == {} and fab.nexthops(200) == {}


def _connect(fab, ns, addr, port=lab.HTTP_PORT):
    code = (f"import socket,sys\ns=socket.socket(socket.AF_INET{'6' if ':' in addr else ''})\ns.settimeout(2)\n"
            f"sys.exit(s.connect_ex(('{addr}',{port})))")
    return fab.exec(ns, lab.PYTHON, "-c", code, check=False).returncode


def test_services_stop_and_start(bare_fabric):
    fab = bare_fabric
    s1 = fab.server("s1")
    assert _connect(fab, fab.leaf, s1.v4) == 0
    assert _connect(fab, fab.leaf, s1.v6) == 0
    fab.stop_service("s1", family=4)
    assert _connect(fab, fab.leaf, s1.v4) == errno.ECONNREFUSED
    assert _connect(fab, fab.leaf, s1.v6) == 0
    fab.stop_service("s1")
    assert _connect(fab, fab.leaf, s1.v6) == errno.ECONNREFUSED
    fab.start_service("s1")
    assert _connect(fab, fab.leaf, s1.v4) == 0 and _connect(fab, fab.leaf, s1.v6) == 0
    out = fab.exec(fab.leaf, lab.PYTHON, "-c", f"import urllib.request as u; print(u.urlopen("
                   f"'http://{s1.v4}/healthz', timeout=2).status)").stdout
    assert out.strip() == "200"
    fab.set_healthz("s1", False)
    p = fab.exec(fab.leaf, lab.PYTHON, "-c", f"import urllib.request as u; u.urlopen('http://{s1.v4}/healthz', "
                 "timeout=2)", check=False)
    assert "404" in p.stderr
