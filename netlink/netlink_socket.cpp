#include "netlink/netlink_socket.h"

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace anycastd::nl {
namespace {

constexpr int kDumpAttempts = 5;

void setFlag(int fd, int option, bool* ok = nullptr) {
  int one = 1;
  const bool set = setsockopt(fd, SOL_NETLINK, option, &one, sizeof one) == 0;
  if (ok) *ok = set;
}

}  // namespace

NetlinkSocket::NetlinkSocket(const Options& options) : sock_(nl_socket_alloc()) {
  if (!sock_) throw std::runtime_error("netlink socket: out of memory");
  if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0)
    throw std::runtime_error(std::string("netlink socket: ") + nl_geterror(err));
  const int fd = nl_socket_get_fd(sock_.get());
  setFlag(fd, NETLINK_EXT_ACK);
  setFlag(fd, NETLINK_CAP_ACK);
  setFlag(fd, NETLINK_GET_STRICT_CHK, &strict_);
  for (uint32_t group : options.groups)
    if (int err = nl_socket_add_membership(sock_.get(), static_cast<int>(group)); err < 0)
      throw std::runtime_error("netlink socket: joining group " + std::to_string(group) + ": " +
                               nl_geterror(err));
  if (options.receive_buffer > 0) {
    const int size = options.receive_buffer;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (options.nonblocking)
    if (int err = nl_socket_set_nonblocking(sock_.get()); err < 0)
      throw std::runtime_error(std::string("netlink socket: ") + nl_geterror(err));
  // Distinct starting sequence numbers per socket and run make stale answers easy to tell apart.
  seq_ = static_cast<uint32_t>(time(nullptr));
}

int NetlinkSocket::fd() const {
  return nl_socket_get_fd(sock_.get());
}

uint32_t NetlinkSocket::port() const {
  return nl_socket_get_local_port(sock_.get());
}

Status NetlinkSocket::request(const Bytes& message, std::vector<Bytes>* replies) {
  return transact(message, replies, nullptr);
}

Status NetlinkSocket::dump(const Bytes& message, std::vector<Bytes>& replies) {
  Status s;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    replies.clear();
    bool interrupted = false;
    s = transact(message, &replies, &interrupted);
    if (!s.isOk() || !interrupted) return s;
    s = Status::fail(EAGAIN,
                     "dump interrupted by concurrent changes " + std::to_string(kDumpAttempts) + " times");
  }
  replies.clear();
  return s;
}

Status NetlinkSocket::transact(const Bytes& message, std::vector<Bytes>* replies, bool* interrupted) {
  if (message.size() < NLMSG_HDRLEN) return Status::fail(ENOMEM, "message could not be encoded");
  Bytes out = message;
  auto* h = reinterpret_cast<nlmsghdr*>(out.data());
  const uint32_t seq = ++seq_;
  h->nlmsg_seq = seq;
  h->nlmsg_pid = port();
  h->nlmsg_flags |= NLM_F_REQUEST;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) break;
    if (errno != EINTR) return Status::fail(errno, errnoText(errno));
  }
  Bytes datagram;
  for (;;) {
    if (int err = receiveDatagram(datagram); err != 0) return Status::fail(err, errnoText(err));
    bool done = false;
    Status result;
    for (const MessageSpan& span : splitDatagram(datagram.data(), datagram.size())) {
      const auto* m = reinterpret_cast<const nlmsghdr*>(datagram.data() + span.offset);
      const size_t len = span.length;
      if (m->nlmsg_seq != seq) continue;  // an answer to an earlier, abandoned request
      if ((m->nlmsg_flags & NLM_F_DUMP_INTR) && interrupted) *interrupted = true;
      if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE) {
        AckInfo ack;
        std::string error;
        const auto* p = reinterpret_cast<const uint8_t*>(m);
        if (!decodeAck(p, len, ack, &error))
          result = Status::fail(EPROTO, "bad answer from the kernel: " + error);
        else if (ack.error != 0)
          result = Status::fail(ack.error, errnoText(ack.error) +
                                               (ack.kernel_message.empty() ? "" : ": " + ack.kernel_message));
        done = true;
        break;
      }
      if (m->nlmsg_type == NLMSG_NOOP || m->nlmsg_type == NLMSG_OVERRUN) continue;
      if (replies) {
        const auto* p = reinterpret_cast<const uint8_t*>(m);
        replies->emplace_back(p, p + len);
      }
    }
    if (done) return result;
  }
}

int NetlinkSocket::receiveDatagram(Bytes& buffer) {
  for (;;) {
    ssize_t size = recv(fd(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
    if (size < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    buffer.resize(size > 0 ? static_cast<size_t>(size) : 1);
    sockaddr_nl from{};
    socklen_t from_len = sizeof from;
    ssize_t n =
        recvfrom(fd(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    buffer.resize(static_cast<size_t>(n));
    if (from.nl_pid != 0) continue;  // only the kernel speaks to this socket
    return 0;
  }
}

int NetlinkSocket::receive(std::vector<Bytes>& messages) {
  Bytes datagram;
  if (int err = receiveDatagram(datagram); err != 0) return err;
  for (const MessageSpan& span : splitDatagram(datagram.data(), datagram.size()))
    messages.emplace_back(datagram.begin() + static_cast<std::ptrdiff_t>(span.offset),
                          datagram.begin() + static_cast<std::ptrdiff_t>(span.offset + span.length));
  return 0;
}

bool NetlinkSocket::receivePending(std::vector<Bytes>& messages, int max_datagrams) {
  bool overrun = false;
  for (int i = 0; i < max_datagrams; ++i) {
    const int err = receive(messages);
    if (err == ENOBUFS) {
      overrun = true;
      continue;
    }
    if (err != 0) break;  // EAGAIN: nothing more pending
  }
  return overrun;
}

}  // namespace anycastd::nl
