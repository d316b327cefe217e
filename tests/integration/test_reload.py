"""Reload without disturbance (kernel mode, FRR 8.4): SIGHUP re-reads the config and applies only the
difference. An unchanged VIP keeps its route and nexthop objects (same IDs, never withdrawn); a changed VIP
keeps the health of the servers that stay; an added VIP starts checking; a removed VIP is withdrawn. A file
with errors, or a change that needs a restart, is refused and nothing changes.
"""
import re

from fabric import VIP4, VIP6, wait_for
from helpers import TIMEOUT, addresses, observe, wait_announced, wait_group, wait_withdrawn

ALL = ("s1", "s2", "s3")
API = "203.0.113.20/32"   # added by the reload (not announced by bgpd's prefix list: kernel state only)
OLD = "203.0.113.30/32"   # removed by the reload


def wait_log(fab, pattern, what):
    return wait_for(lambda: re.search(pattern, fab.anycastd_log(), re.M), TIMEOUT, what)


def group_objects(fab, prefix):
    """(group id, sorted member ids) of the VIP's kernel route."""
    gid = fab.nexthop_group_id(prefix)
    members = sorted(m["id"] for m in fab.nexthops()[gid]["group"])
    return gid, members


def test_reload_changes_only_what_changed(fabric):
    fab = fabric
    before = fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6), fab.vip("old", OLD, servers=["s1", "s2"]))
    fab.start_anycastd(before)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    wait_group(fab, OLD, ["s1", "s2"])
    web_objects = group_objects(fab, VIP4)
    web6_gid = fab.nexthop_group_id(VIP6)

    after = fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6, servers=["s1", "s2"]),
                       fab.vip("api", API, servers=["s2", "s3"]))
    with fab.watch([VIP4, VIP6]) as w:
        fab.reload_anycastd(after)
        wait_log(fab, r"reload: 1 added, 1 removed, 1 changed, 1 unchanged", "the reload summary")
        # The changed VIP keeps s1 and s2 up (no new rise): s3 leaves its group at once.
        wait_group(fab, VIP6, ["s1", "s2"])
        wait_withdrawn(fab, OLD)
        wait_group(fab, API, ["s2", "s3"])
        observe(0.5, lambda: None)
    w.assert_never_lost(VIP4)
    w.assert_never_lost(VIP6)
    assert group_objects(fab, VIP4) == web_objects, "the unchanged VIP's nexthop objects changed"
    assert set(w.group_ids(VIP4)) == {web_objects[0]}
    assert set(w.group_ids(VIP6)) == {web6_gid}, "the changed VIP's group was replaced, not changed in place"
    after_reload = fab.anycastd_log().split("SIGHUP: reloading", 1)[1]
    for server in ("s1", "s2"):
        assert f"vip web6 server {server} " not in after_reload, f"{server} changed state:\n{after_reload}"
    assert "vip web server" not in after_reload and "vip web announced" not in after_reload


def test_a_broken_reload_is_refused_and_nothing_changes(fabric):
    fab = fabric
    good = fab.config(fab.vip("web", VIP4))
    fab.start_anycastd(good)
    wait_announced(fab, VIP4, ALL)
    objects = group_objects(fab, VIP4)
    broken = good.replace("min_healthy: 1", "min_healthy: 7").replace('name: "s2"', 'name: "s2" colour: 1')
    fab.reload_anycastd(broken)
    wait_log(fab, r"reload refused, the running config stays in force:", "the refusal")
    log = fab.anycastd_log()
    cfg = str(fab.anycastd_config_path)
    assert re.search(re.escape(cfg) + r":\d+:\d+: ", log), f"no FILE:LINE:COL in the refusal:\n{log[-1500:]}"
    seen = set(observe(1.0, lambda: fab.nexthop_group(VIP4)))
    assert seen == {addresses(fab, ALL, 4)}
    assert group_objects(fab, VIP4) == objects
    assert fab.anycastd_running
    # The running config is still the good one: a later good reload applies from it.
    fab.reload_anycastd(good)
    wait_log(fab, r"reload: 0 added, 0 removed, 0 changed, 1 unchanged", "a no-op reload")


def test_a_reload_that_needs_a_restart_is_refused(fabric):
    fab = fabric
    good = fab.config(fab.vip("web", VIP4))
    fab.start_anycastd(good)
    wait_announced(fab, VIP4, ALL)
    fab.reload_anycastd(good.replace("route_protocol: 200", "route_protocol: 201"))
    wait_log(fab, r"reload refused.*the dataplane section changed", "the refusal")
    assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
    assert fab.anycastd_running


def test_a_renamed_vip_or_swapped_prefixes_keep_their_routes(fabric):
    """A VIP renamed with its prefix kept is a removal and an addition of the same prefix; two VIPs that swap
    prefixes each drop the prefix the other takes. Either way the prefixes stay wanted: their routes are
    never withdrawn, and the servers keep their health (the probes are shared)."""
    fab = fabric
    fab.start_anycastd(fab.config(fab.vip("web", VIP4), fab.vip("api", API)))
    wait_announced(fab, VIP4, ALL)
    wait_group(fab, API, ALL)
    with fab.watch([VIP4]) as w:  # (API is kernel state only: the log and the kernel below tell)
        fab.reload_anycastd(fab.config(fab.vip("www", VIP4), fab.vip("api", API)))
        wait_log(fab, r"reload: 1 added, 1 removed, 0 changed, 1 unchanged", "the rename's summary")
        wait_log(fab, r"vip www .*", "the renamed VIP in the log")
        observe(1.0, lambda: None)
        fab.reload_anycastd(fab.config(fab.vip("www", API), fab.vip("api", VIP4)))
        wait_log(fab, r"reload: 0 added, 0 removed, 2 changed, 0 unchanged", "the swap's summary")
        observe(1.0, lambda: None)
    w.assert_never_lost(VIP4)
    assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
    assert fab.nexthop_group(API) == addresses(fab, ALL, 4)
    after = fab.anycastd_log().split("SIGHUP: reloading", 1)[1]
    assert "withdrawn" not in after, f"a route was withdrawn:\n{after}"
