#include "agent/probes/dns_probe.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace anycastd {

DnsProbe::DnsProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target)
    : check_(check),
      address_(target.address),
      watch_(loop, [this](bool, bool) { onSocket(); }),
      rng_(std::random_device{}()) {
  expect_.name = check_.dns.name;
  expect_.type = check_.dns.type;
  expect_.rcode = check_.dns.expect_rcode;
  expect_.address = check_.dns.expect_address;
}

DnsProbe::~DnsProbe() {
  close();
}

void DnsProbe::start(Done done) {
  done_ = std::move(done);
  const bool tcp = check_.dns.transport == DnsTransport::kTcp;
  expect_.id = static_cast<uint16_t>(rng_());
  std::vector<uint8_t> query = buildDnsQuery(expect_.id, expect_.name, expect_.type);
  out_.clear();
  if (tcp) out_ = {static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
  out_.insert(out_.end(), query.begin(), query.end());
  sent_ = 0;
  in_.clear();
  connected_ = !tcp;

  fd_ = socket(address_.afFamily(), (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    const int err = errno;
    return finish(false, "socket: " + errnoReason(err), isLocalResourceError(err) ? err : 0);
  }
  if (tcp) {
    linger lin{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
  }
  if (Status s = bindProbeSocket(fd_, check_); !s.isOk()) return finish(false, s.message);
  sockaddr_storage ss;
  const socklen_t len = toSockaddr(address_, check_.port, &ss);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0 && errno != EINPROGRESS)
    return finish(false, errnoReason(errno));
  if (!tcp) {
    if (send(fd_, out_.data(), out_.size(), 0) < 0) return finish(false, "send: " + errnoReason(errno));
    sent_ = out_.size();
    return watch_.watch(fd_, false, std::chrono::milliseconds(0));
  }
  watch_.watch(fd_, true, std::chrono::milliseconds(0));
}

std::string DnsProbe::expire() {
  const char* what = !connected_           ? "connecting"
                     : sent_ < out_.size() ? "sending the query"
                                           : "waiting for the response";
  close();
  return "timeout after " + std::to_string(check_.timeout_ms) + " ms " + what;
}

void DnsProbe::onSocket() {
  if (check_.dns.transport == DnsTransport::kUdp) {
    // An ICMP port unreachable shows up as ECONNREFUSED on the connected socket.
    uint8_t buf[4096];
    while (true) {
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EAGAIN) return watch_.watch(fd_, false, std::chrono::milliseconds(0));
      if (n < 0) return finish(false, errnoReason(errno));
      // A datagram with another ID (a late answer to an earlier probe) is not ours: keep waiting.
      if (n >= 2 && (buf[0] << 8 | buf[1]) != expect_.id) continue;
      return judge(std::vector<uint8_t>(buf, buf + n));
    }
  }
  if (!connected_) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return finish(false, errnoReason(err));
    connected_ = true;
  }
  while (sent_ < out_.size()) {
    const ssize_t n = send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) return watch_.watch(fd_, true, std::chrono::milliseconds(0));
    if (n < 0) return finish(false, "send: " + errnoReason(errno));
    sent_ += static_cast<size_t>(n);
  }
  while (true) {
    uint8_t buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) return watch_.watch(fd_, false, std::chrono::milliseconds(0));
    if (n < 0) return finish(false, "recv: " + errnoReason(errno));
    if (n == 0)
      return finish(false, in_.size() < 2 ? "connection closed without a response"
                                          : "truncated response (connection closed)");
    in_.insert(in_.end(), buf, buf + n);
    if (in_.size() >= 2) {
      const size_t want = static_cast<size_t>(in_[0] << 8 | in_[1]);
      if (in_.size() >= 2 + want)
        return judge(std::vector<uint8_t>(in_.begin() + 2, in_.begin() + 2 + static_cast<ptrdiff_t>(want)));
    }
    if (in_.size() > 2 + 65535) return finish(false, "protocol: response longer than its length prefix");
  }
}

void DnsProbe::judge(const std::vector<uint8_t>& message) {
  DnsParse parse = parseDnsMessage(message);
  if (!parse.response) return finish(false, "malformed response: " + parse.error);
  DnsVerdict verdict = judgeDnsResponse(*parse.response, expect_);
  finish(verdict.ok, std::move(verdict.detail));
}

void DnsProbe::finish(bool ok, std::string detail, int local_error) {
  close();
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(ok, std::move(detail), local_error);
}

void DnsProbe::close() {
  watch_.cancel();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace anycastd
