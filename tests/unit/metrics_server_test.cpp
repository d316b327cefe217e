// MetricsServer against real TCP clients on the loopback (port 0, the bound port read back), all driven by
// one EventLoop: responses byte for byte, a fresh body per scrape, error statuses, many clients at once, an
// idle client not blocking others and dropped at its deadline, the client limit, a throwing callback, IPv6,
// and the constructor's errors. No sleeps: the loop runs until the awaited state holds (with a deadline).
#include "agent/metrics/metrics_server.h"

#include <CppUTest/TestHarness.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace anycastd;

namespace {

// Connects (blocking: a loopback connect completes from the listen backlog), sends `request`, then reads
// on the loop until the server closes.
class TestClient {
 public:
  TestClient(EventLoop& loop, const std::string& host, uint16_t port, const std::string& request)
      : watch_(loop, [this](bool ready, bool timed_out) { onReadable(); }) {
    const bool v6 = host.find(':') != std::string::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd_ >= 0);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr);
      len = sizeof *sin6;
    } else {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      inet_pton(AF_INET, host.c_str(), &sin->sin_addr);
      len = sizeof *sin;
    }
    LONGS_EQUAL(0, ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len));
    if (!request.empty())
      LONGS_EQUAL(request.size(), ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL));
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    watch_.watch(fd_, false, std::chrono::milliseconds(0));
  }
  ~TestClient() {
    watch_.cancel();
    if (fd_ >= 0) ::close(fd_);
  }

  bool done = false;  // the server closed the connection (EOF or reset)
  std::string response;

 private:
  void onReadable() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) response.append(buf, static_cast<size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      done = true;
      ::close(fd_);  // as an HTTP client does once the response is complete
      fd_ = -1;
      return;
    }
    watch_.watch(fd_, false, std::chrono::milliseconds(0));
  }
  FdWatch watch_;
  int fd_ = -1;
};

// Runs the loop until `done()` holds; false if it did not within 5 s.
bool runUntil(EventLoop& loop, const std::function<bool()>& done) {
  bool expired = false;
  Timer deadline(loop, [&] { expired = true; });
  deadline.arm(std::chrono::seconds(5));
  while (!done() && !expired) event_base_loop(loop.base(), EVLOOP_ONCE);
  return done();
}

std::string okResponse(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string statusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

}  // namespace

TEST_GROUP(MetricsServer) {
  EventLoop loop;
  int scrapes = 0;
  MetricsServer::BodyCallback body = [this] { return "scrape " + std::to_string(++scrapes) + "\n"; };
};

TEST(MetricsServer, ServesAFreshBodyOnEachScrape) {
  MetricsServer server(loop, "127.0.0.1:0", body);
  CHECK(server.port() != 0);
  TestClient first(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return first.done; }));
  STRCMP_EQUAL(okResponse("scrape 1\n").c_str(), first.response.c_str());
  TestClient second(loop, "127.0.0.1", server.port(), "GET /metrics?name[]=x HTTP/1.0\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return second.done; }));
  STRCMP_EQUAL(okResponse("scrape 2\n").c_str(), second.response.c_str());
  CHECK_TRUE(runUntil(loop, [&] { return server.clients() == 0; }));
  LONGS_EQUAL(2, server.responses());
}

TEST(MetricsServer, ErrorStatuses) {
  MetricsServer server(loop, "127.0.0.1:0", body);
  const uint16_t port = server.port();
  std::vector<std::unique_ptr<TestClient>> c;
  c.push_back(std::make_unique<TestClient>(loop, "127.0.0.1", port, "GET /other HTTP/1.1\r\n\r\n"));
  c.push_back(std::make_unique<TestClient>(loop, "127.0.0.1", port,
                                           "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
  c.push_back(std::make_unique<TestClient>(loop, "127.0.0.1", port, "HELLO\r\n\r\n"));
  c.push_back(
      std::make_unique<TestClient>(loop, "127.0.0.1", port, std::string("\x16\x03\x01\x00\xa5\x01\n", 7)));
  c.push_back(
      std::make_unique<TestClient>(loop, "127.0.0.1", port, "GET /metrics HTTP/1.1\r\nBad header\r\n\r\n"));
  c.push_back(std::make_unique<TestClient>(
      loop, "127.0.0.1", port, "GET /metrics HTTP/1.1\r\n" + std::string(9000, 'a') + "\r\n\r\n"));
  c.push_back(std::make_unique<TestClient>(loop, "127.0.0.1", port, "HEAD /metrics HTTP/1.1\r\n\r\n"));
  CHECK_TRUE(runUntil(loop, [&] {
    for (const auto& client : c)
      if (!client->done) return false;
    return true;
  }));
  STRCMP_EQUAL(
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n"
      "Connection: close\r\n\r\n404 Not Found\n",
      c[0]->response.c_str());
  STRCMP_EQUAL(
      "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\n"
      "Allow: GET, HEAD\r\nConnection: close\r\n\r\n405 Method Not Allowed\n",
      c[1]->response.c_str());
  STRCMP_EQUAL("HTTP/1.1 400 Bad Request", statusLine(c[2]->response).c_str());
  STRCMP_EQUAL("HTTP/1.1 400 Bad Request", statusLine(c[3]->response).c_str());
  STRCMP_EQUAL("HTTP/1.1 400 Bad Request", statusLine(c[4]->response).c_str());
  STRCMP_EQUAL("HTTP/1.1 431 Request Header Fields Too Large", statusLine(c[5]->response).c_str());
  // HEAD: the headers a GET would get, no body.
  STRCMP_EQUAL(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 9\r\n"
      "Connection: close\r\n\r\n",
      c[6]->response.c_str());
  LONGS_EQUAL(1, scrapes);  // only the HEAD rendered
}

TEST(MetricsServer, ManyClientsAtOnceWhileAnIdleClientWaits) {
  MetricsServer server(loop, "127.0.0.1:0", body);
  TestClient idle(loop, "127.0.0.1", server.port(), "GET /metr");  // never completes its request
  std::vector<std::unique_ptr<TestClient>> c;
  for (int i = 0; i < 20; ++i)
    c.push_back(
        std::make_unique<TestClient>(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n\r\n"));
  CHECK_TRUE(runUntil(loop, [&] {
    for (const auto& client : c)
      if (!client->done) return false;
    return true;
  }));
  for (const auto& client : c) STRCMP_EQUAL("HTTP/1.1 200 OK", statusLine(client->response).c_str());
  LONGS_EQUAL(20, scrapes);
  CHECK_FALSE(idle.done);
  CHECK_TRUE(runUntil(loop, [&] { return server.clients() == 1; }));  // the idle one
}

TEST(MetricsServer, IdleClientIsDroppedAtItsDeadline) {
  MetricsServer::Limits limits;
  limits.client_timeout = std::chrono::milliseconds(50);
  MetricsServer server(loop, "127.0.0.1:0", body, limits);
  TestClient idle(loop, "127.0.0.1", server.port(), "");
  CHECK_TRUE(runUntil(loop, [&] { return idle.done; }));
  STRCMP_EQUAL("", idle.response.c_str());
  CHECK_TRUE(runUntil(loop, [&] { return server.clients() == 0; }));
}

TEST(MetricsServer, ConnectionsBeyondTheLimitAreClosed) {
  MetricsServer::Limits limits;
  limits.max_clients = 2;
  MetricsServer server(loop, "127.0.0.1:0", body, limits);
  TestClient a(loop, "127.0.0.1", server.port(), "");
  TestClient b(loop, "127.0.0.1", server.port(), "");
  TestClient over(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return over.done; }));
  STRCMP_EQUAL("", over.response.c_str());
  LONGS_EQUAL(2, server.clients());
  CHECK_FALSE(a.done || b.done);
}

TEST(MetricsServer, ClientLeavingBeforeTheResponseIsForgotten) {
  MetricsServer server(loop, "127.0.0.1:0", body);
  {
    TestClient gone(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n");
    CHECK_TRUE(runUntil(loop, [&] { return server.clients() == 1; }));
  }  // closed with the request incomplete: answered with 400 into a closed socket, or dropped
  CHECK_TRUE(runUntil(loop, [&] { return server.clients() == 0; }));
  TestClient next(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return next.done; }));
  STRCMP_EQUAL("HTTP/1.1 200 OK", statusLine(next.response).c_str());
}

TEST(MetricsServer, ThrowingCallbackGives500) {
  MetricsServer server(loop, "127.0.0.1:0", []() -> std::string { throw std::runtime_error("boom"); });
  TestClient client(loop, "127.0.0.1", server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return client.done; }));
  STRCMP_EQUAL("HTTP/1.1 500 Internal Server Error", statusLine(client.response).c_str());
}

TEST(MetricsServer, ServesOnIpv6Loopback) {
  MetricsServer server(loop, "[::1]:0", body);
  TestClient client(loop, "::1", server.port(), "GET /metrics HTTP/1.1\r\nHost: [::1]\r\n\r\n");
  CHECK_TRUE(runUntil(loop, [&] { return client.done; }));
  STRCMP_EQUAL(okResponse("scrape 1\n").c_str(), client.response.c_str());
}

TEST(MetricsServer, ConstructorErrorsNameTheAddressAndErrno) {
  MetricsServer first(loop, "127.0.0.1:0", body);
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  std::string what;
  try {
    MetricsServer second(loop, taken, body);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  STRCMP_EQUAL(("metrics: cannot listen on " + taken + ": bind: Address already in use (errno 98)").c_str(),
               what.c_str());
  try {
    MetricsServer bad(loop, "localhost:9370", body);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  STRCMP_EQUAL("metrics: cannot listen on 'localhost:9370': 'localhost' is not an IP address", what.c_str());
  try {
    MetricsServer foreign(loop, "192.0.2.1:9370", body);  // not an address of this host
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  STRCMP_EQUAL("metrics: cannot listen on 192.0.2.1:9370: bind: Cannot assign requested address (errno 99)",
               what.c_str());
}
