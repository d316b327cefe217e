#include "agent/prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "agent/http_check.h"

namespace anycastd {
namespace {

std::string errorText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

Prober::Prober(EventLoop& loop, const CheckConfig& check, IpAddress address, Callback on_result)
    : check_(check),
      address_(address),
      on_result_(std::move(on_result)),
      interval_timer_(loop, [this] { begin(); }),
      watch_(loop, [this](bool ready, bool timed_out) { onSocket(ready, timed_out); }) {
  if (check_.kind == CheckKind::kHttp)
    request_ = buildHttpRequest(check_.http_path,
                                check_.http_host.empty()
                                    ? (address_.isV4() ? address_.str() : "[" + address_.str() + "]")
                                    : check_.http_host);
}

Prober::~Prober() {
  closeSocket();
}

void Prober::start(std::chrono::milliseconds first_delay) {
  interval_timer_.arm(first_delay);
}

std::chrono::milliseconds Prober::remaining() const {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  return left.count() < 1 ? std::chrono::milliseconds(1) : left;
}

void Prober::begin() {
  interval_timer_.arm(std::chrono::milliseconds(check_.interval_ms));
  if (phase_ != Phase::kIdle) return;  // cannot happen while timeout_ms < interval_ms
  deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(check_.timeout_ms);
  received_.clear();
  sent_ = 0;

  fd_ = socket(address_.afFamily(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd_ < 0) return fail("socket", errno);
  // Close with RST rather than FIN so that frequent probes leave no TIME_WAIT behind on the switch.
  linger lin{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);

  sockaddr_storage ss{};
  socklen_t len;
  if (address_.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(check_.port);
    std::memcpy(&sin->sin_addr, address_.bytes(), 4);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(check_.port);
    std::memcpy(&sin6->sin6_addr, address_.bytes(), 16);
    len = sizeof *sin6;
  }
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0 && errno != EINPROGRESS)
    return finish(false, errorText(errno));
  phase_ = Phase::kConnecting;
  watch_.watch(fd_, true, remaining());
}

void Prober::onSocket(bool ready, bool timed_out) {
  if (timed_out || !ready) {
    const char* what = phase_ == Phase::kConnecting ? "connecting"
                       : phase_ == Phase::kSending  ? "sending"
                                                    : "waiting for the response";
    return finish(false, "timeout after " + std::to_string(check_.timeout_ms) + " ms " + what);
  }
  if (phase_ == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return finish(false, errorText(err));
    if (check_.kind == CheckKind::kTcp) return finish(true, "connected");
    phase_ = Phase::kSending;
  }
  if (phase_ == Phase::kSending) {
    ssize_t n = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return fail("send", errno);
    if (n > 0) sent_ += static_cast<size_t>(n);
    if (sent_ < request_.size()) return watch_.watch(fd_, true, remaining());
    phase_ = Phase::kReceiving;
    return watch_.watch(fd_, false, remaining());
  }
  char buf[2048];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n < 0) {
    if (errno == EAGAIN) return watch_.watch(fd_, false, remaining());
    return fail("recv", errno);
  }
  if (n == 0)
    return finish(false,
                  received_.empty() ? "connection closed without a response" : "truncated status line");
  received_.append(buf, static_cast<size_t>(n));
  HttpStatusParse parse = parseHttpStatus(received_);
  switch (parse.outcome) {
    case HttpStatusParse::Outcome::kNeedMore: return watch_.watch(fd_, false, remaining());
    case HttpStatusParse::Outcome::kMalformed: return finish(false, parse.error);
    case HttpStatusParse::Outcome::kStatus:
      if (parse.status == static_cast<int>(check_.expect_status))
        return finish(true, "status " + std::to_string(parse.status));
      return finish(false, "status " + std::to_string(parse.status) + ", expected " +
                               std::to_string(check_.expect_status));
  }
}

void Prober::fail(const char* what, int err) {
  finish(false, std::string(what) + ": " + errorText(err));
}

void Prober::finish(bool ok, std::string detail) {
  closeSocket();
  const auto started = deadline_ - std::chrono::milliseconds(check_.timeout_ms);
  on_result_(ProbeResult{ok, std::move(detail),
                         std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - started)});
}

void Prober::closeSocket() {
  watch_.cancel();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  phase_ = Phase::kIdle;
}

}  // namespace anycastd
