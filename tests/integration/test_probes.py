"""The dns, icmp, https and exec checks end to end, in kernel mode on the namespace fabric: real servers from
Debian packages in the server namespaces (dnsmasq answering for a test name, nginx with certificates the test
makes with openssl in the fabric's run directory), ICMP echo to the servers, an exec script. For each check:
healthy servers form the VIP's kernel group; a failing one (service stopped, wrong answer, certificate not
trusted with verify on, script exits 1, script hangs past timeout_ms) leaves it.

Timing: probes every 200 ms, timeout 150 ms, rise 2, fall 2, so a server goes up or down within ~0.5 s; waits
poll with helpers.TIMEOUT. Extra daemons run in the foreground as the fabric's children, stopped by PID by the
test or, whatever happens, by the fabric's reset after the test.
"""
import re
import shlex
from pathlib import Path

import pytest

from fabric import VIP4, VIP6, run, wait_for
from helpers import wait_announced, wait_group

ALL = ("s1", "s2", "s3")
DNS_NAME = "svc.example.test"
DNS_ANSWER = "192.0.2.53"
SNI = "svc.example.test"
pytestmark = pytest.mark.skipif(not Path("/usr/sbin/dnsmasq").exists() or not Path("/usr/sbin/nginx").exists(),
                                reason="dnsmasq or nginx missing (tests/install-deps.sh installs them)")


def start(fab, *blocks):
    fab.start_anycastd(fab.config(*blocks))


def vip4(fab, probe, **kw):
    return fab.vip("web", VIP4, probe=probe, **kw)


def wait_logged(fab, text):
    return wait_for(fab.anycastd_log, 10, f"anycastd to log {text!r}", until=lambda log: text in log)


# ---- DNS ---------------------------------------------------------------------------------------------------

def start_dnsmasq(fab, name, answer=DNS_ANSWER):
    s = fab.server(name)
    cmd = ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
           "--user=root", "--group=root", "--bind-interfaces", f"--listen-address={s.v4}",
           "--except-interface=lo", "--port=53", f"--address=/{DNS_NAME}/{answer}",
           f"--pid-file={fab.rundir / name / 'dnsmasq.pid'}"]
    fab.start_daemon("dnsmasq", name, cmd, lambda: fab.listening(name, 53, udp=True) and fab.listening(name, 53),
                     "dnsmasq listening on port 53")


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_dns_check(fabric, transport):
    fab = fabric
    for name in ALL:
        start_dnsmasq(fab, name)
    start(fab, vip4(fab, f'dns {{ name: "{DNS_NAME}" type: "A" transport: {transport} '
                         f'expect_rcode: "NOERROR" expect_address: "{DNS_ANSWER}" }}'))
    wait_announced(fab, VIP4, ALL)
    fab.stop_daemon("dnsmasq", "s2")  # stopped: UDP port unreachable / TCP refused
    wait_group(fab, VIP4, ["s1", "s3"])
    start_dnsmasq(fab, "s2")
    wait_group(fab, VIP4, ALL)
    fab.stop_daemon("dnsmasq", "s3")
    start_dnsmasq(fab, "s3", answer="192.0.2.99")  # answers, but not with the expected address
    wait_group(fab, VIP4, ["s1", "s2"])
    wait_logged(fab, f"no answer {DNS_ANSWER} (1 answer: 192.0.2.99)")


# ---- ICMP --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("socket_kind", ["raw", "ping"])
def test_icmp_check(fabric, socket_kind):
    """Raw socket (the namespace's default ping_group_range "1 0" admits nobody), and the unprivileged ping
    socket once ping_group_range admits root's group."""
    fab = fabric
    sysctl = ["ip", "netns", "exec", fab.leaf, "sysctl", "-q", "-w"]
    ignore = "net.ipv4.icmp_echo_ignore_all"
    try:
        if socket_kind == "ping":
            run(sysctl + ["net.ipv4.ping_group_range=0 0"])
        start(fab, vip4(fab, "icmp { }"), fab.vip("web6", VIP6, probe="icmp { }"))
        wait_announced(fab, VIP4, ALL)
        wait_announced(fab, VIP6, ALL)
        fab.exec(fab.server("s1").ns, "sysctl", "-q", "-w", f"{ignore}=1")
        fab.exec(fab.server("s3").ns, "sysctl", "-q", "-w", "net.ipv6.icmp.echo_ignore_all=1")
        wait_group(fab, VIP4, ["s2", "s3"])
        wait_group(fab, VIP6, ["s1", "s2"])
        wait_logged(fab, "no echo reply within 150 ms")
        fab.exec(fab.server("s1").ns, "sysctl", "-q", "-w", f"{ignore}=0")
        wait_group(fab, VIP4, ALL)
    finally:
        run(sysctl + ["net.ipv4.ping_group_range=1 0"], check=False)
        for name in ALL:
            fab.exec(fab.server(name).ns, "sysctl", "-q", "-w", f"{ignore}=0", "net.ipv6.icmp.echo_ignore_all=0",
                     check=False)


# ---- HTTPS -------------------------------------------------------------------------------------------------

def make_certificates(d):
    """A CA, a server certificate for SNI signed by it, and a self-signed one for the same name (not trusted)."""
    d.mkdir(exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
    run(["openssl", "req", "-x509", *ec, "-subj", "/CN=anycastd test CA", "-keyout", d / "ca.key",
         "-out", d / "ca.pem"])
    run(["openssl", "req", *ec[:-2], "-subj", f"/CN={SNI}", "-keyout", d / "good.key", "-out", d / "good.csr"])
    (d / "san.ext").write_text(f"subjectAltName=DNS:{SNI}\n")
    run(["openssl", "x509", "-req", "-in", d / "good.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca.key",
         "-CAcreateserial", "-days", "1", "-extfile", d / "san.ext", "-out", d / "good.pem"])
    run(["openssl", "req", "-x509", *ec, "-subj", f"/CN={SNI}", "-addext", f"subjectAltName=DNS:{SNI}",
         "-keyout", d / "wrong.key", "-out", d / "wrong.pem"])
    return d


def start_nginx(fab, name, certs, cert="good"):
    d = fab.rundir / name / "nginx"
    d.mkdir(exist_ok=True)
    conf = d / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
user root;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 443 ssl;
    server_name {SNI};
    ssl_certificate {certs}/{cert}.pem;
    ssl_certificate_key {certs}/{cert}.key;
    location = /healthz {{ default_type text/plain; return 200 "ok from {name}\\n"; }}
  }}
}}
""")
    fab.start_daemon("nginx", name, ["nginx", "-p", d, "-e", d / "error.log", "-c", conf],
                     lambda: fab.listening(name, 443), "nginx listening on port 443")


def https_probe(certs, verify, body="ok from"):
    tls = f'verify: true ca_file: "{certs}/ca.pem"' if verify else "verify: false"
    return f'https {{ port: 443 path: "/healthz" expect_status: 200 sni: "{SNI}" {tls} expect_body: "{body}" }}'


def test_https_check_with_verification(fabric):
    fab = fabric
    certs = make_certificates(fab.rundir / "certs")
    for name in ALL:
        start_nginx(fab, name, certs)
    start(fab, vip4(fab, https_probe(certs, verify=True)))
    wait_announced(fab, VIP4, ALL)
    fab.stop_daemon("nginx", "s1")  # stopped: refused
    wait_group(fab, VIP4, ["s2", "s3"])
    fab.stop_daemon("nginx", "s2")
    start_nginx(fab, "s2", certs, cert="wrong")  # a certificate the CA did not sign
    wait_group(fab, VIP4, ["s3"])
    wait_logged(fab, "certificate verify failed: self-signed certificate")
    start_nginx(fab, "s1", certs)
    wait_group(fab, VIP4, ["s1", "s3"])


def test_https_check_without_verification(fabric):
    """Without verify any certificate passes; the handshake, status and body still must."""
    fab = fabric
    certs = make_certificates(fab.rundir / "certs")
    start_nginx(fab, "s1", certs, cert="wrong")
    start_nginx(fab, "s2", certs)
    start(fab, vip4(fab, https_probe(certs, verify=False), servers=["s1", "s2"]))
    wait_announced(fab, VIP4, ["s1", "s2"])


def test_http_expect_body(fabric):
    fab = fabric
    start(fab, vip4(fab, 'http { port: 80 path: "/healthz" expect_status: 200 expect_body: "ok" }'))
    wait_announced(fab, VIP4, ALL)
    (fab.rundir / "s2" / "www" / "healthz").write_text("degraded\n")  # still 200, wrong body
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_logged(fab, 'body does not contain "ok"')


# ---- exec --------------------------------------------------------------------------------------------------

# exec checks run as an unprivileged user; the package creates anycastd-check, this host need not have it,
# so the tests name nobody:nogroup (65534), which every Debian has.
AS_NOBODY = 'user: "nobody" group: "nogroup"'


def write_script(fab):
    # The program runs as nobody: it must reach the script (rundir is root's) and write its records.
    fab.rundir.chmod(0o711)
    d = fab.rundir / "exec"
    d.mkdir(exist_ok=True)
    d.chmod(0o1777)
    script = d / "check"
    script.write_text(f"""#!/bin/sh
# Test check: fails for a server marked fail-ADDR, hangs for one marked hang-ADDR; records its environment,
# who it runs as and its capabilities.
d={shlex.quote(str(d))}
echo "$ANYCASTD_VIP $ANYCASTD_VIP_NAME $ANYCASTD_SERVER_NAME $1" > "$d/env-$ANYCASTD_SERVER"
if [ ! -e "$d/id-$ANYCASTD_SERVER" ]; then
    {{ id -u; id -g; id -G; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; env | cut -d= -f1 | sort; }} \
        > "$d/id-$ANYCASTD_SERVER.tmp"
    mv "$d/id-$ANYCASTD_SERVER.tmp" "$d/id-$ANYCASTD_SERVER"
fi
[ -e "$d/fail-$ANYCASTD_SERVER" ] && {{ echo "marked failed"; exit 1; }}
[ -e "$d/hang-$ANYCASTD_SERVER" ] && {{ sleep 60 & echo $! > "$d/sleeper-$ANYCASTD_SERVER"; wait; }}
exit 0
""")
    script.chmod(0o755)
    return d, script


def test_exec_check(fabric):
    fab = fabric
    d, script = write_script(fab)
    # The daemon's own environment (here a variable of the test's; under systemd NOTIFY_SOCKET, WATCHDOG_*)
    # does not reach the program.
    # A timeout that leaves the loaded test machine room for the first run's few processes.
    fab.start_anycastd(fab.config(vip4(fab, f'exec {{ command: "{script}" args: ["--flag"] {AS_NOBODY} }}',
                                       interval_ms=1000, timeout_ms=700)),
                       env={"ANYCASTD_DAEMON_ONLY": "1"})
    wait_announced(fab, VIP4, ALL)
    s1, s2 = fab.server("s1").v4, fab.server("s2").v4
    assert (d / f"env-{s1}").read_text().split() == [VIP4, "web", "s1", "--flag"]
    ident = (d / f"id-{s1}").read_text().split("\n")
    assert ident[:3] == ["65534", "65534", "65534"], ident  # uid, gid, groups: nobody:nogroup only
    caps = dict(line.split(":\t") for line in ident[3:6])
    assert caps == {"CapBnd": "0000000000000000", "CapEff": "0000000000000000", "NoNewPrivs": "1"}, ident
    assert [v for v in ident[6:] if v and v != "PWD"] == [
        "ANYCASTD_SERVER", "ANYCASTD_SERVER_NAME", "ANYCASTD_VIP", "ANYCASTD_VIP_NAME", "PATH"], ident
    (d / f"fail-{s1}").touch()
    wait_group(fab, VIP4, ["s2", "s3"])
    wait_logged(fab, "exit status 1: marked failed")
    (d / f"fail-{s1}").unlink()
    wait_group(fab, VIP4, ALL)
    (d / f"hang-{s2}").touch()  # hangs past timeout_ms: killed with its process group
    wait_group(fab, VIP4, ["s1", "s3"])
    wait_logged(fab, "killed after 700 ms")
    sleeper = int(wait_for(lambda: (d / f"sleeper-{s2}").read_text().strip(), 5, "the hanging check's sleeper"))
    wait_for(lambda: not Path(f"/proc/{sleeper}").exists() or " Z " in Path(f"/proc/{sleeper}/stat").read_text(),
             5, f"the sleeper {sleeper} to be killed with its process group")
    (d / f"hang-{s2}").unlink()
    wait_group(fab, VIP4, ALL)


def test_an_exec_check_user_that_does_not_exist_is_refused_and_a_reload_keeps_the_running_config(fabric):
    fab = fabric
    d, script = write_script(fab)
    good = fab.config(vip4(fab, f'exec {{ command: "{script}" {AS_NOBODY} }}'))
    fab.start_anycastd(good)
    wait_announced(fab, VIP4, ALL)
    fab.reload_anycastd(good.replace('user: "nobody"', 'user: "anycastd-no-such-user"'))
    log = wait_for(fab.anycastd_log, 10, "the reload's refusal",
                   until=lambda t: "reload refused, the running config stays in force" in t)
    cfg = re.escape(str(fab.anycastd_config_path))
    assert re.search(cfg + r":\d+:\d+: user 'anycastd-no-such-user' does not exist", log), log[-2000:]
    assert fab.anycastd_running
    # Still checking as before: a failing server leaves, then returns.
    s1 = fab.server("s1").v4
    (d / f"fail-{s1}").touch()
    wait_group(fab, VIP4, ["s2", "s3"])
    (d / f"fail-{s1}").unlink()
    wait_group(fab, VIP4, ALL)
