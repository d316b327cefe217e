// StreamProbe: the TCP-based checks. tcp: healthy when the handshake completes. http: GET path, healthy
// when the status equals expect_status (and the body contains expect_body, if set). https: the same over
// TLS (probes/tls_stream.h), verifying the certificate only when asked. One non-blocking socket per probe
// in flight, driven by the event loop; closed with RST so that frequent probes leave no TIME_WAIT behind.
// Event-loop thread; failures are reported through Done ("connection refused", "status 503, expected 200",
// "certificate verify failed: ...").
#pragma once

#include <memory>
#include <string>

#include "agent/probes/probe.h"
#include "agent/probes/tls_stream.h"

namespace anycastd {

class StreamProbe : public Probe {
 public:
  StreamProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target);
  ~StreamProbe() override;
  void start(Done done) override;
  std::string expire() override;

 private:
  enum class Phase { kIdle, kConnecting, kHandshake, kSending, kReceiving };
  void onSocket();
  void step();
  void wait(bool write);
  void received(bool eof);
  void finish(bool ok, std::string detail, int local_error = 0);
  void close();

  const CheckConfig check_;
  const IpAddress address_;
  FdWatch watch_;
  std::unique_ptr<TlsContext> tls_context_;  // https
  std::string tls_context_error_;            // https: why there is no context
  std::unique_ptr<TlsStream> tls_;
  Done done_;
  int fd_ = -1;
  Phase phase_ = Phase::kIdle;
  std::string request_;
  size_t sent_ = 0;
  std::string received_;
};

}  // namespace anycastd
