// SystemdNotifier against a real AF_UNIX datagram socket standing in for systemd's notification socket
// (a path in a temp dir, and an abstract "@" name): the exact datagrams of each call, no-ops without
// NOTIFY_SOCKET, and the watchdog ping sent by the event loop's timer at half WATCHDOG_USEC.
#include "agent/systemd_notify.h"

#include <CppUTest/TestHarness.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

using namespace anycastd;

namespace {

// The receiving end: a datagram socket bound to a path or an abstract name (leading '@').
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    CHECK(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", address.c_str());
    socklen_t len = sizeof(addr);
    if (address[0] == '@') {
      addr.sun_path[0] = '\0';
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    }
    CHECK_EQUAL(0, ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len));
  }
  ~FakeSystemd() { ::close(fd_); }
  int fd() const { return fd_; }

  // Every datagram queued now (the sender's sendto() has returned, so they are all here).
  std::vector<std::string> received() {
    std::vector<std::string> out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT)) >= 0)
      out.emplace_back(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_GROUP(SystemdNotifier) {
  std::string dir;
  std::string path;

  void setup() override {
    char tmpl[] = "/tmp/anycastd-notify.XXXXXX";
    CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/notify";
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  void teardown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
};

TEST(SystemdNotifier, SendsTheExactMessagesToAPathSocket) {
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  CHECK(notifier.enabled());
  LONGS_EQUAL(0, notifier.watchdogPingInterval().count());

  notifier.ready("2 vips, 1 announced");
  notifier.status("reloading\nnow");
  notifier.stopping();
  notifier.readyAgain();
  std::vector<std::string> got = systemd.received();
  LONGS_EQUAL(4, got.size());
  STRCMP_EQUAL("READY=1\nSTATUS=2 vips, 1 announced", got[0].c_str());
  STRCMP_EQUAL("STATUS=reloading now", got[1].c_str());
  STRCMP_EQUAL("STOPPING=1", got[2].c_str());
  STRCMP_EQUAL("READY=1", got[3].c_str());
}

TEST(SystemdNotifier, ReloadingCarriesTheMonotonicTime) {
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  notifier.reloading();
  std::vector<std::string> got = systemd.received();
  LONGS_EQUAL(1, got.size());
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  STRCMP_EQUAL(prefix.c_str(), got[0].substr(0, prefix.size()).c_str());
  const std::string usec = got[0].substr(prefix.size());
  CHECK(!usec.empty() && usec.find_first_not_of("0123456789") == std::string::npos);
  CHECK(std::stoll(usec) >= static_cast<long long>(before.tv_sec) * 1000000 + before.tv_nsec / 1000);
}

TEST(SystemdNotifier, ReachesAnAbstractSocket) {
  const std::string name = "@anycastd-notify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  notifier.ready("up");
  std::vector<std::string> got = systemd.received();
  LONGS_EQUAL(1, got.size());
  STRCMP_EQUAL("READY=1\nSTATUS=up", got[0].c_str());
}

TEST(SystemdNotifier, IsANoOpWithoutNotifySocket) {
  FakeSystemd systemd(path);
  ::setenv("WATCHDOG_USEC", "1000", 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  CHECK(!notifier.enabled());
  LONGS_EQUAL(0, notifier.watchdogPingInterval().count());
  notifier.ready("up");
  notifier.stopping();
  LONGS_EQUAL(0, systemd.received().size());
}

TEST(SystemdNotifier, IgnoresANotifySocketThatIsNotAUnixAddress) {
  ::setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  CHECK(!notifier.enabled());
  notifier.ready("up");  // must not crash
}

TEST(SystemdNotifier, WatchdogForAnotherProcessIsOff) {
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  CHECK(notifier.enabled());
  LONGS_EQUAL(0, notifier.watchdogPingInterval().count());
}

TEST(SystemdNotifier, EventLoopPingsTheWatchdogAtHalfTheInterval) {
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "40000", 1);  // 40 ms: a ping every 20 ms
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EventLoop loop;
  SystemdNotifier notifier(loop);
  LONGS_EQUAL(20000, notifier.watchdogPingInterval().count());
  LONGS_EQUAL(0, systemd.received().size());  // only the loop's timer pings

  std::vector<std::string> got;
  ReadWatch arrivals(loop, systemd.fd(), [&] {
    for (std::string& m : systemd.received()) got.push_back(std::move(m));
    if (got.size() >= 2) loop.stop();
  });
  bool deadline_hit = false;
  Timer deadline(loop, [&] {
    deadline_hit = true;
    loop.stop();
  });
  deadline.arm(std::chrono::seconds(5));
  LONGS_EQUAL(0, loop.run());
  CHECK_FALSE(deadline_hit);
  LONGS_EQUAL(2, got.size());
  STRCMP_EQUAL("WATCHDOG=1", got[0].c_str());
  STRCMP_EQUAL("WATCHDOG=1", got[1].c_str());
}
