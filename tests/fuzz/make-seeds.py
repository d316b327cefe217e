#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/NAME/ (checked in; rerun after a
wire format changes). Each seed is a valid input the target's input format expects (see the target's
header comment):
  config   examples/*.conf are passed to the fuzzer directly (run-fuzzers.sh); here a few more shapes
  zapi     [release pick, chunking] + zebra's side of a session: the golden messages of
           tests/unit/zapi_golden_test.cpp, and ERROR/CAPABILITIES/ROUTE_NOTIFY_OWNER conversations
  control  [chunking] + framed control requests (show, drain, undrain, reload, show config)
  probe    servers' answers: DNS responses, HTTP responses (Content-Length, chunked, close-delimited),
           ICMP echo replies (IPv4 with and without the IP header, IPv6)
  netlink  datagrams captured from the kernel in a scratch network namespace (dumps of routes, nexthop
           objects, links, neighbours; notifications; an error ACK). Needs root (`ip netns`).
"""
import os
import re
import socket
import struct
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fuzz" / "corpus"


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(bytes(data))


# ---- zapi -------------------------------------------------------------------------------------------------
AUTO = 7  # byte 0 % 8 == 7: detect the release (0..6: kAllFrrReleases)
RELEASES = ["8.4", "8.5", "9.0", "9.1", "10.0", "10.1", "10.2"]


def zmsg(cmd, body):
    return struct.pack(">HBBIH", 10 + len(body), 0xFE, 6, 0, cmd) + bytes(body)


def zerror(cmd):
    return zmsg(cmd, struct.pack("<I", 2))  # ZEBRA_INVALID_MSG_TYPE, host order


def zcaps(cmd, v6=None, gr=None):
    body = bytes([0, 0, 0, 0, 1, 0, 0, 0, 64, 0])
    if v6 is not None:
        body += bytes([v6])
    if gr is not None:
        body += bytes([gr])
    return zmsg(cmd, body)


def znotify(cmd, note=2, src=False, v6=False):
    body = struct.pack("<I", note)
    if v6:
        body += bytes([10, 128]) + bytes.fromhex("20010db8000000000000000000000010")
    else:
        body += bytes([2, 32, 203, 0, 113, 10])
    if src:
        body += bytes([0]) + bytes(16 if v6 else 4)
    body += struct.pack(">I", 254) + bytes([1, 1])
    return zmsg(cmd, body)


def zapi_seeds():
    text = (REPO / "tests" / "unit" / "zapi_golden_test.cpp").read_text()
    for m in re.finditer(r"const Bytes (k\w+) = \{(.*?)\};", text, re.S):
        body = re.sub(r"//[^\n]*", "", m.group(2))
        items = [t.strip() for t in body.split(",") if t.strip()]
        if not all(re.fullmatch(r"0x[0-9a-fA-F]{1,2}|\d+", t) for t in items):
            continue  # built from macros
        msg = bytes(int(t, 0) for t in items)
        for pick in range(len(RELEASES)):
            write("zapi", f"golden-{m.group(1)}-{RELEASES[pick]}", bytes([pick, 0]) + msg)
    sessions = {
        "session-auto-8.4": (AUTO, zerror(118) + zcaps(19) + znotify(10) + znotify(10, note=3)),
        "session-auto-9.1": (AUTO, zerror(117) + zcaps(19, v6=1) + znotify(10, v6=True)),
        "session-auto-10.0": (AUTO, zerror(118) + zerror(118) + zcaps(20, v6=1) + znotify(11)),
        "session-auto-10.2": (AUTO, zerror(120) + zcaps(20, v6=1, gr=1) + znotify(11, src=True)),
        "session-8.4-chunked": (0, zerror(118) + zcaps(19) + znotify(10, note=0)),
        "session-10.2-up-error": (6, zerror(120) + zcaps(20, v6=0, gr=1) + znotify(11, src=True, v6=True)
                                  + zerror(120)),
        "session-9.0-wrong": (2, zerror(120)),
    }
    for name, (pick, stream) in sessions.items():
        write("zapi", name, bytes([pick, 5 if "chunked" in name else 0]) + stream)


# ---- control ----------------------------------------------------------------------------------------------
def pb_bytes(field, payload):
    return bytes([field << 3 | 2]) + varint(len(payload)) + payload


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def frame(payload):
    return varint(len(payload)) + payload


def control_seeds():
    s = lambda t: t.encode()  # noqa: E731
    show_all = pb_bytes(1, b"")
    show_web = pb_bytes(1, pb_bytes(1, s("web")))
    drain_vip = pb_bytes(2, pb_bytes(1, s("web")) + pb_bytes(3, s("maintenance")))
    drain_server = pb_bytes(2, pb_bytes(1, s("web")) + pb_bytes(2, s("s2")) + pb_bytes(3, s("disk")))
    undrain_server = pb_bytes(3, pb_bytes(1, s("web")) + pb_bytes(2, s("s2")))
    undrain_vip = pb_bytes(3, pb_bytes(1, s("web")))
    reload = pb_bytes(4, b"")
    show_config = pb_bytes(5, b"")
    seeds = {
        "show": [show_all], "show-vip": [show_web], "drain-vip": [drain_vip, undrain_vip],
        "drain-server": [drain_server, show_web, undrain_server], "reload": [reload],
        "show-config": [show_config], "unknown-vip": [pb_bytes(1, pb_bytes(1, s("nope")))],
        "empty-request": [b""], "pipelined": [show_all, drain_vip, show_config, undrain_vip, show_web],
    }
    for name, reqs in seeds.items():
        write("control", name, bytes([0]) + b"".join(frame(r) for r in reqs))
    write("control", "pipelined-chunked", bytes([2]) + b"".join(frame(r) for r in seeds["pipelined"]))


# ---- netlink ----------------------------------------------------------------------------------------------
RTM = {"GETLINK": 18, "GETROUTE": 26, "GETNEIGH": 30, "GETNEXTHOP": 106, "DELNEXTHOP": 105}
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
RTMGRP = {"LINK": 1, "NEIGH": 4, "IPV4_ROUTE": 0x40, "IPV6_ROUTE": 0x400}
RTNLGRP_NEXTHOP = 32


def netlink_capture(outdir):
    """Runs inside the scratch namespace: dumps and notifications, one file per datagram."""
    outdir = Path(outdir)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.setsockopt(270, 11, 1)  # NETLINK_EXT_ACK
    sock.bind((0, 0))
    seq = [0]

    def request(kind, typ, flags, body):
        seq[0] += 1
        msg = struct.pack("=IHHII", 16 + len(body), typ, flags, seq[0], 0) + body
        sock.send(msg)
        n = 0
        while True:
            data = sock.recv(65536)
            (outdir / f"{kind}-{n}").write_bytes(data)
            n += 1
            off = 0
            while off + 16 <= len(data):
                length, t = struct.unpack_from("=IH", data, off)
                if t in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                    return
                off += max((length + 3) & ~3, 16)

    rtmsg = lambda fam: struct.pack("=BBBBBBBBI", fam, 0, 0, 0, 0, 0, 0, 0, 0)  # noqa: E731
    request("dump-routes", RTM["GETROUTE"], NLM_F_REQUEST | NLM_F_DUMP, rtmsg(0))
    request("dump-nexthops", RTM["GETNEXTHOP"], NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBBBI", 0, 0, 0, 0, 0))
    request("dump-links", RTM["GETLINK"], NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0))
    request("dump-neigh", RTM["GETNEIGH"], NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBHiHBB", 0, 0, 0, 0, 0, 0, 0))
    # An error with an extended ACK text: deleting a nexthop object that does not exist.
    nh_id = struct.pack("=HHI", 8, 1, 999)  # NHA_ID
    request("error-ack", RTM["DELNEXTHOP"], NLM_F_REQUEST | NLM_F_ACK,
            struct.pack("=BBBBI", 0, 0, 0, 0, 0) + nh_id)
    # Notifications while the link goes down (nexthops flushed) and a neighbour is replaced.
    mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    mon.bind((0, RTMGRP["LINK"] | RTMGRP["NEIGH"] | RTMGRP["IPV4_ROUTE"] | RTMGRP["IPV6_ROUTE"]))
    mon.setsockopt(270, 1, RTNLGRP_NEXTHOP)  # NETLINK_ADD_MEMBERSHIP
    subprocess.run(["ip", "neigh", "replace", "192.0.2.10", "lladdr", "02:00:00:00:00:0a", "dev", "d0"], check=True)
    subprocess.run(["ip", "link", "set", "d0", "down"], check=True)
    mon.settimeout(0.5)
    n = 0
    try:
        while n < 40:
            (outdir / f"notify-{n}").write_bytes(mon.recv(65536))
            n += 1
    except socket.timeout:
        pass


def netlink_seeds():
    ns = f"anycastd-seeds-{os.getpid()}"
    cmds = [
        "link add d0 type veth peer name d1", "link set d1 up", "link set d0 up", "addr add 192.0.2.1/24 dev d0",
        "addr add 2001:db8:1::1/64 dev d0 nodad",
        "neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev d0", "neigh add 192.0.2.6 lladdr 02:00:00:00:00:06 dev d0",
        "neigh add 2001:db8:1::2 lladdr 02:00:00:00:00:12 dev d0",
        "nexthop add id 1 via 192.0.2.2 dev d0 proto 200", "nexthop add id 2 via 192.0.2.6 dev d0 proto 200",
        "nexthop add id 3 via 2001:db8:1::2 dev d0 proto 200",
        "nexthop add id 10 group 1/2,3 type resilient buckets 8 idle_timer 10 proto 200",
        "nexthop add id 11 group 1/2 proto 200", "nexthop add id 12 group 3 proto 200",
        "route add 203.0.113.10/32 nhid 10 proto 200", "route add 203.0.113.11/32 nhid 11 proto 200",
        "route add 2001:db8::10/128 nhid 12 proto 200",
        "route add 203.0.113.12/32 proto 200 nexthop via 192.0.2.2 dev d0 nexthop via 192.0.2.6 dev d0 weight 3",
        "route add 203.0.113.13/32 via 192.0.2.2 dev d0 proto 200",
        "-6 route add 2001:db8::11/128 proto 200 nexthop via 2001:db8:1::2 dev d0 nexthop via 2001:db8:1::3 dev d0",
    ]
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for c in cmds:
            subprocess.run(["ip", "-n", ns, *c.split()], check=True)
        d = OUT / "netlink"
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--capture", str(d)], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def probe_seeds():
    qname = b"\x07example\x04test\x00"
    question = qname + struct.pack(">HH", 1, 1)
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 53])
    write("probe", "dns-a", struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + question + answer)
    answer6 = b"\xc0\x0c" + struct.pack(">HHIH", 28, 1, 60, 16) + bytes.fromhex("20010db8000000000000000000000053")
    write("probe", "dns-aaaa", struct.pack(">HHHHHH", 7, 0x8180, 1, 1, 0, 0) + qname + struct.pack(">HH", 28, 1)
          + answer6)
    write("probe", "dns-servfail", struct.pack(">HHHHHH", 9, 0x8182, 1, 0, 0, 0) + question)
    write("probe", "http-length", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
    write("probe", "http-chunked", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nheal\r\n3;x=y\r\nthy"
          b"\r\n0\r\n\r\n")
    write("probe", "http-close", b"HTTP/1.0 503 Service Unavailable\r\nConnection: close\r\n\r\ndown")
    echo = struct.pack(">BBHHH", 0, 0, 0, 0x4242, 7) + b"anycastd"
    echo = echo[:2] + struct.pack(">H", checksum(echo)) + echo[4:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(echo), 1, 0, 64, 1, 0, bytes([192, 0, 2, 2]),
                     bytes([192, 0, 2, 1]))
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    write("probe", "icmp4-with-ip-header", ip + echo)
    write("probe", "icmp4", echo)
    write("probe", "icmp6", struct.pack(">BBHHH", 129, 0, 0, 0x4242, 7) + b"anycastd")


def config_seeds():
    write("config", "minimal.conf", b'vip { name: "v" prefix: "192.0.2.1/32" check { tcp { port: 80 } }\n'
          b'  server { name: "a" address: "198.51.100.2" } }\n')
    write("config", "bad-place.conf", b'vip { name: "v" prefix: "192.0.2.1/33" }\n')


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--capture":
        netlink_capture(sys.argv[2])
        sys.exit(0)
    config_seeds()
    probe_seeds()
    zapi_seeds()
    control_seeds()
    netlink_seeds()
