"""Fault injection in zebra mode (FRR 8.4): zebra and bgpd SIGKILLed while a server flaps. Run by the soak
suite only (tests/soak/test_soak_zebra.py): in about a third of runs FRR 8.4's new zebra keeps the route
the dead zebra left in the kernel as a kernel route of its own, which beats the agent's and never goes (README,
"zebra crashing"), so the scenario is not reliable enough for `make test`. anycastd loses its
zebra session, keeps checking, reconnects when zebra is back and hands it the routes health dictates then, not
those it had when zebra died; the kernel, zebra and the spine converge and nothing leaks (faults.converged).

test_zebra_mode.py covers an FRR restart at rest (SIGTERM) and anycastd's own restarts; this covers the crash
with health changing meanwhile.
"""
import re
import signal

import pytest

from fabric import VIP4, VIP6, wait_for
from faults import Resources, both, converged, need_anycastctl, wait_ctl_socket  # noqa: F401
from helpers import TIMEOUT, wait_announced

LAB_MODE = "zebra"
ALL = ("s1", "s2", "s3")
NAMES = {VIP4: "web", VIP6: "web6"}


pytestmark = pytest.mark.usefixtures("need_anycastctl")  # the fixture is imported from faults


def test_zebra_and_bgpd_killed_while_a_server_flaps(fabric):
    fab = fabric
    fab.start_anycastd(fab.config(fab.vip("web", VIP4), fab.vip("web6", VIP6), zebra_extra="graceful_restart_s: 20 "))
    wait_ctl_socket(fab)
    wait_announced(fab, VIP4, ALL)
    wait_announced(fab, VIP6, ALL)
    res = Resources(fab)
    connects = len(re.findall(r"zebra: connected to", fab.anycastd_log()))
    fab.stop_frr(signal.SIGKILL)
    try:
        wait_for(fab.anycastd_log, TIMEOUT, "anycastd to notice zebra is gone",
                 until=lambda t: re.search(r"zebra: (zebra closed the connection|reading from zebra)", t))
        fab.stop_service("s2")
        fab.start_service("s2")
        fab.stop_service("s3")
        # The agent's verdict while zebra is away: s3 down.
        wait_for(fab.anycastd_log, TIMEOUT, "s3 down in the log",
                 until=lambda t: "vip web server s3 up -> down" in t)
    finally:
        fab.start_frr()
    converged(fab, both(["s1", "s2"]), res, NAMES)
    assert len(re.findall(r"zebra: connected to", fab.anycastd_log())) > connects
    fab.start_service("s3")
    converged(fab, both(ALL), res, NAMES)
