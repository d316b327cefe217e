"""Fault injection in kernel mode (FRR 8.4), end to end on the namespace fabric: FRR crashing while a server
flaps, anycastd killed in the middle of a burst of group updates, netlink event storms that overrun the
agent's event socket (ENOBUFS), servers that answer slowly, reset or answer garbage, a flooded control
socket, a storm of reloads and the agent running out of file descriptors. After each fault faults.converged() checks that the leaf's kernel, zebra and
the spine hold what the servers' health dictates, that no nexthop object, fd or memory leaked and that
`anycastctl show` still answers promptly.

The restarts that test_kernel_mode.py already covers (anycastd SIGKILL/SIGUSR2 at rest, FRR stopped with
SIGTERM at rest) are not repeated here. Longer and repeated variants are in tests/soak/ (`make soak`).

Timing: probes every 200 ms, rise 2, fall 2; every wait polls with a deadline. Faults that need the agent to
be caught mid-update freeze it with SIGSTOP once it has started (seen in its log), so the partial state is
a fact the test checks, not a hope. Sizes (VIPs, storm changes, connections, reloads) are keyword arguments
with the defaults `make test` uses; tests/soak/ calls the same functions bigger and repeatedly.
"""
import os
import re
import signal
import subprocess
import threading

import pytest

from fabric import VIP4, VIP6, wait_for
from faults import (FaultyServer, Resources, Storm, both, converged, ctl, event_socket_drops, fd_count,
                    many_vips, need_anycastctl, open_idle, prefixes_of, send_malformed, show_vip,  # noqa: F401
                    show_vips, wait_ctl_socket)
from helpers import TIMEOUT, addresses, metric_sum, observe, scrape, wait_announced, wait_group

ALL = ("s1", "s2", "s3")
NAMES = {VIP4: "web", VIP6: "web6"}


pytestmark = pytest.mark.usefixtures("need_anycastctl")  # the fixture is imported from faults


def start(fab, *blocks):
    fab.start_anycastd(fab.config(*blocks))
    wait_ctl_socket(fab)


def start_web(fab):
    start(fab, fab.vip("web", VIP4), fab.vip("web6", VIP6))
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    return Resources(fab)


def write_atomically(path, text):
    """Replaces the file in one step, as an editor or a config manager does: the agent's reload never reads
    it half written (a truncated file may well parse, as a config with fewer VIPs)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.rename(path)


def log_count(fab, pattern):
    return len(re.findall(pattern, fab.anycastd_log(), re.M))


# ---- FRR crashes ---------------------------------------------------------------------------------------------

def test_frr_killed_while_a_server_flaps(fabric):
    """zebra and bgpd SIGKILLed; while they are gone a server fails, recovers and another fails; FRR comes
    back: zebra learns the agent's current route, the spine gets it, and the agent's route was never deleted."""
    fab = fabric
    res = start_web(fab)
    with fab.watch([VIP4, VIP6]) as w:
        fab.stop_frr(signal.SIGKILL)
        try:
            fab.stop_service("s2")
            wait_group(fab, VIP4, ["s1", "s3"])
            fab.start_service("s2")
            wait_group(fab, VIP4, ALL)
            fab.stop_service("s1")
            wait_group(fab, VIP4, ["s2", "s3"])
            wait_group(fab, VIP6, ["s2", "s3"])
        finally:
            fab.start_frr()
        converged(fab, both(["s2", "s3"]), res, NAMES)
        fab.start_service("s1")
        converged(fab, both(ALL), res, NAMES)
    for p in (VIP4, VIP6):
        assert not w.kernel_deletions(p), f"{p}'s kernel route was deleted: {w.kernel_deletions(p)}"


# ---- anycastd killed mid-update -----------------------------------------------------------------------------

def freeze_mid_update(fab, started, progress, what):
    """Waits until the log shows the update has started (started() true), stops anycastd with SIGSTOP and
    returns how far the kernel got (progress())."""
    pid = fab.anycastd_pid
    wait_for(started, TIMEOUT, f"the log to show {what} starting", interval=0.002)
    os.kill(pid, signal.SIGSTOP)
    return progress()


@pytest.mark.parametrize("update", ["server-burst", "reload-many-vips"])
def test_anycastd_killed_in_the_middle_of_a_group_update(fabric, update, vips=60):
    """anycastd is frozen (SIGSTOP) while it is part-way through many group updates and then SIGKILLed;
    the next run adopts what it finds, deletes what is left over and converges with no stray nexthop objects.
    Up to 5 attempts are made to catch it part-way (the VIPs' probes are spread over their 1 s interval)."""
    fab = fabric
    slow = dict(interval_ms=1000, timeout_ms=800, rise=1, fall=2)
    base = [fab.vip("web", VIP4)]
    extra = many_vips(fab, vips, **slow)
    prefixes = prefixes_of(extra)
    if update == "server-burst":
        first, final = base + extra, base + extra
    else:
        first, final = base, base + extra
    config = fab.config(*first)
    fab.start_anycastd(config)
    wait_ctl_socket(fab)
    wait_announced(fab, VIP4, ALL)
    if update == "server-burst":
        converged(fab, {p: ALL for p in [VIP4] + prefixes})

    def members_with(addr):
        groups = fab.nexthop_groups()
        return sum(addr in groups.get(p, ()) for p in prefixes)

    s1 = fab.server("s1").v4
    partial = None
    for attempt in range(5):
        if update == "server-burst":
            before = log_count(fab, r"^.*vip v\d+ next hops now")
            fab.stop_service("s1", family=4)
            done = freeze_mid_update(fab, lambda: log_count(fab, r"^.*vip v\d+ next hops now") > before,
                                     lambda: len(prefixes) - members_with(s1), "the burst")
        else:
            before = log_count(fab, r"^.*vip v\d+ announced")
            fab.reload_anycastd(fab.config(*final))
            done = freeze_mid_update(fab, lambda: log_count(fab, r"^.*vip v\d+ announced") > before,
                                     lambda: len(set(prefixes) & set(fab.nexthop_groups())),
                                     "the new VIPs' announcements")
        print(f"attempt {attempt + 1}: frozen with {done}/{len(prefixes)} groups updated")
        if 0 < done < len(prefixes):
            partial = done
            break
        # Caught too early or too late: let it finish, put things back and try again.
        os.kill(fab.anycastd_pid, signal.SIGCONT)
        if update == "server-burst":
            converged(fab, {p: ["s2", "s3"] for p in [VIP4] + prefixes})
            fab.start_service("s1", family=4)
            converged(fab, {p: ALL for p in [VIP4] + prefixes})
        else:
            converged(fab, {p: ALL for p in [VIP4] + prefixes})
            fab.reload_anycastd(config)
            converged(fab, {VIP4: ALL, **{p: () for p in prefixes}})
    assert partial is not None, "anycastd was never caught part-way through the update in 5 attempts"
    objects_at_kill = set(fab.nexthops(200))
    fab.kill_anycastd()

    fab.start_anycastd(fab.config(*final))
    # The burst stopped s1's IPv4 service: it is out of every group (web's too) until it serves again.
    want = {p: (["s2", "s3"] if update == "server-burst" else ALL) for p in [VIP4] + prefixes}
    converged(fab, want)
    fab.start_service("s1", family=4)
    converged(fab, {p: ALL for p in want}, vip_names={VIP4: "web"})
    print(f"objects at the kill: {len(objects_at_kill)}, now: {len(fab.nexthops(200))}")


# ---- netlink event storms (ENOBUFS) ---------------------------------------------------------------------------

def test_event_overrun_triggers_a_full_resync(fabric, tmp_path, storm=40000):
    """anycastd is frozen while a storm of unrelated route changes overruns its event socket (the kernel's
    drop counter for the socket proves the overrun); meanwhile the route of a VIP whose servers all stay
    healthy is deleted and another server's link goes down, both notifications lost. Thawed, it reads
    ENOBUFS, logs the overrun, re-reads the kernel and restores the deleted route (nothing else would: its
    servers pass their probes, so only the resync can tell it is gone); the server rejoins when its link is
    back."""
    fab = fabric
    api = "203.0.113.20/32"
    with Storm(fab, tmp_path) as storms:
        start(fab, fab.vip("web", VIP4), fab.vip("web6", VIP6), fab.vip("api", api, servers=["s2", "s3"]))
        wait_announced(fab, VIP4, ALL)
        wait_announced(fab, VIP6, ALL)
        wait_group(fab, api, ["s2", "s3"])
        res = Resources(fab)
        pid = fab.anycastd_pid
        drops_before = sum(event_socket_drops(pid).values())
        os.kill(pid, signal.SIGSTOP)
        try:
            storms.blow(storm, "fill")
            drops = sum(event_socket_drops(pid).values())
            assert drops > drops_before, f"the storm did not overrun anycastd's event socket ({drops} drops)"
            # Changes the agent must not miss, made while its notifications are being dropped.
            fab.ip(fab.leaf, "route", "del", api, "proto", "200")
            fab.set_link("s1", False)
            storms.blow(4000, "more")
        finally:
            os.kill(pid, signal.SIGCONT)
        names = {**NAMES, api: "api"}
        converged(fab, {**both(["s2", "s3"]), api: ["s2", "s3"]}, res, names)
        assert "(netlink event overrun): resynchronising" in fab.anycastd_log()
        fab.set_link("s1", True)
        converged(fab, {**both(ALL), api: ["s2", "s3"]}, res, names)


def test_storm_while_running_with_a_server_changing(fabric, tmp_path, storm=20000):
    """A storm of route changes while anycastd runs, and a server failing in the middle of it: the kernel ends
    right; if the kernel dropped notifications for the agent, the agent logged the overrun and resynced."""
    fab = fabric
    with Storm(fab, tmp_path) as storms:
        res = start_web(fab)
        pid = fab.anycastd_pid
        drops_before = sum(event_socket_drops(pid).values())
        storms.blow(storm, "a")
        fab.stop_service("s3")
        storms.blow(storm, "b")
        converged(fab, both(["s1", "s2"]), res, NAMES)
        drops = sum(event_socket_drops(pid).values()) - drops_before
        print(f"notifications dropped on anycastd's sockets: {drops}")
        if drops:
            assert "(netlink event overrun): resynchronising" in fab.anycastd_log()
        fab.start_service("s3")
        converged(fab, both(ALL), res, NAMES)


# ---- misbehaving servers ---------------------------------------------------------------------------------------

FAULTS = {
    # mode: what `anycastctl show vip` must give as the reason
    "slow": r"time(d)? ?out",
    "reset": r"reset",
    "garbage": r"not an HTTP response",
}


def test_servers_answering_slowly_resetting_or_with_garbage_go_down_and_come_back(fabric):
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    faulty = FaultyServer(fab, "s2")
    try:
        wait_group(fab, VIP4, ALL)
        res = Resources(fab)
        for mode, reason in FAULTS.items():
            faulty.set_mode(mode)
            wait_group(fab, VIP4, ["s1", "s3"])
            s2 = wait_for(lambda: {s["name"]: s for s in show_vip(fab, "web")["servers"]}["s2"], TIMEOUT,
                          f"show vip web to give s2's failure ({mode})",
                          until=lambda s: re.search(reason, s.get("last_failure", ""), re.I))
            assert s2.get("health", "DOWN") == "DOWN" and not s2.get("in_route", False), s2
            print(f"{mode}: {s2['last_failure']}")
            faulty.set_mode("ok")
            converged(fab, {VIP4: ALL}, res, {VIP4: "web"})
    finally:
        faulty.stop()


# ---- the control socket ------------------------------------------------------------------------------------------

def test_control_socket_flood(fabric, rounds=3, idle=200):
    """Hundreds of idle connections (more than the 64 the daemon keeps) plus rounds of malformed and oversized
    messages: once the idle ones have been idle for the daemon's grace (0.5 s) anycastctl takes the place of
    the idlest and is answered promptly, malformed messages get error replies, the agent keeps working, and
    every fd comes back."""
    fab = fabric
    start(fab, fab.vip("web", VIP4))
    wait_announced(fab, VIP4, ALL)
    res = Resources(fab)
    idlers = open_idle(fab, idle)
    try:
        wait_for(lambda: show_vips(fab), TIMEOUT, "anycastctl to be answered while idle connections hold every slot")
        replies = send_malformed(fab, connections=60, rounds=rounds)
        assert replies > 0, "no malformed request got an error reply"
        show_vips(fab)
        fab.stop_service("s1")
        converged(fab, {VIP4: ["s2", "s3"]}, vip_names={VIP4: "web"})
        idlers += open_idle(fab, idle // 2)
        wait_for(lambda: show_vips(fab), TIMEOUT, "anycastctl to be answered after more idle connections")
    finally:
        for s in idlers:
            s.close()
    assert "closing the one idle longest" in fab.anycastd_log()
    fab.start_service("s1")
    converged(fab, {VIP4: ALL}, res, {VIP4: "web"})


# ---- the agent out of file descriptors ---------------------------------------------------------------------------

def nofile_limit(pid):
    out = subprocess.run(["prlimit", "--pid", str(pid), "--nofile", "--output", "SOFT,HARD", "--noheadings"],
                         check=True, capture_output=True, text=True).stdout.split()
    return out[0], out[1]


def lowest_free_fd(pid):
    used = {int(n) for n in os.listdir(f"/proc/{pid}/fd")}
    return min(set(range(len(used) + 1)) - used)


def set_nofile_limit(pid, soft, hard):
    subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={soft}:{hard}"], check=True)


def pin_nofile_to_lowest_free(pid, hard, limit=None):
    """Lowers the soft fd limit to the lowest free fd number (never raises it above `limit`), so that every
    new fd fails with EMFILE; returns the limit set. A new fd takes the lowest free number, so a limit there
    fails them all, until an fd below it closes: then the next call lowers it again. (An fd that is open
    only for a moment, e.g. the state file while it is saved and fsynced, leaves such a hole when it closes.)"""
    free = lowest_free_fd(pid)
    if limit is None or free < limit:
        set_nofile_limit(pid, free, hard)
        return free
    return limit


def test_agent_out_of_file_descriptors_keeps_the_servers(fabric, window_s=3.0):
    """The running agent's RLIMIT_NOFILE lowered to the fds it holds at rest, so that its probes' socket()
    fails with EMFILE: that is the agent's trouble, not the servers'. Over many times fall x servers such
    probes no server leaves the kernel group and the spine keeps both VIPs; the first one is logged at once,
    the burst is summarised when it ends, and the metric counts them. With the limit restored, verdicts
    resume: a stopped service takes its server out."""
    fab = fabric
    fab.start_anycastd(fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6)).replace(
        "state_file:", 'metrics { listen: "127.0.0.1:9370" }\nstate_file:'))
    wait_ctl_socket(fab)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    res = Resources(fab)
    pid = fab.anycastd_pid
    soft, hard = nofile_limit(pid)
    assert re.search(r"fd limit: soft limit (raised from \d+ to \d+|\d+ kept) \(\d+ needed for 6 probes",
                     fab.anycastd_log()), "the agent did not log its fd limit at start"
    first = r"probes: no verdict: the agent could not run a probe \(socket: too many open files\)"
    # The clean-start point saves the state file (crash-loop guard): let that save and its fds be over first.
    wait_for(lambda: "every check of every server has run its rise probes" in fab.anycastd_log(), TIMEOUT,
             "the agent's clean-start point")
    with fab.watch([VIP4, VIP6]) as w:
        # The soft limit goes down to the lowest free fd number and is kept there (pinned again at every
        # observation), so that every probe's socket() fails; raising a hard limit back needs privilege.
        # (A probe in flight holds the lowest free number when the limit is set: once it closes, the next
        # call pins the limit there.)
        limit = pin_nofile_to_lowest_free(pid, hard)

        def pinned(value):
            nonlocal limit
            limit = pin_nofile_to_lowest_free(pid, hard, limit)
            return value()

        try:
            wait_for(lambda: pinned(lambda: log_count(fab, first)), TIMEOUT, "the first no-verdict probe to be logged")

            def groups():
                return pinned(lambda: (fab.nexthop_group(VIP4), fab.nexthop_group(VIP6)))

            # Probes every 200 ms on 6 (server, family) pairs: ~90 no-verdict probes, 15x fall (2) per server.
            for seen in observe(window_s, groups):
                assert seen == (addresses(fab, ALL, 4), addresses(fab, ALL, 6)), f"a server left a group: {seen}"
        finally:
            set_nofile_limit(pid, soft, hard)
    for p in (VIP4, VIP6):
        w.assert_never_lost(p)
    assert log_count(fab, first) == 1, "a burst of no-verdict probes must be logged once"
    summary = wait_for(lambda: re.search(r"probes: (\d+) gave no verdict over [\d.]+ s: the agent was out of file "
                                         r"descriptors", fab.anycastd_log()), TIMEOUT, "the burst's summary")
    errors = metric_sum(scrape(fab), "anycastd_probe_local_errors_total", reason="emfile")
    assert errors >= 2 * 2 * len(ALL) * 2, f"only {errors} no-verdict probes counted; summary: {summary.group(0)}"
    assert int(summary.group(1)) <= errors, (summary.group(0), errors)
    fab.stop_service("s2")
    wait_group(fab, VIP4, ["s1", "s3"])
    fab.start_service("s2")
    converged(fab, both(ALL), res, NAMES)


# ---- reload storms -----------------------------------------------------------------------------------------------

def test_reload_storm_ends_in_the_last_valid_config(fabric, reloads=30):
    fab = fabric
    api = "203.0.113.20/32"
    a = fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6))
    b = fab.config(fab.vip("web", VIP4, servers=["s1", "s2"]), fab.vip("api", api, servers=["s2", "s3"]))
    broken = b.replace("rise: 2", "rise: 0", 1)
    syntax = a + "vip { name: \n"
    fab.start_anycastd(a)
    wait_ctl_socket(fab)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    res = Resources(fab)
    cfg = fab.anycastd_config_path
    running = a
    refused = 0
    for i in range(reloads):
        text = (a, broken, b, syntax)[i % 4]
        write_atomically(cfg, text)
        p, _ = ctl(fab, "reload", check=False)
        if text in (a, b):
            assert p.returncode == 0, f"reload {i} of a valid config: {p.stderr}"
            running = text
        else:
            assert p.returncode == 1 and "stays in force" in p.stderr, f"reload {i}: {p.returncode} {p.stderr}"
            assert re.search(re.escape(str(cfg)) + r":\d+:\d+: ", p.stderr), p.stderr
            refused += 1
            shown, _ = ctl(fab, "show", "config")
            assert shown.stdout.strip() == running.strip(), "a refused reload changed the running config"
    # Reloads while the file keeps changing under them: `show config` shows the text that is in force. The
    # first loop may have ended on a refused file: put the running text back first, or the first reload
    # below can run before the writer's first rename and be (rightly) refused.
    write_atomically(cfg, running)
    stop = threading.Event()

    def writer():
        k = 0
        while not stop.is_set():
            write_atomically(cfg, (a, b)[k % 2])
            k += 1
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for i in range(reloads):
            ctl(fab, "reload")
            shown = ctl(fab, "show", "config")[0].stdout.strip()
            names = set(show_vips(fab))
            assert shown in (a.strip(), b.strip()), f"show config after racing reload {i}: {shown!r}"
            want = {"web", "web6"} if shown == a.strip() else {"web", "api"}
            assert names == want, f"racing reload {i}: running VIPs {sorted(names)}, show config has {sorted(want)}"
    finally:
        stop.set()
        thread.join()
    # Then signals faster than it can handle them, the file ending valid (b)...
    write_atomically(cfg, b)
    for _ in range(20):
        os.kill(fab.anycastd_pid, signal.SIGHUP)
    converged(fab, {VIP4: ["s1", "s2"], VIP6: (), api: ["s2", "s3"]}, res, {VIP4: "web", api: "api"})
    # ... and then invalid: the running config stays b.
    write_atomically(cfg, broken)
    for _ in range(10):
        os.kill(fab.anycastd_pid, signal.SIGHUP)
    wait_for(fab.anycastd_log, TIMEOUT, "the last SIGHUP's refusal",
             until=lambda t: t.count("reload refused") >= refused + 1)
    shown, _ = ctl(fab, "show", "config")
    assert shown.stdout.strip() == b.strip()
    converged(fab, {VIP4: ["s1", "s2"], VIP6: (), api: ["s2", "s3"]}, res, {VIP4: "web", api: "api"})
    assert fd_count(fab.anycastd_pid) <= res.fd_bound()
