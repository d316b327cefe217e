"""Several health checks per server and shared probes, kernel mode, end to end in the lab fabric.

- A VIP with two checks (tcp:80 and http /healthz): a server whose /healthz disappears (the second check
  fails, TCP still connects) leaves the kernel group under check_mode ALL and stays under ANY;
  `anycastctl show` names the failing check.
- A server's own checks replace the VIP's for that server.
- A link going down takes a server with several checks out at once, under ANY too, and it comes back only
  after passing `rise` probes.
- Two VIPs on the same servers with the same check run one probe per server: the probes metric and
  `anycastctl show checks` say so, and each server's HTTP server sees one probe per interval, not two
  (counted in its request log over a measured window, bounded generously).
"""
import json
import time

from fabric import VIP4, wait_for
from helpers import TIMEOUT, addresses, metric, observe, scrape, wait_announced, wait_group

ALL = ("s1", "s2", "s3")
METRICS = 'metrics { listen: "127.0.0.1:9370" }\n'


def two_checks(mode=None, interval_ms=200, extra_servers=None):
    """A vip block for VIP4 over s1..s3 with checks tcp:80 and http /healthz (and check_mode `mode`).
    extra_servers: {name: 'check { ... }' lines} giving a server checks of its own."""
    lines = ["vip {", '  name: "web"', f'  prefix: "{VIP4}"',
             f"  check {{ tcp {{ port: 80 }} interval_ms: {interval_ms} timeout_ms: 150 rise: 2 fall: 2 }}",
             f'  check {{ http {{ port: 80 path: "/healthz" }} interval_ms: {interval_ms} timeout_ms: 150 '
             "rise: 2 fall: 2 }"]
    if mode:
        lines.append(f"  check_mode: {mode}")
    return lines


def servers(fab, own=None):
    out = []
    for n in ALL:
        body = f'name: "{n}" address: "{fab.server(n).v4}"'
        if own and n in own:
            body += " " + own[n]
        out.append(f"  server {{ {body} }}")
    return out


def vip_block(fab, mode=None, own=None, interval_ms=200):
    return "\n".join(two_checks(mode, interval_ms) + servers(fab, own) + ["}"]) + "\n"


def show_vip(ctl, name="web"):
    return json.loads(ctl("--json", "show", "vip", name).stdout)["vips"][0]


def checks_of(vip, server):
    for s in vip["servers"]:
        if s["name"] == server:
            return {c["check"]: c for c in s["checks"]}
    raise KeyError(server)


def wait_check(ctl, server, check, health, timeout=TIMEOUT):
    return wait_for(lambda: checks_of(show_vip(ctl), server).get(check, {}).get("health"), timeout,
                    f"check {check} of {server} to be {health}", until=lambda h: h == health)


def test_all_takes_a_server_out_when_its_second_check_fails(fabric, ctl):
    fab = fabric
    fab.start_anycastd(fab.config(vip_block(fab)))
    wait_announced(fab, VIP4, ALL)
    vip = show_vip(ctl)
    assert vip["check_mode"] == "ALL"
    assert set(checks_of(vip, "s2")) == {"tcp:80", "http:80/healthz"}

    fab.set_healthz("s2", False)  # HTTP 404; TCP still connects
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_check(ctl, "s2", "http:80/healthz", "DOWN")
    checks = checks_of(show_vip(ctl), "s2")
    assert checks["tcp:80"]["health"] == "UP" and checks["tcp:80"]["last_ok"] is True
    assert checks["http:80/healthz"]["last_ok"] is False
    assert "404" in checks["http:80/healthz"]["last_failure"], checks
    s2 = next(s for s in show_vip(ctl)["servers"] if s["name"] == "s2")
    assert s2["health"] == "DOWN" and not s2["in_route"]
    assert s2["last_change"].startswith("check http:80/healthz: 2 failures"), s2
    text = ctl("show", "vip", "web").stdout
    assert "check mode   all" in text
    row = next(line for line in text.splitlines() if line.split()[:2] == ["s2", "http:80/healthz"])
    assert row.split()[2] == "down" and "404" in row, text

    fab.set_healthz("s2", True)
    wait_group(fab, VIP4, ALL)


def test_any_keeps_a_server_while_one_check_passes(fabric, ctl):
    fab = fabric
    fab.start_anycastd(fab.config(vip_block(fab, mode="ANY")))
    wait_announced(fab, VIP4, ALL)
    assert show_vip(ctl)["check_mode"] == "ANY"

    fab.set_healthz("s2", False)
    wait_check(ctl, "s2", "http:80/healthz", "DOWN")
    # The check is down, the server is not: it stays in the group.
    assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
    s2 = next(s for s in show_vip(ctl)["servers"] if s["name"] == "s2")
    assert s2["health"] == "UP" and s2["in_route"], s2
    checks = checks_of(show_vip(ctl), "s2")
    assert checks["tcp:80"]["health"] == "UP"

    # Both checks failing take it out.
    fab.stop_service("s2", family=4)
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_check(ctl, "s2", "tcp:80", "DOWN")


def test_a_servers_own_checks_replace_the_vips(fabric, ctl):
    fab = fabric
    own = {"s3": "check { tcp { port: 80 } interval_ms: 200 timeout_ms: 150 rise: 2 fall: 2 }"}
    fab.start_anycastd(fab.config(vip_block(fab, own=own)))
    wait_announced(fab, VIP4, ALL)
    assert set(checks_of(show_vip(ctl), "s3")) == {"tcp:80"}
    assert set(checks_of(show_vip(ctl), "s1")) == {"tcp:80", "http:80/healthz"}

    # Without /healthz, s1 (the VIP's checks, ALL) leaves; s3 (its own TCP check only) stays.
    fab.set_healthz("s1", False)
    fab.set_healthz("s3", False)
    wait_group(fab, VIP4, ["s2", "s3"])
    seen = set(observe(1.0, lambda: fab.nexthop_group(VIP4)))
    assert seen == {addresses(fab, ["s2", "s3"], 4)}, seen


def test_link_down_takes_a_server_with_several_checks_out_at_once_under_any(fabric, ctl):
    fab = fabric
    # Slow probes: only the fast-failure path can take s2 out within the bound below.
    fab.start_anycastd(fab.config(vip_block(fab, mode="ANY", interval_ms=2000).replace(
        "timeout_ms: 150", "timeout_ms: 500")))
    wait_announced(fab, VIP4, ALL, timeout=20)
    t0 = time.monotonic()
    fab.set_link("s2", False)
    want = addresses(fab, ["s1", "s3"], 4)
    wait_for(lambda: fab.nexthop_group(VIP4), 1.5, "s2 out of the group at once", until=lambda g: g == want,
             interval=0.005)
    print(f"link down: s2 out after {(time.monotonic() - t0) * 1000:.0f} ms (probes alone: >= 4000 ms)")
    checks = checks_of(show_vip(ctl), "s2")
    assert all(c["health"] == "DOWN" for c in checks.values()), checks
    fab.set_link("s2", True)
    # Back only after `rise` (2) passing probes 2 s apart: not within the first second.
    seen = set(observe(1.0, lambda: fab.nexthop_group(VIP4)))
    assert seen == {want}, f"s2 rejoined before passing rise probes: {seen}"
    wait_group(fab, VIP4, ALL, timeout=15)


def http_requests(fab, name):
    """Lines of GET /healthz in server `name`'s IPv4 HTTP server log so far."""
    log = fab.rundir / name / "http4.log"
    return sum(1 for line in log.read_text(errors="replace").splitlines() if '"GET /healthz' in line)


def test_two_vips_share_one_probe_per_server_and_check(fabric, ctl):
    fab = fabric
    interval = 0.5
    check = f'check {{ http {{ port: 80 path: "/healthz" }} interval_ms: {int(interval * 1000)} ' \
            "timeout_ms: 300 rise: 2 fall: 2 }"
    blocks = []
    for name, prefix in (("web", VIP4), ("api", "203.0.113.20/32")):
        blocks.append("\n".join([
            "vip {", f'  name: "{name}"', f'  prefix: "{prefix}"', f"  {check}", *servers(fab), "}"]) + "\n")
    fab.start_anycastd(fab.config(*blocks).replace("state_file:", METRICS + "state_file:"))
    wait_announced(fab, VIP4, ALL)
    wait_group(fab, "203.0.113.20/32", ALL)

    # The agent says 3 probes (3 servers x 1 check), each shared by the two VIPs.
    text = wait_for(lambda: scrape(fab), TIMEOUT, "a scrape", until=lambda t: metric(t, "anycastd_probes") is not None)
    assert metric(text, "anycastd_probes") == 3, text
    assert metric(text, "anycastd_check_up", vip="api", server="s1", check="http:80/healthz") == 1
    assert metric(text, "anycastd_check_last_ok", vip="web", server="s3", check="http:80/healthz") == 1
    status = json.loads(ctl("--json", "show", "checks").stdout)
    assert status["probes"] == 3
    shared = [c["shared_by"] for v in status["vips"] for s in v["servers"] for c in s["checks"]]
    assert shared == [2] * 6, shared
    assert ctl("show", "checks").stdout.startswith("3 probes running\n")
    assert "3 probes" in ctl("show", "vips").stdout.splitlines()[0]

    # And the servers see it: over a measured window, about one request per interval per server (two VIPs
    # probing separately would make two). Bounded generously: a loaded machine can only delay probes.
    before = {n: http_requests(fab, n) for n in ALL}
    t0 = time.monotonic()
    time.sleep(6 * interval * 2)  # the measurement window itself, not a synchronisation
    after = {n: http_requests(fab, n) for n in ALL}
    window = time.monotonic() - t0
    per_server = {n: after[n] - before[n] for n in ALL}
    one_probe = window / interval
    print(f"{window:.2f} s window, interval {interval} s: requests per server {per_server} "
          f"(one probe: ~{one_probe:.0f}, one per VIP: ~{2 * one_probe:.0f})")
    for n, count in per_server.items():
        assert count <= one_probe * 1.25 + 2, f"{n} got {count} requests in {window:.1f} s: probes not shared"
        assert count >= 2, f"{n} got {count} requests in {window:.1f} s: not probed"

    # A reload that drops one VIP keeps the probes (still used by the other) and their state.
    fab.reload_anycastd(fab.config(blocks[0]).replace("state_file:", METRICS + "state_file:"))
    wait_for(lambda: fab.route("203.0.113.20/32"), TIMEOUT, "api's route to go", until=lambda r: r is None)
    status = json.loads(ctl("--json", "show", "checks").stdout)
    assert status["probes"] == 3
    assert [c["shared_by"] for s in status["vips"][0]["servers"] for c in s["checks"]] == [1, 1, 1]
    assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
    assert "server s1 up -> down" not in fab.anycastd_log()


def test_reload_keeps_the_health_of_checks_that_stay(fabric, ctl):
    fab = fabric
    tcp_only = "\n".join(two_checks()[:4] + servers(fab) + ["}"]) + "\n"
    fab.start_anycastd(fab.config(tcp_only))
    wait_announced(fab, VIP4, ALL)
    fab.set_healthz("s2", False)
    # Add the http check: tcp:80 keeps its state (and probe); the new check starts from the server's health
    # (up), so s1 and s3 never leave, and s2 leaves only after `fall` failures of the new check.
    fab.reload_anycastd(fab.config(vip_block(fab)))
    want = addresses(fab, ["s1", "s3"], 4)
    seen = []
    wait_for(lambda: seen.append(fab.nexthop_group(VIP4)) or seen[-1], TIMEOUT, "s2 to leave",
             until=lambda g: g == want)
    assert all(want <= g for g in seen), f"s1 or s3 left during the reload: {seen}"
    log = fab.anycastd_log()
    assert "reload: 0 added, 0 removed, 1 changed, 0 unchanged" in log
    assert "server s1 up -> down" not in log and "server s3 up -> down" not in log
    assert "server s2 up -> down: check http:80/healthz: 2 failures" in log
    assert set(checks_of(show_vip(ctl), "s1")) == {"tcp:80", "http:80/healthz"}
