#include "agent/metrics/metrics_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "agent/metrics/http_request.h"
#include "lib/log.h"
#include "lib/posix.h"

namespace anycastd {
namespace {

constexpr char kMetricsPath[] = "/metrics";
constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr int kAcceptsPerWakeup = 16;
constexpr std::chrono::milliseconds kAcceptPause{1000};

const char* reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    default: return "Internal Server Error";
  }
}

bool transient(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

}  // namespace

struct MetricsServer::Client {
  Client(EventLoop& loop, MetricsServer& server, int socket, std::chrono::steady_clock::time_point until)
      : fd(socket),
        watch(loop,
              [this, &server](bool ready, bool timed_out) { server.onClient(*this, ready, timed_out); }),
        deadline(until) {}
  ~Client() {
    watch.cancel();
    if (fd >= 0) ::close(fd);
  }
  enum class Phase { kReading, kWriting, kDraining };

  int fd;
  FdWatch watch;
  const std::chrono::steady_clock::time_point deadline;
  Phase phase = Phase::kReading;
  std::string in;
  std::string out;
  size_t sent = 0;
};

MetricsServer::MetricsServer(EventLoop& loop, const std::string& listen, BodyCallback body)
    : MetricsServer(loop, listen, std::move(body), Limits{}) {}

MetricsServer::MetricsServer(EventLoop& loop, const std::string& listen, BodyCallback body, Limits limits)
    : loop_(loop),
      body_(std::move(body)),
      limits_(limits),
      address_(listen),
      accept_watch_(loop, [this](bool, bool) { onAcceptable(); }),
      resume_accept_(loop, [this] { watchListener(); }),
      reaper_(loop, [this] { reap(); }) {
  std::string why;
  const auto address = parseListenAddress(listen, &why);
  if (!address) throw std::runtime_error("metrics: cannot listen on '" + listen + "': " + why);
  auto fail = [&](const char* what) {
    const int err = errno;
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("metrics: cannot listen on " + listen + ": " + what + ": " + errnoText(err));
  };
  listen_fd_ = ::socket(address->host.afFamily(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail("socket");
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len;
  if (address->host.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(address->port);
    std::memcpy(&sin->sin_addr, address->host.bytes(), 4);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(address->port);
    std::memcpy(&sin6->sin6_addr, address->host.bytes(), 16);
    len = sizeof *sin6;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0) fail("bind");
  if (::listen(listen_fd_, 128) < 0) fail("listen");
  len = sizeof ss;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) fail("getsockname");
  port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  watchListener();
}

MetricsServer::~MetricsServer() {
  accept_watch_.cancel();
  clients_.clear();
  closed_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

size_t MetricsServer::clients() const {
  return clients_.size();
}

void MetricsServer::watchListener() {
  accept_watch_.watch(listen_fd_, false, std::chrono::milliseconds(0));
}

void MetricsServer::onAcceptable() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (transient(err) || err == ECONNABORTED) break;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        // The pending connection stays in the backlog; retrying at once would spin.
        logWarning("metrics: accept on " + address_ + ": " + errnoText(err) + "; pausing for " +
                   std::to_string(kAcceptPause.count()) + " ms");
        return resume_accept_.arm(kAcceptPause);
      }
      logWarning("metrics: accept on " + address_ + ": " + errnoText(err));
      break;
    }
    if (clients_.size() >= limits_.max_clients) {
      ::close(fd);
      continue;
    }
    clients_.push_back(std::make_unique<Client>(loop_, *this, fd,
                                                std::chrono::steady_clock::now() + limits_.client_timeout));
    watch(*clients_.back(), false);
  }
  watchListener();
}

void MetricsServer::watch(Client& client, bool write) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(client.deadline -
                                                                    std::chrono::steady_clock::now());
  if (left.count() < 1) left = std::chrono::milliseconds(1);
  client.watch.watch(client.fd, write, left);
}

void MetricsServer::onClient(Client& client, bool ready, bool timed_out) {
  if (timed_out || !ready) return close(client);
  switch (client.phase) {
    case Client::Phase::kReading: return readRequest(client);
    case Client::Phase::kWriting: return writeResponse(client);
    case Client::Phase::kDraining: return drain(client);
  }
}

void MetricsServer::readRequest(Client& client) {
  char buf[4096];
  const ssize_t n = recv(client.fd, buf, sizeof buf, 0);
  if (n < 0) return transient(errno) ? watch(client, false) : close(client);
  if (n == 0) {
    // The client finished sending before the end of a head: nothing to answer, or an incomplete request.
    if (client.in.find_first_not_of("\r\n") == std::string::npos) return close(client);
    return respond(client, 400, false);
  }
  client.in.append(buf, static_cast<size_t>(n));
  const HttpRequestHead head = parseHttpRequestHead(client.in, limits_.max_request_bytes);
  switch (head.outcome) {
    case HttpRequestHead::Outcome::kNeedMore: return watch(client, false);
    case HttpRequestHead::Outcome::kTooLarge: return respond(client, 431, false);
    case HttpRequestHead::Outcome::kMalformed: return respond(client, 400, false);
    case HttpRequestHead::Outcome::kComplete: break;
  }
  const bool head_only = head.method == "HEAD";
  if (head.path != kMetricsPath) return respond(client, 404, head_only);
  if (head.method != "GET" && !head_only) return respond(client, 405, false);
  respond(client, 200, head_only);
}

void MetricsServer::respond(Client& client, int status, bool head_only) {
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  if (status == 200) {
    try {
      body = body_();
      content_type = kMetricsContentType;
    } catch (const std::exception& e) {
      logWarning(std::string("metrics: rendering failed: ") + e.what());
      status = 500;
    } catch (...) {
      logWarning("metrics: rendering failed");
      status = 500;
    }
  }
  if (status != 200) body = std::to_string(status) + " " + reasonPhrase(status) + "\n";
  std::string& out = client.out;
  out = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
        "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += body;
  client.in = std::string();
  client.phase = Client::Phase::kWriting;
  writeResponse(client);
}

void MetricsServer::writeResponse(Client& client) {
  const SendResult r =
      sendNonBlocking(client.fd, client.out.data() + client.sent, client.out.size() - client.sent);
  client.sent += r.sent;
  if (r.error != 0) return r.wouldBlock() ? watch(client, true) : close(client);
  ++responses_;
  // Half-close and read until the client closes: closing with unread request bytes would send a reset that
  // can destroy the response before the client has read it.
  shutdown(client.fd, SHUT_WR);
  client.out = std::string();
  client.phase = Client::Phase::kDraining;
  watch(client, false);
}

void MetricsServer::drain(Client& client) {
  char buf[4096];
  const ssize_t n = recv(client.fd, buf, sizeof buf, 0);
  if (n > 0 || (n < 0 && transient(errno))) return watch(client, false);
  close(client);
}

void MetricsServer::close(Client& client) {
  // Called from the client's own callback: the Client (and its FdWatch) is freed later, by the reaper.
  client.watch.cancel();
  ::close(client.fd);
  client.fd = -1;
  auto it = std::find_if(clients_.begin(), clients_.end(), [&](const auto& c) { return c.get() == &client; });
  if (it == clients_.end()) return;
  closed_.push_back(std::move(*it));
  clients_.erase(it);
  reaper_.arm(std::chrono::milliseconds(0));
}

void MetricsServer::reap() {
  closed_.clear();
}

}  // namespace anycastd
