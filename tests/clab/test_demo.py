"""`make demo` run non-interactively (images/clab/demo.py with DEMO_PAUSE=0) under its own lab name, next to
the lab that `make lab-test` brought up: the story's six steps are told, the run ends with the clean-up
message, and nothing of the demo's lab is left (containers, netns names, temporary links), while the test
lab is untouched. About 30 s warm (lab up ~15 s, story ~10 s, clean-up ~3 s).
"""
import os
import subprocess

import run_lab  # images/clab and tests/fabric are on sys.path: conftest.py
import container_runner
import topology as topology_file
from util import netns_list

NAME = "anycastd-demo-test"
STEPS = ("the fabric", "the client's view", "a server fails at site A", "the whole of site A fails",
         "recovery", "a drain")
RUN_TIMEOUT = 300


def test_the_demo_tells_every_step_and_leaves_nothing_behind():
    test_lab = topology_file.parse(run_lab.TOPOLOGY, name=os.environ.get("LAB_NAME") or None)
    was_up = run_lab.is_up(test_lab)
    p = subprocess.run([run_lab.PYTHON, str(run_lab.HERE / "demo.py"), "--pause", "0", "--name", NAME],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT, env={**os.environ, "NO_COLOR": "1"})
    out = p.stdout + p.stderr
    assert p.returncode == 0, f"demo exited {p.returncode}:\n{out}"
    for i, title in enumerate(STEPS, 1):
        assert f"== Step {i}: {title}" in out, f"step {i} ({title}) missing:\n{out}"
    assert "only s1a's flows moved" in out and "served by site B after" in out, out
    assert out.rstrip().splitlines()[-1].endswith("demo: clean-up done: no container, link or namespace of "
                                                  "the demo is left"), out

    demo = topology_file.parse(run_lab.TOPOLOGY, name=NAME)
    assert container_runner.containers(NAME) == [], "the demo's containers are still there"
    names = {node.container for node in demo.nodes.values()}
    assert not names & set(netns_list()), "the demo's netns names are still there"
    assert not [link for link in container_runner.temporary_links() if f"acdl{p.pid}." in link], \
        "the demo's temporary links are still there"
    assert run_lab.is_up(test_lab) == was_up, "the demo disturbed the test lab"
