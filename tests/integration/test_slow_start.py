"""Slow start (`vip { slow_start_s: N }`), kernel mode, end to end on the namespace fabric: a server that comes
back takes its share gradually. Its weight in the VIP's resilient nexthop group starts at 1/8 of its configured
weight while the others' weights are multiplied by 8 (their proportions stay), grows every slow_start_s / 8,
and is back to the configured weights (all 1 here) after slow_start_s. The servers' first verdict at start-up
does not ramp. `anycastctl show vip` shows the ramp ("up (slow start 37%)").

The test (helpers.assert_recovered_server_ramps, shared with zebra mode's) polls `ip nexthop` in the leaf
(fabric.nexthop_members) for each state with a deadline; it records the weights it sees on the way and checks
that they only grow.
"""
from fabric import VIP4
from helpers import assert_recovered_server_ramps, wait_announced, with_slow_start

ALL = ("s1", "s2", "s3")
SLOW_START_S = 8


def test_recovered_server_ramps_its_weight(fabric):
    fab = fabric
    fab.start_anycastd(fab.config(with_slow_start(fab.vip("web", VIP4), SLOW_START_S)))
    wait_announced(fab, VIP4, ALL)
    seen = assert_recovered_server_ramps(fab, "web", VIP4, ALL, "s3", SLOW_START_S)
    s1, s2, s3 = (fab.server(n).v4 for n in ALL)
    # Exactly: the others at 1 x 8, s3 at 1/8 .. 7/8 of 8, then the configured weights.
    ramp = [m for m in seen if m != {s1: 1, s2: 1, s3: 1}]
    assert ramp and all(m[s1] == m[s2] == 8 and 1 <= m[s3] <= 7 for m in ramp), seen
    assert seen[-1] == {s1: 1, s2: 1, s3: 1}, seen
