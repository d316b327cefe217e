// ExecRunner against real short-lived processes (/bin/sh): exit status, first output line, environment,
// the concurrency cap and its queue, cancellation of queued and running programs (the whole process
// group). Synchronises on the runner's callbacks through the event loop, never on time.
#include "agent/probes/exec_runner.h"

#include <CppUTest/TestHarness.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/loop_pump.h"

using namespace anycastd;
using anycastd::test::pumpUntil;

namespace {

ExecRequest sh(const std::string& script, std::vector<std::string> env = {}) {
  return ExecRequest{"/bin/sh", {"-c", script}, std::move(env), {}};
}

bool processExists(pid_t pid) {
  return kill(pid, 0) == 0;
}

}  // namespace

TEST_GROUP(ExecRunner){};

TEST(ExecRunner, ExitStatusAndFirstLine) {
  EventLoop loop;
  ExecRunner runner(loop);
  std::optional<ExecOutcome> ok, bad, sig;
  runner.submit(sh("echo fine; exit 0"), [&](ExecOutcome o) { ok = o; });
  runner.submit(sh("echo 'backend down' >&2; echo second; exit 3"), [&](ExecOutcome o) { bad = o; });
  runner.submit(sh("kill -9 $$"), [&](ExecOutcome o) { sig = o; });
  CHECK(pumpUntil(loop, [&] { return ok && bad && sig; }));
  CHECK(ok->ok);
  STRCMP_EQUAL("exit status 0", ok->detail.c_str());
  CHECK_FALSE(bad->ok);
  STRCMP_EQUAL("exit status 3: backend down", bad->detail.c_str());
  CHECK_FALSE(sig->ok);
  STRCMP_CONTAINS("killed by signal 9", sig->detail.c_str());
  LONGS_EQUAL(0, runner.running());
}

TEST(ExecRunner, EnvironmentAndArguments) {
  EventLoop loop;
  ExecRunner runner(loop);
  std::optional<ExecOutcome> out;
  runner.submit(ExecRequest{"/bin/sh",
                            {"-c", "echo \"$ANYCASTD_SERVER $1 $(test -t 0 || cat)\"; exit 1", "sh", "arg1"},
                            {"ANYCASTD_SERVER=192.0.2.2"},
                            {}},
                [&](ExecOutcome o) { out = o; });
  CHECK(pumpUntil(loop, [&] { return out.has_value(); }));
  STRCMP_EQUAL("exit status 1: 192.0.2.2 arg1 ", out->detail.c_str());  // stdin is /dev/null: empty
}

TEST(ExecRunner, MissingProgram) {
  EventLoop loop;
  ExecRunner runner(loop);
  std::optional<ExecOutcome> out;
  runner.submit(ExecRequest{"/nonexistent/check", {}, {}, {}}, [&](ExecOutcome o) { out = o; });
  CHECK(pumpUntil(loop, [&] { return out.has_value(); }));
  CHECK_FALSE(out->ok);
  // The child reports the exec failure through its error pipe.
  CHECK_TEXT(out->detail.find("no such file") != std::string::npos || out->detail == "exit status 127",
             out->detail.c_str());
}

TEST(ExecRunner, ConcurrencyIsCappedAndTheQueueDrains) {
  EventLoop loop;
  ExecRunner runner(loop, 2);
  // Each program waits until its release file exists; the test creates them one by one.
  char dir_template[] = "/tmp/anycastd-exec-test-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  int done = 0;
  std::vector<ExecRunner::Id> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(runner.submit(sh("while [ ! -e " + dir + "/go ]; do sleep 0.01; done"),
                                [&](ExecOutcome o) { done += o.ok; }));
  LONGS_EQUAL(2, runner.running());
  LONGS_EQUAL(2, runner.queued());
  CHECK(runner.isQueued(ids[3]));
  runner.cancel(ids[3]);  // a queued request just goes
  LONGS_EQUAL(1, runner.queued());
  std::ofstream(dir + "/go").put('x');
  CHECK(pumpUntil(loop, [&] { return done == 3; }));
  LONGS_EQUAL(0, runner.running());
  LONGS_EQUAL(0, runner.queued());
  unlink((dir + "/go").c_str());
  rmdir(dir.c_str());
}

TEST(ExecRunner, CancelKillsTheWholeProcessGroup) {
  EventLoop loop;
  ExecRunner runner(loop, 1);
  char path_template[] = "/tmp/anycastd-exec-pid-XXXXXX";
  const int fd = mkstemp(path_template);
  close(fd);
  const std::string pidfile = path_template;
  bool called = false;
  // The shell starts a background sleeper (same process group), records its PID, then waits.
  const ExecRunner::Id id =
      runner.submit(sh("sleep 60 & echo $! > " + pidfile + "; wait"), [&](ExecOutcome) { called = true; });
  // The shell writes the file on its own, not through an event of our loop: polled with a deadline.
  pid_t sleeper = 0;
  auto recorded = [&] {
    std::ifstream in(pidfile);
    return static_cast<bool>(in >> sleeper);
  };
  const auto started = std::chrono::steady_clock::now();
  while (!recorded() && std::chrono::steady_clock::now() < started + std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(sleeper > 0);
  CHECK(processExists(sleeper));
  // A second request waits for the slot the cancelled one frees once reaped.
  std::optional<ExecOutcome> next;
  runner.submit(sh("exit 0"), [&](ExecOutcome o) { next = o; });
  LONGS_EQUAL(1, runner.queued());
  runner.cancel(id);
  CHECK(pumpUntil(loop, [&] { return next.has_value(); }));
  CHECK(next->ok);
  CHECK_FALSE(called);
  // The sleeper got SIGKILL with its group; it is not our child (the shell was), so it is gone or a zombie
  // left to init. Polled with a deadline: its death is not an event of our loop.
  auto dead = [&] {
    std::ifstream stat("/proc/" + std::to_string(sleeper) + "/stat");
    std::string s;
    std::getline(stat, s);
    return s.empty() || s.find(") Z") != std::string::npos;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!dead() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_TEXT(dead(), ("process " + std::to_string(sleeper) + " survived its group's SIGKILL").c_str());
  unlink(pidfile.c_str());
}

namespace {

// Runs `script` as nobody:nogroup (65534, as on every Debian) and returns its first output line (it exits 1).
std::string asNobody(const std::string& script, std::vector<std::string> env = {}) {
  EventLoop loop;
  ExecRunner runner(loop);
  std::optional<ExecOutcome> out;
  runner.submit(
      ExecRequest{
          "/bin/sh", {"-c", script + "; exit 1"}, std::move(env), ExecIdentity{65534, 65534, {65534}}},
      [&](ExecOutcome o) { out = o; });
  CHECK(pumpUntil(loop, [&] { return out.has_value(); }));
  const std::string prefix = "exit status 1: ";
  CHECK_TEXT(out->detail.compare(0, prefix.size(), prefix) == 0, out->detail.c_str());
  return out->detail.substr(prefix.size());
}

}  // namespace

TEST(ExecRunner, RunsAsTheRequestedUserWithoutCapabilities) {
  if (geteuid() != 0) return;  // only root can change user (make test runs as root)
  STRCMP_EQUAL("65534 65534 65534", asNobody("echo $(id -u) $(id -g) $(id -G)").c_str());
  // Every capability set empty, the bounding set too, and no_new_privs: nothing regains a capability.
  STRCMP_EQUAL(
      "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 "
      "CapAmb: 0000000000000000 NoNewPrivs: 1",
      asNobody("echo $(grep -E '^(Cap|NoNewPrivs)' /proc/self/status)").c_str());
}

TEST(ExecRunner, GetsOnlyItsOwnEnvironmentAndNoOtherFd) {
  if (geteuid() != 0) return;
  // What the daemon has (systemd's notification socket and watchdog) must not reach the program.
  setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  setenv("WATCHDOG_USEC", "1000000", 1);
  const int null_fd = open("/dev/null", O_RDONLY);
  const int leaked = fcntl(null_fd, F_DUPFD, 100);  // an fd of the agent's without O_CLOEXEC
  close(null_fd);
  CHECK(leaked >= 100);
  const std::string fd = "/proc/$$/fd/" + std::to_string(leaked);
  const std::string got = asNobody("echo $(env | cut -d= -f1 | grep -vx PWD | sort) $PATH $(test -e " + fd +
                                       " && echo " + fd + " open || echo other fds closed)",
                                   {"ANYCASTD_SERVER=192.0.2.2", "ANYCASTD_VIP=203.0.113.10/32"});
  close(leaked);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  STRCMP_EQUAL("ANYCASTD_SERVER ANYCASTD_VIP PATH /usr/sbin:/usr/bin:/sbin:/bin other fds closed",
               got.c_str());
}

TEST(ExecRunner, AStepThatFailsRunsNothing) {
  if (geteuid() == 0) return;  // as root every identity is allowed
  EventLoop loop;
  ExecRunner runner(loop);
  std::optional<ExecOutcome> out;
  runner.submit(ExecRequest{"/bin/true", {}, {}, ExecIdentity{0, 0, {0}}}, [&](ExecOutcome o) { out = o; });
  CHECK(pumpUntil(loop, [&] { return out.has_value(); }));
  CHECK_FALSE(out->ok);
  STRCMP_CONTAINS("cannot run /bin/true: setgroups", out->detail.c_str());
}
