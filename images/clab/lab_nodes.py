"""Looking into and acting on a running lab's nodes through `docker exec` (works the same whether containerlab or
the lab's runner brought the topology up): BGP session states and routes, the leaves' VIP next hops,
anycastctl and anycastd's log on a leaf, the servers' web services, and HTTP requests from the client with chosen source addresses and ports.

Lab(topology) holds no state beyond the topology; each call runs one command and parses its output. Errors:
LabError for a failing command.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fabric"))
from util import LabError, run, wait_for  # noqa: E402
from docker_engine import docker  # noqa: E402

INIT = "/usr/sbin/anycastd-switch-init"
PID_DIR = "/run/switch-init"

# Runs in the client container: one HTTP/1.0 GET per (source address, source port), answered with the body
# (index.html names the server) or the error. The source is bound explicitly, so a flow is the same 5-tuple
# every time it is asked for.
_FETCH = r"""
import json, socket, sys
vip, port, flows = json.loads(sys.argv[1])
out = {}
for src, sport in flows:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(1.0)
    try:
        s.bind((src, sport))
        s.connect((vip, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        body = data.split(b"\r\n\r\n", 1)[-1].decode().strip()
        out[f"{src}:{sport}"] = body.split()[-1] if body.startswith("served by ") else "bad answer: " + body[:60]
    except OSError as exc:
        out[f"{src}:{sport}"] = "error: " + (exc.strerror or type(exc).__name__)
    finally:
        s.close()
print(json.dumps(out))
"""


class Lab:
    def __init__(self, topology):
        self.topology = topology

    def container(self, node):
        return self.topology.node(node).container

    def exec(self, node, *argv, check=True, timeout=20):
        return run([docker(), "exec", self.container(node), *argv], check=check, timeout=timeout)

    # ---- BGP and routes ------------------------------------------------------------------------------------
    def bgp_peers(self, node):
        """{peer address: state} of the node's IPv4 unicast BGP sessions."""
        doc = json.loads(self.exec(node, "vtysh", "-c", "show bgp ipv4 unicast summary json").stdout or "{}")
        peers = doc.get("ipv4Unicast", doc).get("peers", {})
        return {addr: p.get("state") for addr, p in peers.items()}

    def bgp_established(self, node, count):
        states = self.bgp_peers(node)
        return len(states) == count and all(s == "Established" for s in states.values())

    def route_gateways(self, node, prefix, proto=None):
        """The gateways of the node's kernel route for prefix, of protocol proto if given (empty: no route)."""
        args = ["ip", "-j", "route", "show", prefix] + (["proto", str(proto)] if proto is not None else [])
        routes = json.loads(self.exec(node, *args).stdout or "[]")
        gws = set()
        for r in routes:
            if "gateway" in r:
                gws.add(r["gateway"])
            for nh in r.get("nexthops", []):
                gws.add(nh["gateway"])
            if "nhid" in r:
                gws |= self.nexthop_gateways(node, r["nhid"])
        return frozenset(gws)

    def nexthop_gateways(self, node, nhid):
        """The gateways of nexthop object nhid (a group's members, or the object itself)."""
        nhs = {nh["id"]: nh for nh in json.loads(self.exec(node, "ip", "-j", "nexthop", "list").stdout or "[]")}
        top = nhs.get(nhid, {})
        members = [nhs.get(m["id"], {}) for m in top.get("group", [])] or [top]
        return {m["gateway"] for m in members if "gateway" in m}

    # ---- anycastd on a leaf --------------------------------------------------------------------------------
    def ctl(self, node, *args, check=True):
        """anycastctl's output on the node (the image installs it in /usr/bin)."""
        return self.exec(node, "anycastctl", *args, check=check).stdout

    def anycastd_running(self, node):
        return self.exec(node, "sh", "-c", f"kill -0 $(cat {PID_DIR}/anycastd.pid)", check=False).returncode == 0

    def log_lines(self, node, since):
        """The lines the node's container logged since the Unix time since (anycastd logs to its stderr)."""
        p = run([docker(), "logs", "--since", f"{since:.3f}", self.container(node)])
        return (p.stdout + p.stderr).splitlines()

    # ---- the servers' web services -------------------------------------------------------------------------
    def service_command(self, node):
        """The node's service command: its container command after the init."""
        cmd = json.loads(run([docker(), "inspect", "-f", "{{json .Config.Cmd}}", self.container(node)]).stdout)
        if not cmd or cmd[0] != INIT or len(cmd) < 2:
            raise LabError(f"{node} runs no service under {INIT}: {cmd}")
        return cmd[1:]

    def service_running(self, node):
        p = self.exec(node, "sh", "-c", f"kill -0 $(cat {PID_DIR}/cmd.pid)", check=False)
        return p.returncode == 0

    def stop_service(self, node):
        """Stops the node's service (its web server) and waits until the process is gone."""
        self.exec(node, "sh", "-c", f"kill $(cat {PID_DIR}/cmd.pid)")
        wait_for(lambda: not self.service_running(node), 10, f"{node}'s service to stop")

    def start_service(self, node):
        """Starts the node's service again (as the init did) and waits until it accepts connections."""
        if self.service_running(node):
            return
        cmd = " ".join(self.service_command(node))
        run([docker(), "exec", "-d", self.container(node), "sh", "-c",
             f"echo $$ > {PID_DIR}/cmd.pid; exec {cmd}"])
        probe = "import socket; socket.create_connection(('127.0.0.1', 80), 1).close()"
        wait_for(lambda: self.exec(node, "python3", "-c", probe, check=False).returncode == 0, 10,
                 f"{node}'s web server to listen")

    # ---- the client ----------------------------------------------------------------------------------------
    def fetch(self, node, vip, flows, port=80):
        """{"src:sport": server name or "error: ..."} for one GET per flow (source address, source port)."""
        arg = json.dumps([vip, port, [list(f) for f in flows]])
        return json.loads(self.exec(node, "python3", "-c", _FETCH, arg, timeout=60).stdout)
