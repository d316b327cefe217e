// ZebraDataplane's connection handling against a scripted peer on a real unix socket (the real zebra is in
// tests/integration/test_zebra_mode.py): the handshake of a detected release, routes sent once up and
// re-sent after a reconnect, garbage from the peer resetting the connection instead of crashing, and a peer
// that stops reading: the output stays bounded, the connection is re-made and carries the whole state.
#include "platform/zebra/zebra_dataplane.h"

#include <CppUTest/TestHarness.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "tests/unit/loop_pump.h"
#include "tests/unit/zapi_test_util.h"

using namespace anycastd;
using namespace anycastd::ztest;

namespace {

ZapiMessage reply(uint16_t command, const std::vector<uint8_t>& body) {
  ByteWriter w = startZapiMessage(command, 0);
  w.raw(body.data(), body.size());
  ZapiMessage m;
  m.bytes = finishZapiMessage(std::move(w), "peer").value();
  m.header = decodeHeader(m.bytes).value();
  return m;
}

// A zebra 10.2+ stand-in: answers the release probe with ERROR and HELLO with CAPABILITIES, records every
// command it receives per connection, and can send raw bytes.
class ScriptedZebra {
 public:
  ScriptedZebra(EventLoop& loop, std::string path) : loop_(loop), path_(std::move(path)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
    ::unlink(path_.c_str());
    CHECK_EQUAL(0, ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
    CHECK_EQUAL(0, ::listen(listen_fd_, 4));
    accept_watch_ = std::make_unique<ReadWatch>(loop_, listen_fd_, [this] { onAccept(); });
  }
  ~ScriptedZebra() {
    conn_watch_.reset();
    accept_watch_.reset();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    ::close(listen_fd_);
    ::unlink(path_.c_str());
  }

  void sendRaw(const std::vector<uint8_t>& bytes) {
    CHECK(::write(conn_fd_, bytes.data(), bytes.size()) > 0);
  }

  // A stopped zebra (SIGSTOP): reads nothing and accepts no connection until resume().
  void pause() {
    conn_watch_.reset();
    accept_watch_.reset();
  }
  void resume() {
    accept_watch_ = std::make_unique<ReadWatch>(loop_, listen_fd_, [this] { onAccept(); });
    if (conn_fd_ >= 0) conn_watch_ = std::make_unique<ReadWatch>(loop_, conn_fd_, [this] { onReadable(); });
  }

  int connections = 0;
  std::vector<std::vector<uint16_t>> commands;  // per connection
  std::function<void()> onCommand;              // after each received command
  std::vector<uint8_t> last_route_add;          // the last ROUTE_ADD (10.x) received

 private:
  void onAccept() {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) return;
    conn_watch_.reset();
    if (conn_fd_ >= 0) ::close(conn_fd_);
    conn_fd_ = fd;
    framer_.reset();
    ++connections;
    commands.emplace_back();
    conn_watch_ = std::make_unique<ReadWatch>(loop_, conn_fd_, [this] { onReadable(); });
  }
  void onReadable() {
    uint8_t buf[4096];
    ssize_t n = ::read(conn_fd_, buf, sizeof(buf));
    if (n <= 0) {
      conn_watch_.reset();
      ::close(conn_fd_);
      conn_fd_ = -1;
      return;
    }
    framer_.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    ZapiMessage m;
    while (framer_.next(&m) == ZapiFramer::Status::kMessage) {
      commands.back().push_back(m.header.command);
      if (m.header.command == 9) last_route_add = m.bytes;
      if (m.header.command == kReleaseProbeCommand) {
        ByteWriter e;
        e.hostU32(2);
        sendRaw(reply(120, e.take()).bytes);  // ERROR in 10.2+
      } else if (m.header.command == 19) {    // HELLO in 10.x
        sendRaw(reply(20, {0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0}).bytes);
      }
      if (onCommand) onCommand();
    }
  }

  EventLoop& loop_;
  std::string path_;
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  std::unique_ptr<ReadWatch> accept_watch_;
  std::unique_ptr<ReadWatch> conn_watch_;
  ZapiFramer framer_;
};

bool has(const std::vector<uint16_t>& v, uint16_t command) {
  return std::find(v.begin(), v.end(), command) != v.end();
}

ZebraConfig configFor(const std::string& path) {
  ZebraConfig config;
  config.socket = path;
  config.verify_kernel = false;
  return config;
}

Route vipRoute() {
  Route r;
  r.prefix = prefix("203.0.113.10/32");
  r.nexthops = {{ip("192.0.2.2"), 1}, {ip("192.0.2.6"), 1}};
  return r;
}

}  // namespace

TEST_GROUP(ZebraDataplane) {
  std::string path;
  void setup() override {
    char dir[] = "/tmp/anycastd-zebra-test.XXXXXX";
    CHECK(::mkdtemp(dir) != nullptr);
    path = std::string(dir) + "/zserv.api";
  }
  void teardown() override {
    ::unlink(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
  }
};

TEST(ZebraDataplane, RegistersSendsRoutesAndReconnectsAfterGarbage) {
  EventLoop loop;
  ScriptedZebra peer(loop, path);
  ZebraDataplane dataplane(loop, configFor(path));
  CHECK_TRUE(dataplane.programRoute(vipRoute()).isOk());  // recorded; sent once the session is up

  Timer deadline(loop, [&] { loop.stop(); });
  deadline.arm(std::chrono::seconds(10));
  bool garbage_sent = false;
  peer.onCommand = [&] {
    const auto& now = peer.commands.back();
    if (peer.connections == 1 && has(now, 9) && !garbage_sent) {  // ROUTE_ADD (10.x) on the first session
      garbage_sent = true;
      peer.sendRaw({0x00, 0x0c, 0x42, 0x06, 0, 0, 0, 0, 0, 11, 0, 0});  // bad marker
    }
    if (peer.connections == 2 && has(now, 9)) loop.stop();  // the route came again after the reset
  };
  loop.run();

  LONGS_EQUAL(2, peer.connections);
  const auto& first = peer.commands[0];
  LONGS_EQUAL(kReleaseProbeCommand, first[0]);
  LONGS_EQUAL(19, first[1]);             // HELLO
  CHECK_TRUE(has(first, 126));           // ROUTE_NOTIFY_REQUEST
  CHECK_TRUE(has(first, 121));           // CLIENT_CAPABILITIES (graceful restart)
  CHECK_TRUE(has(peer.commands[1], 9));  // ROUTE_ADD re-sent on the new connection
}

TEST(ZebraDataplane, KeepsRetryingWhileZebraIsAbsent) {
  EventLoop loop;
  ZebraDataplane dataplane(loop, configFor(path));  // nobody listens yet
  CHECK_TRUE(dataplane.programRoute(vipRoute()).isOk());
  std::unique_ptr<ScriptedZebra> peer;
  Timer later(loop, [&] {  // zebra starts after the agent
    peer = std::make_unique<ScriptedZebra>(loop, path);
    peer->onCommand = [&] {
      if (has(peer->commands.back(), 9)) loop.stop();
    };
  });
  later.arm(std::chrono::milliseconds(300));
  Timer deadline(loop, [&] { loop.stop(); });
  deadline.arm(std::chrono::seconds(10));
  loop.run();
  CHECK_TRUE(peer != nullptr);
  CHECK_TRUE(dataplane.connected());
  CHECK_TRUE(has(peer->commands.back(), 9));
}

TEST(ZebraDataplane, AZebraThatStopsReadingCostsBoundedMemoryAndGetsTheFullStateAfterwards) {
  EventLoop loop;
  ScriptedZebra peer(loop, path);
  ZebraDataplane dataplane(loop, configFor(path));
  // 64 VIPs with 32 servers each; every round below changes every route's next hops.
  constexpr int kVips = 64;
  auto vip = [](int i, int round) {
    Route r;
    r.prefix = prefix(("203.0.113." + std::to_string(i) + "/32").c_str());
    for (int s = 1; s <= 32; ++s)
      r.nexthops.push_back({ip(("198.51.100." + std::to_string(s)).c_str()), 1 + (s + round) % 2});
    return r;
  };
  for (int i = 0; i < kVips; ++i) CHECK_TRUE(dataplane.programRoute(vip(i, 0)).isOk());
  auto addsOnLastConnection = [&] {
    if (peer.commands.empty()) return 0L;
    const auto& c = peer.commands.back();
    return static_cast<long>(std::count(c.begin(), c.end(), 9));
  };
  CHECK_TRUE(test::pumpUntil(loop, [&] { return addsOnLastConnection() == kVips; }));
  LONGS_EQUAL(1, peer.connections);

  peer.pause();
  size_t most_queued = 0;
  int round = 1;
  for (; round < 1000 && dataplane.connected(); ++round) {
    for (int i = 0; i < kVips; ++i) {
      CHECK_TRUE(dataplane.programRoute(vip(i, round)).isOk());
      most_queued = std::max(most_queued, dataplane.queuedBytes());
      CHECK(dataplane.queuedBytes() <= dataplane.outputBound());
    }
    test::pumpUntil(loop, [] { return true; });  // one turn: the write watch may run
  }
  CHECK_FALSE(dataplane.connected());  // dropped for not reading
  CHECK(most_queued > dataplane.outputBound() / 2);
  // The agent reconnects (to a zebra that still does not answer) and waits: nothing piles up meanwhile.
  for (int i = 0; i < kVips; ++i) CHECK_TRUE(dataplane.programRoute(vip(i, round)).isOk());
  CHECK(dataplane.queuedBytes() <= dataplane.outputBound());

  peer.resume();
  CHECK_TRUE(test::pumpUntil(loop, [&] { return dataplane.connected() && addsOnLastConnection() == kVips; }));
  CHECK(peer.connections >= 2);
  // The new session carried the routes as they are now (the last one sent is the last VIP's).
  auto sent = decodeRoute(FrrRelease::k10_2, ZapiCommand::kRouteAdd, peer.last_route_add);
  CHECK_TEXT(sent.has_value(), sent.error().message.c_str());
  const Route now = vip(kVips - 1, round);
  LONGS_EQUAL(now.nexthops.size(), sent.value().nexthops.size());
  for (size_t i = 0; i < now.nexthops.size(); ++i) CHECK(now.nexthops[i] == sent.value().nexthops[i].hop);
}
