// GatewayMonitor (zebra mode's fast failure path) against the real kernel: it finds each gateway's device by
// a route lookup, reports the gateways of a link that goes down, and after lost notifications (ENOBUFS)
// still reports a link that went down among them, by reading every link again.
#include "platform/zebra/gateway_monitor.h"

#include <CppUTest/TestHarness.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace kernel_test;

namespace {

IpAddress address(const char* text) {
  return *IpAddress::parse(text);
}

// Reads the monitor's notifications until one reports something or `timeout` passes: "WHY: GATEWAY ..."
// per report, joined with "; ".
std::string waitForReport(GatewayMonitor& monitor,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  std::string reports;
  auto process = [&] {
    for (const Unreachable& u : monitor.process()) {
      if (!reports.empty()) reports += "; ";
      reports += u.why + ":";
      for (const IpAddress& g : u.gateways) reports += " " + g.str();
    }
  };
  pumpEvents(
      monitor.fd(), process, [&] { return !reports.empty(); }, timeout);
  return reports;
}

uint32_t ifindex(const char* name) {
  return static_cast<uint32_t>(std::stoul(sh(std::string("ip -o link show ") + name + " | cut -d: -f1")));
}

}  // namespace

TEST_GROUP(GatewayMonitor){void setup() override{cleanKernel();
}
void teardown() override {
  cleanKernel();
}
}
;

TEST(GatewayMonitor, FindsEachGatewaysDeviceAndReportsALinkGoingDown) {
  GatewayMonitor monitor;
  monitor.watch({address("192.0.2.2"), address("198.51.100.2"), address("198.51.100.3"),
                 address("2001:db8:1::2"), address("203.0.113.99")});
  const auto& watched = monitor.watched();
  LONGS_EQUAL(ifindex("va"), watched.at(address("192.0.2.2")));
  LONGS_EQUAL(ifindex("vc"), watched.at(address("198.51.100.2")));
  LONGS_EQUAL(ifindex("va"), watched.at(address("2001:db8:1::2")));
  LONGS_EQUAL(0, watched.at(address("203.0.113.99")));  // no connected route: neighbour failures only
  mustRun("ip link set vc down");
  STRCMP_EQUAL("link vc down: 198.51.100.2 198.51.100.3", waitForReport(monitor).c_str());
}

TEST(GatewayMonitor, ALinkDownAmongLostNotificationsIsStillReported) {
  GatewayMonitor monitor;
  monitor.watch({address("198.51.100.2")});
  // While nobody reads: far more link notifications than the socket's buffer holds, then the link down
  // (whose own notification is dropped with the rest).
  const std::string path = "/tmp/anycastd-kernel-tests-links." + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "w");
  CHECK_TRUE(f != nullptr);
  for (int i = 0; i < 5000; ++i) std::fprintf(f, "link set vb alias acd-%d\n", i);
  std::fclose(f);
  mustRun("ip -batch " + path);
  std::remove(path.c_str());
  mustRun("ip link set vc down");
  const std::string got = waitForReport(monitor);
  mustRun("ip link set vb alias \"\"");
  STRCMP_CONTAINS("link vc down: 198.51.100.2", got.c_str());
  CHECK_TRUE(monitor.resynchronisations() > 0);
}
