// MetricsServer: a minimal HTTP/1.1 server for Prometheus scrapes on the agent's event loop. Answers
// `GET /metrics` (and HEAD) with 200, `Content-Type: text/plain; version=0.0.4; charset=utf-8` and the body
// the callback renders at that moment; other paths 404, other methods on /metrics 405, malformed requests
// 400, a request head over Limits::max_request_bytes 431; every response closes the connection
// (`Connection: close`). Non-blocking and single-threaded: many clients at once, each with a deadline
// (Limits::client_timeout, from accept to close) after which it is dropped; beyond Limits::max_clients new
// connections are closed at once. Owns its listening socket and the client sockets; destroying it closes
// them. Errors: the constructor throws std::runtime_error naming the address and the errno when it cannot
// listen; afterwards nothing throws: client errors close that client, a callback that throws yields a 500,
// and accept() running out of file descriptors pauses accepting for a moment (logged).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/event_loop.h"
#include "lib/listen_address.h"

namespace anycastd {

class MetricsServer {
 public:
  struct Limits {
    size_t max_request_bytes = 8192;
    size_t max_clients = 64;
    std::chrono::milliseconds client_timeout{10000};
  };
  using BodyCallback = std::function<std::string()>;

  // `listen`: "HOST:PORT" or "[V6]:PORT" (listen_address.h); port 0 picks a free port (see port()).
  MetricsServer(EventLoop& loop, const std::string& listen, BodyCallback body);
  MetricsServer(EventLoop& loop, const std::string& listen, BodyCallback body, Limits limits);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const { return port_; }            // the bound port
  size_t clients() const;                            // connections currently open
  uint64_t responses() const { return responses_; }  // responses sent completely, any status

 private:
  struct Client;

  void onAcceptable();
  void watchListener();
  void onClient(Client& client, bool ready, bool timed_out);
  void readRequest(Client& client);
  void respond(Client& client, int status, bool head_only);
  void writeResponse(Client& client);
  void drain(Client& client);
  void watch(Client& client, bool write);
  void close(Client& client);
  void reap();

  EventLoop& loop_;
  const BodyCallback body_;
  const Limits limits_;
  const std::string address_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  FdWatch accept_watch_;  // re-armed after each batch of accepts; left unarmed while paused
  Timer resume_accept_;
  Timer reaper_;  // frees closed clients outside their own callbacks
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::unique_ptr<Client>> closed_;
  uint64_t responses_ = 0;
};

}  // namespace anycastd
