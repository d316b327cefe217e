"""Reads a namespace's IPv4 routes and nexthop objects straight over rtnetlink, in well under a millisecond, so
that the benchmarks can poll the leaf's kernel every few milliseconds (a `ip -j route` subprocess costs
several ms on this machine and would blur the figures).

NlReader(ns) opens a NETLINK_ROUTE socket inside namespace `ns` (setns from the calling thread, then back), and
owns it until close(). One thread at a time. Read-only: it sends dump requests and parses the answers.
"""
import ctypes
import os
import socket
import struct

CLONE_NEWNET = 0x40000000
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
RTM_NEWNEXTHOP, RTM_GETNEXTHOP = 104, 106
RTA_DST, RTA_GATEWAY, RTA_MULTIPATH, RTA_TABLE, RTA_NH_ID = 1, 5, 9, 15, 30
NHA_ID, NHA_GROUP, NHA_GATEWAY = 1, 2, 6
RTNH_F_DEAD = 1

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def _attrs(buf, off, end):
    while off + 4 <= end:
        length, kind = struct.unpack_from("HH", buf, off)
        if length < 4:
            break
        yield kind & 0x3FFF, buf[off + 4:off + length]
        off += (length + 3) & ~3


class NlReader:
    def __init__(self, ns):
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            finally:
                _setns(own)
        finally:
            os.close(own)
            os.close(target)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self):
        self.sock.close()

    def _dump(self, msg_type, body):
        self.seq += 1
        self.sock.send(struct.pack("IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0)
                       + body)
        out = []
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                length, kind, _flags, seq, _pid = struct.unpack_from("IHHII", data, off)
                if length < 16:
                    return out
                if seq == self.seq:
                    if kind == NLMSG_DONE:
                        return out
                    if kind == NLMSG_ERROR:
                        err = struct.unpack_from("i", data, off + 16)[0]
                        if err:
                            raise OSError(-err, f"netlink dump {msg_type}: {os.strerror(-err)}")
                        return out
                    out.append((kind, data[off + 16:off + length]))
                off += (length + 3) & ~3

    def nexthops(self):
        """{id: (gateway or None, [member ids])}."""
        out = {}
        for kind, m in self._dump(RTM_GETNEXTHOP, struct.pack("BBBBI", 0, 0, 0, 0, 0)):
            if kind != RTM_NEWNEXTHOP:
                continue
            nh_id, gw, group = None, None, []
            for t, v in _attrs(m, 8, len(m)):
                if t == NHA_ID:
                    nh_id = struct.unpack("I", v[:4])[0]
                elif t == NHA_GATEWAY and len(v) == 4:
                    gw = socket.inet_ntoa(v)
                elif t == NHA_GROUP:
                    group = [struct.unpack_from("I", v, i)[0] for i in range(0, len(v), 8)]
            out[nh_id] = (gw, group)
        return out

    def routes(self, family=4):
        """{"prefix/len": (protocol, nhid or None, [(gateway, dead)])} of the unicast routes of every table,
        IPv4 (family 4) or IPv6 (6; gateways are then left out)."""
        af = socket.AF_INET if family == 4 else socket.AF_INET6
        out = {}
        for kind, m in self._dump(RTM_GETROUTE, struct.pack("BBBBBBBBI", af, 0, 0, 0, 0, 0, 0, 0, 0)):
            if kind != RTM_NEWROUTE:
                continue
            _fam, dst_len, _src_len, _tos, _table, proto, _scope, rtype, _flags = struct.unpack_from("BBBBBBBBI", m)
            if rtype != 1:  # RTN_UNICAST
                continue
            dst, nhid, hops = "0.0.0.0" if family == 4 else "::", None, []
            for t, v in _attrs(m, 12, len(m)):
                if t == RTA_DST:
                    dst = socket.inet_ntop(af, v[:4 if family == 4 else 16])
                elif family == 6:
                    if t == RTA_NH_ID:
                        nhid = struct.unpack("I", v[:4])[0]
                    continue
                elif t == RTA_NH_ID:
                    nhid = struct.unpack("I", v[:4])[0]
                elif t == RTA_GATEWAY:
                    hops.append((socket.inet_ntoa(v[:4]), False))
                elif t == RTA_MULTIPATH:
                    off = 0
                    while off + 8 <= len(v):
                        rlen, flags, _hops, _ifi = struct.unpack_from("HBBi", v, off)
                        gw = None
                        for t2, v2 in _attrs(v, off + 8, off + rlen):
                            if t2 == RTA_GATEWAY:
                                gw = socket.inet_ntoa(v2[:4])
                        hops.append((gw, bool(flags & RTNH_F_DEAD)))
                        off += (rlen + 3) & ~3
            out[f"{dst}/{dst_len}"] = (proto, nhid, hops)
        return out

    def gateways(self, prefix):
        """The set of live gateways the route for prefix forwards to (a nexthop group's members, a multipath
        route's live next hops, or its one gateway); None when there is no route."""
        r = self.routes().get(prefix)
        if r is None:
            return None
        _proto, nhid, hops = r
        if nhid is not None:
            nhs = self.nexthops()
            gw, group = nhs.get(nhid, (None, []))
            if not group:
                return frozenset([gw] if gw else [])
            return frozenset(nhs[m][0] for m in group if m in nhs and nhs[m][0])
        return frozenset(gw for gw, dead in hops if gw and not dead)
