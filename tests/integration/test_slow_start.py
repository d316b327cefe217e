"""Slow start (`vip { slow_start_s: N }`), kernel mode, end to end on the namespace fabric: a server that comes
back takes its share gradually. Its weight in the VIP's resilient nexthop group starts at 1/8 of its configured
weight while the others' weights are multiplied by 8 (their proportions stay), grows every slow_start_s / 8,
and is back to the configured weights (all 1 here) after slow_start_s. The servers' first verdict at start-up
does not ramp. `anycastctl show vip` shows the ramp ("up (slow start 37%)").

The test polls `ip nexthop` in the leaf (fabric.nexthop_members) for each state with a deadline; it records
the weights it sees on the way and checks that they only grow.
"""
from fabric import VIP4, wait_for
from helpers import TIMEOUT, anycastctl, server_status, wait_announced, wait_group

ALL = ("s1", "s2", "s3")
SLOW_START_S = 8


def test_recovered_server_ramps_its_weight(fabric):
    fab = fabric
    block = fab.vip("web", VIP4)
    fab.start_anycastd(fab.config(block[: block.rindex("}")] + f"  slow_start_s: {SLOW_START_S}\n}}\n"))
    wait_announced(fab, VIP4, ALL)
    s1, s2, s3 = (fab.server(n).v4 for n in ALL)
    # The first verdict does not ramp: equal weights from the start.
    assert fab.nexthop_members(VIP4) == {s1: 1, s2: 1, s3: 1}

    fab.stop_service("s3")
    wait_group(fab, VIP4, ["s1", "s2"])
    fab.start_service("s3")

    seen = []

    def members():
        m = fab.nexthop_members(VIP4)
        if s3 in m and (not seen or seen[-1] != m):
            seen.append(m)
        return m

    # Back, at a fraction of the others' (scaled) weight.
    ramping = wait_for(members, TIMEOUT, "s3 back in the group with a weight below the others'",
                       until=lambda m: s3 in m and m[s1] == m[s2] == 8 and 1 <= m[s3] < 8)
    shown = anycastctl(fab, "show", "vip", "web")
    assert "up (slow start " in shown, shown
    percent = server_status(fab, "web", "s3").get("slow_start_percent", 0)
    assert 0 < percent < 100, server_status(fab, "web", "s3")

    # Later, a step further (still below the others), then the configured weights again.
    wait_for(members, SLOW_START_S + TIMEOUT, "s3's weight to grow",
             until=lambda m: s3 in m and m[s3] > ramping[s3] and m[s1] == 8)
    wait_for(members, SLOW_START_S + TIMEOUT, "the configured weights again",
             until=lambda m: m == {s1: 1, s2: 1, s3: 1})
    print(f"weights seen while s3 ramped: {seen}")
    ramp = [m[s3] for m in seen if m[s1] == 8]
    assert ramp == sorted(ramp), f"s3's weight went down during the ramp: {seen}"
    assert all(m[s1] == m[s2] for m in seen), f"the other servers' proportions changed: {seen}"
    assert "up (slow start" not in anycastctl(fab, "show", "vip", "web")
