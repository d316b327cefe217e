"""Soak: the fault-injection scenarios of tests/integration/test_faults.py and tests/soak/faults_zebra.py (kernel
mode here), repeated SOAK_ITERATIONS times (default 10) and bigger (longer storms, more connections and
reloads). Each iteration ends with the same convergence and leak checks as in `make test`;
the fabric is reset between iterations. Run by `make soak` (tests/run-all.sh --suites soak,... BUILD); takes about
10 minutes with the default on a loaded 2-core machine (one iteration of the whole suite: ~1 minute).
"""
import os

import pytest

import test_faults as faults_test

ITERATIONS = int(os.environ.get("SOAK_ITERATIONS", "10"))


def repeat(fab, body):
    for i in range(ITERATIONS):
        if i:
            fab.reset()
        print(f"---- iteration {i + 1}/{ITERATIONS}")
        body()


def test_frr_crash_loop(fabric):
    repeat(fabric, lambda: faults_test.test_frr_killed_while_a_server_flaps(fabric))


@pytest.mark.parametrize("update", ["server-burst", "reload-many-vips"])
def test_anycastd_killed_mid_update_loop(fabric, update):
    # 60 VIPs as in `make test`: more overrun the lab's Python HTTP servers (listen backlog 5), whose
    # connect timeouts then make every server flap on a loaded 2-core machine.
    repeat(fabric, lambda: faults_test.test_anycastd_killed_in_the_middle_of_a_group_update(fabric, update))


def test_overrun_loop(fabric, tmp_path):
    repeat(fabric, lambda: faults_test.test_event_overrun_triggers_a_full_resync(fabric, tmp_path,
                                                                                storm=100000))


def test_long_storms_while_running(fabric, tmp_path):
    repeat(fabric, lambda: faults_test.test_storm_while_running_with_a_server_changing(fabric, tmp_path,
                                                                                      storm=100000))


def test_misbehaving_servers_loop(fabric):
    repeat(fabric,
           lambda: faults_test.test_servers_answering_slowly_resetting_or_with_garbage_go_down_and_come_back(fabric))


def test_control_socket_flood_long(fabric):
    repeat(fabric, lambda: faults_test.test_control_socket_flood(fabric, rounds=20, idle=500))


def test_fd_exhaustion_loop(fabric):
    repeat(fabric, lambda: faults_test.test_agent_out_of_file_descriptors_keeps_the_servers(fabric))


def test_reload_storm_long(fabric):
    repeat(fabric, lambda: faults_test.test_reload_storm_ends_in_the_last_valid_config(fabric, reloads=200))
