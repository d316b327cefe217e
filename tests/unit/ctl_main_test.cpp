// anycastctl end to end in one process: runAnycastctl() runs on a client thread against a ControlServer with
// a scripted handler on a temp socket, while the test thread runs the EventLoop until the client signals
// (an eventfd) that it has finished. Covers every command's request and output, --json, exit codes, the
// error messages for an absent daemon, a timeout, a malformed reply and usage errors, and check-config.
#include "agent/ctl/ctl_main.h"

#include <CppUTest/TestHarness.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/control/control_framing.h"
#include "agent/control/control_server.h"
#include "agent/ctl/ctl_client.h"
#include "tests/unit/loop_pump.h"

using namespace anycastd;

namespace {

struct CtlRun {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs runAnycastctl("anycastctl" + `args`) on a client thread. `serve` runs on the calling thread meanwhile
// and must return once `done_fd` (an eventfd the client writes when it has finished) is readable, or at once.
CtlRun runCtl(const std::vector<std::string>& args, const std::function<void(int done_fd)>& serve) {
  std::vector<std::string> storage = {"anycastctl"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  CtlRun r;
  std::ostringstream out, err;
  int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::thread client([&] {
    r.code = runAnycastctl(static_cast<int>(storage.size()), argv.data(), out, err);
    uint64_t one = 1;
    (void)!::write(efd, &one, sizeof(one));
  });
  serve(efd);
  client.join();
  ::close(efd);
  r.out = out.str();
  r.err = err.str();
  return r;
}

control::Status sampleStatus() {
  control::Status st;
  st.set_version("0.2.0");
  st.set_dataplane("kernel");
  control::VipStatus* web = st.add_vips();
  web->set_name("web");
  web->set_prefix("203.0.113.10/32");
  web->set_state(control::VipStatus::ANNOUNCED);
  web->set_healthy(1);
  web->set_total(1);
  web->set_min_healthy(1);
  web->add_nexthops("192.0.2.2");
  control::ServerStatus* s1 = web->add_servers();
  s1->set_name("s1");
  s1->set_address("192.0.2.2");
  s1->set_weight(1);
  s1->set_health(control::ServerStatus::UP);
  s1->set_in_route(true);
  return st;
}

std::string writeTemp(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_GROUP(Ctl) {
  std::string dir;
  std::string path;
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<ControlServer> server;
  std::vector<control::Request> requests;
  std::vector<PeerCredentials> peers;
  std::function<control::Response(const control::Request&)> script;

  void setup() override {
    char tmpl[] = "/tmp/anycastctl-test.XXXXXX";
    CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/anycastd.sock";
    loop = std::make_unique<EventLoop>();
    script = [](const control::Request& req) {
      control::Response r;
      r.set_ok(true);
      if (req.has_show() || req.has_drain() || req.has_undrain()) *r.mutable_status() = sampleStatus();
      if (req.has_show_config()) r.set_config_text("vip { name: \"web\" }\n");
      if (req.has_reload()) {
        r.mutable_reload()->add_added("api");
        r.mutable_reload()->add_unchanged("web");
      }
      return r;
    };
    server = std::make_unique<ControlServer>(
        *loop, path, "", [this](const control::Request& req, const PeerCredentials& peer) {
          requests.push_back(req);
          peers.push_back(peer);
          return script(req);
        });
  }
  void teardown() override {
    server.reset();
    loop.reset();
    std::filesystem::remove_all(dir);
  }

  // Runs anycastctl against the server (with --socket PATH first unless `with_socket` is false), driving
  // the event loop until the client has finished.
  CtlRun run(std::vector<std::string> args, bool with_socket = true) {
    if (with_socket) args.insert(args.begin(), {"--socket", path});
    return runCtl(args, [&](int done_fd) {
      bool finished = false;
      ReadWatch done(*loop, done_fd, [&] {
        uint64_t v;
        if (::read(done_fd, &v, sizeof(v)) == sizeof(v)) finished = true;
      });
      CHECK_TRUE(test::pumpUntil(
          *loop, [&] { return finished; }, std::chrono::seconds(30)));
    });
  }
};

TEST(Ctl, ShowVipsPrintsATable) {
  CtlRun r = run({"show", "vips"});
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("", r.err.c_str());
  STRCMP_CONTAINS("VIP  PREFIX           STATE      HEALTHY      NEXT HOPS  SINCE  LAST CHANGE\n",
                  r.out.c_str());
  STRCMP_CONTAINS("web  203.0.113.10/32  announced  1/1 (min 1)  192.0.2.2  -      -\n", r.out.c_str());
  CHECK_EQUAL(1u, requests.size());
  CHECK_TRUE(requests[0].has_show());
  STRCMP_EQUAL("", requests[0].show().vip().c_str());
  CHECK_EQUAL(::getpid(), peers[0].pid);
}

TEST(Ctl, ShowVipAndServersAskForOneVip) {
  CtlRun r = run({"show", "vip", "web"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("vip          web\n", r.out.c_str());
  STRCMP_CONTAINS("SERVER  ADDRESS    WEIGHT  HEALTH  IN ROUTE", r.out.c_str());
  STRCMP_EQUAL("web", requests[0].show().vip().c_str());

  r = run({"show", "servers", "web"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("web  s1      192.0.2.2  1       up      yes", r.out.c_str());
  STRCMP_EQUAL("web", requests[1].show().vip().c_str());

  r = run({"show", "servers"});
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("", requests[2].show().vip().c_str());
}

TEST(Ctl, ShowChecksAsksForAllOrOneVip) {
  CtlRun r = run({"show", "checks", "web"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS(" probes running\n", r.out.c_str());
  STRCMP_EQUAL("web", requests[0].show().vip().c_str());
  r = run({"show", "checks"});
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("", requests[1].show().vip().c_str());
}

TEST(Ctl, JsonIsTheStatusWithProtoFieldNames) {
  CtlRun r = run({"--json", "show", "vips"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("\"min_healthy\": 1", r.out.c_str());
  STRCMP_CONTAINS("\"in_route\": true", r.out.c_str());
  control::Status parsed;
  CHECK(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(sampleStatus(), parsed));

  r = run({"show", "vip", "web", "--json"});  // options may follow the command
  CHECK_EQUAL(0, r.code);
  CHECK(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok());
}

TEST(Ctl, DrainAndUndrainSendTheirRequests) {
  CtlRun r = run({"drain", "vip", "web", "--reason", "CHG-1 reboot"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("drained vip web\n\nvip          web\n", r.out.c_str());
  CHECK_TRUE(requests[0].has_drain());
  STRCMP_EQUAL("web", requests[0].drain().vip().c_str());
  STRCMP_EQUAL("", requests[0].drain().server().c_str());
  STRCMP_EQUAL("CHG-1 reboot", requests[0].drain().reason().c_str());

  r = run({"--reason=T2", "drain", "server", "web", "s1"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("drained server s1 of vip web\n", r.out.c_str());
  STRCMP_EQUAL("s1", requests[1].drain().server().c_str());
  STRCMP_EQUAL("T2", requests[1].drain().reason().c_str());

  r = run({"undrain", "server", "web", "s1"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("undrained server s1 of vip web\n", r.out.c_str());
  CHECK_TRUE(requests[2].has_undrain());
  STRCMP_EQUAL("s1", requests[2].undrain().server().c_str());

  r = run({"--json", "undrain", "vip", "web"});
  CHECK_EQUAL(0, r.code);
  CHECK_TRUE(requests[3].has_undrain());
  STRCMP_CONTAINS("\"vips\": [", r.out.c_str());
}

TEST(Ctl, ReloadAndShowConfig) {
  CtlRun r = run({"reload"});
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("added      api\nremoved    -\nchanged    -\nunchanged  web\n", r.out.c_str());
  CHECK_TRUE(requests[0].has_reload());

  r = run({"--json", "reload"});
  STRCMP_CONTAINS("\"added\": [\n  \"api\"\n ]", r.out.c_str());

  r = run({"show", "config"});
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL("vip { name: \"web\" }\n", r.out.c_str());
  CHECK_TRUE(requests[2].has_show_config());

  r = run({"show", "config", "--json"});
  STRCMP_CONTAINS("\"config_text\": \"vip { name: \\\"web\\\" }\\n\"", r.out.c_str());
}

TEST(Ctl, DaemonErrorIsPrintedWithExit1) {
  script = [](const control::Request&) {
    control::Response r;
    r.set_ok(false);
    r.set_error("unknown vip 'nope' (anycastctl show vips lists them)");
    return r;
  };
  CtlRun r = run({"drain", "vip", "nope"});
  CHECK_EQUAL(1, r.code);
  STRCMP_EQUAL("", r.out.c_str());
  STRCMP_EQUAL("anycastctl: unknown vip 'nope' (anycastctl show vips lists them)\n", r.err.c_str());
}

TEST(Ctl, ReplyWithoutTheExpectedResultIsExit3) {
  script = [](const control::Request&) {
    control::Response r;
    r.set_ok(true);
    return r;
  };
  CtlRun r = run({"show", "vips"});
  CHECK_EQUAL(3, r.code);
  STRCMP_CONTAINS("anycastd's reply has no status", r.err.c_str());
}

TEST(Ctl, NoDaemonSaysWhatToDo) {
  std::string missing = dir + "/missing.sock";
  CtlRun r = run({"--socket", missing, "show", "vips"}, false);
  CHECK_EQUAL(3, r.code);
  STRCMP_EQUAL(("anycastctl: cannot connect to " + missing +
                ": No such file or directory (is anycastd running? use --socket PATH)\n")
                   .c_str(),
               r.err.c_str());
  CHECK_EQUAL(0u, requests.size());
}

TEST(Ctl, SocketFromTheEnvironment) {
  ::setenv("ANYCASTD_SOCKET", path.c_str(), 1);
  CtlRun r = run({"show", "vips"}, false);
  ::unsetenv("ANYCASTD_SOCKET");
  CHECK_EQUAL(0, r.code);
  CHECK_EQUAL(1u, requests.size());
}

TEST(Ctl, PermissionDeniedNamesTheGroup) {
  std::string msg = ctl::connectErrorMessage(path, EACCES);
  STRCMP_CONTAINS(("cannot connect to " + path +
                   ": Permission denied (the control socket is open to root and to "
                   "members of its group '")
                      .c_str(),
                  msg.c_str());
  STRCMP_CONTAINS("use sudo or ask to be added to the group)", msg.c_str());
}

TEST(Ctl, NoReplyInTimeIsExit3) {
  // A socket that is listened on but never served: connect succeeds (backlog), no reply comes.
  std::string quiet = dir + "/quiet.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", quiet.c_str());
  CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  CHECK_EQUAL(0, ::listen(fd, 4));
  CtlRun r = runCtl({"--socket", quiet, "--timeout", "50", "show", "vips"}, [](int) {});
  ::close(fd);
  CHECK_EQUAL(3, r.code);
  STRCMP_EQUAL(
      ("anycastctl: no reply from anycastd on " + quiet + " within 50 ms (is it stuck? raise --timeout MS)\n")
          .c_str(),
      r.err.c_str());
}

TEST(Ctl, MalformedReplyIsExit3) {
  std::string odd = dir + "/odd.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", odd.c_str());
  CHECK_EQUAL(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  CHECK_EQUAL(0, ::listen(fd, 4));
  for (const std::string& reply : {encodeFrame("\xff\xff\xff"), std::string("\xff\xff\xff\xff\xff\xff")}) {
    CtlRun r = runCtl({"--socket", odd, "show", "vips"}, [&](int) {
      int conn = ::accept(fd, nullptr, nullptr);  // blocking: the client connects right away
      FrameDecoder d;
      std::string frame;
      char buf[256];
      while (d.next(frame) != FrameDecoder::Result::kFrame) {
        ssize_t n = ::read(conn, buf, sizeof(buf));
        CHECK(n > 0);
        d.feed(buf, static_cast<size_t>(n));
      }
      CHECK_EQUAL(static_cast<ssize_t>(reply.size()), ::write(conn, reply.data(), reply.size()));
      ::close(conn);
    });
    CHECK_EQUAL(3, r.code);
    STRCMP_CONTAINS(("anycastctl: malformed reply from anycastd on " + odd + ": ").c_str(), r.err.c_str());
  }
  ::close(fd);
}

TEST(Ctl, UsageErrorsAreExit2AndSendNothing) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"show"},
      {"show", "routes"},
      {"show", "vip"},
      {"show", "vip", "a", "b"},
      {"show", "vip", ""},
      {"show", "servers", "a", "b"},
      {"show", "checks", "a", "b"},
      {"drain"},
      {"drain", "vip"},
      {"drain", "server", "web"},
      {"undrain", "vip", "web", "--reason", "x"},
      {"reload", "now"},
      {"check-config"},
      {"--timeout", "0", "show", "vips"},
      {"--timeout", "5s", "show", "vips"},
      {"--timeout"},
      {"--socket"},
      {"--bogus", "show", "vips"},
      {"--json=yes", "show", "vips"},
  };
  for (const auto& args : bad) {
    CtlRun r = run(args);
    std::string what = "args:";
    for (const auto& a : args) what += " '" + a + "'";
    CHECK_EQUAL_TEXT(2, r.code, what.c_str());
    STRCMP_CONTAINS("anycastctl: ", r.err.c_str());
    STRCMP_CONTAINS("Try 'anycastctl help'.\n", r.err.c_str());
  }
  CHECK_EQUAL(0u, requests.size());
}

TEST(Ctl, HelpAndVersion) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"help"}, {"-h"}, {"--help"}}) {
    CtlRun r = run(args);
    CHECK_EQUAL(0, r.code);
    STRCMP_CONTAINS("Usage: anycastctl [OPTIONS] COMMAND", r.out.c_str());
    STRCMP_CONTAINS("Exit status: 0 done; 1 anycastd refused", r.out.c_str());
  }
  CtlRun r = run({"--version"});
  CHECK_EQUAL(0, r.code);
  STRCMP_CONTAINS("anycastctl ", r.out.c_str());
}

TEST(Ctl, CheckConfigIsLocal) {
  std::string good =
      writeTemp(dir, "good.conf",
                "vip {\n  name: \"web\"\n  prefix: \"203.0.113.10/32\"\n  check { tcp { port: 80 } }\n"
                "  server { name: \"s1\" address: \"192.0.2.2\" }\n}\n");
  CtlRun r = run({"check-config", good}, false);
  CHECK_EQUAL(0, r.code);
  STRCMP_EQUAL((good + ": OK (1 vips)\n").c_str(), r.out.c_str());

  std::string bad = writeTemp(dir, "bad.conf", "vip { nmae: 1 }\n");
  r = run({"check-config", bad}, false);
  CHECK_EQUAL(1, r.code);
  STRCMP_EQUAL((bad + ":1:11: Message type \"anycastd.config.Vip\" has no field named \"nmae\".\n").c_str(),
               r.err.c_str());

  r = run({"check-config", dir + "/absent.conf"}, false);
  CHECK_EQUAL(1, r.code);
  STRCMP_CONTAINS((dir + "/absent.conf").c_str(), r.err.c_str());
  CHECK_EQUAL(0u, requests.size());
}
