// ICMP echo request building and reply parsing (IPv4 with and without the IP header, IPv6).
#include "agent/probes/icmp_echo.h"

#include <CppUTest/TestHarness.h>

#include <vector>

using namespace anycastd;
using Bytes = std::vector<uint8_t>;

TEST_GROUP(IcmpEcho){};

TEST(IcmpEcho, RequestV4HasAValidChecksum) {
  const Bytes m = buildEchoRequest(false, IcmpEcho{0x1234, 7, {1, 2, 3}});
  CHECK(Bytes({8, 0}) == Bytes(m.begin(), m.begin() + 2));
  CHECK(Bytes({0x12, 0x34, 0, 7, 1, 2, 3}) == Bytes(m.begin() + 4, m.end()));
  LONGS_EQUAL(0, internetChecksum(m));
}

TEST(IcmpEcho, RequestV6LeavesTheChecksumToTheKernel) {
  const Bytes m = buildEchoRequest(true, IcmpEcho{1, 2, {}});
  CHECK(Bytes({128, 0, 0, 0, 0, 1, 0, 2}) == m);
}

TEST(IcmpEcho, ChecksumOfRfc1071Example) {
  LONGS_EQUAL(0x220D, internetChecksum(Bytes{0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7}));
}

TEST(IcmpEcho, ReplyV4) {
  Bytes reply = buildEchoRequest(false, IcmpEcho{0x1234, 9, {0xAA, 0xBB}});
  reply[0] = 0;  // echo reply; fix the checksum
  reply[2] = reply[3] = 0;
  const uint16_t sum = internetChecksum(reply);
  reply[2] = static_cast<uint8_t>(sum >> 8);
  reply[3] = static_cast<uint8_t>(sum);
  auto e = parseEchoReply(false, false, reply);
  CHECK(e.has_value());
  LONGS_EQUAL(0x1234, e->id);
  LONGS_EQUAL(9, e->sequence);
  CHECK(Bytes({0xAA, 0xBB}) == e->payload);
  // As a raw socket delivers it: with a 24-byte IPv4 header (options) in front.
  Bytes raw = {0x46, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1, 1, 1, 1, 1};
  raw.insert(raw.end(), reply.begin(), reply.end());
  e = parseEchoReply(false, true, raw);
  CHECK(e.has_value());
  LONGS_EQUAL(9, e->sequence);
  // A corrupted checksum, a request instead of a reply, short input: nothing.
  reply[9 - 1] ^= 1;
  CHECK_FALSE(parseEchoReply(false, false, reply).has_value());
  CHECK_FALSE(parseEchoReply(false, false, buildEchoRequest(false, IcmpEcho{1, 1, {}})).has_value());
  CHECK_FALSE(parseEchoReply(false, false, Bytes{0, 0, 0}).has_value());
  CHECK_FALSE(parseEchoReply(false, true, Bytes{0x4F, 0, 0}).has_value());
  CHECK_FALSE(parseEchoReply(false, true, Bytes(20, 0x45)).has_value());
}

TEST(IcmpEcho, ReplyV6) {
  auto e = parseEchoReply(true, false, Bytes{129, 0, 0x12, 0x34, 0, 5, 0, 6, 0xEE});
  CHECK(e.has_value());
  LONGS_EQUAL(5, e->id);
  LONGS_EQUAL(6, e->sequence);
  CHECK_FALSE(parseEchoReply(true, false, Bytes{128, 0, 0, 0, 0, 5, 0, 6}).has_value());
  CHECK_FALSE(parseEchoReply(true, false, Bytes{129, 0, 0, 0, 0, 5, 0}).has_value());
}
