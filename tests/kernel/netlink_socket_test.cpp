// NetlinkSocket against the real kernel: ACKs, errors with the kernel's extended-ACK text, dumps, lookups,
// and notifications carrying the requesting socket's port.
#include "netlink/netlink_socket.h"

#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>

#include "netlink/nexthop_message.h"
#include "netlink/route_message.h"
#include "tests/kernel/kernel_fixture.h"

using namespace anycastd;
using namespace anycastd::nl;
using namespace kernel_test;

TEST_GROUP(NetlinkSocket) {
  NetlinkSocket socket{NetlinkSocket::Options{}};
  void setup() override {
    cleanKernel();
  }
  void teardown() override {
    cleanKernel();
  }
};

TEST(NetlinkSocket, RequestDumpAndErrors) {
  CHECK_TRUE(socket.strictChecking());
  const uint32_t va = if_nametoindex("va");
  Status s = socket.request(encodeNewNexthop(4001, 200, *IpAddress::parse("192.0.2.2"), va, 0));
  CHECK_TRUE(s.isOk());
  s = socket.request(encodeNewNexthop(4001, 200, *IpAddress::parse("192.0.2.2"), va, 0));
  LONGS_EQUAL(EEXIST, s.error);
  STRCMP_CONTAINS("File exists (errno 17)", s.message.c_str());

  mustRun("ip link set vc down");
  s = socket.request(encodeNewNexthop(4002, 200, *IpAddress::parse("198.51.100.2"), if_nametoindex("vc"), 0));
  LONGS_EQUAL(ENETDOWN, s.error);
  STRCMP_CONTAINS("(errno 100): ", s.message.c_str());  // followed by the kernel's own explanation

  std::vector<Bytes> replies;
  CHECK_TRUE(socket.dump(encodeDumpNexthops(), replies).isOk());
  LONGS_EQUAL(1, replies.size());
  NexthopMessage nh;
  std::string error;
  CHECK_TRUE(decodeNexthop(replies[0], nh, &error));
  LONGS_EQUAL(4001, nh.id);

  replies.clear();
  CHECK_TRUE(socket.request(encodeGetRoute(*IpAddress::parse("192.0.2.7")), &replies).isOk());
  LONGS_EQUAL(1, replies.size());
  RouteMessage r;
  CHECK_TRUE(decodeRoute(replies[0], r, &error));
  LONGS_EQUAL(va, r.hops[0].oif);
  CHECK_FALSE(r.hops[0].gateway.has_value());

  LONGS_EQUAL(ENOENT, socket.request(encodeDelNexthop(4999)).error);
  CHECK_TRUE(socket.request(encodeDelNexthop(4001)).isOk());
}

TEST(NetlinkSocket, NotificationsCarryTheRequestersPort) {
  NetlinkSocket::Options o;
  o.groups = {RTNLGRP_NEXTHOP};
  o.nonblocking = true;
  NetlinkSocket events(o);
  std::vector<Bytes> messages;
  LONGS_EQUAL(EAGAIN, events.receive(messages));
  CHECK_TRUE(
      socket.request(encodeNewNexthop(4001, 200, *IpAddress::parse("192.0.2.2"), if_nametoindex("va"), 0))
          .isOk());
  CHECK_TRUE(socket.request(encodeDelNexthop(4001)).isOk());
  while (events.receive(messages) == 0) {
  }
  LONGS_EQUAL(2, messages.size());
  for (const Bytes& m : messages) {
    nlmsghdr h;
    std::memcpy(&h, m.data(), sizeof h);
    LONGS_EQUAL(socket.port(), h.nlmsg_pid);
  }
}
