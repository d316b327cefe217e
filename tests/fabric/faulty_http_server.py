#!/usr/bin/python3
"""A misbehaving HTTP server for the fault-injection tests: it listens on ADDR:PORT and treats each
connection as the file --mode-file says at that moment, so a test switches it between behaviours without
restarting it:

    ok       reads the request, answers `HTTP/1.1 200 OK` with a short body and closes;
    slow     reads the request and answers only after --slow-seconds (longer than any probe timeout);
    reset    reads the request and closes with SO_LINGER 0, so the client gets a TCP RST;
    garbage  reads the request and answers bytes that are no HTTP status line, then closes.

One thread per connection (daemon threads), so slow connections never hold up others. Once listening it
writes its PID to --ready. SIGTERM ends it (default action). Standard library only; no state besides the
listening socket.
"""
import argparse
import os
import socket
import struct
import threading
import time

GARBAGE = b"\x00\xff\xfeSSH-2.0-not-http \x01\x02\r\n\r\n"


def read_request(conn):
    """Reads until the end of the request head (or EOF, or 64 KiB)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def handle(conn, mode_file, slow_seconds):
    try:
        try:
            with open(mode_file) as f:
                mode = f.read().strip() or "ok"
        except FileNotFoundError:
            mode = "ok"
        conn.settimeout(slow_seconds + 5)
        read_request(conn)
        if mode == "slow":
            time.sleep(slow_seconds)
            mode = "ok"
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "garbage":
            conn.sendall(GARBAGE)
        else:
            body = b"ok\n"
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(body), body))
    except OSError:
        pass
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--mode-file", required=True)
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    parser.add_argument("--ready", required=True)
    args = parser.parse_args()

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    srv.bind((args.bind, args.port))
    srv.listen(128)
    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, args.ready)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, args.mode_file, args.slow_seconds), daemon=True).start()


if __name__ == "__main__":
    main()
