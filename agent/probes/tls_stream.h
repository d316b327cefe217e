// TLS for the https check, over OpenSSL in non-blocking mode: TlsContext holds the settings of one check
// (verification against ca_file, or none) and TlsStream runs one connection's handshake, write and read on
// a connected non-blocking socket, saying when it needs the socket readable or writable so the caller's
// event loop can wait. Event-loop thread; no blocking calls. Errors come back as kError with a text
// ("certificate verify failed: self-signed certificate", "tls: wrong version number"); nothing throws.
#pragma once

#include <memory>
#include <string>

#include "agent/config/config.h"
#include "lib/ip_address.h"
#include "lib/status.h"

struct ssl_st;
struct ssl_ctx_st;

namespace anycastd {

class TlsContext {
 public:
  // Builds the context; on failure (e.g. an unreadable ca_file) returns the error saying why.
  static Result<std::unique_ptr<TlsContext>> create(const TlsConfig& config);
  ~TlsContext();
  ssl_ctx_st* get() const { return ctx_; }
  const TlsConfig& config() const { return config_; }

 private:
  TlsContext(ssl_ctx_st* ctx, TlsConfig config) : ctx_(ctx), config_(std::move(config)) {}
  ssl_ctx_st* ctx_;
  TlsConfig config_;
};

class TlsStream {
 public:
  enum class Io { kDone, kWantRead, kWantWrite, kClosed, kError };
  // `fd` stays owned by the caller and must outlive the stream. With verify, the certificate must name
  // the context's sni, or `address` when there is none.
  TlsStream(const TlsContext& context, int fd, const IpAddress& address);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  Io handshake();
  Io write(const char* data, size_t size, size_t* written);
  Io read(char* data, size_t size, size_t* got);  // kClosed: the peer closed (close_notify or EOF)
  const std::string& error() const { return error_; }

 private:
  Io result(int ret, const char* what);
  ssl_st* ssl_ = nullptr;
  std::string error_;
};

}  // namespace anycastd
