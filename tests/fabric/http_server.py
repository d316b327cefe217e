#!/usr/bin/python3
"""A small real HTTP server for the lab's server namespaces.

Serves the files of one directory (the lab puts `healthz` and `index.html` there) on ADDR:PORT with the
standard library's http.server, one process per address family. An IPv6 socket is IPV6_V6ONLY so that an
IPv4 and an IPv6 server can share a port and be stopped separately. Once the socket listens, the server
writes its PID to --ready (if given), which is how the lab knows it is serving. SIGTERM ends it. The
anycastd-switch image carries it as /usr/sbin/anycastd-lab-http for the lab's servers (images/clab).
"""
import argparse
import functools
import http.server
import os
import socket
import socketserver
import sys


class LabHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        # HTTPServer.server_bind would resolve the host name (getfqdn), which blocks on DNS in a namespace
        # without a resolver; the name is only used in CGI environments.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "lab"
        self.server_port = self.server_address[1]


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))
        sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bind", required=True, help="address to listen on (0.0.0.0, ::, or one address)")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--ready", help="file to write the PID to once listening")
    args = parser.parse_args()

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    server_class = type("Server", (LabHTTPServer,), {"address_family": family})
    handler = functools.partial(Handler, directory=args.directory)
    with server_class((args.bind, args.port), handler) as httpd:
        if args.ready:
            tmp = args.ready + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % os.getpid())
            os.rename(tmp, args.ready)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
