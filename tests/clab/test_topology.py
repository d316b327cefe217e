"""Unit tests of the lab's topology reader (topology.py) and of the lab's files: the real .clab.yml parses into
what the runner needs, the reader refuses what containerlab would, and every address in images/clab lies in
the documentation ranges. Pure: no root, no docker. `make lab-test` runs them before the scenarios;
`/usr/bin/python3 -m pytest tests/clab/test_topology.py` runs them alone.
"""
import ipaddress
import re
from pathlib import Path

import pytest

import topology  # images/clab is on sys.path: conftest.py

CLAB = Path(topology.__file__).resolve().parent  # images/clab
TOPOLOGY = CLAB / "anycast.clab.yml"
ALLOWED = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def test_the_lab_topology_parses():
    t = topology.parse(TOPOLOGY)
    assert t.name == "anycast"
    assert set(t.nodes) == {"spine", "leafA", "leafB", "s1a", "s2a", "s1b", "s2b", "client"}
    assert all(n.image == "anycastd-switch:latest" and n.network_mode == "none" for n in t.nodes.values())
    assert t.node("leafA").container == "clab-anycast-leafA"
    assert ("spine", "eth1", "leafA", "eth1") in [(x.a, x.a_if, x.b, x.b_if) for x in t.links]
    assert len(t.links) == 7
    binds = {target: host for host, target, _ in t.node("leafB").binds}
    assert Path(binds["/etc/anycastd/anycastd.conf"]) == CLAB / "nodes/leafB/anycastd.conf"
    assert t.node("s1a").cmd[:2] == ("/usr/sbin/anycastd-switch-init", "anycastd-lab-http")
    assert t.node("client").exec[0][:2] == ("sh", "-c")  # quoted shell commands stay one argument
    assert t.node("spine").exec[0] == ("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")


def test_every_address_of_the_lab_is_a_documentation_address():
    pattern = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7})(?:/\d+)?(?![\w.])")
    seen = 0
    for f in [TOPOLOGY, *sorted((CLAB / "nodes").rglob("*.conf"))]:
        for text in pattern.findall(f.read_text()):
            try:
                addr = ipaddress.ip_address(text)
            except ValueError:
                continue
            seen += 1
            if addr.is_unspecified:  # 0.0.0.0: the web server's bind address
                continue
            assert any(addr in net for net in ALLOWED), f"{f.name}: {addr} is outside the lab's ranges"
    assert seen > 20


def write(tmp_path, text):
    (tmp_path / "conf").write_text("x\n")
    f = tmp_path / "t.clab.yml"
    f.write_text(text)
    return f


NODES = """
name: t
topology:
  defaults: {kind: linux, image: img}
  nodes:
    a: {binds: ["conf:/etc/conf:ro"]}
    b: {}
"""


@pytest.mark.parametrize("links,message", [
    ('[{endpoints: ["a:eth1", "c:eth1"]}]', "names no node"),
    ('[{endpoints: ["a:eth1", "b:eth1"]}, {endpoints: ["a:eth1", "b:eth2"]}]', "used by another link"),
    ('[{endpoints: ["a:eth1"]}]', "exactly two endpoints"),
    ('[{endpoints: ["a", "b:eth1"]}]', "NODE:INTERFACE"),
])
def test_bad_links_are_refused(tmp_path, links, message):
    with pytest.raises(topology.TopologyError, match=message):
        topology.parse(write(tmp_path, NODES + f"  links: {links}\n"))


def test_bind_sources_resolve_next_to_the_file_and_must_exist(tmp_path):
    t = topology.parse(write(tmp_path, NODES))
    assert t.node("a").binds == ((str(tmp_path / "conf"), "/etc/conf", "ro"),)
    with pytest.raises(topology.TopologyError, match="does not exist"):
        topology.parse(write(tmp_path, NODES.replace("conf:/etc", "missing:/etc")))


def test_other_kinds_and_missing_images_are_refused(tmp_path):
    with pytest.raises(topology.TopologyError, match="kind 'srl'"):
        topology.parse(write(tmp_path, NODES.replace("b: {}", "b: {kind: srl}")))
    with pytest.raises(topology.TopologyError, match="no image"):
        topology.parse(write(tmp_path, NODES.replace("image: img", "image: ''")))
