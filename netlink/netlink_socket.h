// NetlinkSocket: one NETLINK_ROUTE socket (a libnl nl_sock, owned through unique_ptr with its deleter).
// Request sockets send one message at a time and wait for the kernel's answer: request() returns the ACK's
// errno and the kernel's extended-ACK text, dump() collects a dump's messages (retrying a dump the kernel
// flags as interrupted). Event sockets subscribe to multicast groups and hand over pending notifications
// without blocking. Messages are the raw bytes the pure encoders produce; the socket fills in the sequence
// number and port. Reads and writes go straight to libnl's fd so the exact errno reaches the caller.
// The constructor throws std::runtime_error (start-up only); the other calls return Status / errno and never
// throw. Owned by one dataplane; used from its (event-loop) thread only.
#pragma once

#include <netlink/socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "lib/status.h"
#include "netlink/netlink_message.h"

namespace anycastd::nl {

class NetlinkSocket {
 public:
  struct Options {
    std::vector<uint32_t> groups;  // RTNLGRP_* to subscribe to (event sockets)
    bool nonblocking = false;
    int receive_buffer = 0;  // bytes; 0: libnl's default
  };

  explicit NetlinkSocket(const Options& options);

  int fd() const;
  uint32_t port() const;  // the socket's netlink port id: notifications caused by its requests carry it
  bool strictChecking() const { return strict_; }  // the kernel filters dumps (NETLINK_GET_STRICT_CHK)

  // Sends `message` and waits for the kernel's ACK. Messages the kernel sends before the ACK (the answer to
  // a lookup) are appended to *replies. The Status message is "<strerror> (errno N)[: <kernel's text>]".
  Status request(const Bytes& message, std::vector<Bytes>* replies = nullptr);

  // Sends a dump request and collects every message of the dump into `replies` (cleared first).
  Status dump(const Bytes& message, std::vector<Bytes>& replies);

  // Event sockets: appends the messages of one pending datagram. Returns 0, EAGAIN when nothing is pending
  // (non-blocking sockets), ENOBUFS when the kernel dropped notifications (overrun), or another errno.
  int receive(std::vector<Bytes>& messages);
  // Event sockets: appends the messages of up to `max_datagrams` pending datagrams (the rest stay pending,
  // the fd readable). Returns true if the kernel dropped notifications (ENOBUFS) meanwhile.
  bool receivePending(std::vector<Bytes>& messages, int max_datagrams);

 private:
  struct SockDeleter {
    void operator()(nl_sock* s) const { nl_socket_free(s); }
  };

  Status transact(const Bytes& message, std::vector<Bytes>* replies, bool* interrupted);
  int receiveDatagram(Bytes& buffer);

  std::unique_ptr<nl_sock, SockDeleter> sock_;
  uint32_t seq_ = 0;
  bool strict_ = false;
};

}  // namespace anycastd::nl
