// Nexthop-object encoders checked byte by byte against hand-written messages (struct nhmsg + NHA_*
// attributes, linux/nexthop.h), and the RTM_NEWNEXTHOP decoder on kernel-style, truncated and malformed
// input.
#include "netlink/nexthop_message.h"

#include <CppUTest/TestHarness.h>

#include <cstdint>
#include <vector>

using namespace anycastd;
using namespace anycastd::nl;

namespace {

void checkBytes(const std::vector<uint8_t>& expected, const Bytes& actual) {
  LONGS_EQUAL(expected.size(), actual.size());
  MEMCMP_EQUAL(expected.data(), actual.data(), expected.size());
}

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

// A resilient group as the kernel reports it in a dump (NLM_F_MULTI, seq 1), with the nested
// NHA_RES_GROUP_UNBALANCED_TIME (u64) and a pad attribute.
const std::vector<uint8_t> kKernelGroup = {
    0x68, 0x00, 0x00, 0x00, 0x68, 0x00, 0x02, 0x00,                          // nlmsghdr
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                          //
    0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00,                          // nhmsg
    0x08, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x60,                          // NHA_ID
    0x14, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00,  // NHA_GROUP
    0x02, 0x00, 0x00, 0x60, 0x02, 0x00, 0x00, 0x00,                          //
    0x06, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,                          // NHA_GROUP_TYPE
    0x2c, 0x00, 0x0c, 0x80,                                                  // NHA_RES_GROUP
    0x06, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00,                          //  BUCKETS 128
    0x08, 0x00, 0x02, 0x00, 0xe8, 0x03, 0x00, 0x00,                          //  IDLE 1000
    0x08, 0x00, 0x03, 0x00, 0xb8, 0x0b, 0x00, 0x00,                          //  UNBAL 3000
    0x04, 0x00, 0x00, 0x00,                                                  //  PAD
    0x0c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //  UNBAL_TIME
};

// A gateway nexthop as the kernel reports it (scope link).
const std::vector<uint8_t> kKernelMember = {
    0x30, 0x00, 0x00, 0x00, 0x68, 0x00, 0x00, 0x00,  // nlmsghdr
    0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x02, 0xfd, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00,  // nhmsg
    0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x60,  // NHA_ID
    0x08, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00,  // NHA_OIF 3
    0x08, 0x00, 0x06, 0x00, 0xc0, 0x00, 0x02, 0x02,  // NHA_GATEWAY
};

}  // namespace

TEST_GROUP(NexthopEncode){};

TEST(NexthopEncode, Ipv4GatewayNexthop) {
  checkBytes(
      {
          0x30, 0x00, 0x00, 0x00,                          // nlmsg_len 48
          0x68, 0x00,                                      // RTM_NEWNEXTHOP
          0x05, 0x06,                                      // NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
          0x02, 0x00, 0xc8, 0x00,                          // AF_INET, scope 0, protocol 200, resvd
          0x00, 0x00, 0x00, 0x00,                          // nh_flags
          0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x60,  // NHA_ID 0x60000001
          0x08, 0x00, 0x06, 0x00, 0xc0, 0x00, 0x02, 0x02,  // NHA_GATEWAY 192.0.2.2
          0x08, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00,  // NHA_OIF 3
      },
      encodeNewNexthop(0x60000001, 200, ip("192.0.2.2"), 3, 0));
}

TEST(NexthopEncode, Ipv6GatewayNexthopWithOnlink) {
  checkBytes(
      {
          0x3c, 0x00, 0x00, 0x00, 0x68, 0x00, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x0a, 0x00, 0x2a, 0x00, 0x04, 0x00, 0x00, 0x00,  // AF_INET6, protocol 42,
                                                           // RTNH_F_ONLINK
          0x08, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00,  // NHA_ID 7
          0x14, 0x00, 0x06, 0x00,                          // NHA_GATEWAY, 16 bytes
          0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
          0x08, 0x00, 0x05, 0x00, 0x0c, 0x00, 0x00, 0x00,  // NHA_OIF 12
      },
      encodeNewNexthop(7, 42, ip("2001:db8:1::2"), 12, 4));
}

TEST(NexthopEncode, ResilientGroup) {
  checkBytes(
      {
          0x58, 0x00, 0x00, 0x00, 0x68, 0x00, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
          0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00,  // AF_UNSPEC (groups), protocol
                                                           // 200
          0x08, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x60,  // NHA_ID
          0x14, 0x00, 0x02, 0x00,                          // NHA_GROUP: 2 x nexthop_grp
          0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00,  //  id 0x60000001, weight 1 (0 on the wire)
          0x02, 0x00, 0x00, 0x60, 0x02, 0x00, 0x00, 0x00,  //  id 0x60000002, weight 3
          0x06, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,  // NHA_GROUP_TYPE resilient, padded
          0x1c, 0x00, 0x0c, 0x80,                          // NHA_RES_GROUP | NLA_F_NESTED
          0x06, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00,  //  BUCKETS 128
          0x08, 0x00, 0x02, 0x00, 0xe8, 0x03, 0x00, 0x00,  //  IDLE_TIMER 10 s = 1000 clock ticks
          0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,  //  UNBALANCED_TIMER 0
      },
      encodeNewGroup(0x60000010, 200, {{0x60000001, 1}, {0x60000002, 3}},
                     {GroupType::kResilient, {128, 10, 0}}, false));
}

TEST(NexthopEncode, ReplaceMultipathGroupHasNoResilientAttributes) {
  checkBytes(
      {
          0x34, 0x00, 0x00, 0x00, 0x68, 0x00, 0x05, 0x05,  // NLM_F_REQUEST|NLM_F_ACK|NLM_F_REPLACE|NLM_F_CREATE
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                          //
          0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00,                          //
          0x08, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,                          // NHA_ID 9
          0x0c, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,  // id 5, weight 256
          0x06, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,                          // NHA_GROUP_TYPE mpath
      },
      encodeNewGroup(9, 200, {{5, 256}}, {GroupType::kMultipath, {}}, true));
}

TEST(NexthopEncode, DeleteGetAndDump) {
  const std::vector<uint8_t> del = {
      0x20, 0x00, 0x00, 0x00, 0x69, 0x00, 0x05, 0x00,  // RTM_DELNEXTHOP, REQUEST|ACK
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // nhmsg all zero (the kernel insists)
      0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x60,  // NHA_ID
  };
  checkBytes(del, encodeDelNexthop(0x60000001));
  std::vector<uint8_t> get = del;
  get[4] = 0x6a;  // RTM_GETNEXTHOP
  checkBytes(get, encodeGetNexthop(0x60000001));
  checkBytes(
      {
          0x18, 0x00, 0x00, 0x00, 0x6a, 0x00, 0x01, 0x03,  // RTM_GETNEXTHOP, NLM_F_REQUEST|NLM_F_DUMP
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
      },
      encodeDumpNexthops());
}

TEST_GROUP(NexthopDecode) {
  NexthopMessage m;
  std::string error;
};

TEST(NexthopDecode, KernelResilientGroup) {
  CHECK_TRUE(decodeNexthop(kKernelGroup.data(), kKernelGroup.size(), m, &error));
  LONGS_EQUAL(104, m.type);
  UNSIGNED_LONGS_EQUAL(0x60000010, m.id);
  LONGS_EQUAL(200, m.protocol);
  CHECK_TRUE(m.isGroup());
  CHECK_FALSE(m.gateway.has_value());
  LONGS_EQUAL(2, m.group.size());
  CHECK(m.group[0] == (GroupMember{0x60000001, 1}));
  CHECK(m.group[1] == (GroupMember{0x60000002, 3}));
  CHECK(m.group_type == GroupType::kResilient);
  CHECK_TRUE(m.resilient.has_value());
  LONGS_EQUAL(128, m.resilient->buckets);
  LONGS_EQUAL(10, m.resilient->idle_timer_s);
  LONGS_EQUAL(30, m.resilient->unbalanced_timer_s);
}

TEST(NexthopDecode, KernelGatewayMember) {
  CHECK_TRUE(decodeNexthop(kKernelMember.data(), kKernelMember.size(), m, &error));
  UNSIGNED_LONGS_EQUAL(0x60000001, m.id);
  LONGS_EQUAL(2, m.family);
  LONGS_EQUAL(253, m.scope);
  LONGS_EQUAL(3, m.oif);
  STRCMP_EQUAL("192.0.2.2", m.gateway->str().c_str());
  CHECK_FALSE(m.isGroup());
  CHECK_FALSE(m.blackhole);
}

TEST(NexthopDecode, RoundTripsTheEncoders) {
  CHECK_TRUE(decodeNexthop(encodeNewNexthop(11, 200, ip("2001:db8:1::2"), 4, 0), m, &error));
  STRCMP_EQUAL("2001:db8:1::2", m.gateway->str().c_str());
  LONGS_EQUAL(4, m.oif);
  CHECK_TRUE(decodeNexthop(encodeNewGroup(12, 200, {{11, 256}, {13, 1}}, {GroupType::kMultipath, {}}, false),
                           m, &error));
  CHECK(m.group == (std::vector<GroupMember>{{11, 256}, {13, 1}}));
  CHECK(m.group_type == GroupType::kMultipath);
  CHECK_FALSE(m.resilient.has_value());
}

TEST(NexthopDecode, WeightHighByteOfNewerKernels) {
  std::vector<uint8_t> b = kKernelGroup;
  b[40] = 0xff;  // first entry: weight
  b[41] = 0x01;  // resvd1 = weight_high
  CHECK_TRUE(decodeNexthop(b.data(), b.size(), m, &error));
  LONGS_EQUAL(512, m.group[0].weight);
}

TEST(NexthopDecode, EveryTruncationFailsCleanly) {
  for (const auto* msg : {&kKernelGroup, &kKernelMember}) {
    for (size_t n = 0; n < msg->size(); ++n) {
      error.clear();
      CHECK_FALSE(decodeNexthop(msg->data(), n, m, &error));
      CHECK_FALSE(error.empty());
    }
  }
}

TEST(NexthopDecode, TruncatedAttributeInsideAConsistentMessage) {
  std::vector<uint8_t> b = kKernelMember;
  b[40] = 0x0c;  // NHA_GATEWAY claims 12 bytes, 8 remain
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
  STRCMP_CONTAINS("truncated", error.c_str());
}

TEST(NexthopDecode, NlmsgLenShorterThanTheHeaders) {
  std::vector<uint8_t> b = kKernelMember;
  b[0] = 0x14;  // 20 bytes: no room for struct nhmsg
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
  b[0] = 0x04;  // less than a netlink header
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
}

TEST(NexthopDecode, BadAttributeLengths) {
  std::vector<uint8_t> b = kKernelMember;
  b[40] = 0x09;  // NHA_GATEWAY of 5 bytes
  b[0] = 0x31;
  b.push_back(0);
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
  STRCMP_CONTAINS("NHA_GATEWAY", error.c_str());

  b = kKernelMember;
  b[24] = 0x06;  // NHA_ID of 2 bytes
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));

  b = kKernelGroup;
  b[32] = 0x10;  // NHA_GROUP of 12 bytes: not a multiple of 8
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
}

TEST(NexthopDecode, BrokenNestedResilientAttributes) {
  std::vector<uint8_t> b = kKernelGroup;
  b[60] = 0x30;  // NHA_RES_GROUP claims more than the message holds
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
  b = kKernelGroup;
  b[64] = 0x05;  // BUCKETS (u16) with 1 byte
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
  STRCMP_CONTAINS("NHA_RES_GROUP", error.c_str());
}

TEST(NexthopDecode, MissingIdWrongTypeUnknownGroupType) {
  std::vector<uint8_t> b = kKernelMember;
  b[26] = 0x63;  // NHA_ID becomes an unknown attribute type 99 (ignored) ...
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));  // ... so the ID is missing
  STRCMP_CONTAINS("NHA_ID", error.c_str());

  b = kKernelMember;
  b[4] = 0x18;  // RTM_NEWROUTE
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));

  b = kKernelGroup;
  b[56] = 0x07;  // group type 7
  CHECK_FALSE(decodeNexthop(b.data(), b.size(), m, &error));
}

TEST(NexthopDecode, UnknownAttributesAreIgnored) {
  std::vector<uint8_t> b = kKernelMember;
  const std::vector<uint8_t> extra = {0x08, 0x00, 0x40, 0x00, 0x01, 0x02, 0x03, 0x04};  // type 64
  b.insert(b.end(), extra.begin(), extra.end());
  b[0] = static_cast<uint8_t>(b.size());
  CHECK_TRUE(decodeNexthop(b.data(), b.size(), m, &error));
  UNSIGNED_LONGS_EQUAL(0x60000001, m.id);
}

TEST(NexthopDecode, DeleteNotificationAndNullInput) {
  std::vector<uint8_t> b = kKernelMember;
  b[4] = 0x69;  // RTM_DELNEXTHOP
  CHECK_TRUE(decodeNexthop(b.data(), b.size(), m, &error));
  LONGS_EQUAL(105, m.type);
  CHECK_FALSE(decodeNexthop(nullptr, 0, m, &error));
}
