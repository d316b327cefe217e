"""Fast failure paths and calm under flapping, kernel mode, end to end in the lab fabric.

- A server's link going down, or its neighbour entry failing (it stops answering ARP), takes it out of the
  VIP's group within milliseconds, long before the probes (interval 2 s, fall 3: at least 4 s) could; it
  comes back only after `rise` passing probes.
- A server flapping every 200 ms for 30 s makes its VIP flap at most a few times: dampening suppresses the VIP
  (kept withdrawn) and announces it again once the penalty has decayed below `reuse`; the spine sees at most
  8 BGP updates. The test uses a short half-life (4 s) and max_suppress_s (12 s) instead of the defaults
  (15 s, 60 s) so that it finishes in about 45 s: with the defaults the VIP is suppressed at the same 4th
  withdrawal (so the same at most 7 updates during the flapping), but its penalty, capped at
  750 * 2^(60 / 15) = 12000, takes 60 s after the last flap to decay below reuse. The arithmetic is
  unit-tested exactly in tests/unit/dampening_test.cpp.

Measured times are printed (pytest -s shows them). Waits poll with deadlines; the only fixed windows
(helpers.observe) check that something does NOT happen.
"""
import time

from fabric import VIP4, wait_for
from helpers import (addresses, failing_neighbour, observe, wait_announced, wait_group, wait_spine,
                     wait_withdrawn)

ALL = ("s1", "s2", "s3")
SLOW = dict(interval_ms=2000, timeout_ms=500, rise=2, fall=3)


def start(fab, *blocks):
    fab.start_anycastd(fab.config(*blocks))


def wait_log(fab, text, timeout, interval=0.005):
    return wait_for(lambda: text in fab.anycastd_log(), timeout, f"the log to say {text!r}", interval=interval)


def wait_group_fast(fab, names, timeout):
    want = addresses(fab, names, 4)
    wait_for(lambda: fab.nexthop_group(VIP4), timeout, f"{VIP4}'s group to be {sorted(want)}",
             until=lambda g: g == want, interval=0.005)


def test_link_down_takes_the_server_out_at_once_and_it_rejoins_after_rise(fabric):
    fab = fabric
    start(fab, fab.vip("web", VIP4, **SLOW))
    wait_announced(fab, VIP4, ALL, timeout=20)

    t0 = time.monotonic()
    fab.set_link("s2", False)
    wait_log(fab, "server s2 up -> down: link eth-s2 down", 1.0)
    t_agent = time.monotonic() - t0
    wait_group_fast(fab, ["s1", "s3"], 1.0)
    t_group = time.monotonic() - t0
    print(f"link down: agent took s2 down after {t_agent * 1000:.0f} ms, group without s2 after "
          f"{t_group * 1000:.0f} ms (probes alone: >= 4000 ms)")
    assert fab.spine_has(VIP4)

    t1 = time.monotonic()
    fab.set_link("s2", True)
    # It must pass `rise` (2) probes 2 s apart first: for the first second it stays out.
    seen = set(observe(1.0, lambda: fab.nexthop_group(VIP4)))
    assert seen == {addresses(fab, ["s1", "s3"], 4)}, f"s2 rejoined before passing rise probes: {seen}"
    wait_group(fab, VIP4, ALL, timeout=15)
    print(f"link up: s2 rejoined after {time.monotonic() - t1:.2f} s (rise 2 x interval 2 s)")
    assert "server s2 down -> up: 2 successes" in fab.anycastd_log()


def test_failed_neighbour_takes_the_server_out_at_once(fabric):
    fab = fabric
    s2 = fab.server("s2")
    start(fab, fab.vip("web", VIP4, **SLOW))
    wait_announced(fab, VIP4, ALL, timeout=20)

    with failing_neighbour(fab, "s2") as t0:
        wait_log(fab, f"server s2 up -> down: neighbour {s2.v4} failed", 1.5)
        t_agent = time.monotonic() - t0
        wait_group_fast(fab, ["s1", "s3"], 1.0)
        t_group = time.monotonic() - t0
    print(f"neighbour failed: agent took s2 down {t_agent * 1000:.0f} ms after the resolution started "
          f"(~300 ms of it ARP retries), group without s2 after {t_group * 1000:.0f} ms")
    assert fab.spine_has(VIP4)
    wait_group(fab, VIP4, ALL, timeout=15)


def test_last_server_lost_with_its_link_is_withdrawn_everywhere(fabric):
    """Every server's link goes down, one after the other. With the last one the kernel flushes the group's
    only member and the route, without a notification for the route (or leaves it a moment over the empty
    group, whose deletion names no next hop); zebra, which learnt the route as a kernel route, must still
    hear that it is gone so that bgpd withdraws the VIP (found by tests/bench). Twice, since which of the two
    the agent meets depends on timing (twice stays below dampening's suppress threshold)."""
    fab = fabric
    start(fab, fab.vip("web", VIP4, interval_ms=100, timeout_ms=50, rise=2, fall=2))
    for _ in range(2):
        wait_announced(fab, VIP4, ALL)
        for name in ALL:
            text = f"server {name} up -> down: link eth-{name} down"
            before = fab.anycastd_log().count(text)
            fab.set_link(name, False)
            wait_for(lambda: fab.anycastd_log().count(text), 5, f"the log to say {text!r} again",
                     until=lambda n: n > before)
        wait_withdrawn(fab, VIP4)
        wait_for(lambda: fab.vtysh(f"show ip route {VIP4} json"), 15, f"zebra to forget {VIP4}",
                 until=lambda out: VIP4 not in out)
        for name in ALL:
            fab.set_link(name, True)


DAMPENING = "  dampening { half_life_s: 4 suppress: 3000 reuse: 750 max_suppress_s: 12 }\n"
FLAP_SECONDS = 30
FLAP_PERIOD = 0.2
# Before suppression: withdrawals add 1000 each and suppress at 3000; with the decay between flaps (about
# 0.4 s apart: x0.93 with a half-life of 4 s, x0.98 with the default 15 s) the 4th withdrawal suppresses
# (1000, 1933, 2804, 3616). While the flapping goes on, every withdrawal tops the penalty up again (to the
# cap, 750 * 2^(12 / 4) = 6000), so the VIP stays suppressed. So at most 4 withdrawals and 4 announcements
# (3 between them, 1 after reuse) reach the spine, against ~2 per flap (about 150 in 30 s) without dampening.
MAX_UPDATES = 8


def test_flapping_server_is_dampened(fabric):
    fab = fabric
    block = fab.vip("web", VIP4, servers=["s1"], interval_ms=100, timeout_ms=80, rise=1, fall=1)
    start(fab, block[: block.rindex("}")] + DAMPENING + "}\n")
    wait_announced(fab, VIP4, ["s1"])

    with fab.watch([VIP4]) as w:
        t0 = time.monotonic()
        healthy = True
        while time.monotonic() - t0 < FLAP_SECONDS:
            healthy = not healthy
            fab.set_healthz("s1", healthy)
            time.sleep(FLAP_PERIOD)  # drives the flapping (not a synchronisation)
        fab.set_healthz("s1", True)
        t_end = time.monotonic()
        wait_log(fab, "vip web suppressed (flap dampening)", 1)
        # Suppressed: withdrawn although s1 is healthy again.
        wait_spine(fab, VIP4, present=False, timeout=5)
        assert not any(observe(1.0, lambda: fab.spine_has(VIP4))), "announced while suppressed"
        wait_spine(fab, VIP4, present=True, timeout=12 + 10)
        t_back = time.monotonic() - t_end
    updates = w.spine_updates(VIP4, since=t0)
    withdrawals = sum(1 for _, wd in updates if wd)
    print(f"flapping {FLAP_SECONDS} s every {FLAP_PERIOD * 1000:.0f} ms: {len(updates)} BGP updates at the spine "
          f"({withdrawals} withdrawals); re-announced {t_back:.1f} s after the flapping stopped")
    assert len(updates) <= MAX_UPDATES, f"{len(updates)} updates: {updates}"
    assert t_back <= 12 + 3, f"suppressed {t_back:.1f} s, longer than max_suppress_s 12"
    assert "vip web no longer suppressed" in fab.anycastd_log()
