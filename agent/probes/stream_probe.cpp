#include "agent/probes/stream_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "agent/probes/http_check.h"

namespace anycastd {
namespace {

constexpr size_t kMaxReceived = kMaxHttpBody + 16 * 1024;  // body plus headers

}  // namespace

StreamProbe::StreamProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target)
    : check_(check), address_(target.address), watch_(loop, [this](bool, bool) { onSocket(); }) {
  if (check_.kind == CheckKind::kTcp) return;
  std::string host = check_.http_host;
  if (host.empty()) host = check_.kind == CheckKind::kHttps ? check_.tls.sni : "";
  if (host.empty()) host = address_.isV4() ? address_.str() : "[" + address_.str() + "]";
  request_ = buildHttpRequest(check_.http_path, host);
  if (check_.kind == CheckKind::kHttps) {
    Result<std::unique_ptr<TlsContext>> context = TlsContext::create(check_.tls);
    if (context)
      tls_context_ = std::move(*context);
    else
      tls_context_error_ = context.error().message;
  }
}

StreamProbe::~StreamProbe() {
  close();
}

void StreamProbe::start(Done done) {
  done_ = std::move(done);
  received_.clear();
  sent_ = 0;
  if (check_.kind == CheckKind::kHttps && !tls_context_) return finish(false, tls_context_error_);
  fd_ = socket(address_.afFamily(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd_ < 0) {
    const int err = errno;
    return finish(false, "socket: " + errnoReason(err), isLocalResourceError(err) ? err : 0);
  }
  linger lin{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
  if (Status s = bindProbeSocket(fd_, check_); !s.isOk()) return finish(false, s.message);
  sockaddr_storage ss;
  const socklen_t len = toSockaddr(address_, check_.port, &ss);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0 && errno != EINPROGRESS)
    return finish(false, errnoReason(errno));
  phase_ = Phase::kConnecting;
  wait(true);
}

std::string StreamProbe::expire() {
  const char* what = phase_ == Phase::kConnecting  ? "connecting"
                     : phase_ == Phase::kHandshake ? "in the TLS handshake"
                     : phase_ == Phase::kSending   ? "sending"
                                                   : "waiting for the response";
  close();
  return "timeout after " + std::to_string(check_.timeout_ms) + " ms " + what;
}

void StreamProbe::wait(bool write) {
  watch_.watch(fd_, write, std::chrono::milliseconds(0));
}

void StreamProbe::onSocket() {
  if (phase_ == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return finish(false, errnoReason(err));
    if (check_.kind == CheckKind::kTcp) return finish(true, "connected");
    if (check_.kind == CheckKind::kHttps) {
      tls_ = std::make_unique<TlsStream>(*tls_context_, fd_, address_);
      phase_ = Phase::kHandshake;
    } else {
      phase_ = Phase::kSending;
    }
  }
  step();
}

// Advances as far as the socket allows, then waits for it (or finishes).
void StreamProbe::step() {
  if (phase_ == Phase::kHandshake) {
    switch (tls_->handshake()) {
      case TlsStream::Io::kDone: phase_ = Phase::kSending; break;
      case TlsStream::Io::kWantRead: return wait(false);
      case TlsStream::Io::kWantWrite: return wait(true);
      default: return finish(false, tls_->error());
    }
  }
  if (phase_ == Phase::kSending) {
    while (sent_ < request_.size()) {
      size_t n = 0;
      if (tls_) {
        switch (tls_->write(request_.data() + sent_, request_.size() - sent_, &n)) {
          case TlsStream::Io::kDone: break;
          case TlsStream::Io::kWantRead: return wait(false);
          case TlsStream::Io::kWantWrite: return wait(true);
          default: return finish(false, tls_->error());
        }
      } else {
        const ssize_t r = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
        if (r < 0 && errno == EAGAIN) return wait(true);
        if (r < 0) return finish(false, "send: " + errnoReason(errno));
        n = static_cast<size_t>(r);
      }
      sent_ += n;
    }
    phase_ = Phase::kReceiving;
  }
  while (phase_ == Phase::kReceiving) {
    char buf[4096];
    size_t n = 0;
    bool eof = false;
    if (tls_) {
      switch (tls_->read(buf, sizeof buf, &n)) {
        case TlsStream::Io::kDone: break;
        case TlsStream::Io::kWantRead: return wait(false);
        case TlsStream::Io::kWantWrite: return wait(true);
        case TlsStream::Io::kClosed: eof = true; break;
        case TlsStream::Io::kError: return finish(false, tls_->error());
      }
    } else {
      const ssize_t r = recv(fd_, buf, sizeof buf, 0);
      if (r < 0 && errno == EAGAIN) return wait(false);
      if (r < 0) return finish(false, "recv: " + errnoReason(errno));
      if (r == 0) eof = true;
      n = static_cast<size_t>(std::max<ssize_t>(r, 0));
    }
    received_.append(buf, std::min(n, kMaxReceived - std::min(kMaxReceived, received_.size())));
    if (received_.size() >= kMaxReceived) eof = true;  // judge what we have
    received(eof);                                     // may finish
    if (eof && phase_ == Phase::kReceiving) return finish(false, "connection closed before a verdict");
  }
}

// Judges the response so far; finishes when there is a verdict.
void StreamProbe::received(bool eof) {
  const uint32_t want = check_.expect_status;
  if (check_.expect_body.empty()) {
    HttpStatusParse parse = parseHttpStatus(received_);
    switch (parse.outcome) {
      case HttpStatusParse::Outcome::kNeedMore:
        if (eof)
          return finish(false,
                        received_.empty() ? "connection closed without a response" : "truncated status line");
        return;
      case HttpStatusParse::Outcome::kMalformed: return finish(false, parse.error);
      case HttpStatusParse::Outcome::kStatus:
        if (parse.status == static_cast<int>(want))
          return finish(true, "status " + std::to_string(parse.status));
        return finish(false, "status " + std::to_string(parse.status) + ", expected " + std::to_string(want));
    }
  }
  // A wrong status fails at once, without waiting for the body.
  HttpStatusParse status = parseHttpStatus(received_);
  if (status.outcome == HttpStatusParse::Outcome::kStatus && status.status != static_cast<int>(want))
    return finish(false, "status " + std::to_string(status.status) + ", expected " + std::to_string(want));
  HttpResponseParse parse = parseHttpResponse(received_, eof);
  switch (parse.outcome) {
    case HttpResponseParse::Outcome::kNeedMore: return;
    case HttpResponseParse::Outcome::kMalformed: return finish(false, parse.error);
    case HttpResponseParse::Outcome::kComplete:
      if (parse.body.find(check_.expect_body) == std::string::npos)
        return finish(false, "status " + std::to_string(parse.status) + ", body does not contain \"" +
                                 check_.expect_body + "\" (" + std::to_string(parse.body.size()) + " bytes)");
      return finish(true, "status " + std::to_string(parse.status) + ", body matched");
  }
}

void StreamProbe::finish(bool ok, std::string detail, int local_error) {
  close();
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(ok, std::move(detail), local_error);
}

void StreamProbe::close() {
  watch_.cancel();
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  phase_ = Phase::kIdle;
}

}  // namespace anycastd
