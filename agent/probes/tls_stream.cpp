#include "agent/probes/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

namespace anycastd {
namespace {

std::string lastError(const char* fallback) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : fallback;
}

}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsConfig& config) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Unexpected(Status::fail(ENOMEM, "tls: " + lastError("cannot create a context")));
  std::unique_ptr<TlsContext> out(new TlsContext(ctx, config));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A server that closes without close_notify ends the response; that is not an error for a probe.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (config.verify) {
    if (SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) != 1)
      return Unexpected(
          Status::fail(EINVAL, "ca_file " + config.ca_file + ": " + lastError("cannot load it")));
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return out;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

TlsStream::TlsStream(const TlsContext& context, int fd, const IpAddress& address) {
  ssl_ = SSL_new(context.get());
  if (!ssl_) {
    error_ = "tls: " + lastError("cannot create a session");
    return;
  }
  SSL_set_fd(ssl_, fd);
  const TlsConfig& c = context.config();
  if (!c.sni.empty()) SSL_set_tlsext_host_name(ssl_, c.sni.c_str());
  if (c.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (!c.sni.empty())
      X509_VERIFY_PARAM_set1_host(param, c.sni.c_str(), 0);
    else
      X509_VERIFY_PARAM_set1_ip(param, address.bytes(), address.byteLength());
  }
}

TlsStream::~TlsStream() {
  SSL_free(ssl_);
}

TlsStream::Io TlsStream::result(int ret, const char* what) {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::kClosed;
    case SSL_ERROR_SYSCALL: {
      const int err = errno;
      ERR_clear_error();
      if (ret == 0 || err == 0) {
        error_ = std::string("connection closed ") + what;
        return Io::kClosed;
      }
      error_ = std::string("tls: ") + what + ": " + std::strerror(err);
      return Io::kError;
    }
    default: {
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        ERR_clear_error();
        error_ = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
      } else {
        error_ = std::string("tls: ") + lastError("protocol error") + " " + what;
      }
      return Io::kError;
    }
  }
}

TlsStream::Io TlsStream::handshake() {
  if (!ssl_) return Io::kError;
  const int ret = SSL_connect(ssl_);
  if (ret == 1) return Io::kDone;
  Io io = result(ret, "during the TLS handshake");
  return io == Io::kClosed ? Io::kError : io;
}

TlsStream::Io TlsStream::write(const char* data, size_t size, size_t* written) {
  *written = 0;
  const int ret = SSL_write_ex(ssl_, data, size, written);
  if (ret == 1) return Io::kDone;
  Io io = result(ret, "sending");
  return io == Io::kClosed ? Io::kError : io;
}

TlsStream::Io TlsStream::read(char* data, size_t size, size_t* got) {
  *got = 0;
  const int ret = SSL_read_ex(ssl_, data, size, got);
  if (ret == 1) return Io::kDone;
  return result(ret, "reading");
}

}  // namespace anycastd
