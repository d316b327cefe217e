"""The switch CLI and the control API end to end (kernel mode, FRR 8.4): `anycastctl` against the running
anycastd on the fabric. `show vips --json` must match the kernel and the spine through the scenarios;
drains withdraw or remove exactly what they name and survive a restart; the socket admits only root and
the control group; garbage on the socket does not disturb the agent.
"""
import json
import os
import socket
import shutil
import subprocess
from pathlib import Path

import pytest

from fabric import VIP4, VIP6, run, wait_for
from helpers import (ANYCASTCTL, TIMEOUT, addresses, metric, metric_sum, scrape, wait_announced, wait_group,
                     wait_spine, wait_withdrawn)

ALL = ("s1", "s2", "s3")
def vips_json(ctl):
    return {v["name"]: v for v in json.loads(ctl("--json", "show", "vips").stdout).get("vips", [])}


def wait_socket(fab):
    wait_for(lambda: fab.control_socket.exists(), TIMEOUT, "the control socket")


def start(fab, *blocks):
    fab.start_anycastd(fab.config(*blocks))
    wait_socket(fab)


def test_show_vips_json_matches_the_kernel_and_the_spine(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4), fab.vip("web6", VIP6))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    v = vips_json(ctl)
    assert v["web"]["state"] == "ANNOUNCED" and v["web"]["prefix"] == VIP4
    assert sorted(v["web"]["nexthops"]) == sorted(addresses(fab, ALL, 4))
    assert v["web"]["healthy"] == 3 and v["web"]["total"] == 3
    assert all(s["health"] == "UP" and s["in_route"] for s in v["web"]["servers"])

    fab.stop_service("s1", family=4)
    wait_group(fab, VIP4, ["s2", "s3"])
    wait_for(lambda: vips_json(ctl)["web"], TIMEOUT, "show to see s1 down",
             until=lambda w: sorted(w["nexthops"]) == sorted(addresses(fab, ["s2", "s3"], 4)))
    s1 = {s["name"]: s for s in vips_json(ctl)["web"]["servers"]}["s1"]
    assert s1.get("health", "DOWN") == "DOWN" and not s1.get("in_route", False)
    assert "connection refused" in s1["last_failure"]

    for name in ("s2", "s3"):
        fab.stop_service(name, family=4)
    wait_withdrawn(fab, VIP4)
    w = vips_json(ctl)["web"]
    assert w.get("state", "WITHDRAWN") == "WITHDRAWN" and not w.get("nexthops")
    assert v["web6"]["state"] == "ANNOUNCED"

    assert vips_json(ctl)["web6"]["state"] == "ANNOUNCED"
    text = ctl("show", "vips").stdout
    print(text)
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("web")}
    assert "withdrawn" in rows["web"] and "announced" in rows["web6"], text


def test_drain_vip_withdraws_and_undrain_reannounces(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    ctl("drain", "vip", "web", "--reason", "maintenance CHG-42")
    wait_withdrawn(fab, VIP4)
    w = vips_json(ctl)["web"]
    assert w["state"] == "DRAINED"
    assert w["drain"]["by"] == "root" and w["drain"]["reason"] == "maintenance CHG-42"
    assert all(s["health"] == "UP" for s in w["servers"]), "health checks must keep running while drained"
    assert "drained" in ctl("show", "vip", "web").stdout
    ctl("undrain", "vip", "web")
    wait_announced(fab, VIP4, ALL)
    assert vips_json(ctl)["web"]["state"] == "ANNOUNCED"


def test_a_drain_reason_cannot_forge_a_log_entry(fabric, ctl):
    """Peer-supplied text reaches the log escaped: a newline in a drain reason cannot start an entry of its
    own (under journald, one with a priority of its choosing)."""
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    forged = "1999-01-01T00:00:00.000 error: forged by the reason"
    ctl("drain", "vip", "web", "--reason", "CHG-7\n<0>" + forged + "\x1b[2J")
    wait_withdrawn(fab, VIP4)
    log = wait_for(fab.anycastd_log, TIMEOUT, "the drain's log line", until=lambda t: "CHG-7" in t)
    assert not [line for line in log.splitlines() if line.startswith(("<0>", "1999-"))], log
    assert "CHG-7\\n<0>" + forged + "\\x1b[2J" in log, log
    assert vips_json(ctl)["web"]["drain"]["reason"].startswith("CHG-7\n<0>1999"), "show keeps the text as given"


def test_drain_server_removes_exactly_that_next_hop(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    gid = fab.nexthop_group_id(VIP4)
    with fab.watch([VIP4]) as w:
        ctl("drain", "server", "web", "s2")
        wait_group(fab, VIP4, ["s1", "s3"])
        ctl("undrain", "server", "web", "s2")
        wait_group(fab, VIP4, ALL)
    w.assert_never_lost(VIP4)
    assert set(w.group_ids(VIP4)) == {gid}


def test_drains_survive_a_restart(fabric, ctl):
    fab = fabric
    config = fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6))
    fab.start_anycastd(config)
    wait_socket(fab)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    ctl("drain", "vip", "web6", "--reason", "kept")
    ctl("drain", "server", "web", "s3")
    wait_withdrawn(fab, VIP6)
    wait_group(fab, VIP4, ["s1", "s2"])
    fab.stop_anycastd()
    fab.control_socket.unlink(missing_ok=True)
    fab.start_anycastd(config)
    wait_socket(fab)
    wait_announced(fab, VIP4, ["s1", "s2"])
    v = vips_json(ctl)
    assert v["web6"]["state"] == "DRAINED" and v["web6"]["drain"]["reason"] == "kept"
    assert {s["name"]: s for s in v["web"]["servers"]}["s3"]["drain"]["by"] == "root"
    assert not fab.spine_has(VIP6)


DAMAGED_STATES = {
    # a good file cut off mid-entry (a crash of a non-atomic writer, a full disk)
    "truncated": 'drain {\n  vip: "web6"\n  drain {\n    by: "alice"\n    reason: "CHG',
    "garbage": 'drain { vip: "web" drain { by: "alice" \x01 garbage',
    "unreadable": None,  # a directory where the file should be
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_STATES))
def test_a_damaged_state_file_keeps_the_vips_withdrawn_until_the_operator_undrains(fabric, ctl, damage):
    """A state file that cannot be read or parsed is reported and renamed to STATE.bad-UNIX_MS before the agent
    saves its state again (the evidence stays). The drains it held are unknown, so every configured VIP stays
    withdrawn at the spine while its servers are healthy, drained by "anycastd" with a reason naming the kept
    file, across a restart, until the operator undrains it; then it is announced."""
    fab = fabric
    fab.state_file.parent.mkdir(parents=True, exist_ok=True)
    content = DAMAGED_STATES[damage]
    if content is None:
        fab.state_file.mkdir()
    else:
        fab.state_file.write_text(content)
    config = fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6))
    fab.start_anycastd(config)
    wait_socket(fab)
    kept = []
    try:
        kept = wait_for(lambda: sorted(fab.state_file.parent.glob(fab.state_file.name + ".bad-*")), TIMEOUT,
                        "the damaged state file to be kept aside", until=lambda k: len(k) == 1)
        if content is None:
            assert kept[0].is_dir()
        else:
            assert kept[0].read_text() == content
        log = fab.anycastd_log()
        assert f"state file {fab.state_file} kept as {kept[0]}" in log, log[-2000:]
        assert f"state file ignored: {fab.state_file}" in log, log[-2000:]

        def held_back(v):
            return all(v[n].get("state") == "DRAINED" and v[n].get("healthy") == 3 for n in ("web", "web6"))

        def show_and_spine():
            return vips_json(ctl), fab.spine_has(VIP4), fab.spine_has(VIP6)

        def check_held_back():
            # READY is reached and the servers are healthy, yet neither VIP is announced.
            v, _, _ = wait_for(show_and_spine, TIMEOUT, "both VIPs drained with 3/3 healthy servers",
                               until=lambda r: held_back(r[0]))
            for name in ("web", "web6"):
                assert v[name]["drain"]["by"] == "anycastd", v[name]
                assert f"kept as {kept[0]}" in v[name]["drain"]["reason"], v[name]
            assert fab.route(VIP4) is None and fab.route(VIP6) is None
            assert not fab.spine_has(VIP4) and not fab.spine_has(VIP6)

        check_held_back()
        assert "every VIP is kept withdrawn" in fab.anycastd_log(), fab.anycastd_log()[-2000:]
        # The held-back drains are saved: a restart keeps the VIPs withdrawn.
        fab.stop_anycastd()
        fab.control_socket.unlink(missing_ok=True)
        fab.start_anycastd(config)
        wait_socket(fab)
        check_held_back()
        assert f"kept as {kept[0]}" in fab.state_file.read_text()

        # The operator decides, VIP by VIP.
        ctl("undrain", "vip", "web")
        wait_announced(fab, VIP4, ALL)
        assert not fab.spine_has(VIP6)
        assert vips_json(ctl)["web6"]["state"] == "DRAINED"
        ctl("undrain", "vip", "web6")
        wait_announced(fab, VIP6, ALL)
    finally:
        for k in kept:
            shutil.rmtree(k) if k.is_dir() else k.unlink()
        if fab.state_file.is_dir():
            fab.state_file.rmdir()


def test_errors_say_what_to_do(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    p = ctl("drain", "vip", "nosuch", check=False)
    assert p.returncode == 1 and "no vip named 'nosuch'" in p.stderr
    p = ctl("drain", "server", "web", "s9", check=False)
    assert p.returncode == 1 and "no server named 's9'" in p.stderr
    p = ctl("frobnicate", check=False)
    assert p.returncode == 2
    p = subprocess.run([str(ANYCASTCTL), "--socket", "/run/nonexistent-anycastd.sock", "show", "vips"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 3 and "is anycastd running" in p.stderr


def test_only_root_and_the_control_group_may_connect(fabric, ctl):
    fab = fabric
    # nogroup (65534) owns the socket; nobody:nogroup may connect, nobody with another group may not.
    fab.start_anycastd(fab.config(fab.vip("web", VIP4)).replace(
        "state_file:", 'control_group: "nogroup"\nstate_file:'))
    wait_socket(fab)
    os.chmod(fab.rundir, 0o755)
    member = ctl("show", "vips", as_user=(65534, 65534), check=False)
    assert member.returncode == 0, member.stderr
    other = ctl("show", "vips", as_user=(65534, 1), check=False)
    assert other.returncode == 3 and "ermission denied" in other.stderr, other.stderr
    assert oct(fab.control_socket.stat().st_mode & 0o777) == "0o660"


def test_garbage_on_the_socket_does_not_disturb_the_agent(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    socks = []
    for payload in (b"\xff\xff\xff\xff\xff\xff\xff", b"\x05hello", b"\x80\x80\x04" + b"x" * 100, os.urandom(4096)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(str(fab.control_socket))
        s.sendall(payload)
        socks.append(s)
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # a client that never sends anything
    idle.connect(str(fab.control_socket))
    for s in socks:
        try:
            s.recv(65536)  # an error reply, or the connection closed
        except socket.timeout:
            pass
        s.close()
    assert vips_json(ctl)["web"]["state"] == "ANNOUNCED"
    fab.stop_service("s1")
    wait_group(fab, VIP4, ["s2", "s3"])
    idle.close()
    assert fab.anycastd_running


def test_metrics_follow_the_agent(fabric, ctl):
    fab = fabric
    config = fab.config(fab.vip("web", VIP4)).replace("state_file:", 'metrics { listen: "127.0.0.1:9370" }\nstate_file:')
    fab.start_anycastd(config)
    wait_socket(fab)
    wait_announced(fab, VIP4, ALL)
    text = wait_for(lambda: scrape(fab), TIMEOUT, "a scrape with probe durations",
                    until=lambda t: (metric(t, "anycastd_probe_duration_seconds_count", vip="web", server="s1") or 0) >= 2)
    assert metric(text, "anycastd_vip_announced", vip="web", prefix=VIP4) == 1
    assert metric(text, "anycastd_vip_healthy_servers", vip="web") == 3
    assert metric(text, "anycastd_server_up", vip="web", server="s2") == 1
    assert metric(text, "anycastd_build_info") == 1
    fab.stop_service("s2", family=4)
    wait_group(fab, VIP4, ["s1", "s3"])
    text = scrape(fab)
    assert metric(text, "anycastd_server_up", vip="web", server="s2") == 0
    # fall 2: at least two failures; the last ones refused (an earlier one may be a reset or a timeout while
    # the server stops, or on a loaded machine).
    assert metric_sum(text, "anycastd_probe_failures_total", vip="web", server="s2") >= 2
    assert metric(text, "anycastd_probe_failures_total", vip="web", server="s2", reason="refused") >= 1
    assert metric(text, "anycastd_server_transitions_total", vip="web", server="s2") == 2  # up, then down
    ctl("drain", "vip", "web")
    wait_withdrawn(fab, VIP4)
    text = scrape(fab)
    assert metric(text, "anycastd_vip_drained", vip="web") == 1
    assert metric(text, "anycastd_vip_announced", vip="web", prefix=VIP4) == 0


def test_reload_through_anycastctl_reports_what_changed(fabric, ctl):
    fab = fabric
    fab.start_anycastd(fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6)))
    wait_socket(fab)
    wait_announced(fab, VIP4, ALL)
    fab.anycastd_config_path.write_text(fab.config(fab.vip("web", VIP4)))
    result = json.loads(ctl("--json", "reload").stdout)
    assert result.get("removed") == ["web6"] and result.get("unchanged") == ["web"], result
    wait_withdrawn(fab, VIP6)
    fab.anycastd_config_path.write_text(fab.config(fab.vip("web", VIP4)).replace("rise: 2", "rise: 0"))
    p = ctl("reload", check=False)
    assert p.returncode == 1 and "rise must be greater than 0" in p.stderr and "stays in force" in p.stderr
    assert "rise: 2" in ctl("show", "config").stdout
    assert fab.spine_has(VIP4)


def test_systemd_readiness_follows_the_first_verdicts(fabric, tmp_path):
    """Type=notify: READY=1 only once every server has its first verdict and the route is in place;
    RELOADING=1 then READY=1 around a reload; STOPPING=1 on SIGTERM (the datagrams systemd would get)."""
    fab = fabric
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = str(tmp_path / "notify.sock")
    notify.bind(path)
    notify.settimeout(TIMEOUT)
    try:
        config = fab.config(fab.vip("web", VIP4))
        fab.start_anycastd(config, env={"NOTIFY_SOCKET": path})
        # First the start timeout is extended to the first verdicts' bound: rise 2 x 200 ms + the timeout,
        # and the start margin (30 s).
        extend = notify.recv(4096).decode()
        assert extend.startswith("EXTEND_TIMEOUT_USEC="), extend
        assert 30_400_000 <= int(extend.split("=", 1)[1]) <= 31_000_000, extend
        ready = notify.recv(4096).decode()
        assert ready.startswith("READY=1"), ready
        # READY came after the first verdicts: the route already goes over every healthy server.
        assert fab.nexthop_group(VIP4) == addresses(fab, ALL, 4)
        assert "initial routes complete" in fab.anycastd_log()
        fab.reload_anycastd(config)
        assert notify.recv(4096).decode().startswith("RELOADING=1")
        assert notify.recv(4096).decode().startswith("READY=1")
        fab.stop_anycastd()
        assert notify.recv(4096).decode().startswith("STOPPING=1")
    finally:
        notify.close()


def complete(words, socket_path, ctl_dir):
    """What bash completion offers for the command line `words` (the last one being completed)."""
    script = f"""
source {Path(__file__).resolve().parents[2] / "agent" / "ctl" / "anycastctl.bash"}
PATH={ctl_dir}:$PATH
COMP_WORDS=({" ".join(f"'{w}'" for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE="{" ".join(words)}"
COMP_POINT=${{#COMP_LINE}}
_anycastctl anycastctl "{words[-1]}" "{words[-2] if len(words) > 1 else ''}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=20,
                       env={**os.environ, "ANYCASTD_SOCKET": str(socket_path)})
    return set(p.stdout.split())


def test_bash_completion_offers_commands_and_names(fabric, ctl):
    fab = fabric
    start(fab, fab.vip("web", VIP4), fab.vip("web6", VIP6))
    ctl_dir = ANYCASTCTL.parent
    assert {"show", "drain", "undrain", "reload"} <= complete(["anycastctl", ""], fab.control_socket, ctl_dir)
    assert {"vips", "vip", "servers", "config"} <= complete(["anycastctl", "show", ""], fab.control_socket,
                                                             ctl_dir)
    assert complete(["anycastctl", "drain", "vip", "we"], fab.control_socket, ctl_dir) == {"web", "web6"}
    assert complete(["anycastctl", "drain", "server", "web", ""], fab.control_socket, ctl_dir) == \
        {"s1", "s2", "s3"}
