// ExternalChangeDetector: which notifications mean someone else changed the agent's routes or objects.
#include "platform/kernel/external_change_detector.h"

#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"

using namespace anycastd;

namespace {

constexpr uint32_t kOwnPort = 4242;

// Turns an encoded request into a notification of `type` sent on behalf of port `pid`.
nl::Bytes notification(nl::Bytes b, uint16_t type, uint32_t pid) {
  nlmsghdr h;
  std::memcpy(&h, b.data(), sizeof h);
  h.nlmsg_type = type;
  h.nlmsg_pid = pid;
  std::memcpy(b.data(), &h, sizeof h);
  return b;
}

nl::Bytes link(uint16_t type, uint32_t index, uint32_t flags) {
  nl::Bytes b = {0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00, 'v',  'a',  0x00, 0x00};
  std::memcpy(&b[4], &type, 2);
  std::memcpy(&b[20], &index, 4);
  std::memcpy(&b[24], &flags, 4);
  return b;
}

constexpr uint32_t kUp = 0x1 | 0x40 | 0x10000;  // IFF_UP | IFF_RUNNING | IFF_LOWER_UP
constexpr uint32_t kNoCarrier = 0x1;

IpPrefix prefix(const char* text) {
  std::string err;
  return *IpPrefix::parse(text, &err);
}

}  // namespace

TEST_GROUP(ExternalChangeDetector) {
  ExternalChangeDetector detector{200, 254, kOwnPort};
  nl::Bytes member = nl::encodeNewNexthop(0x60000001, 200, *IpAddress::parse("192.0.2.2"), 3, 0);
  nl::Bytes route = nl::encodeNewRoute(prefix("203.0.113.10/32"), 254, 200, 0x60000010, false);
};

TEST(ExternalChangeDetector, NexthopDeletedBySomeoneElse) {
  auto why = detector.examine(notification(member, RTM_DELNEXTHOP, 0));
  CHECK_TRUE(why.has_value());
  STRCMP_EQUAL("nexthop object 1610612737 via 192.0.2.2 deleted", why->c_str());
  CHECK_TRUE(detector.examine(notification(member, RTM_DELNEXTHOP, 999)).has_value());
}

TEST(ExternalChangeDetector, OwnChangesAndOtherProtocolsAreIgnored) {
  CHECK_FALSE(detector.examine(notification(member, RTM_DELNEXTHOP, kOwnPort)).has_value());
  CHECK_FALSE(detector.examine(notification(route, RTM_DELROUTE, kOwnPort)).has_value());
  nl::Bytes foreign = nl::encodeNewNexthop(7, 42, *IpAddress::parse("192.0.2.2"), 3, 0);
  CHECK_FALSE(detector.examine(notification(foreign, RTM_DELNEXTHOP, 0)).has_value());
  nl::Bytes other_table = nl::encodeNewRoute(prefix("203.0.113.10/32"), 100, 200, 1, false);
  CHECK_FALSE(detector.examine(notification(other_table, RTM_DELROUTE, 0)).has_value());
  CHECK_FALSE(detector.examine(notification(member, RTM_NEWNEXTHOP, 0)).has_value());
  CHECK_FALSE(detector.examine(notification(route, RTM_NEWROUTE, 0)).has_value());
}

TEST(ExternalChangeDetector, RouteDeletedBySomeoneElse) {
  auto why = detector.examine(notification(route, RTM_DELROUTE, 777));
  CHECK_TRUE(why.has_value());
  STRCMP_EQUAL("route 203.0.113.10/32 deleted", why->c_str());
}

TEST(ExternalChangeDetector, WatchedLinkGoingDownAndComingBack) {
  CHECK_FALSE(detector.examine(link(RTM_NEWLINK, 3, kNoCarrier)).has_value());  // not watched
  detector.watchLinks({3});
  CHECK_FALSE(detector.examine(link(RTM_NEWLINK, 3, kUp)).has_value());  // no change
  auto down = detector.examine(link(RTM_NEWLINK, 3, kNoCarrier));
  CHECK_TRUE(down.has_value());
  STRCMP_EQUAL("link va went down", down->c_str());
  CHECK_FALSE(detector.examine(link(RTM_NEWLINK, 3, 0)).has_value());  // still down
  detector.watchLinks({3});                                            // keeps the state it knows
  auto up = detector.examine(link(RTM_NEWLINK, 3, kUp));
  CHECK_TRUE(up.has_value());
  STRCMP_EQUAL("link va is up again", up->c_str());
  auto gone = detector.examine(link(RTM_DELLINK, 3, 0));
  CHECK_TRUE(gone.has_value());
  CHECK_FALSE(detector.watches(3));
}

TEST(ExternalChangeDetector, GarbageIsIgnored) {
  nl::Bytes cut = notification(member, RTM_DELNEXTHOP, 0);
  cut.resize(20);
  CHECK_FALSE(detector.examine(cut).has_value());
  CHECK_FALSE(detector.examine(nullptr, 0).has_value());
  nl::Bytes b = {1, 2, 3};
  CHECK_FALSE(detector.examine(b).has_value());
}

TEST(ExternalChangeDetector, AfterAnOverrunTheNextLinkStateCounts) {
  detector.watchLinks({3});
  detector.forgetLinkStates();
  auto why = detector.examine(link(RTM_NEWLINK, 3, kUp));
  CHECK_TRUE(why.has_value());
  STRCMP_EQUAL("link va is up again", why->c_str());
  CHECK_FALSE(detector.examine(link(RTM_NEWLINK, 3, kUp)).has_value());
}
