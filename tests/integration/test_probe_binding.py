"""Probes bound to a source address or a device (`check { ... source: / interface: / vrf: }`), kernel mode, end to end on the
namespace fabric. Each test makes s3 reachable for probes only when they are bound correctly, while the data
plane (the VIP's kernel group) can use s3 either way:

- source (http and icmp probes): s3 drops whatever it would send to the leaf's address on their link (a blackhole route for
  192.0.2.9 in s3), so it answers only probes sent from an extra leaf address (SOURCE on the leaf's lo, which
  s3 reaches through its default route). Bound to that source every server passes; unbound, s3 fails and
  leaves the group; with the address gone from the leaf every bind fails ("source ...: cannot assign
  requested address"), the VIP is withdrawn and anycastd keeps running.
- interface: two policy rules in the leaf make s3's HTTP port unreachable for a socket that is not bound to
  the leaf's port towards s3 (`oif eth-s3 lookup main` first, then `to s3 ipproto tcp dport 80 unreachable`);
  the dataplane's own route lookup (no port) and the forwarded traffic are not affected. Bound to eth-s3 the
  probe passes; unbound ("network is unreachable") or bound to another port it fails and the VIP is withdrawn; a
  device that does not exist fails every probe with "interface NAME: no such device", and so does a VRF
  that does not exist ("vrf NAME: no such device").

The `vrf` field binds the socket with the same SO_BINDTODEVICE call as `interface`; a test with a real VRF
device is not possible on kernels built without CONFIG_NET_VRF (as this project's test host's is), so the
VRF path is covered here only up to the bind.

Clean-up: each test removes what it created (the address and route, the policy rules) in a
finally block; the fabric's reset restores the servers. Waits poll with deadlines (helpers).
"""
import json

import pytest

from fabric import VIP4, wait_for
from helpers import TIMEOUT, wait_announced, wait_group, wait_last_failure, wait_withdrawn

ALL = ("s1", "s2", "s3")
SOURCE = "198.51.100.77"
HTTP = 'http { port: 80 path: "/healthz" expect_status: 200 }'
ICMP = "icmp { }"


def vip(fab, binding="", servers=ALL, probe=HTTP):
    return fab.vip("web", VIP4, servers=list(servers), probe=f"{probe} {binding}")


def wait_logged(fab, text):
    return wait_for(fab.anycastd_log, TIMEOUT, f"anycastd to log {text!r}", until=lambda log: text in log)


@pytest.mark.parametrize("probe", [HTTP, ICMP], ids=["http", "icmp"])
def test_probe_bound_to_a_source_address(fabric, probe):
    fab = fabric
    s3 = fab.server("s3")
    fab.ip(fab.leaf, "addr", "add", f"{SOURCE}/32", "dev", "lo")
    fab.ip(s3.ns, "route", "add", "blackhole", f"{s3.leaf_v4}/32")
    try:
        fab.start_anycastd(fab.config(vip(fab, f'source: "{SOURCE}"', probe=probe)))
        wait_announced(fab, VIP4, ALL)

        # Unbound, the probes leave from 192.0.2.9, which s3 does not answer.
        fab.reload_anycastd(fab.config(vip(fab, probe=probe)))
        wait_group(fab, VIP4, ["s1", "s2"])
        wait_last_failure(fab, "web", "s3", "timeout")

        fab.reload_anycastd(fab.config(vip(fab, f'source: "{SOURCE}"', probe=probe)))
        wait_group(fab, VIP4, ALL)

        # The address goes: every probe fails to bind, the VIP is withdrawn, anycastd carries on.
        fab.ip(fab.leaf, "addr", "del", f"{SOURCE}/32", "dev", "lo")
        wait_withdrawn(fab, VIP4)
        wait_logged(fab, f"source {SOURCE}: cannot assign requested address")
        assert fab.anycastd_running
        fab.ip(fab.leaf, "addr", "add", f"{SOURCE}/32", "dev", "lo")
        wait_announced(fab, VIP4, ALL)
    finally:
        fab.ip(fab.leaf, "addr", "del", f"{SOURCE}/32", "dev", "lo", check=False)
        fab.ip(s3.ns, "route", "del", "blackhole", f"{s3.leaf_v4}/32", check=False)


def test_probe_bound_to_an_interface(fabric):
    fab = fabric
    s3 = fab.server("s3")
    rules = [("pref", "100", "oif", s3.leaf_dev, "lookup", "main"),
             ("pref", "101", "to", f"{s3.v4}/32", "ipproto", "tcp", "dport", "80", "unreachable")]
    try:
        for rule in rules:
            fab.ip(fab.leaf, "rule", "add", *rule)
        fab.start_anycastd(fab.config(vip(fab, servers=["s3"])))
        wait_last_failure(fab, "web", "s3", "network is unreachable")
        assert fab.route(VIP4) is None

        fab.reload_anycastd(fab.config(vip(fab, f'interface: "{s3.leaf_dev}"', servers=["s3"])))
        wait_announced(fab, VIP4, ["s3"])

        # Bound to the wrong port: no route to s3 through it, the probes fail.
        fab.reload_anycastd(fab.config(vip(fab, 'interface: "eth-s1"', servers=["s3"])))
        wait_withdrawn(fab, VIP4)

        fab.reload_anycastd(fab.config(vip(fab, f'interface: "{s3.leaf_dev}"', servers=["s3"])))
        wait_announced(fab, VIP4, ["s3"])

        # Devices that do not exist: every probe fails with the reason, anycastd carries on.
        fab.reload_anycastd(fab.config(vip(fab, 'interface: "eth-gone"', servers=["s3"])))
        wait_withdrawn(fab, VIP4)
        wait_logged(fab, "interface eth-gone: no such device")
        fab.reload_anycastd(fab.config(vip(fab, 'vrf: "vrf-nope"', servers=["s3"])))
        wait_last_failure(fab, "web", "s3", "vrf vrf-nope: no such device")
        assert fab.anycastd_running and fab.route(VIP4) is None
    finally:
        for rule in rules:
            fab.ip(fab.leaf, "rule", "del", *rule, check=False)
    assert not [r for r in json.loads(fab.ip(fab.leaf, "-j", "rule", "show").stdout) if r.get("priority") in (100, 101)]
