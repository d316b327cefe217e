// Decoding of the kernel's ACK/error and DONE messages (with extended-ACK text) and of link messages, and the
// walk over the messages of one datagram.
#include "netlink/netlink_message.h"

#include <CppUTest/TestHarness.h>

#include <cstdint>
#include <vector>

#include "netlink/link_message.h"

using namespace anycastd::nl;

namespace {

// NLMSG_ERROR -101 for a capped request (NLM_F_CAPPED|NLM_F_ACK_TLVS) with NLMSGERR_ATTR_MSG.
const std::vector<uint8_t> kCappedError = {
    0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03,  // nlmsghdr
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x9b, 0xff, 0xff, 0xff,                          // error -101
    0x30, 0x00, 0x00, 0x00, 0x68, 0x00, 0x05, 0x06,  // request hdr
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x1c, 0x00, 0x01, 0x00, 'N',  'e',  'x',  't',  'h', 'o', 'p', ' ',  'd',  'e', 'v',
    'i',  'c',  'e',  ' ',  'i',  's',  ' ',  'd',  'o', 'w', 'n', 0x00, 0x00,  // NLMSGERR_ATTR_MSG "Nexthop
                                                                                // device is down"
};

// A link message: ifinfomsg (index 4, IFF_UP|IFF_BROADCAST|IFF_RUNNING|IFF_MULTICAST|IFF_LOWER_UP) +
// IFLA_IFNAME.
const std::vector<uint8_t> kLinkUp = {
    0x28, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,  // RTM_NEWLINK
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00,  // ifinfomsg
    0x43, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x08, 0x00, 0x03, 0x00, 'v',  'a',  0x00, 0x00,  // IFLA_IFNAME
};

}  // namespace

TEST_GROUP(NetlinkAck) {
  AckInfo ack;
  std::string error;
};

TEST(NetlinkAck, ErrnoText) {
  STRCMP_EQUAL("Network is unreachable (errno 101)", anycastd::errnoText(101).c_str());
}

TEST(NetlinkAck, PlainAck) {
  const std::vector<uint8_t> b = {
      0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
      0x69, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  CHECK_TRUE(decodeAck(b.data(), b.size(), ack, &error));
  LONGS_EQUAL(0, ack.error);
  CHECK_TRUE(ack.kernel_message.empty());
}

TEST(NetlinkAck, ErrorWithKernelMessage) {
  CHECK_TRUE(decodeAck(kCappedError.data(), kCappedError.size(), ack, &error));
  LONGS_EQUAL(101, ack.error);
  STRCMP_EQUAL("Nexthop device is down", ack.kernel_message.c_str());
}

TEST(NetlinkAck, UncappedErrorSkipsTheEchoedRequest) {
  std::vector<uint8_t> b(kCappedError.begin(), kCappedError.begin() + 36);
  const std::vector<uint8_t> payload = {0x02, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00};  // the echoed nhmsg
  b[20] = 0x18;                                                                           // request len 24
  b.insert(b.end(), payload.begin(), payload.end());
  b.insert(b.end(), kCappedError.begin() + 36, kCappedError.end());
  b[0] = static_cast<uint8_t>(b.size());
  b[7] = 0x02;  // NLM_F_ACK_TLVS only
  CHECK_TRUE(decodeAck(b.data(), b.size(), ack, &error));
  LONGS_EQUAL(101, ack.error);
  STRCMP_EQUAL("Nexthop device is down", ack.kernel_message.c_str());
}

TEST(NetlinkAck, DoneCarriesTheDumpStatus) {
  const std::vector<uint8_t> b = {0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x07, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff};
  CHECK_TRUE(decodeAck(b.data(), b.size(), ack, &error));
  LONGS_EQUAL(2, ack.error);                            // -ENOENT
  std::vector<uint8_t> old(b.begin(), b.begin() + 16);  // old kernels: no status
  old[0] = 0x10;
  CHECK_TRUE(decodeAck(old.data(), old.size(), ack, &error));
  LONGS_EQUAL(0, ack.error);
}

TEST(NetlinkAck, MalformedAcks) {
  for (size_t n = 0; n < kCappedError.size(); ++n) {
    std::vector<uint8_t> b(kCappedError.begin(), kCappedError.begin() + n);
    if (n >= 4) b[0] = static_cast<uint8_t>(n);  // consistent length, content cut
    if (n < 36) CHECK_FALSE(decodeAck(b.data(), b.size(), ack, &error));
  }
  std::vector<uint8_t> b = kCappedError;
  b[36] = 0xff;  // the message attribute runs past the end: the errno still counts, the text is dropped
  CHECK_TRUE(decodeAck(b.data(), b.size(), ack, &error));
  LONGS_EQUAL(101, ack.error);
  CHECK_TRUE(ack.kernel_message.empty());
  b = kCappedError;
  b[4] = 0x10;  // RTM_NEWLINK is no ACK
  CHECK_FALSE(decodeAck(b.data(), b.size(), ack, &error));
}

// Error codes beyond any errno are malformed. INT_MIN used to be negated (undefined behaviour; found by
// tests/fuzz/netlink_fuzzer).
TEST(NetlinkAck, ErrorCodeBeyondAnyErrno) {
  std::vector<uint8_t> b = kCappedError;
  b[16] = 0x00, b[17] = 0x00, b[18] = 0x00, b[19] = 0x80;  // INT_MIN
  CHECK_FALSE(decodeAck(b.data(), b.size(), ack, &error));
  STRCMP_CONTAINS("is no errno", error.c_str());
  b[16] = 0x01, b[17] = 0xf0, b[18] = 0xff, b[19] = 0xff;  // -4095: the largest errno
  CHECK_TRUE(decodeAck(b.data(), b.size(), ack, &error));
  LONGS_EQUAL(4095, ack.error);
  // clang-format off
  std::vector<uint8_t> done = {0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
                               0x00, 0x00, 0x00, 0x80};  // NLMSG_DONE with status INT_MIN
  // clang-format on
  CHECK_FALSE(decodeAck(done.data(), done.size(), ack, &error));
  done[19] = 0x00, done[16] = 0x10;  // a positive length, as old kernels sent: success
  CHECK_TRUE(decodeAck(done.data(), done.size(), ack, &error));
  LONGS_EQUAL(0, ack.error);
}

TEST_GROUP(LinkDecode) {
  LinkMessage link;
  std::string error;
};

TEST(LinkDecode, UpAndDown) {
  CHECK_TRUE(decodeLink(kLinkUp.data(), kLinkUp.size(), link, &error));
  LONGS_EQUAL(4, link.index);
  STRCMP_EQUAL("va", link.name.c_str());
  CHECK_TRUE(link.usable());
  std::vector<uint8_t> b = kLinkUp;
  b[24] = 0x03;  // IFF_UP|IFF_BROADCAST: no carrier (neither running nor lower-up)
  b[26] = 0x00;
  CHECK_TRUE(decodeLink(b.data(), b.size(), link, &error));
  CHECK_FALSE(link.usable());
  b = kLinkUp;
  b[24] = 0x42;  // running but administratively down
  CHECK_TRUE(decodeLink(b.data(), b.size(), link, &error));
  CHECK_FALSE(link.usable());
  b = kLinkUp;
  b[4] = 0x11;  // RTM_DELLINK
  CHECK_TRUE(decodeLink(b.data(), b.size(), link, &error));
  CHECK_FALSE(link.usable());
}

TEST(LinkDecode, Malformed) {
  for (size_t n = 0; n < kLinkUp.size(); ++n) CHECK_FALSE(decodeLink(kLinkUp.data(), n, link, &error));
  std::vector<uint8_t> b = kLinkUp;
  b[38] = 'x';  // name not NUL-terminated
  b[39] = 'y';
  CHECK_FALSE(decodeLink(b.data(), b.size(), link, &error));
}

TEST_GROUP(SplitDatagram){};

// Two messages, the second unpadded at the end of the datagram (18 bytes; its padding would reach 20).
// The walk used to step past the end there and read a header beyond the buffer.
TEST(SplitDatagram, LastMessageWithoutPadding) {
  // clang-format off
  std::vector<uint8_t> d = {
      0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // NLMSG_DONE, 20
      0x12, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb,  // NOOP, 18
  };
  // clang-format on
  auto spans = splitDatagram(d.data(), d.size());
  LONGS_EQUAL(2, spans.size());
  LONGS_EQUAL(0, spans[0].offset);
  LONGS_EQUAL(20, spans[0].length);
  LONGS_EQUAL(20, spans[1].offset);
  LONGS_EQUAL(18, spans[1].length);
  // Alone: one message of 18 bytes in an 18-byte datagram.
  std::vector<uint8_t> one(d.begin() + 20, d.end());
  spans = splitDatagram(one.data(), one.size());
  LONGS_EQUAL(1, spans.size());
  LONGS_EQUAL(18, spans[0].length);
}

TEST(SplitDatagram, StopsAtABadLength) {
  // clang-format off
  std::vector<uint8_t> d = {
      0x10, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,  // 16 bytes, fine
      0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,  // nlmsg_len 8 < header
      0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,  // never reached
  };
  // clang-format on
  LONGS_EQUAL(1, splitDatagram(d.data(), d.size()).size());
  d[16] = 0x40;  // runs past the end
  LONGS_EQUAL(1, splitDatagram(d.data(), d.size()).size());
  LONGS_EQUAL(0, splitDatagram(d.data(), 15).size());  // shorter than a header
  LONGS_EQUAL(0, splitDatagram(nullptr, 0).size());
}
