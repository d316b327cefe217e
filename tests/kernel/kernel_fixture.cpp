#include "tests/kernel/kernel_fixture.h"

#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

namespace kernel_test {

using namespace anycastd;

namespace {

// The value after `key` in a whitespace-separated line ("" if absent).
std::string field(const std::string& line, const std::string& key) {
  std::istringstream in(line);
  std::string token;
  while (in >> token)
    if (token == key && in >> token) return token;
  return {};
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep))
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

std::string sh(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) {
    if (status) *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

void mustRun(const std::string& command) {
  int status = 0;
  std::string out = sh(command, &status);
  if (status != 0) FAIL(("`" + command + "` failed (" + std::to_string(status) + "): " + out).c_str());
}

bool setUpNetwork() {
  const char* commands[] = {
      "ip link set lo up",
      "ip link add va type veth peer name vb",
      "ip link add vc type veth peer name vd",
      "ip addr add 192.0.2.1/24 dev va",
      "ip addr add 2001:db8:1::1/64 dev va nodad",
      "ip addr add 198.51.100.1/24 dev vc",
      "ip link set va up",
      "ip link set vb up",
      "ip link set vc up",
      "ip link set vd up",
  };
  for (const char* c : commands) {
    int status = 0;
    std::string out = sh(c, &status);
    if (status != 0) {
      std::fprintf(stderr, "kernel tests: `%s` failed: %s\n", c, out.c_str());
      return false;
    }
  }
  // Wait until the kernel routes to the connected servers (carrier comes up asynchronously).
  return eventually([] {
    return sh("ip -o route get 192.0.2.2").find("dev va") != std::string::npos &&
           sh("ip -o route get 198.51.100.2").find("dev vc") != std::string::npos &&
           sh("ip -o -6 route get 2001:db8:1::2").find("dev va") != std::string::npos &&
           sh("ip -o link show vc").find("LOWER_UP") != std::string::npos;
  });
}

void cleanKernel() {
  for (const char* table : {"main", "100"})
    for (const char* proto : {"200", "201", "42"}) {
      sh(std::string("ip route flush table ") + table + " proto " + proto);
      sh(std::string("ip -6 route flush table ") + table + " proto " + proto);
    }
  for (const char* proto : {"200", "201", "42"}) sh(std::string("ip nexthop flush proto ") + proto);
  sh("ip route del 10.20.0.0/16");
  sh("ip route del 203.0.113.200/29");  // servers made reachable by a test
  sh("ip link set vc up");
  sh("ip link set vd up");
  eventually([] { return sh("ip -o link show vc").find("LOWER_UP") != std::string::npos; });
}

KernelConfig config(NexthopMode mode) {
  KernelConfig c;
  c.route_protocol = kProtocol;
  c.nexthop_mode = mode;
  c.nexthop_id_base = kIdBase;
  return c;
}

IpPrefix prefix(const char* text) {
  std::string error;
  return *IpPrefix::parse(text, &error);
}

Route route(const char* p, std::initializer_list<const char*> gateways) {
  Route r{prefix(p), {}};
  for (const char* g : gateways) {
    std::string text(g);
    uint32_t weight = 1;
    if (auto star = text.find('*'); star != std::string::npos) {
      weight = static_cast<uint32_t>(std::stoul(text.substr(star + 1)));
      text = text.substr(0, star);
    }
    r.nexthops.push_back({*IpAddress::parse(text), weight});
  }
  std::sort(r.nexthops.begin(), r.nexthops.end());
  return r;
}

std::vector<uint32_t> groupMembers(uint32_t id) {
  std::vector<uint32_t> out;
  const std::string line = sh("ip nexthop show id " + std::to_string(id));
  for (const std::string& entry : split(field(line, "group"), '/'))
    out.push_back(std::stoul(split(entry, ',')[0]));
  return out;
}

KernelRoute kernelRoute(const char* p, uint32_t table, uint8_t protocol) {
  KernelRoute k;
  const bool v6 = std::string(p).find(':') != std::string::npos;
  k.route_line = sh(std::string("ip ") + (v6 ? "-6 " : "") + "-o route show " + p + " table " +
                    std::to_string(table) + " proto " + std::to_string(protocol));
  if (k.route_line.empty()) return k;
  k.present = true;
  std::map<std::string, uint32_t> hops;  // gateway -> weight
  if (std::string nhid = field(k.route_line, "nhid"); !nhid.empty()) {
    k.nhid = static_cast<uint32_t>(std::stoul(nhid));
    k.group_line = sh("ip nexthop show id " + nhid);
    for (const std::string& entry : split(field(k.group_line, "group"), '/')) {
      std::vector<std::string> id_weight = split(entry, ',');
      hops[field(sh("ip nexthop show id " + id_weight[0]), "via")] =
          id_weight.size() > 1 ? static_cast<uint32_t>(std::stoul(id_weight[1])) : 1;
    }
  } else {
    // "... nexthop via 192.0.2.2 dev va weight 1 nexthop via ..." (`ip -o` puts it on one line), or one
    // "via".
    std::istringstream in(k.route_line);
    std::string token, gateway;
    while (in >> token) {
      if (token == "via" && in >> gateway) hops[gateway] = 1;
      if (token == "weight" && in >> token && !gateway.empty()) hops[gateway] = std::stoul(token);
    }
  }
  std::vector<NextHop> nexthops;
  for (const auto& [gw, w] : hops) nexthops.push_back({*IpAddress::parse(gw), w});
  std::sort(nexthops.begin(), nexthops.end());
  k.nexthops = describe(nexthops);
  return k;
}

bool nexthopExists(uint32_t id) {
  int status = 0;
  sh("ip nexthop show id " + std::to_string(id), &status);
  return status == 0;
}

std::vector<uint32_t> nexthopIds(uint8_t protocol) {
  std::vector<uint32_t> ids;
  for (const std::string& line : split(sh("ip nexthop show proto " + std::to_string(protocol)), '\n'))
    if (std::string id = field(line, "id"); !id.empty()) ids.push_back(static_cast<uint32_t>(std::stoul(id)));
  return ids;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    poll(nullptr, 0, 10);  // yield between polls of the kernel's state
  }
}

void pumpEvents(int fd, const std::function<void()>& process, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) > 0) process();
  }
}

namespace {

// Runs a loop with the dataplane started until it reports what is asked for (the loop stops after the
// report that holds it) or `timeout` passes; the other kind of report is dropped.
class Recorder : public DataplaneObserver {
 public:
  explicit Recorder(bool unreachable) : unreachable_(unreachable) {}

  std::string wait(KernelDataplane& dataplane, std::chrono::milliseconds timeout) {
    EventLoop loop;
    loop_ = &loop;
    Timer deadline(loop, [&] { loop.stop(); });
    deadline.arm(timeout);
    dataplane.start(loop, *this);
    loop.run();
    dataplane.stop();
    loop_ = nullptr;
    return text_;
  }

  void externalChange(const char* why) override {
    if (unreachable_) return;
    if (!text_.empty()) text_ += "; ";
    text_ += why;
    loop_->stop();
  }
  void nexthopsUnreachable(const std::vector<IpAddress>& gateways, const char* why) override {
    if (!unreachable_) return;
    if (!text_.empty()) text_ += "; ";
    text_ += std::string(why) + ":";
    for (const IpAddress& g : gateways) text_ += " " + g.str();
    loop_->stop();
  }

 private:
  bool unreachable_;
  EventLoop* loop_ = nullptr;
  std::string text_;
};

}  // namespace

std::string waitForExternalChange(KernelDataplane& dataplane, std::chrono::milliseconds timeout) {
  return Recorder(false).wait(dataplane, timeout);
}

std::string waitForUnreachable(KernelDataplane& dataplane, std::chrono::milliseconds timeout) {
  return Recorder(true).wait(dataplane, timeout);
}

Monitor::Monitor()
    : socket_([] {
        nl::NetlinkSocket::Options o;
        o.groups = {RTNLGRP_NEXTHOP, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE};
        o.nonblocking = true;
        o.receive_buffer = 1 << 20;
        return o;
      }()) {}

std::vector<uint16_t> Monitor::drain() {
  std::vector<nl::Bytes> messages;
  while (socket_.receive(messages) == 0) {
  }
  std::vector<uint16_t> types;
  for (const nl::Bytes& m : messages) {
    nlmsghdr h;
    std::memcpy(&h, m.data(), sizeof h);
    types.push_back(h.nlmsg_type);
  }
  return types;
}

}  // namespace kernel_test
