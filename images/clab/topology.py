"""A containerlab topology file (.clab.yml) read into plain values, for the lab's runner and tests.

Understands the part of containerlab's format the lab uses: `name`; `topology.defaults` and
`topology.kinds.<kind>` merged under each node (node > kind > defaults, as containerlab does); per node
`kind` (only `linux`), `image`, `cmd`, `binds` (host paths relative to the topology file's folder, as
containerlab resolves them), `exec`, `network-mode`; `topology.links[].endpoints: ["node:ifname", ...]`.
Containers are named `clab-<lab>-<node>`, containerlab's default prefix; parse(path, name=...) gives the lab
another name (as `containerlab deploy --name` does), so two copies of a topology can run side by side.

Pure: parse() takes the file's path and returns a Topology, raising TopologyError for what containerlab
would refuse (unknown nodes in links, an interface used twice, a kind other than linux, missing image).
"""
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUPPORTED_KINDS = ("linux",)


class TopologyError(ValueError):
    """The topology file is not one the runner can bring up (the message says what and where)."""


@dataclass(frozen=True)
class Node:
    name: str
    container: str          # clab-<lab>-<node>
    image: str
    cmd: tuple = ()         # the container's command (empty: the image's)
    binds: tuple = ()       # (host path, container path, options) with the host path resolved
    exec: tuple = ()        # commands run in the node once its links are wired, each an argv
    network_mode: str = "none"


@dataclass(frozen=True)
class Link:
    a: str
    a_if: str
    b: str
    b_if: str


@dataclass(frozen=True)
class Topology:
    name: str
    path: Path
    nodes: dict = field(default_factory=dict)  # name -> Node, in file order
    links: tuple = ()

    def node(self, name):
        return self.nodes[name]


def _bind(spec, base, where):
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise TopologyError(f"{where}: bind '{spec}' is not HOST:CONTAINER[:OPTIONS]")
    host = Path(parts[0]) if Path(parts[0]).is_absolute() else (base / parts[0]).resolve()
    if not host.exists():
        raise TopologyError(f"{where}: bind source {host} does not exist")
    return (str(host), parts[1], parts[2] if len(parts) == 3 else "")


def _endpoint(text, nodes, where):
    node, sep, ifname = str(text).partition(":")
    if not sep or not ifname:
        raise TopologyError(f"{where}: endpoint '{text}' is not NODE:INTERFACE")
    if node not in nodes:
        raise TopologyError(f"{where}: endpoint '{text}' names no node of the topology")
    if len(ifname) > 15:
        raise TopologyError(f"{where}: interface name '{ifname}' is longer than 15 characters")
    return node, ifname


def parse(path, name=None):
    """The topology in path; name (if given) replaces the file's lab name."""
    path = Path(path).resolve()
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict) or not doc.get("name") or "topology" not in doc:
        raise TopologyError(f"{path}: needs 'name' and 'topology'")
    lab = str(name or doc["name"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", lab):
        raise TopologyError(f"{path}: lab name '{lab}' is not a valid container name part")
    topo = doc["topology"] or {}
    defaults = topo.get("defaults") or {}
    kinds = topo.get("kinds") or {}
    nodes = {}
    for name, spec in (topo.get("nodes") or {}).items():
        spec = spec or {}
        kind = spec.get("kind", defaults.get("kind"))
        merged = {**defaults, **(kinds.get(kind) or {}), **spec}
        where = f"{path.name}: node {name}"
        if kind not in SUPPORTED_KINDS:
            raise TopologyError(f"{where}: kind '{kind}' is not supported (only {', '.join(SUPPORTED_KINDS)})")
        if not merged.get("image"):
            raise TopologyError(f"{where}: no image")
        cmd = merged.get("cmd") or ()
        nodes[name] = Node(
            name=name, container=f"clab-{lab}-{name}", image=merged["image"],
            cmd=tuple(shlex.split(cmd) if isinstance(cmd, str) else cmd),
            binds=tuple(_bind(b, path.parent, where) for b in merged.get("binds") or ()),
            exec=tuple(tuple(shlex.split(c)) for c in merged.get("exec") or ()),
            network_mode=merged.get("network-mode", "none"))
    links, used = [], set()
    for i, link in enumerate(topo.get("links") or ()):
        where = f"{path.name}: link {i + 1}"
        eps = (link or {}).get("endpoints") or ()
        if len(eps) != 2:
            raise TopologyError(f"{where}: needs exactly two endpoints")
        (a, a_if), (b, b_if) = (_endpoint(e, nodes, where) for e in eps)
        for ep in ((a, a_if), (b, b_if)):
            if ep in used:
                raise TopologyError(f"{where}: {ep[0]}:{ep[1]} is used by another link")
            used.add(ep)
        links.append(Link(a, a_if, b, b_if))
    return Topology(name=lab, path=path, nodes=nodes, links=tuple(links))
