"""anycastd in kernel mode, end to end: it runs in the leaf namespace of the lab fabric, health-checks real
HTTP/TCP servers, writes the VIP routes into the leaf's kernel, and FRR's bgpd announces them to the gobgpd
spine. Every scenario asserts the leaf's kernel state (route, nexthop objects) and the spine's BGP RIB; logs
are only printed when a test fails.

Timing: probes every 200 ms, rise 2, fall 2, so a server goes up or down within ~0.5 s; waits poll with a
15 s deadline. The few fixed windows (helpers.observe) only check that something does NOT happen.

FRR releases (see conftest.py): every scenario runs against FRR 8.4 (Debian 12's, the release the README's
notes were taken with); the ones marked `all_frr` run against FRR 10.3 too. Running the whole module twice
would double its ~5 minutes, so 10.3 gets the scenarios where zebra meets the agent's routes and groups:
announce, a server lost and back (membership changed in place under a learned route), withdraw, recovery,
IPv6, the membership test of `no zebra nexthop kernel enable` (zebra not rewriting the group), restarts of
the agent (SIGKILL, planned) with the spine never losing the VIPs, the SIGTERM/SIGINT withdrawal, link loss
(the kernel deleting nexthop objects under zebra) and an FRR stop and start under a running agent. What is
left out exercises the agent alone (weights, checks, min_healthy, logs, config) and behaves the same whatever
FRR runs; `LAB_FRR=10.3` runs all of it against 10.3.
"""
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from fabric import VIP4, VIP6, run, vip_config, wait_for
from helpers import (TIMEOUT, addresses, anycastctl, assert_route_contract, icmp_ignored, observe, routed_server,
                     server_status, wait_announced, wait_group, wait_spine,
                     wait_withdrawn)

ALL = ("s1", "s2", "s3")


def web4(fab, **kw):
    return fab.vip("web", VIP4, **kw)


def web6(fab, **kw):
    return fab.vip("web6", VIP6, **kw)


def start(fab, *blocks, args=(), **config_kw):
    fab.start_anycastd(fab.config(*blocks, **config_kw), args)


# ---- announce, fail, withdraw, recover (IPv4) ---------------------------------------------------------------

@pytest.mark.all_frr
def test_all_healthy_servers_form_the_group_and_the_vip_is_announced(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    route, group = assert_route_contract(fab, VIP4)
    assert group.get("type") == "resilient", f"default nexthop mode should give a resilient group: {group}"
    assert set(fab.kernel_routes()) == {VIP4}, f"unexpected routes of protocol 200: {fab.kernel_routes()}"
    assert fab.anycastd_running


def test_weights_are_programmed_into_the_group(fabric):
    fab = fabric
    start(fab, web4(fab, weights={"s2": 2}))
    wait_announced(fab, VIP4, ALL)
    want = {fab.server("s1").v4: 1, fab.server("s2").v4: 2, fab.server("s3").v4: 1}
    assert fab.nexthop_members(VIP4) == want


def test_unhealthy_servers_never_join(fabric):
    fab = fabric
    fab.stop_service("s2")
    fab.stop_service("s3")
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ["s1"])
    seen = set(observe(1.5, lambda: fab.nexthop_group(VIP4)))
    assert seen == {addresses(fab, ["s1"], 4)}, f"groups seen while s2 and s3 were down: {seen}"
    fab.start_service("s2")
    wait_group(fab, VIP4, ["s1", "s2"])


@pytest.mark.all_frr
def test_failed_service_leaves_the_group_and_the_vip_stays_announced(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    gid = fab.nexthop_group_id(VIP4)
    with fab.watch([VIP4]) as w:
        fab.stop_service("s1")
        wait_group(fab, VIP4, ["s2", "s3"])
        assert fab.spine_has(VIP4)
        fab.start_service("s1")
        wait_group(fab, VIP4, ALL)
    w.assert_never_lost(VIP4)
    assert set(w.group_ids(VIP4)) == {gid}, \
        f"membership should change in place (group {gid}), the route used groups {set(w.group_ids(VIP4))}"
    assert fab.spine_has(VIP4)


@pytest.mark.all_frr
@pytest.mark.parametrize("mode", ["RESILIENT_GROUP", "GROUP"])
def test_membership_changes_hold_while_zebra_uses_the_group(fabric, mode):
    """With the README's `no zebra nexthop kernel enable`, zebra learns the route over the agent's group but
    never rewrites the group's members when the agent changes them (without the line, zebra 8.4 puts back
    the members it remembers into a plain group)."""
    fab = fabric
    start(fab, web4(fab), kernel_extra=f"nexthop_mode: {mode} ")
    wait_announced(fab, VIP4, ALL)
    _, group = assert_route_contract(fab, VIP4)
    assert (group.get("type") == "resilient") == (mode == "RESILIENT_GROUP"), group
    fab.stop_service("s2")
    wait_group(fab, VIP4, ["s1", "s3"])
    seen = set(observe(2, lambda: fab.nexthop_group(VIP4)))
    assert seen == {addresses(fab, ["s1", "s3"], 4)}, f"the group changed behind the agent's back: {seen}"
    assert fab.spine_has(VIP4)


def test_http_check_requires_the_expected_status(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    fab.set_healthz("s2", False)  # TCP still connects, GET /healthz answers 404
    wait_group(fab, VIP4, ["s1", "s3"])
    fab.set_healthz("s2", True)
    wait_group(fab, VIP4, ALL)


def test_tcp_check(fabric):
    fab = fabric
    start(fab, web4(fab, check="tcp"))
    wait_announced(fab, VIP4, ALL)
    fab.stop_service("s3")
    wait_group(fab, VIP4, ["s1", "s2"])
    fab.start_service("s3")
    wait_group(fab, VIP4, ALL)


@pytest.mark.all_frr
def test_all_services_down_withdraws_the_vip(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    for name in ALL:
        fab.stop_service(name)
    wait_withdrawn(fab, VIP4)
    assert VIP4 not in fab.kernel_routes(), fab.kernel_routes()
    assert fab.anycastd_running


@pytest.mark.all_frr
def test_recovery_reannounces_the_vip(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    for name in ALL:
        fab.stop_service(name)
    wait_withdrawn(fab, VIP4)
    fab.start_service("s2")
    wait_announced(fab, VIP4, ["s2"])
    assert_route_contract(fab, VIP4)
    fab.start_service("s1")
    fab.start_service("s3")
    wait_announced(fab, VIP4, ALL)


def test_min_healthy(fabric):
    fab = fabric
    start(fab, web4(fab, min_healthy=2))
    wait_announced(fab, VIP4, ALL)
    fab.stop_service("s1")
    wait_group(fab, VIP4, ["s2", "s3"])
    assert fab.spine_has(VIP4)
    fab.stop_service("s2")  # s3 alone is below min_healthy 2
    wait_withdrawn(fab, VIP4)
    fab.start_service("s2")
    wait_announced(fab, VIP4, ["s2", "s3"])


# ---- IPv6 --------------------------------------------------------------------------------------------------

@pytest.mark.all_frr
def test_ipv6_vip(fabric):
    fab = fabric
    start(fab, web6(fab))
    wait_announced(fab, VIP6, ALL)
    assert_route_contract(fab, VIP6)
    gid = fab.nexthop_group_id(VIP6)

    with fab.watch([VIP6]) as w:
        fab.stop_service("s2", family=6)
        wait_group(fab, VIP6, ["s1", "s3"])
    w.assert_never_lost(VIP6)
    assert fab.nexthop_group_id(VIP6) == gid

    fab.stop_service("s1", family=6)
    fab.stop_service("s3", family=6)
    wait_withdrawn(fab, VIP6)

    for name in ALL:
        fab.start_service(name, family=6)
    wait_announced(fab, VIP6, ALL)
    assert_route_contract(fab, VIP6)


def test_address_families_are_independent(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    fab.stop_service("s1", family=4)
    wait_group(fab, VIP4, ["s2", "s3"])
    seen = set(observe(1.0, lambda: fab.nexthop_group(VIP6)))
    assert seen == {addresses(fab, ALL, 6)}, f"{VIP6} changed when only s1's IPv4 service stopped: {seen}"


# ---- restarts ----------------------------------------------------------------------------------------------

RESTARTS = {
    # how: (anycastd arguments, signal that stops the first run, its expected exit status)
    "sigkill": ((), signal.SIGKILL, -signal.SIGKILL),
    "sigusr2": ((), signal.SIGUSR2, 0),
    "keep-routes-sigterm": (("--keep-routes",), signal.SIGTERM, 0),
}


@pytest.mark.all_frr
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_nexthop_ids_are_never_reused_across_restarts(fabric, sig):
    """zebra remembers the IDs of the agent's deleted nexthop objects (as copies of its own), so a new run
    must not hand them out for other groups: each run continues where the previous one stopped (state file),
    after a withdrawal (SIGTERM deletes every object) and after a crash with a server lost meanwhile (its
    object deleted, the others adopted)."""
    fab = fabric
    config = fab.config(web4(fab), web6(fab))
    fab.start_anycastd(config)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    used = set(fab.nexthops(200))
    for _ in range(2):
        fab.stop_service("s2")  # its objects are deleted, and their IDs freed
        wait_group(fab, VIP4, ["s1", "s3"])
        fab.start_service("s2")
        wait_group(fab, VIP4, ALL)
        wait_group(fab, VIP6, ALL)
        used |= set(fab.nexthops(200))
        fab.stop_anycastd(sig)
        if sig == signal.SIGTERM:
            wait_withdrawn(fab, VIP4)
            wait_withdrawn(fab, VIP6)
        before = set(fab.nexthops(200))  # adopted after a crash
        fab.start_anycastd(config)
        wait_announced(fab, VIP4, ALL)
        wait_announced(fab, VIP6, ALL)
        new = set(fab.nexthops(200)) - before
        assert not new & used, f"nexthop IDs of an earlier run handed out again: {sorted(new & used)}"
        used |= new


@pytest.mark.all_frr
@pytest.mark.parametrize("how", RESTARTS)
def test_restart_keeps_the_vips_announced_and_adopts_the_groups(fabric, how):
    fab = fabric
    args, sig, want_rc = RESTARTS[how]
    config = fab.config(web4(fab), web6(fab))
    fab.start_anycastd(config, args)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    gids = {p: fab.nexthop_group_id(p) for p in (VIP4, VIP6)}
    objects = set(fab.nexthops(200))

    with fab.watch([VIP4, VIP6]) as w:
        rc = fab.stop_anycastd(sig)
        assert rc == want_rc, f"exit status after {sig.name}: {rc}\n{fab.anycastd_log()[-2000:]}"
        for p, fam in ((VIP4, 4), (VIP6, 6)):
            assert fab.nexthop_group(p) == addresses(fab, ALL, fam), f"{p} changed when anycastd stopped"
        assert set(fab.nexthops(200)) == objects, "nexthop objects changed when anycastd stopped"

        fab.start_anycastd(config, args)
        # Observation window: the new run reads the kernel and starts probing; nothing may be withdrawn.
        observe(1.5, lambda: None)
        assert fab.anycastd_running, f"second run exited:\n{fab.anycastd_log()[-2000:]}"
        for p in (VIP4, VIP6):
            assert fab.nexthop_group_id(p) == gids[p], f"{p}: group {gids[p]} not adopted"
        # The new run manages the adopted groups: a failure changes them in place.
        fab.stop_service("s1")
        wait_group(fab, VIP4, ["s2", "s3"])
        wait_group(fab, VIP6, ["s2", "s3"])
        fab.start_service("s1")
        wait_group(fab, VIP4, ALL)
        wait_group(fab, VIP6, ALL)

    for p in (VIP4, VIP6):
        w.assert_never_lost(p)
        assert set(w.group_ids(p)) == {gids[p]}, f"{p}: groups used across the restart: {set(w.group_ids(p))}"


def wait_log(fab, text, timeout=TIMEOUT):
    wait_for(fab.anycastd_log, timeout, f"'{text}' in anycastd's log", until=lambda log: text in log)


def test_a_crash_loop_stops_adopting_and_withdraw_all_removes_everything(fabric):
    """Crash-loop guard (README "Restarts without a flap"): starts killed before their checks ran (slow
    checks: one probe a minute, so no start gets `rise` results) adopt the previous run's servers as up and
    keep the VIP announced; after unclean_start_limit (3) of them in a row the next start adopts nothing, so
    the VIP is withdrawn (kernel and spine) until its servers pass their checks. Then `--withdraw-all`, what
    the unit runs once systemd gives up, removes every route and nexthop object of the agent's protocol."""
    fab = fabric
    fast = fab.config(web4(fab))
    slow = fab.config(web4(fab, interval_ms=60000, timeout_ms=150))
    fab.start_anycastd(fast)
    wait_announced(fab, VIP4, ALL)
    assert fab.stop_anycastd(signal.SIGUSR2) == 0  # a clean exit keeping the routes: the count is 0
    for n in range(1, 4):
        fab.start_anycastd(slow)
        wait_log(fab, "started with")
        log = fab.anycastd_log()
        assert "adopted route" in log and "unclean starts" not in log, f"start {n} did not adopt:\n{log}"
        assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4), f"start {n} changed {VIP4}"
        assert fab.stop_anycastd(signal.SIGKILL) == -signal.SIGKILL
    fab.start_anycastd(slow)
    wait_log(fab, "3 unclean starts in a row")
    wait_withdrawn(fab, VIP4)
    assert "adopted route" not in fab.anycastd_log()
    assert fab.stop_anycastd(signal.SIGKILL) == -signal.SIGKILL

    # A start whose checks run is clean again (and announces from its own verdicts); killed, it leaves its
    # routes and groups behind for --withdraw-all.
    fab.start_anycastd(fast)
    wait_announced(fab, VIP4, ALL)
    wait_log(fab, "every check of every server has run its rise probes")
    assert fab.stop_anycastd(signal.SIGKILL) == -signal.SIGKILL
    assert fab.kernel_routes(200) and fab.nexthops(200), "nothing left behind to withdraw"
    p = fab.exec(fab.leaf, str(fab.anycastd_binary), "--config", str(fab.anycastd_config_path), "--withdraw-all",
                 check=False)
    assert p.returncode == 0, f"--withdraw-all: {p.returncode}\n{p.stdout}{p.stderr}"
    assert fab.kernel_routes(200) == {}, f"routes of protocol 200 left: {fab.kernel_routes(200)}"
    assert fab.nexthops(200) == {}, f"nexthop objects of protocol 200 left: {fab.nexthops(200)}"
    wait_spine(fab, VIP4, present=False)
    # The next start is not a crash-loop one: the count went back to 0 when the fast run's checks ran.
    fab.start_anycastd(slow)
    wait_log(fab, "started with")
    assert "unclean starts" not in fab.anycastd_log()


@pytest.mark.all_frr
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_withdraws_and_removes_everything(fabric, sig):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    rc = fab.stop_anycastd(sig)
    assert rc == 0, f"exit status after {sig.name}: {rc}\n{fab.anycastd_log()[-2000:]}"
    # It exits after withdrawing: nothing of its protocol may be left at that point.
    assert fab.kernel_routes(200) == {}, f"routes of protocol 200 left: {fab.kernel_routes(200)}"
    assert fab.nexthops(200) == {}, f"nexthop objects of protocol 200 left: {fab.nexthops(200)}"
    wait_spine(fab, VIP4, present=False)
    wait_spine(fab, VIP6, present=False)


def test_signals_pending_at_start_up_are_handled_once_the_loop_runs(fabric):
    """A SIGHUP and a SIGTERM that arrive before anycastd's event loop runs (here: before main even starts,
    kept pending by a blocked mask inherited from the parent) are neither fatal nor lost: anycastd blocks them
    itself from the top of main, unblocks them once its loop watches them, and then handles them: the stop
    withdraws everything and the exit status is 0. Without that, a SIGHUP during start-up ends the agent by
    its default action with its routes left behind (or, with an inherited mask, SIGTERM is never seen)."""
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    assert fab.stop_anycastd(signal.SIGUSR2) == 0  # the next start adopts the routes
    handled = {signal.SIGHUP, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, handled)
    try:
        proc = fab.start_anycastd(fab.config(web4(fab), web6(fab)))  # the child inherits the mask
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    proc.send_signal(signal.SIGHUP)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            fab.kill_anycastd()
    log = fab.anycastd_log()
    assert rc == 0, f"exit status {rc} after SIGHUP and SIGTERM at start-up\n{log[-2000:]}"
    assert "SIGTERM: withdrawing VIPs and exiting" in log, log[-2000:]
    assert fab.kernel_routes(200) == {}, f"routes of protocol 200 left: {fab.kernel_routes(200)}"
    assert fab.nexthops(200) == {}, f"nexthop objects of protocol 200 left: {fab.nexthops(200)}"
    wait_spine(fab, VIP4, present=False)
    wait_spine(fab, VIP6, present=False)


def test_start_after_a_clean_stop_announces_again(fabric):
    fab = fabric
    config = fab.config(web4(fab), web6(fab))
    for _ in range(2):
        fab.start_anycastd(config)
        wait_announced(fab, VIP4, ALL)
        wait_announced(fab, VIP6, ALL)
        assert fab.stop_anycastd(signal.SIGTERM) == 0
        wait_withdrawn(fab, VIP4)
        wait_withdrawn(fab, VIP6)


def test_vip_removed_from_the_config_is_withdrawn_at_start(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    assert fab.stop_anycastd(signal.SIGUSR2) == 0
    gid = fab.nexthop_group_id(VIP4)
    with fab.watch([VIP4]) as w:
        start(fab, web4(fab))
        wait_withdrawn(fab, VIP6)
        fab.stop_service("s3")
        wait_group(fab, VIP4, ["s1", "s2"])
        fab.start_service("s3")
        wait_group(fab, VIP4, ALL)
    w.assert_never_lost(VIP4)
    assert fab.nexthop_group_id(VIP4) == gid
    members = {m["id"] for m in fab.nexthops()[gid].get("group", [])}
    left = wait_for(lambda: set(fab.nexthops(200)), TIMEOUT, "only VIP4's nexthop objects to be left",
                    until=lambda ids: ids == {gid} | members)
    assert left == {gid} | members


def group_state(fab, prefix):
    """(nexthop ID of prefix's route, {member ID: gateway} of its group) in the leaf's kernel."""
    nhs = fab.nexthops()
    gid = fab.nexthop_group_id(prefix)
    members = {m["id"]: nhs.get(m["id"], {}).get("gateway") for m in nhs.get(gid, {}).get("group", [])}
    return gid, members


@pytest.mark.all_frr
def test_frr_stop_and_start_leave_the_agents_routes_and_groups_alone(fabric):
    """FRR (zebra and bgpd) stopped with SIGTERM and started again while anycastd runs: the agent's routes and
    nexthop groups stay exactly as they were the whole time (same nexthop IDs, same members), the spine
    learns the VIPs again once FRR is back, and the agent still manages the groups afterwards."""
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    before = {p: group_state(fab, p) for p in (VIP4, VIP6)}
    want = {p: addresses(fab, ALL, fam) for p, fam in ((VIP4, 4), (VIP6, 6))}

    with fab.watch([VIP4, VIP6]) as w:
        fab.stop_frr()
        try:
            # Observation window: with FRR gone, nothing of the agent's may change.
            seen = set(observe(1.0, lambda: repr({p: group_state(fab, p) for p in (VIP4, VIP6)})))
            assert seen == {repr(before)}, f"the agent's groups changed while FRR was stopped: {seen}"
        finally:
            fab.start_frr()  # also when the assertion failed: the next test needs FRR
        wait_spine(fab, VIP4)
        wait_spine(fab, VIP6)
        seen = set(observe(1.0, lambda: repr({p: group_state(fab, p) for p in (VIP4, VIP6)})))
        assert seen == {repr(before)}, f"the agent's groups changed after FRR started: {seen}"

    for p in (VIP4, VIP6):
        assert not w.kernel_deletions(p), f"{p}'s kernel route was deleted: {w.kernel_deletions(p)}"
        assert set(w.group_ids(p)) == {before[p][0]}, f"{p}: groups used: {set(w.group_ids(p))}"
        assert set(w.group_sets(p)) == {want[p]}, f"{p}: members seen: {set(w.group_sets(p))}"
        assert_route_contract(fab, p)
    assert fab.anycastd_running, fab.anycastd_log()[-2000:]
    # The agent still owns and manages the groups with the new FRR running.
    fab.stop_service("s2")
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_group(fab, VIP6, ["s1", "s3"])
    assert fab.nexthop_group_id(VIP4) == before[VIP4][0]
    assert fab.nexthop_group_id(VIP6) == before[VIP6][0]
    wait_spine(fab, VIP4)
    wait_spine(fab, VIP6)


# ---- changes behind its back -------------------------------------------------------------------------------

@pytest.mark.all_frr
def test_link_loss_removes_the_server_and_its_return_restores_it(fabric):
    fab = fabric
    start(fab, web4(fab), web6(fab))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    with fab.watch([VIP4, VIP6]) as w:
        fab.set_link("s1", False)  # the leaf's eth-s1 loses carrier; the kernel drops its nexthop objects
        wait_group(fab, VIP4, ["s2", "s3"])
        wait_group(fab, VIP6, ["s2", "s3"])
        fab.set_link("s1", True)
        wait_group(fab, VIP4, ALL)
        wait_group(fab, VIP6, ALL)
    w.assert_never_lost(VIP4)
    w.assert_never_lost(VIP6)
    assert_route_contract(fab, VIP4)
    assert_route_contract(fab, VIP6)


def test_route_deleted_behind_its_back_is_restored(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    fab.ip(fab.leaf, "route", "del", VIP4, "proto", "200")
    wait_announced(fab, VIP4, ALL)
    assert_route_contract(fab, VIP4)


# ---- logs ----------------------------------------------------------------------------------------------------

def test_state_changes_are_logged(fabric):
    fab = fabric
    start(fab, web4(fab))
    wait_announced(fab, VIP4, ALL)
    fab.stop_service("s1")
    wait_group(fab, VIP4, ["s2", "s3"])
    for name in ("s2", "s3"):
        fab.stop_service(name)
    wait_withdrawn(fab, VIP4)
    log = wait_for(fab.anycastd_log, 5, "the log to report the withdrawal", until=lambda t: "withdrawn" in t)
    assert re.search(r"vip web server s1 up -> down", log), log
    assert re.search(r"vip web announced", log), log
    assert re.search(r"vip web withdrawn", log), log


# ---- --check-config (no fabric needed) -------------------------------------------------------------------

def isolated(cmd):
    """As root, runs cmd in a new, empty network namespace, so that a daemon which wrongly went on to run
    could not touch the host's routes."""
    return (["unshare", "--net"] if os.geteuid() == 0 else []) + [str(c) for c in cmd]


def check_config(binary, path, *extra):
    p = run(isolated([binary, "--config", path, "--check-config", *extra]), check=False, timeout=10)
    return p.returncode, p.stdout + p.stderr


VALID = """\
dataplane { kernel { route_protocol: 200 } }
control_socket: "/run/anycastd-test/anycastd.sock"
vip {
  name: "web"
  prefix: "203.0.113.10/32"
  min_healthy: 1
  check { http { port: 80 path: "/healthz" expect_status: 200 } interval_ms: 200 timeout_ms: 150 rise: 2 fall: 2 }
  server { name: "s1" address: "192.0.2.2" }
  server { name: "s2" address: "192.0.2.6" weight: 2 }
}
"""


def test_check_config_accepts_a_valid_file(anycastd_binary, tmp_path):
    path = tmp_path / "ok.conf"
    path.write_text(VALID)
    rc, out = check_config(anycastd_binary, path)
    assert rc == 0, out


def test_check_config_refuses_files_that_cannot_be_used(anycastd_binary, tmp_path):
    """A CA file that is missing or an exec program that cannot run would fail every probe and withdraw the
    VIP: --check-config (and so start and reload, which use the same loader) refuses them, at their place."""
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    base = VALID.replace('check { http { port: 80 path: "/healthz" expect_status: 200 }', "check { CHECK")
    cases = {
        f'exec {{ command: "{tmp_path}/missing" }}': f"command '{tmp_path}/missing' does not exist",
        f'exec {{ command: "{script}" user: "nobody" }}': f"command '{script}' is not executable (chmod 0755)",
        f'exec {{ command: "/bin/true" user: "anycastd-no-such-user" }}':
            "user 'anycastd-no-such-user' does not exist",
        f'exec {{ command: "/bin/true" user: "nobody" group: "anycastd-no-such-group" }}':
            "group 'anycastd-no-such-group' does not exist",
        f'https {{ port: 443 sni: "a.test" verify: true ca_file: "{tmp_path}/ca.pem" }}':
            f"ca_file '{tmp_path}/ca.pem' does not exist",
    }
    path = tmp_path / "files.conf"
    for check, message in cases.items():
        path.write_text(base.replace("CHECK", check))
        rc, out = check_config(anycastd_binary, path)
        assert rc == 1 and re.search(re.escape(str(path)) + r":7:\d+: " + re.escape(message), out), out
    script.chmod(0o755)
    path.write_text(base.replace("CHECK", f'exec {{ command: "{script}" user: "nobody" group: "nogroup" }}'))
    rc, out = check_config(anycastd_binary, path)
    assert rc == 0, out
    if subprocess.run(["getent", "passwd", "anycastd-check"], capture_output=True).returncode != 0:
        # The package's default user is missing here: the error says how to fix it.
        path.write_text(base.replace("CHECK", f'exec {{ command: "{script}" }}'))
        rc, out = check_config(anycastd_binary, path)
        assert rc == 1 and re.search(re.escape(str(path)) + r":7:\d+: exec checks run as user 'anycastd-check' "
                                     r"by default, which does not exist: install the anycastd package", out), out


@pytest.mark.parametrize("name", ["anycastd.conf", "anycastd-zebra.conf"])
def test_example_configs_are_valid(anycastd_binary, name):
    path = Path(__file__).resolve().parents[2] / "examples" / name
    rc, out = check_config(anycastd_binary, path)
    assert rc == 0 and re.search(re.escape(str(path)) + r": OK \(\d+ vips\)", out), out


def test_check_config_reports_file_line_col_of_a_syntax_error(anycastd_binary, tmp_path):
    path = tmp_path / "broken.conf"
    lines = VALID.splitlines()
    lines[4] = '  colour: "blue"'  # line 5: no such field
    path.write_text("\n".join(lines) + "\n")
    rc, out = check_config(anycastd_binary, path)
    assert rc == 1, out
    m = re.search(rf"^{re.escape(str(path))}:(\d+):(\d+): .+", out, re.M)
    assert m, f"no FILE:LINE:COL: message in:\n{out}"
    assert int(m.group(1)) == 5, out


def test_check_config_column_is_one_based(anycastd_binary, tmp_path):
    path = tmp_path / "broken.conf"
    lines = VALID.splitlines()
    lines[5] = "  min_healthy: abc"  # line 6: the bad value starts in column 16 (counting from 1)
    path.write_text("\n".join(lines) + "\n")
    rc, out = check_config(anycastd_binary, path)
    assert rc == 1, out
    assert re.search(rf"^{re.escape(str(path))}:6:16: ", out, re.M), out


def test_check_config_reports_every_problem(anycastd_binary, tmp_path):
    path = tmp_path / "bad.conf"
    lines = VALID.splitlines()
    lines[4] = '  prefix: "203.0.113.10/24"'                   # line 5: host bits set
    lines[5] = "  min_healthy: 5"                             # line 6: more than the 2 servers
    lines[8] = '  server { name: "s1" address: "2001:db8:2::2" }'  # line 9: duplicate name, wrong family
    path.write_text("\n".join(lines) + "\n")
    rc, out = check_config(anycastd_binary, path)
    assert rc == 1, out
    reported = {int(n) for n in re.findall(rf"^{re.escape(str(path))}:(\d+):\d+: ", out, re.M)}
    assert {5, 6, 9} <= reported, f"lines reported: {sorted(reported)}\n{out}"


def test_a_broken_config_stops_a_normal_start(anycastd_binary, tmp_path):
    path = tmp_path / "broken.conf"
    path.write_text(VALID.replace("min_healthy: 1", "min_healthy: 1 }}"))
    p = subprocess.run(isolated([anycastd_binary, "--config", path]), capture_output=True, text=True, timeout=10)
    assert p.returncode == 1, p.stdout + p.stderr
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: ", p.stderr, re.M), p.stderr


# ---- no usable next hop --------------------------------------------------------------------------------------

def test_a_vip_whose_only_healthy_server_cannot_be_reached_is_withdrawn_and_comes_back(fabric):
    """s1 on its connected subnet and a server the leaf reaches only through a route via s2 (kernel mode takes
    only directly connected next hops). When s1 fails, the one healthy server left cannot be a next hop: the
    route goes (the spine loses the VIP, `show` says why) instead of staying over the failed s1."""
    fab = fabric
    s1 = fab.server("s1").v4
    with routed_server(fab) as behind:
        start(fab, vip_config("web", VIP4, [("s1", s1), ("behind", behind)], probe="icmp { }"))
        wait_announced(fab, VIP4, ["s1"])
        wait_for(lambda: server_status(fab, "web", "behind"), TIMEOUT, "the server behind s2 to be up",
                 until=lambda st: st.get("health") == "UP" and not st.get("in_route"))
        with icmp_ignored(fab, "s1"):
            wait_withdrawn(fab, VIP4)
            out = wait_for(lambda: anycastctl(fab, "show", "vip", "web"), TIMEOUT,
                           "show to say why the VIP is withdrawn", until=lambda out: "no next hop can be reached" in out)
            assert behind in out, out
        wait_announced(fab, VIP4, ["s1"])
