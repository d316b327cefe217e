#include "agent/probes/icmp_probe.h"

#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "agent/probes/icmp_echo.h"

namespace anycastd {

IcmpProbe::IcmpProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target)
    : check_(check),
      address_(target.address),
      watch_(loop, [this](bool, bool) { onSocket(); }),
      rng_(std::random_device{}()),
      id_(static_cast<uint16_t>(rng_())) {}

IcmpProbe::~IcmpProbe() {
  close();
}

Result<int> IcmpProbe::openSocket() {
  const bool v6 = !address_.isV4();
  const int family = address_.afFamily();
  const int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  raw_ = false;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) return fd;
  const int dgram_errno = errno;
  raw_ = true;
  fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) {
    const int raw_errno = errno;
    // Either socket failing for the agent's own lack of resources is no verdict on the server.
    const int local = isLocalResourceError(raw_errno)     ? raw_errno
                      : isLocalResourceError(dgram_errno) ? dgram_errno
                                                          : 0;
    return Unexpected(
        Status::fail(local ? local : raw_errno,
                     "no ICMP socket: ping socket: " + errnoReason(dgram_errno) +
                         " (net.ipv4.ping_group_range), raw socket: " + errnoReason(raw_errno)));
  }
  // Only echo replies: the raw socket would otherwise see every ICMP message the host receives.
  if (v6) {
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  } else {
    icmp_filter filter{~(1u << ICMP_ECHOREPLY)};
    setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
  }
  return fd;
}

void IcmpProbe::start(Done done) {
  done_ = std::move(done);
  Result<int> fd = openSocket();
  fd_ = fd ? *fd : -1;
  if (!fd)
    return finish(false, fd.error().message, isLocalResourceError(fd.error().error) ? fd.error().error : 0);
  if (Status s = bindProbeSocket(fd_, check_); !s.isOk()) return finish(false, s.message);
  // Connected: the kernel delivers only packets from the server.
  sockaddr_storage ss;
  const socklen_t len = toSockaddr(address_, 0, &ss);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return finish(false, "connect: " + errnoReason(errno));
  ++sequence_;
  token_.resize(16);
  for (auto& b : token_) b = static_cast<uint8_t>(rng_());
  const std::vector<uint8_t> request = buildEchoRequest(!address_.isV4(), IcmpEcho{id_, sequence_, token_});
  if (send(fd_, request.data(), request.size(), 0) < 0) return finish(false, "sendto: " + errnoReason(errno));
  watch_.watch(fd_, false, std::chrono::milliseconds(0));
}

std::string IcmpProbe::expire() {
  close();
  return "no echo reply within " + std::to_string(check_.timeout_ms) + " ms (timeout)";
}

void IcmpProbe::onSocket() {
  const bool v6 = !address_.isV4();
  while (true) {
    uint8_t buf[2048];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) return watch_.watch(fd_, false, std::chrono::milliseconds(0));
    if (n < 0) return finish(false, errnoReason(errno));  // e.g. an ICMP error on a ping socket
    auto reply = parseEchoReply(v6, raw_ && !v6, std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    if (!reply) continue;
    // A ping socket's identifier is chosen by the kernel, which also demultiplexes replies by it.
    if ((raw_ && reply->id != id_) || reply->sequence != sequence_ || reply->payload != token_) continue;
    return finish(true, "echo reply");
  }
}

void IcmpProbe::finish(bool ok, std::string detail, int local_error) {
  close();
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(ok, std::move(detail), local_error);
}

void IcmpProbe::close() {
  watch_.cancel();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace anycastd
