#!/usr/bin/python3
"""The two-site anycast lab (images/clab/anycast.clab.yml): `make lab`, `make lab-down`, `make lab-test`.

    run_lab.py up      docker engine (started if none runs), the anycastd-switch image (built if out of date),
                       the topology (containerlab deploy when containerlab is installed, else the lab's own
                       runner, container_runner.py, from the same file), then waits until the spine's BGP
                       sessions are Established and it routes the VIP through site A
    run_lab.py down    removes the topology (containerlab destroy / the runner) and stops the docker engine
                       if the lab started it
    run_lab.py test    runs the lab's tests (tests/clab): the topology file's unit tests (test_topology.py),
                       the failover scenarios (test_lab.py) and the demo (test_demo.py, on its own copy) with
                       pytest on the lab; brings it up first and removes it afterwards (even on failure)
                       unless it was already up
    run_lab.py status  says whether the lab is up

--name NAME (or LAB_NAME) runs the topology under another lab name (containers clab-NAME-<node>), as
`containerlab deploy --name` does, so a second copy (the demo's) cannot collide with `make lab-test`.

Exit status: 0 on success, 1 on failure (the reason on stderr: e.g. why the docker engine cannot run),
pytest's status for `test`. Ctrl-C and SIGTERM clean up like a failure.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TESTS = REPO / "tests" / "clab"  # the lab's tests (test_topology.py, test_lab.py, test_demo.py)
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "fabric"))
sys.path.insert(0, str(REPO / "images" / "container"))
from util import LabError, install_sigterm_handler, wait_for  # noqa: E402
import build_image  # noqa: E402
import container_runner  # noqa: E402
import docker_engine  # noqa: E402
import topology as topology_file  # noqa: E402
from lab_nodes import Lab  # noqa: E402

TOPOLOGY = REPO / "images" / "clab" / "anycast.clab.yml"
PYTHON = "/usr/bin/python3"
# What the topology file sets up (see its header), for waiting and for the tests.
VIP = "203.0.113.10"
SPINE = "spine"
CLIENT = "client"
SITES = {  # site -> (leaf, the leaf's address on the spine link, {server: address})
    "A": ("leafA", "198.51.100.1", {"s1a": "192.0.2.2", "s2a": "192.0.2.6"}),
    "B": ("leafB", "198.51.100.3", {"s1b": "192.0.2.10", "s2b": "192.0.2.14"}),
}
CLIENT_ADDRESSES = [f"198.51.100.{i}" for i in range(130, 138)]
READY_TIMEOUT = 60


def log(msg):
    print(msg, flush=True)


def containerlab():
    return shutil.which("containerlab")


def is_up(topo):
    return container_runner.running(topo)


def wait_ready(topo):
    """Waits until the spine's two BGP sessions are Established and it routes the VIP through site A."""
    lab = Lab(topo)
    t0 = time.monotonic()
    wait_for(lambda: lab.bgp_established(SPINE, len(SITES)), READY_TIMEOUT,
             "the spine's BGP sessions to both leaves to be Established", interval=0.2)
    log(f"lab: BGP sessions Established after {time.monotonic() - t0:.1f}s")
    site_a = SITES["A"][1]
    wait_for(lambda: lab.route_gateways(SPINE, VIP), READY_TIMEOUT,
             f"the spine to route {VIP} through site A ({site_a})", until=lambda g: g == {site_a}, interval=0.2)
    log(f"lab: the spine routes {VIP} through site A after {time.monotonic() - t0:.1f}s")


def up(topo):
    """Brings the lab up; on any failure removes everything it created (the engine too, if it started it)."""
    t0 = time.monotonic()
    try:
        docker_engine.acquire(topo.name, log)
        build_image.ensure_image(log)
        if containerlab():
            log(f"lab: containerlab deploy -t {topo.path}")
            subprocess.run([containerlab(), "deploy", "--reconfigure", "-t", topo.path, "--name", topo.name],
                           check=True)
        else:
            log("lab: containerlab is not installed; bringing the topology up with images/clab/container_runner.py")
            container_runner.up(topo, log)
        wait_ready(topo)
    except BaseException:
        log("lab: bringing the lab up failed; removing everything it created")
        down(topo)
        raise
    log(f"lab: up in {time.monotonic() - t0:.0f}s; `docker exec -it clab-{topo.name}-spine vtysh`, "
        f"`make lab-test`, `make lab-down`")


def down(topo):
    if containerlab():
        subprocess.run([containerlab(), "destroy", "--cleanup", "-t", topo.path, "--name", topo.name], check=False)
    if docker_engine.engine_running():
        container_runner.down(topo, log)
    docker_engine.release(topo.name, log)


def test(topo, pytest_args):
    was_up = docker_engine.engine_running() and is_up(topo)
    if not was_up:
        up(topo)
    try:
        t0 = time.monotonic()
        rc = subprocess.run([PYTHON, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(TESTS / "test_topology.py"),
                             str(TESTS / "test_lab.py"),
                             str(TESTS / "test_demo.py"),
                             *pytest_args], env={**os.environ, "LAB_NAME": topo.name}).returncode
        log(f"lab: scenarios took {time.monotonic() - t0:.0f}s")
        return rc
    finally:
        if not was_up:
            down(topo)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("up", "down", "test", "status"))
    parser.add_argument("--topology", default=str(TOPOLOGY))
    parser.add_argument("--name", default=os.environ.get("LAB_NAME") or None,
                        help="lab name (default: the topology file's; env LAB_NAME)")
    parser.add_argument("pytest_args", nargs="*", help="after `test --`: passed to pytest")
    args = parser.parse_args()
    install_sigterm_handler()
    try:
        topo = topology_file.parse(args.topology, name=args.name)
        if args.action == "up":
            up(topo)
        elif args.action == "down":
            down(topo)
        elif args.action == "status":
            state = "up" if docker_engine.engine_running() and is_up(topo) else "down"
            log(f"lab {topo.name}: {state}")
        else:
            return test(topo, args.pytest_args)
    except (LabError, topology_file.TopologyError, AssertionError, subprocess.CalledProcessError) as exc:
        print(f"run_lab {args.action}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"run_lab {args.action}: interrupted", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
