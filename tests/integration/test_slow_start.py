"""Slow start (`vip { slow_start_s: N }`), kernel mode, end to end on the namespace fabric: a server that comes
back takes its share gradually. Its weight in the VIP's resilient nexthop group starts at 1/8 of its configured
weight while the others' weights are multiplied by 8 (their proportions stay), grows every slow_start_s / 8,
and is back to the configured weights (all 1 here) after slow_start_s. The servers' first verdict at start-up
does not ramp. `anycastctl show vip` shows the ramp ("up (slow start 37%)"). The resilient group's buckets move
only from the other servers to the returning one, never between the others.

The test (helpers.assert_recovered_server_ramps, shared with zebra mode's) polls `ip nexthop` in the leaf
(fabric.nexthop_members) for each state with a deadline; it records the weights it sees on the way and checks
that they only grow.
"""
import json

from fabric import VIP4
from helpers import assert_recovered_server_ramps, wait_announced, with_slow_start

ALL = ("s1", "s2", "s3")
SLOW_START_S = 8


def bucket_owners(fab, prefix):
    """{bucket index: gateway} of the resilient group of prefix's route ({} without one). The buckets are
    read before the nexthop objects, so that a member the agent has just added is known; a bucket whose
    object is gone meanwhile (the group changed between the two reads) is left out of this sample."""
    group = fab.nexthop_group_id(prefix)
    if group is None:
        return {}
    buckets = json.loads(fab.ip(fab.leaf, "-j", "nexthop", "bucket", "list", "id", str(group)).stdout or "[]")
    gateways = {i: nh.get("gateway") for i, nh in fab.nexthops().items()}
    owners = {b["bucket"]["index"]: gateways.get(b["bucket"]["nhid"]) for b in buckets}
    return {i: g for i, g in owners.items() if g is not None}


def test_recovered_server_ramps_its_weight(fabric):
    fab = fabric
    fab.start_anycastd(fab.config(with_slow_start(fab.vip("web", VIP4), SLOW_START_S)))
    wait_announced(fab, VIP4, ALL)
    s1, s2, s3 = (fab.server(n).v4 for n in ALL)
    # Every bucket's owners over time: during the ramp a bucket may move from s1 or s2 to s3 (and, at the
    # step to the configured weights, nowhere), never between s1 and s2.
    owners = {}

    def sample():
        for index, gateway in bucket_owners(fab, VIP4).items():
            history = owners.setdefault(index, [])
            if not history or history[-1] != gateway:
                history.append(gateway)

    seen = assert_recovered_server_ramps(fab, "web", VIP4, ALL, "s3", SLOW_START_S, sample=sample)
    # Exactly: the others at 1 x 8, s3 at 1/8 .. 7/8 of 8, then the configured weights.
    ramp = [m for m in seen if m != {s1: 1, s2: 1, s3: 1}]
    assert ramp and all(m[s1] == m[s2] == 8 and 1 <= m[s3] <= 7 for m in ramp), seen
    assert seen[-1] == {s1: 1, s2: 1, s3: 1}, seen
    assert owners, "no resilient group seen"
    moved = {i: h for i, h in owners.items() if len(h) > 1}
    assert moved, f"no bucket went to s3: {owners}"
    between = {i: h for i, h in owners.items() if len({g for g in h if g != s3}) > 1}
    assert not between, f"buckets moved between s1 and s2 while s3 ramped: {between}"
    print(f"{len(moved)} of {len(owners)} buckets moved, all to or from s3")
