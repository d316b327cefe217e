// ReachabilityDetector: which notifications make the agent's gateways unreachable at once (a link down or
// deleted, a neighbour the kernel failed to resolve), and which do not (other links and neighbours, a link
// coming up, an administrative neighbour deletion).
#include "platform/reachability_detector.h"

#include <CppUTest/TestHarness.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstring>

using namespace anycastd;

namespace {

// RTM_NEWLINK/RTM_DELLINK for device "va" with `index` and `flags`.
nl::Bytes link(uint16_t type, uint32_t index, uint32_t flags) {
  nl::Bytes b = {0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00, 'v',  'a',  0x00, 0x00};
  std::memcpy(&b[4], &type, 2);
  std::memcpy(&b[20], &index, 4);
  std::memcpy(&b[24], &flags, 4);
  return b;
}

// RTM_NEWNEIGH for IPv4 `a.b.c.d` on `ifindex` in `state`, notified on behalf of `port`.
nl::Bytes neighbour(const uint8_t (&addr)[4], uint32_t ifindex, uint16_t state, uint32_t port = 0) {
  nl::Bytes b = {0x24, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
  std::memcpy(&b[12], &port, 4);
  std::memcpy(&b[20], &ifindex, 4);
  std::memcpy(&b[24], &state, 2);
  std::memcpy(&b[32], addr, 4);
  return b;
}

constexpr uint32_t kUp = 0x1 | 0x40 | 0x10000;  // IFF_UP | IFF_RUNNING | IFF_LOWER_UP
constexpr uint32_t kNoCarrier = 0x1;
constexpr uint8_t kS1[4] = {192, 0, 2, 2};
constexpr uint8_t kS2[4] = {192, 0, 2, 6};
constexpr uint8_t kOther[4] = {192, 0, 2, 99};

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

std::string gateways(const Unreachable& u) {
  std::string out;
  for (const auto& g : u.gateways) out += (out.empty() ? "" : " ") + g.str();
  return out;
}

}  // namespace

TEST_GROUP(ReachabilityDetector) {
  ReachabilityDetector d;
  void setup() override {
    d.watchGateways({{ip("192.0.2.2"), 3}, {ip("192.0.2.3"), 3}, {ip("192.0.2.6"), 4}});
  }
};

TEST(ReachabilityDetector, LinkLosingCarrierTakesItsGateways) {
  auto u = d.examine(link(RTM_NEWLINK, 3, kNoCarrier));
  CHECK_TRUE(u.has_value());
  STRCMP_EQUAL("192.0.2.2 192.0.2.3", gateways(*u).c_str());
  STRCMP_EQUAL("link va down", u->why.c_str());
}

TEST(ReachabilityDetector, LinkAdministrativelyDownOrDeleted) {
  auto down = d.examine(link(RTM_NEWLINK, 4, 0));
  CHECK_TRUE(down.has_value());
  STRCMP_EQUAL("192.0.2.6", gateways(*down).c_str());
  auto deleted = d.examine(link(RTM_DELLINK, 4, kUp));
  CHECK_TRUE(deleted.has_value());
  STRCMP_EQUAL("link va deleted", deleted->why.c_str());
}

TEST(ReachabilityDetector, UsableLinksAndOtherLinksAreIgnored) {
  CHECK_FALSE(d.examine(link(RTM_NEWLINK, 3, kUp)).has_value());
  CHECK_FALSE(d.examine(link(RTM_NEWLINK, 9, kNoCarrier)).has_value());
}

TEST(ReachabilityDetector, NeighbourFailedByTheKernel) {
  auto u = d.examine(neighbour(kS2, 4, NUD_FAILED));
  CHECK_TRUE(u.has_value());
  STRCMP_EQUAL("192.0.2.6", gateways(*u).c_str());
  STRCMP_EQUAL("neighbour 192.0.2.6 failed", u->why.c_str());
}

TEST(ReachabilityDetector, OtherNeighbourStatesAndAddressesAreIgnored) {
  CHECK_FALSE(d.examine(neighbour(kS2, 4, NUD_REACHABLE)).has_value());
  CHECK_FALSE(d.examine(neighbour(kS2, 4, NUD_STALE)).has_value());
  CHECK_FALSE(d.examine(neighbour(kOther, 4, NUD_FAILED)).has_value());
  // The same address on another device is another neighbour.
  CHECK_FALSE(d.examine(neighbour(kS1, 4, NUD_FAILED)).has_value());
}

TEST(ReachabilityDetector, AdministrativeNeighbourDeletionIsIgnored) {
  CHECK_FALSE(d.examine(neighbour(kS1, 3, NUD_FAILED, 1234)).has_value());
}

TEST(ReachabilityDetector, GatewayWithAnUnknownDeviceStillCountsForNeighbours) {
  d.watchGateways({{ip("192.0.2.2"), 0}});
  CHECK_TRUE(d.examine(neighbour(kS1, 7, NUD_FAILED)).has_value());
  CHECK_FALSE(d.examine(link(RTM_NEWLINK, 0, kNoCarrier)).has_value());
}

TEST(ReachabilityDetector, NothingWatchedNothingReported) {
  d.watchGateways({});
  CHECK_FALSE(d.examine(link(RTM_NEWLINK, 3, kNoCarrier)).has_value());
  CHECK_FALSE(d.examine(neighbour(kS1, 3, NUD_FAILED)).has_value());
}

TEST(ReachabilityDetector, GarbageIsIgnored) {
  nl::Bytes junk = {0x01, 0x02, 0x03};
  CHECK_FALSE(d.examine(junk).has_value());
  nl::Bytes bad = neighbour(kS1, 3, NUD_FAILED);
  bad[0] = 0xff;  // nlmsg_len beyond the buffer
  CHECK_FALSE(d.examine(bad).has_value());
}
