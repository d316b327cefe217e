// The neighbour decoder on kernel-style notifications (IPv4 and IPv6, failed and reachable, from the kernel
// and from an administrative request), and on truncated and malformed input.
#include "netlink/neighbour_message.h"

#include <CppUTest/TestHarness.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <vector>

using namespace anycastd;
using namespace anycastd::nl;

namespace {

// RTM_NEWNEIGH from the kernel's neighbour timer: 192.0.2.6 on ifindex 5 is NUD_FAILED.
const std::vector<uint8_t> kFailedV4 = {
    0x30, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,  // nlmsghdr: len 48, RTM_NEWNEIGH
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq 0, pid 0 (the kernel)
    0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,  // ndmsg: AF_INET, ifindex 5
    0x20, 0x00, 0x00, 0x01,                          // NUD_FAILED, flags 0, RTN_UNICAST
    0x08, 0x00, 0x01, 0x00, 0xc0, 0x00, 0x02, 0x06,  // NDA_DST 192.0.2.6
    0x0a, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00,  // NDA_LLADDR 02:00:00:00:00:01
    0x00, 0x01, 0x00, 0x00,                          //
};

// RTM_NEWNEIGH: 2001:db8:2::2 on ifindex 7 is NUD_REACHABLE.
const std::vector<uint8_t> kReachableV6 = {
    0x30, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00,  // nlmsghdr: len 48, RTM_NEWNEIGH
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,  // ndmsg: AF_INET6, ifindex 7
    0x02, 0x00, 0x80, 0x01,                          // NUD_REACHABLE, NTF_ROUTER, RTN_UNICAST
    0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8,  // NDA_DST 2001:db8:2::2
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0x00, 0x02,                          //
};

std::vector<uint8_t> withPort(std::vector<uint8_t> m, uint8_t port) {
  m[12] = port;
  return m;
}

}  // namespace

TEST_GROUP(NeighbourMessage){};

TEST(NeighbourMessage, DecodesAFailedIpv4Entry) {
  NeighbourMessage n;
  std::string error;
  CHECK_TRUE(decodeNeighbour(kFailedV4, n, &error));
  LONGS_EQUAL(RTM_NEWNEIGH, n.type);
  LONGS_EQUAL(5, n.ifindex);
  LONGS_EQUAL(NUD_FAILED, n.state);
  LONGS_EQUAL(0, n.port);
  CHECK_TRUE(n.address.has_value());
  STRCMP_EQUAL("192.0.2.6", n.address->str().c_str());
  CHECK_TRUE(n.resolutionFailed());
}

TEST(NeighbourMessage, DecodesAReachableIpv6Entry) {
  NeighbourMessage n;
  std::string error;
  CHECK_TRUE(decodeNeighbour(kReachableV6, n, &error));
  LONGS_EQUAL(7, n.ifindex);
  LONGS_EQUAL(NUD_REACHABLE, n.state);
  LONGS_EQUAL(NTF_ROUTER, n.flags);
  STRCMP_EQUAL("2001:db8:2::2", n.address->str().c_str());
  CHECK_FALSE(n.resolutionFailed());
}

TEST(NeighbourMessage, AFailureCausedByAnAdministrativeRequestDoesNotCount) {
  // `ip neigh del` first moves the entry to NUD_FAILED, notified with the requester's port.
  NeighbourMessage n;
  std::string error;
  CHECK_TRUE(decodeNeighbour(withPort(kFailedV4, 0x2a), n, &error));
  LONGS_EQUAL(0x2a, n.port);
  CHECK_FALSE(n.resolutionFailed());
}

TEST(NeighbourMessage, DeletionIsNotAFailure) {
  std::vector<uint8_t> m = kFailedV4;
  m[4] = RTM_DELNEIGH;
  NeighbourMessage n;
  std::string error;
  CHECK_TRUE(decodeNeighbour(m, n, &error));
  LONGS_EQUAL(RTM_DELNEIGH, n.type);
  CHECK_FALSE(n.resolutionFailed());
}

TEST(NeighbourMessage, RejectsOtherMessageTypes) {
  std::vector<uint8_t> m = kFailedV4;
  m[4] = RTM_NEWROUTE;
  NeighbourMessage n;
  std::string error;
  CHECK_FALSE(decodeNeighbour(m, n, &error));
  STRCMP_CONTAINS("is not RTM_NEWNEIGH", error.c_str());
}

TEST(NeighbourMessage, RejectsAnAddressOfTheWrongLength) {
  std::vector<uint8_t> m = kReachableV6;
  m[16] = 0x02;  // AF_INET with a 16-byte NDA_DST
  NeighbourMessage n;
  std::string error;
  CHECK_FALSE(decodeNeighbour(m, n, &error));
  STRCMP_CONTAINS("NDA_DST of 16 bytes", error.c_str());
}

TEST(NeighbourMessage, RejectsTruncatedInput) {
  NeighbourMessage n;
  std::string error;
  for (size_t len = 0; len < kFailedV4.size(); ++len) {
    std::vector<uint8_t> cut(kFailedV4.begin(), kFailedV4.begin() + static_cast<long>(len));
    CHECK_FALSE(decodeNeighbour(cut, n, &error));
  }
}
