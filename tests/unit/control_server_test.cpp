// ControlServer on a real unix socket in a temp dir, driven by the EventLoop on the test thread: requests
// answered in order on several connections, garbage and oversized frames rejected and closed without
// disturbing the others, peer credentials, the connection limit (the connection idle longest makes room), a
// client that never reads being dropped, and the socket file's set-up (mode, group, stale file, parent
// directory) and removal.
#include "agent/control/control_server.h"

#include <CppUTest/TestHarness.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/control/control_framing.h"
#include "tests/unit/loop_pump.h"

using namespace anycastd;

namespace {

bool pump(EventLoop& loop, const std::function<bool()>& done) {
  return test::pumpUntil(loop, done);
}

int connectTo(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A client on the test's event loop: sends raw bytes or requests, collects the replies and notices EOF.
class TestClient {
 public:
  TestClient(EventLoop& loop, const std::string& path, bool reading = true)
      : fd_(connectTo(path)), watch_(loop, [this](bool, bool) { onReadable(); }), decoder_(64 << 20) {
    CHECK(fd_ >= 0);
    if (reading) startReading();
  }
  ~TestClient() {
    watch_.cancel();
    if (fd_ >= 0) ::close(fd_);
  }
  void startReading() { watch_.watch(fd_, false, std::chrono::milliseconds(0)); }

  void sendRaw(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      CHECK(n > 0);
      off += static_cast<size_t>(n);
    }
  }
  void send(const control::Request& request) { sendRaw(encodeFrame(request.SerializeAsString())); }
  void sendShow(const std::string& vip) {
    control::Request r;
    r.mutable_show()->set_vip(vip);
    send(r);
  }

  std::vector<control::Response> responses;
  bool closed = false;
  size_t bytes_read = 0;
  int fd() const { return fd_; }

 private:
  void onReadable() {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {  // EOF, or ECONNRESET when the server closed with our bytes unread
      closed = true;
      return;
    }
    bytes_read += static_cast<size_t>(n);
    decoder_.feed(buf, static_cast<size_t>(n));
    std::string frame;
    while (decoder_.next(frame) == FrameDecoder::Result::kFrame) {
      responses.emplace_back();
      CHECK(responses.back().ParseFromString(frame));
    }
    CHECK_FALSE(decoder_.failed());
    startReading();
  }

  int fd_;
  FdWatch watch_;
  FrameDecoder decoder_;
};

struct Call {
  control::Request request;
  PeerCredentials peer;
};

}  // namespace

TEST_GROUP(ControlServer) {
  std::string dir;
  std::string path;
  std::unique_ptr<EventLoop> loop;
  std::vector<Call> calls;
  std::string big_reply;  // config_text for show_config requests

  void setup() override {
    char tmpl[] = "/tmp/anycastd-control-test.XXXXXX";
    CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/run/anycastd.sock";
    loop = std::make_unique<EventLoop>();
  }
  void teardown() override {
    loop.reset();
    ::unlink(path.c_str());
    ::rmdir((dir + "/run").c_str());
    ::rmdir(dir.c_str());
  }

  // Answers show with a Status whose config_file names the VIP asked for, show_config with big_reply.
  std::unique_ptr<ControlServer> makeServer(
      const std::string& group = "",
      std::chrono::milliseconds eviction_grace = std::chrono::milliseconds(0)) {
    return std::make_unique<ControlServer>(
        *loop, path, group,
        [this](const control::Request& req, const PeerCredentials& peer) {
          calls.push_back({req, peer});
          control::Response r;
          r.set_ok(true);
          if (req.has_show_config()) {
            r.set_config_text(big_reply);
          } else if (req.has_show()) {
            if (req.show().vip() == "throw") throw std::runtime_error("boom");
            r.mutable_status()->set_config_file("answer for " + req.show().vip());
          } else {
            r.set_ok(false);
            r.set_error("unsupported");
          }
          return r;
        },
        eviction_grace);
  }
};

TEST(ControlServer, CreatesTheSocketWithModeAndGroupInANewDirectory) {
  struct group* gr = ::getgrgid(::getgid());
  CHECK(gr != nullptr);
  auto server = makeServer(gr->gr_name);
  struct stat st;
  CHECK_EQUAL(0, ::lstat(path.c_str(), &st));
  CHECK_TRUE(S_ISSOCK(st.st_mode));
  CHECK_EQUAL(0660, st.st_mode & 07777);
  CHECK_EQUAL(::getgid(), st.st_gid);
  CHECK_EQUAL(0, ::stat((dir + "/run").c_str(), &st));
  CHECK_EQUAL(0755, st.st_mode & 07777);
  server.reset();
  CHECK_EQUAL(-1, ::lstat(path.c_str(), &st));  // unlinked
}

TEST(ControlServer, ReplacesAStaleSocketButNotALiveOneOrAFile) {
  {
    auto first = makeServer();
    // A second server on the same path would steal the first one's clients.
    try {
      makeServer();
      FAIL("expected an exception");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      CHECK(std::string(e.what()).find("another process is listening") != std::string::npos);
    }
  }
  // A socket file nobody listens on (a crashed run).
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  ::close(fd);
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendShow("web");
  CHECK(pump(*loop, [&] { return c.responses.size() == 1; }));
  server.reset();

  FILE* f = std::fopen(path.c_str(), "w");
  std::fclose(f);
  try {
    makeServer();
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("is not a socket") != std::string::npos);
  }
}

TEST(ControlServer, UnknownGroupIsAnError) {
  try {
    makeServer("no-such-group-anycastd");
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    STRCMP_EQUAL(("control socket " + path + ": unknown group 'no-such-group-anycastd'").c_str(), e.what());
  }
}

TEST(ControlServer, SeveralClientsGetTheirOwnAnswersInOrder) {
  auto server = makeServer();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(std::make_unique<TestClient>(*loop, path));
  for (int i = 0; i < 5; ++i) {
    // Two requests in one write, one more later.
    control::Request a, b;
    a.mutable_show()->set_vip("c" + std::to_string(i) + "-1");
    b.mutable_show()->set_vip("c" + std::to_string(i) + "-2");
    clients[i]->sendRaw(encodeFrame(a.SerializeAsString()) + encodeFrame(b.SerializeAsString()));
  }
  for (int i = 0; i < 5; ++i) clients[i]->sendShow("c" + std::to_string(i) + "-3");
  CHECK(pump(*loop, [&] {
    for (auto& c : clients)
      if (c->responses.size() < 3) return false;
    return true;
  }));
  for (int i = 0; i < 5; ++i) {
    CHECK_EQUAL(3u, clients[i]->responses.size());
    for (int j = 0; j < 3; ++j) {
      CHECK_TRUE(clients[i]->responses[j].ok());
      STRCMP_EQUAL(("answer for c" + std::to_string(i) + "-" + std::to_string(j + 1)).c_str(),
                   clients[i]->responses[j].status().config_file().c_str());
    }
    CHECK_FALSE(clients[i]->closed);  // idle connections stay open
  }
}

TEST(ControlServer, GarbageGetsAnErrorAndIsClosedWhileOthersAreServed) {
  auto server = makeServer();
  TestClient good(*loop, path);
  TestClient bad(*loop, path);
  good.sendShow("before");
  // A valid request, then a frame whose bytes are no Request (field 31 with wire type 7), then more.
  control::Request ok;
  ok.mutable_show()->set_vip("first");
  bad.sendRaw(encodeFrame(ok.SerializeAsString()) + encodeFrame("\xff\xff\xff\xff") + encodeFrame("x"));
  CHECK(pump(*loop, [&] { return bad.closed && good.responses.size() == 1; }));
  CHECK_EQUAL(2u, bad.responses.size());
  CHECK_TRUE(bad.responses[0].ok());
  STRCMP_EQUAL("answer for first", bad.responses[0].status().config_file().c_str());
  CHECK_FALSE(bad.responses[1].ok());
  STRCMP_EQUAL(
      "bad request: the 4 bytes received do not parse as an anycastd.control.Request; closing the connection",
      bad.responses[1].error().c_str());
  CHECK_EQUAL(2u, calls.size());  // the frame after the garbage was not handled

  good.sendShow("after");
  CHECK(pump(*loop, [&] { return good.responses.size() == 2; }));
  STRCMP_EQUAL("answer for after", good.responses[1].status().config_file().c_str());
  CHECK_FALSE(good.closed);
}

TEST(ControlServer, OversizedFrameIsRejected) {
  auto server = makeServer();
  TestClient c(*loop, path);
  control::Request r;
  r.mutable_show()->set_vip(std::string(kMaxRequestFrameBytes, 'v'));
  c.send(r);
  CHECK(pump(*loop, [&] { return c.closed; }));
  CHECK_EQUAL(1u, c.responses.size());
  CHECK_FALSE(c.responses[0].ok());
  STRCMP_CONTAINS("exceeds the limit of 65536 bytes", c.responses[0].error().c_str());
  CHECK_EQUAL(0u, calls.size());
}

TEST(ControlServer, BadVarintIsRejected) {
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendRaw("\xff\xff\xff\xff\xff\xff");
  CHECK(pump(*loop, [&] { return c.closed; }));
  CHECK_EQUAL(1u, c.responses.size());
  STRCMP_CONTAINS("varint longer than 5 bytes", c.responses[0].error().c_str());
}

TEST(ControlServer, PeerCredentialsReachTheHandler) {
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendShow("web");
  CHECK(pump(*loop, [&] { return c.responses.size() == 1; }));
  CHECK_EQUAL(1u, calls.size());
  CHECK_EQUAL(::getpid(), calls[0].peer.pid);
  CHECK_EQUAL(::getuid(), calls[0].peer.uid);
  CHECK_EQUAL(::getgid(), calls[0].peer.gid);
  struct passwd* pw = ::getpwuid(::getuid());
  STRCMP_EQUAL(pw ? pw->pw_name : ("uid " + std::to_string(::getuid())).c_str(), calls[0].peer.user.c_str());
  STRCMP_EQUAL("web", calls[0].request.show().vip().c_str());
}

TEST(ControlServer, AHandlerExceptionBecomesAnErrorReply) {
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendShow("throw");
  c.sendShow("web");
  CHECK(pump(*loop, [&] { return c.responses.size() == 2; }));
  CHECK_FALSE(c.responses[0].ok());
  STRCMP_EQUAL("internal error in anycastd: boom", c.responses[0].error().c_str());
  CHECK_TRUE(c.responses[1].ok());
}

TEST(ControlServer, RepliesFollowAHalfClose) {
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendShow("web");
  ::shutdown(c.fd(), SHUT_WR);
  CHECK(pump(*loop, [&] { return c.closed; }));
  CHECK_EQUAL(1u, c.responses.size());
}

TEST(ControlServer, AtTheLimitANewConnectionClosesTheOneIdleLongest) {
  auto server = makeServer();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (size_t i = 0; i < ControlServer::kMaxConnections; ++i) {
    clients.push_back(std::make_unique<TestClient>(*loop, path));
    clients.back()->sendShow("c" + std::to_string(i));
    // One at a time, so that their last activity is in this order.
    CHECK(pump(*loop, [&] { return clients.back()->responses.size() == 1; }));
  }
  clients[0]->sendShow("again");  // client 0 is busy again: client 1 is now the idlest
  CHECK(pump(*loop, [&] { return clients[0]->responses.size() == 2; }));
  TestClient extra(*loop, path);
  extra.sendShow("extra");
  CHECK(pump(*loop, [&] { return extra.responses.size() == 1 && clients[1]->closed; }));
  STRCMP_EQUAL("answer for extra", extra.responses[0].status().config_file().c_str());
  for (size_t i = 0; i < clients.size(); ++i)
    if (i != 1) CHECK_FALSE(clients[i]->closed);
}

TEST(ControlServer, AtTheLimitFreshConnectionsAreNotEvictedBeforeTheyAreRead) {
  auto server = makeServer("", std::chrono::seconds(60));
  std::vector<std::unique_ptr<TestClient>> clients;
  for (size_t i = 0; i < ControlServer::kMaxConnections; ++i) {
    clients.push_back(std::make_unique<TestClient>(*loop, path));
    event_base_loop(loop->base(), EVLOOP_NONBLOCK);
  }
  TestClient extra(*loop, path);
  CHECK(pump(*loop, [&] { return extra.closed; }));  // refused: nobody has been idle for the grace
  for (auto& c : clients) CHECK_FALSE(c->closed);
  clients[5]->sendShow("still served");
  CHECK(pump(*loop, [&] { return clients[5]->responses.size() == 1; }));
}

TEST(ControlServer, ConnectionsThatNeverSendCannotLockOutAClient) {
  auto server = makeServer();
  std::vector<std::unique_ptr<TestClient>> idle;
  for (size_t i = 0; i < 3 * ControlServer::kMaxConnections; ++i) {
    idle.push_back(std::make_unique<TestClient>(*loop, path));
    // Let the server accept it (the listen backlog is only kMaxConnections long; connect would block).
    event_base_loop(loop->base(), EVLOOP_NONBLOCK);
  }
  TestClient client(*loop, path);
  client.sendShow("web");
  CHECK(pump(*loop, [&] { return client.responses.size() == 1; }));
  STRCMP_EQUAL("answer for web", client.responses[0].status().config_file().c_str());
  // The earliest idle ones made room; the newest still have theirs.
  CHECK(pump(*loop, [&] { return idle.front()->closed; }));
  CHECK_FALSE(idle.back()->closed);
}

TEST(ControlServer, AClientThatNeverReadsIsDroppedAndDoesNotStallOthers) {
  big_reply.assign(1 << 20, 'c');
  auto server = makeServer();
  TestClient slow(*loop, path, /*reading=*/false);
  TestClient other(*loop, path);
  control::Request r;
  r.mutable_show_config();
  std::string many;
  for (int i = 0; i < 10; ++i) many += encodeFrame(r.SerializeAsString());
  slow.sendRaw(many);
  // The 4 MiB cap is reached before the sixth reply is queued.
  CHECK(pump(*loop, [&] { return calls.size() >= 6; }));
  other.sendShow("web");
  CHECK(pump(*loop, [&] { return other.responses.size() == 1; }));
  slow.startReading();
  CHECK(pump(*loop, [&] { return slow.closed; }));
  CHECK(slow.responses.size() < 10);
  CHECK(slow.bytes_read < 10 * big_reply.size());
  CHECK_FALSE(other.closed);
}

TEST(ControlServer, DestructionClosesConnections) {
  auto server = makeServer();
  TestClient c(*loop, path);
  c.sendShow("web");
  CHECK(pump(*loop, [&] { return c.responses.size() == 1; }));
  server.reset();
  char byte;
  CHECK_EQUAL(0, ::recv(c.fd(), &byte, 1, 0));
}
