"""The packaged unit's sandbox, run for real: a Debian 12 root with systemd, FRR and the servers' tools
(tests/fabric/bookworm_root.py `ensure_systemd_root`, built once and cached) boots with systemd as PID 1 in
systemd-nspawn; the package from `make deb` is installed with dpkg; anycastd then runs as the unit
images/systemd/anycastd.service starts it (ProtectSystem=strict, the capability bounding set, the syscall
filter, RestrictAddressFamilies, ...), in kernel mode and in zebra mode (zebra under the root's own
frr.service), with every check kind against real servers.

Inside the container (its own network namespace): a veth `h0` (192.0.2.1/24) to the namespace `srv`, where
three servers answer on 192.0.2.2, .3 and .4: TCP and HTTP (python3 -m http.server), HTTPS (openssl
s_server), DNS (dnsmasq) and ICMP; the exec check is a root-owned script that fails while a file names the
server. Each test starts from a stopped anycastd with a config it writes, and asserts what an operator sees:
the kernel's route and nexthop objects, zebra's RIB (vtysh), `anycastctl` run as a member of control_group.

The container boots with --volatile=overlay (the cached root stays unchanged; every change is a tmpfs that
goes with the container) and --private-network. Teardown: SIGTERM to systemd-nspawn (an orderly shutdown of
the container), SIGKILL to it and to the container's PID 1 if that has not ended within 60 s.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fabric"))
import bookworm_root  # noqa: E402
from frr_root import FrrRootError  # noqa: E402

from conftest import require_root  # noqa: E402

VIP = "203.0.113.10"
SERVERS = {"s1": "192.0.2.2", "s2": "192.0.2.3", "s3": "192.0.2.4"}
CHECK_SCRIPT = "/usr/local/sbin/check-not-marked"
MARK_DIR = "/etc/anycastd-test"  # readable under ProtectSystem=strict; the exec check looks for marks here
BOOT_DEADLINE_S = 120
STOP_DEADLINE_S = 60


def wait_for(what, probe, deadline_s=60.0, interval_s=0.2, shown=None):
    """Polls probe() until it returns something true and returns that; fails naming `what` and the last
    value (or shown(), when given) otherwise."""
    end = time.monotonic() + deadline_s
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline_s:.0f}s waiting for {what}; "
                        f"last: {shown() if shown else last!r}")
        time.sleep(interval_s)


class Container:
    """A booted systemd-nspawn container and a way to run commands in it (nsenter into every namespace of
    its PID 1)."""

    def __init__(self, root, build_dir, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "--boot", f"--directory={root}", "--volatile=overlay", "--private-network",
             f"--machine=anycastd-sandbox-{os.getpid()}", "--register=no", "--keep-unit", "--console=passive",
             f"--bind-ro={build_dir}:/srv/build"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.leader = None

    def _find_leader(self):
        if self.nspawn.poll() is not None:
            pytest.fail(f"systemd-nspawn exited {self.nspawn.returncode}:\n{Path(self.log_path).read_text()}")
        try:
            children = Path(f"/proc/{self.nspawn.pid}/task/{self.nspawn.pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def boot(self):
        self.leader = wait_for("the container's PID 1", self._find_leader, BOOT_DEADLINE_S)

        def booted():
            state = self.run("systemctl is-system-running", check=False).stdout.strip()
            return state in ("running", "degraded") and state

        state = wait_for("systemd in the container to finish booting", booted, BOOT_DEADLINE_S)
        if state == "degraded":
            pytest.fail("the container booted degraded: " + self.run("systemctl --failed --no-legend").stdout)

    def run(self, script, check=True, timeout=120):
        p = subprocess.run(["nsenter", "-t", str(self.leader), "-a", "sh", "-ec", script],
                           capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and p.returncode != 0:
            pytest.fail(f"in the container: `{script}` exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p

    def close(self):
        if self.nspawn.poll() is None:
            self.nspawn.send_signal(signal.SIGTERM)  # an orderly shutdown of the container
            try:
                self.nspawn.wait(STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait(10)
        if self.leader:  # the container's PID 1 takes its PID namespace with it
            try:
                os.kill(self.leader, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


SETUP = f"""
ip link set lo up
ip netns add srv
ip link add h0 type veth peer name s0
ip link set s0 netns srv
ip addr add 192.0.2.1/24 dev h0
ip link set h0 up
ip -n srv link set lo up
for a in {' '.join(SERVERS.values())}; do ip -n srv addr add $a/24 dev s0; done
ip -n srv link set s0 up
ip -n srv route add default via 192.0.2.1
mkdir -p /srv/www {MARK_DIR}
echo ok > /srv/www/healthz
openssl req -x509 -newkey rsa:2048 -nodes -keyout /srv/key.pem -out /srv/cert.pem -days 2 \\
  -subj /CN=web.example -addext subjectAltName=DNS:web.example 2>/dev/null
systemd-run -q --unit=srv-http ip netns exec srv python3 -m http.server -d /srv/www 80
systemd-run -q --unit=srv-https ip netns exec srv openssl s_server -quiet -accept 443 -www \\
  -cert /srv/cert.pem -key /srv/key.pem
systemd-run -q --unit=srv-dns ip netns exec srv dnsmasq --no-daemon --no-resolv --no-hosts --port 53 \\
  --address=/web.example/192.0.2.2
printf '#!/bin/sh\\n# healthy unless {MARK_DIR}/down-NAME exists\\n[ ! -e "{MARK_DIR}/down-$ANYCASTD_SERVER_NAME" ]\\n' \\
  > {CHECK_SCRIPT}
chmod 755 {CHECK_SCRIPT}
groupadd netops
useradd --no-create-home -G netops op
useradd --no-create-home guest
dpkg -i /srv/build/$DEB
"""


@pytest.fixture(scope="module")
def box(deb):
    """The booted container with the package installed and the servers answering."""
    require_root()
    try:
        root = bookworm_root.ensure_systemd_root()
    except FrrRootError as exc:
        pytest.fail(f"cannot build the systemd root: {exc}")
    with tempfile.TemporaryDirectory(prefix="anycastd-sandbox-") as tmp:
        c = Container(root, deb.parent, Path(tmp) / "nspawn.log")
        try:
            c.boot()
            c.run(SETUP.replace("$DEB", deb.name))
            for unit in ("srv-http", "srv-https", "srv-dns"):
                wait_for(f"{unit} in the container", lambda u=unit: c.run(
                    f"systemctl is-active {u}", check=False).returncode == 0)
            yield c
        finally:
            c.close()


def config(dataplane, servers=("s1", "s2")):
    checks = "\n".join(f"  check {{ {kind} interval_ms: 500 timeout_ms: 400 rise: 2 fall: 2 }}" for kind in (
        "tcp { port: 80 }",
        'http { port: 80 path: "/healthz" expect_status: 200 }',
        'https { port: 443 path: "/" sni: "web.example" verify: true ca_file: "/srv/cert.pem" }',
        'dns { name: "web.example" expect_address: "192.0.2.2" }',
        "icmp { }",
        f'exec {{ command: "{CHECK_SCRIPT}" }}'))
    server_lines = "\n".join(f'  server {{ name: "{s}" address: "{SERVERS[s]}" }}' for s in servers)
    return f"""dataplane {{ {dataplane} }}
control_socket: "/run/anycastd/anycastd.sock"
control_group: "netops"
vip {{
  name: "web"
  prefix: "{VIP}/32"
{checks}
{server_lines}
}}
"""


KERNEL = "kernel { route_protocol: 200 }"
ZEBRA = 'zebra { socket: "/run/frr/zserv.api" table_instance: 100 frr_release: "auto" }'


@pytest.fixture
def sandbox(box):
    """The container with anycastd stopped, no VIP route and no mark; stops anycastd again afterwards."""
    def reset():
        box.run(f"systemctl stop anycastd; systemctl reset-failed anycastd anycastd-withdraw 2>/dev/null || true; "
                f"rm -f {MARK_DIR}/down-*; ip route del {VIP}/32 2>/dev/null || true")
    reset()
    yield box
    reset()


def start(box, text):
    box.run(f"cat > /etc/anycastd/anycastd.conf <<'EOF'\n{text}EOF\nsystemctl start anycastd")


def kernel_next_hops(box):
    """The gateways of the VIP's kernel route and the route's protocol, e.g. ({'192.0.2.2'}, 'anycastd')."""
    out = box.run(f"ip -j -d route show {VIP}/32", check=False).stdout.strip()
    routes = json.loads(out) if out.startswith("[") else []
    if not routes:
        return set(), None
    r = routes[0]
    hops = {h["gateway"] for h in r.get("multipath", [])} or ({r["gateway"]} if "gateway" in r else set())
    if not hops and "nhid" in r:  # a nexthop object: its group's members
        hops = group_gateways(box, r["nhid"])
    return hops, r.get("protocol")


def group_gateways(box, nhid):
    nh = json.loads(box.run(f"ip -j nexthop show id {nhid}").stdout)[0]
    if "group" not in nh:
        return {nh["gateway"]}
    hops = set()
    for member in nh["group"]:
        hops |= group_gateways(box, member["id"])
    return hops


def wait_route(box, expected, protocol):
    want = ({SERVERS[s] for s in expected}, protocol)
    wait_for(f"the VIP's route via {sorted(want[0])} (protocol {protocol})",
             lambda: kernel_next_hops(box) == want, shown=lambda: kernel_next_hops(box))


def wait_no_route(box):
    wait_for("no route to the VIP", lambda: kernel_next_hops(box)[0] == set(), shown=lambda: kernel_next_hops(box))


def ctl(box, user, args, check=True):
    return box.run(f"runuser -u {user} -- anycastctl {args}", check=check)


def checks_up(box, servers):
    """True when `anycastctl --json show checks` (as an operator) shows six checks UP for each of `servers`."""
    try:
        reply = json.loads(ctl(box, "op", "--json show checks web", check=False).stdout)
    except json.JSONDecodeError:
        return False
    up = {}

    def walk(node):  # every ServerStatus in the reply: {"name": ..., "checks": [{"health": "UP"}, ...]}
        if isinstance(node, dict):
            if "checks" in node and "name" in node:
                up[node["name"]] = sum(c.get("health") == "UP" for c in node["checks"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(reply)
    return all(up.get(s) == 6 for s in servers) and up


def test_every_check_kind_runs_under_the_packaged_unit_in_kernel_mode(sandbox):
    start(sandbox, config(KERNEL))
    assert sandbox.run("systemctl is-active anycastd").stdout.strip() == "active"  # READY=1 reached
    wait_route(sandbox, ["s1", "s2"], "anycastd")
    assert checks_up(sandbox, ["s1", "s2"]), ctl(sandbox, "op", "show checks web").stdout

    # The exec check runs and its verdict moves the route: s2 marked down leaves the group, then returns.
    sandbox.run(f"touch {MARK_DIR}/down-s2")
    wait_route(sandbox, ["s1"], "anycastd")
    sandbox.run(f"rm {MARK_DIR}/down-s2")
    wait_route(sandbox, ["s1", "s2"], "anycastd")

    # The TCP/HTTP server stops: every server fails its tcp and http checks and the VIP is withdrawn.
    sandbox.run("systemctl stop srv-http")
    try:
        wait_no_route(sandbox)
    finally:
        sandbox.run("systemctl start srv-http 2>/dev/null || systemd-run -q --unit=srv-http "
                    "ip netns exec srv python3 -m http.server -d /srv/www 80")
    wait_route(sandbox, ["s1", "s2"], "anycastd")


def test_reload_drain_and_stop_under_the_packaged_unit(sandbox):
    start(sandbox, config(KERNEL))
    wait_route(sandbox, ["s1", "s2"], "anycastd")

    # systemctl reload (SIGHUP) applies a new server.
    sandbox.run(f"cat > /etc/anycastd/anycastd.conf <<'EOF'\n{config(KERNEL, ('s1', 's2', 's3'))}EOF\n"
                "systemctl reload anycastd")
    wait_route(sandbox, ["s1", "s2", "s3"], "anycastd")

    # A member of control_group drains and undrains through the socket; another user is refused.
    refused = ctl(sandbox, "guest", "drain vip web", check=False)
    assert refused.returncode != 0, refused.stdout
    assert "permission denied" in (refused.stdout + refused.stderr).lower(), refused.stderr
    ctl(sandbox, "op", "drain vip web --reason T-1")
    wait_no_route(sandbox)
    assert "T-1" in ctl(sandbox, "op", "show vip web").stdout
    ctl(sandbox, "op", "undrain vip web")
    wait_route(sandbox, ["s1", "s2", "s3"], "anycastd")

    # systemctl stop withdraws: no route, no nexthop object of the agent's left.
    sandbox.run("systemctl stop anycastd")
    assert kernel_next_hops(sandbox)[0] == set()
    assert "proto anycastd" not in sandbox.run("ip nexthop show").stdout
    journal = sandbox.run("journalctl -u anycastd --no-pager -o cat").stdout
    assert "withdrawn" in journal, journal[-2000:]


def test_zebra_mode_under_the_packaged_unit(sandbox):
    """zebra's API socket belongs to user frr; the unit's CAP_DAC_OVERRIDE lets the agent connect."""
    start(sandbox, config(ZEBRA))
    wait_route(sandbox, ["s1", "s2"], "zebra")

    def zebra_rib():
        out = sandbox.run(f"vtysh -c 'show ip route {VIP}/32 json'", check=False).stdout
        entries = json.loads(out or "{}").get(f"{VIP}/32", [])
        return [e for e in entries if e.get("protocol") == "table" and e.get("installed")]

    wait_for("zebra's table route for the VIP", zebra_rib)
    sandbox.run(f"touch {MARK_DIR}/down-s1")
    wait_route(sandbox, ["s2"], "zebra")
    sandbox.run("systemctl stop anycastd")
    wait_no_route(sandbox)
    assert not zebra_rib()
