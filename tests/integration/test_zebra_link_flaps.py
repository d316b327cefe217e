"""Zebra mode with FRR's defaults for nexthop groups (`zebra nexthop kernel enable`, `zebra nexthop-group keep
180`), i.e. a zebra.conf that misses the README's `no zebra nexthop kernel enable`: a server's link flaps
and, once the server passes its checks again, it must be back in the kernel's route, whatever the flap's
shape and timing, without the VIP being withdrawn.

zebra 8.4 then installs routes over nexthop objects of its own. The kernel deletes the returning server's
object when its link loses carrier, but zebra keeps the group that used it (unused groups live `keep`
seconds) and, when the route gets the same next hops again, hands it that stale group: it answers INSTALLED
while the kernel's route lacks the server. The agent reads every INSTALLED route back from the kernel and,
when the next hops differ, sends the route again as a group zebra has not seen (the same next hops with
scaled weights; platform/zebra/nexthop_group_variant.h), and it logs the missing zebra.conf line. The other
zebra-mode tests run with the README's lines and `keep 1`, which hide this.

Timing: probes every 200 ms, rise 2, fall 2; waits poll with a 15 s deadline.
"""
import pytest

from fabric import VIP4, VIP6
from helpers import wait_announced, wait_group

ALL = ("s1", "s2", "s3")
LAB_MODE = "zebra"
LAB_ZEBRA_NHG_KEEP = None  # FRR's default (180 s), as on a switch whose zebra.conf does not set it
LAB_ZEBRA_CONF = ["zebra nexthop kernel enable"]  # FRR's default, undoing the fabric's README line

# (seconds down, addresses flushed and re-added): short, the reported one (1.5 s, NIC re-configured), long.
SHAPES = [(0.3, False), (1.5, True), (1.5, False), (4.0, True)]


@pytest.mark.all_frr
@pytest.mark.parametrize("down_s,readdress", SHAPES, ids=[f"{d}s{'-readdressed' if r else ''}" for d, r in SHAPES])
def test_a_flapped_server_returns_to_the_kernel_route(fabric, down_s, readdress):
    fab = fabric
    fab.start_anycastd(fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6)))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    for _ in range(2):  # the first flap after start and one more
        with fab.watch([VIP4, VIP6]) as w:
            fab.flap_link("s2", down_s, readdress=readdress)
            wait_group(fab, VIP4, ALL)
            wait_group(fab, VIP6, ALL)
        for p in (VIP4, VIP6):
            w.assert_never_lost(p)
    assert fab.spine_has(VIP4) and fab.spine_has(VIP6)
    if fab.frr == "8.4":  # 10.3 installed these routes as plain multipath routes here
        assert "zebra.conf lacks `no zebra nexthop kernel enable`" in fab.anycastd_log()
