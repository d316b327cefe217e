"""anycastd in zebra mode, end to end: it runs in the leaf namespace, health-checks the real servers and hands
the VIP routes to the leaf's real zebra over the zebra API (route type table, instance 100); zebra installs
them into the leaf's kernel (protocol zebra) and bgpd announces them to the gobgpd spine (IPv4 through
`redistribute table 100`, IPv6 through a `network` statement). Every scenario asserts the leaf's kernel and
the spine's BGP RIB.

Timing: probes every 200 ms, rise 2, fall 2; waits poll with a 15 s deadline; the observation windows
(helpers.observe) only check that something does NOT happen.
"""
import json
import re
import signal
import time

import pytest

import fabric as lab
from fabric import TAGGED_MED, TAGGED_ROUTE_TAG, VIP4, VIP6, wait_for
from helpers import (TIMEOUT, addresses, assert_recovered_server_ramps, failing_neighbour, observe,
                     wait_announced, wait_group, wait_spine, wait_withdrawn, with_slow_start)

ALL = ("s1", "s2", "s3")
GR_SECONDS = 20  # graceful_restart_s of the test configs: long enough for a restart, short enough to expire


LAB_MODE = "zebra"  # conftest's fabric: FRR configured for zebra mode
# Tests marked all_frr also run against FRR 10.3 (conftest.py); the release checks are 8.4-specific.
RELEASE_LOG = {"8.4": r"FRR 8\.4 \(detected\)", "10.3": r"FRR 10\.2\+ \(detected\)"}


def web4(fab, **kw):
    return fab.vip("web", VIP4, **kw)


def web6(fab, **kw):
    return fab.vip("web6", VIP6, **kw)


def start(fab, *blocks, args=(), zebra_extra=f"graceful_restart_s: {GR_SECONDS} "):
    fab.start_anycastd(fab.config(*blocks, zebra_extra=zebra_extra), args)


def zebra_route(fab, prefix):
    """zebra's RIB entry for prefix (`show ip[v6] route PREFIX json`), or None."""
    fam = "ipv6" if ":" in prefix else "ip"
    entries = json.loads(fab.vtysh(f"show {fam} route {prefix} json") or "{}").get(prefix, [])
    return entries[0] if entries else None


def spine_med(fab, prefix):
    for path in fab.spine_rib_paths(4).get(prefix, []):
        for attr in path.get("attrs", []):
            if attr.get("type") == 4:  # MULTI_EXIT_DISC
                return attr.get("metric")
    return None


def wait_route_a_second_old(fab, prefix):
    """zebra sweeps only stale routes older than the disconnection in whole seconds (README): before a
    crash whose stale routes a test expects to go, let zebra's own clock show the route a second old."""
    wait_for(lambda: zebra_route(fab, prefix)["uptime"], TIMEOUT, f"zebra's {prefix} to be a second old",
             until=lambda up: up != "00:00:00")


def wait_log(fab, pattern, what):
    return wait_for(lambda: re.search(pattern, fab.anycastd_log(), re.M), TIMEOUT, what)


# ---- announce, fail, withdraw, recover ------------------------------------------------------------------

@pytest.mark.all_frr
def test_vip_is_handed_to_zebra_installed_and_announced(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    r = fab.route(VIP4)
    assert r is not None, "zebra should have installed the route (protocol zebra)"
    z = zebra_route(fab, VIP4)
    assert z is not None and z["protocol"] == "table" and z.get("instance") == lab.TABLE_INSTANCE, z
    assert z.get("installed") and z.get("selected"), z
    assert sorted(nh["ip"] for nh in z["nexthops"]) == sorted(addresses(fab, ALL, 4)), z
    wait_log(fab, r"zebra: connected to .* " + RELEASE_LOG[fab.frr], "the detected release in the log")
    wait_log(fab, r"zebra: 203\.0\.113\.10/32 INSTALLED", "zebra's INSTALLED notification in the log")
    assert "is INSTALLED but the kernel" not in fab.anycastd_log()


@pytest.mark.all_frr
def test_server_loss_withdraw_and_recovery(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    fab.stop_service("s2")
    wait_group(fab, VIP4, ["s1", "s3"])
    assert fab.spine_has(VIP4)
    fab.stop_service("s1")
    fab.stop_service("s3")
    wait_withdrawn(fab, VIP4)
    assert zebra_route(fab, VIP4) is None
    fab.start_service("s3")
    wait_announced(fab, VIP4, ["s3"])
    fab.start_service("s1")
    fab.start_service("s2")
    wait_announced(fab, VIP4, ALL)


@pytest.mark.all_frr
def test_ipv6_vip(fabric):
    fab = fabric
    start(fab, web6(fab))
    wait_announced(fab, VIP6, ALL)
    assert fab.route(VIP6) is not None
    fab.stop_service("s1", family=6)
    wait_group(fab, VIP6, ["s2", "s3"])
    assert fab.spine_has(VIP6)
    for name in ("s2", "s3"):
        fab.stop_service(name, family=6)
    wait_withdrawn(fab, VIP6)
    for name in ALL:
        fab.start_service(name, family=6)
    wait_announced(fab, VIP6, ALL)


@pytest.mark.all_frr
def test_link_loss_and_return(fabric):
    """A server's link goes down and comes back: zebra drops the next hop with the link, and once the
    server passes its checks again it is back in the kernel route (zebra keeps no stale group)."""
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    fab.set_link("s2", False)
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_group(fab, VIP6, ["s1", "s3"])
    fab.set_link("s2", True)
    wait_group(fab, VIP4, ALL)
    wait_group(fab, VIP6, ALL)
    assert fab.spine_has(VIP4) and fab.spine_has(VIP6)


SLOW = dict(interval_ms=2000, timeout_ms=500, rise=2, fall=3)  # probes alone need at least 4 s to fail


def test_fast_failure_link_down_and_failed_neighbour(fabric):
    """Zebra mode watches links and neighbours too (platform/zebra/gateway_monitor.h): with probes that need 4 s
    to notice, a server whose link goes down, or whose neighbour entry fails, leaves zebra's route within a
    fraction of that, and comes back only after `rise` passing probes."""
    fab = fabric
    s2 = fab.server("s2")
    start(fab, web4(fab, **SLOW))
    wait_announced(fab, VIP4, ALL, timeout=20)

    t0 = time.monotonic()
    fab.set_link("s2", False)
    wait_for(fab.anycastd_log, 2.0, "the agent to take s2 down for its link",
             until=lambda log: "server s2 up -> down: link eth-s2 down" in log, interval=0.005)
    print(f"zebra mode, link down: agent took s2 down after {(time.monotonic() - t0) * 1000:.0f} ms")
    wait_group(fab, VIP4, ["s1", "s3"])
    fab.set_link("s2", True)
    wait_group(fab, VIP4, ALL, timeout=20)

    with failing_neighbour(fab, "s2") as t1:
        wait_for(fab.anycastd_log, 2.5, "the agent to take s2 down for its failed neighbour entry",
                 until=lambda log: f"server s2 up -> down: neighbour {s2.v4} failed" in log, interval=0.005)
        print(f"zebra mode, neighbour failed: agent took s2 down {(time.monotonic() - t1) * 1000:.0f} ms "
              "after the resolution started (~300 ms of it ARP retries)")
        wait_group(fab, VIP4, ["s1", "s3"])
    assert fab.spine_has(VIP4)
    wait_group(fab, VIP4, ALL, timeout=20)
    assert "server s2 down -> up: 2 successes" in fab.anycastd_log()


@pytest.mark.all_frr
def test_slow_start_weights_reach_the_kernel_through_zebra(fabric):
    """zebra installs the weights anycastd sends (FRR 8.4 as they are, 10.3 rescaled to 255: 8:8:1 is
    254:254:31), so a recovered server's share ramps in zebra mode too."""
    fab = fabric
    start(fab, with_slow_start(web4(fab), 8))
    wait_announced(fab, VIP4, ALL)
    assert_recovered_server_ramps(fab, "web", VIP4, ALL, "s3", 8)


def test_route_tag_reaches_bgpd_route_maps(fabric):
    fab = fabric
    tagged = fab.vip("web", VIP4).replace("  min_healthy:", f"  route_tag: {TAGGED_ROUTE_TAG}\n  min_healthy:")
    start(fab, tagged)
    wait_announced(fab, VIP4, ALL)
    assert zebra_route(fab, VIP4).get("tag") == TAGGED_ROUTE_TAG
    wait_for(lambda: spine_med(fab, VIP4), TIMEOUT, f"MED {TAGGED_MED} at the spine",
             until=lambda med: med == TAGGED_MED)


# ---- restarts -----------------------------------------------------------------------------------------------

@pytest.mark.all_frr
@pytest.mark.parametrize("how", ["sigkill", "keep-routes-sigterm"])
def test_restart_within_the_stale_time_never_loses_the_vip(fabric, how):
    fab = fabric
    args = ("--keep-routes",) if how == "keep-routes-sigterm" else ()
    sig = signal.SIGKILL if how == "sigkill" else signal.SIGTERM
    start(fab, web4(fab), web6(fab), args=args)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    wait_log(fab, "initial routes complete", "the first run to complete its routes")
    with fab.watch([VIP4, VIP6]) as w:
        fab.stop_anycastd(sig)
        start(fab, web4(fab), web6(fab), args=args)
        wait_log(fab, "told zebra the routes are complete", "the second run's ROUTE_UPDATE_COMPLETE")
        # Observation window after the update completed: zebra must not sweep the re-added routes.
        observe(1.0, lambda: None)
        assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
    for p in (VIP4, VIP6):
        w.assert_never_lost(p)


# 8.4 only: zebra 10.3 did not remove the stale routes of a client that never came back when the stale
# time expired (README, zebra mode); a reconnecting run's update-complete does (tested on both).
def test_stale_routes_expire_when_the_agent_does_not_come_back(fabric):
    fab = fabric
    start(fab, web4(fab), zebra_extra="graceful_restart_s: 3 ")
    wait_announced(fab, VIP4, ALL)
    wait_route_a_second_old(fab, VIP4)
    fab.stop_anycastd(signal.SIGKILL)
    assert fab.spine_has(VIP4), "graceful restart should keep the VIP right after the crash"
    wait_withdrawn(fab, VIP4, timeout=3 + TIMEOUT)


@pytest.mark.all_frr
def test_restart_drops_a_vip_the_new_config_no_longer_has(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    wait_route_a_second_old(fab, VIP6)
    fab.stop_anycastd(signal.SIGKILL)
    start(fab, web4(fab))
    wait_log(fab, "told zebra the routes are complete", "ROUTE_UPDATE_COMPLETE")
    wait_withdrawn(fab, VIP6)
    assert fab.spine_has(VIP4)


def test_withdraw_all_drops_a_crashed_runs_routes(fabric):
    """`anycastd --withdraw-all` (run by anycastd-withdraw.service once systemd gives up): after a crash zebra
    keeps the agent's routes for graceful_restart_s; the one-shot connects as the same client and has zebra
    drop them at once, as a SIGTERM stop does."""
    fab = fabric
    start(fab, web4(fab), zebra_extra="graceful_restart_s: 600 ")
    wait_announced(fab, VIP4, ALL)
    wait_route_a_second_old(fab, VIP4)
    fab.stop_anycastd(signal.SIGKILL)
    assert fab.spine_has(VIP4), "graceful restart should keep the VIP right after the crash"
    p = fab.exec(fab.leaf, str(fab.anycastd_binary), "--config", str(fab.anycastd_config_path), "--withdraw-all",
                 check=False)
    assert p.returncode == 0, f"--withdraw-all: {p.returncode}\n{p.stdout}{p.stderr}"
    wait_withdrawn(fab, VIP4)
    assert zebra_route(fab, VIP4) is None


@pytest.mark.all_frr
def test_sigterm_withdraws(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    assert fab.stop_anycastd(signal.SIGTERM) == 0
    wait_withdrawn(fab, VIP4)
    wait_withdrawn(fab, VIP6)
    assert zebra_route(fab, VIP4) is None and zebra_route(fab, VIP6) is None


@pytest.mark.all_frr
def test_frr_restart_reannounces(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    fab.restart_frr()
    wait_log(fab, r"zebra: (zebra closed the connection|reading from zebra)", "the lost connection in the log")
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    assert fab.anycastd_running
    assert len(re.findall(r"zebra: connected to", fab.anycastd_log())) >= 2


# ---- releases --------------------------------------------------------------------------------------------

def test_a_configured_release_that_does_not_match_is_reported_and_nothing_is_sent(fabric):
    fab = fabric
    start(fab, web4(fab), zebra_extra='frr_release: "10.3" ')
    wait_log(fab, r"frr_release is 10\.2\+ but zebra answers like FRR 8\.4", "the release mismatch in the log")
    seen = set(observe(1.0, lambda: zebra_route(fab, VIP4) is not None or fab.spine_has(VIP4)))
    assert seen == {False}, "nothing may reach zebra with the wrong numbering"
    assert fab.anycastd_running


def test_the_matching_configured_release_is_used(fabric):
    fab = fabric
    start(fab, web4(fab), zebra_extra='frr_release: "8.4.4" ')
    wait_announced(fab, VIP4, ALL)
    wait_log(fab, r"FRR 8\.4 \(configured\)", "the configured release in the log")
