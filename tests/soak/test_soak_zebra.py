"""Soak, zebra mode: tests/soak/faults_zebra.py's FRR crash while a server flaps, repeated
SOAK_ITERATIONS times (default 10), the fabric reset between iterations."""
import os

import faults_zebra as faults_test

LAB_MODE = "zebra"
ITERATIONS = int(os.environ.get("SOAK_ITERATIONS", "10"))


def test_zebra_crash_loop(fabric):
    for i in range(ITERATIONS):
        if i:
            fabric.reset()
        print(f"---- iteration {i + 1}/{ITERATIONS}")
        faults_test.test_zebra_and_bgpd_killed_while_a_server_flaps(fabric)
