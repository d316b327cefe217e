// Control socket framing: varint length prefixes, frames split across and packed into reads, the size and
// varint limits, and frames before an error still being handed out.
#include "agent/control/control_framing.h"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace anycastd;

namespace {

std::vector<std::string> drain(FrameDecoder& d, FrameDecoder::Result* last = nullptr) {
  std::vector<std::string> frames;
  std::string f;
  FrameDecoder::Result r;
  while ((r = d.next(f)) == FrameDecoder::Result::kFrame) frames.push_back(f);
  if (last) *last = r;
  return frames;
}

}  // namespace

TEST_GROUP(ControlFraming){};

TEST(ControlFraming, EncodesVarintLengths) {
  STRCMP_EQUAL(std::string("\x00", 1).c_str(), encodeFrame("").c_str());
  CHECK_EQUAL(std::string("\x03"
                          "abc"),
              encodeFrame("abc"));
  std::string big(300, 'x');
  std::string framed = encodeFrame(big);
  CHECK_EQUAL(302u, framed.size());
  CHECK_EQUAL(0xac, static_cast<uint8_t>(framed[0]));  // 300 = 0b10_0101100
  CHECK_EQUAL(0x02, static_cast<uint8_t>(framed[1]));
  std::string max(kMaxRequestFrameBytes, 'y');
  framed = encodeFrame(max);
  CHECK_EQUAL(std::string("\x80\x80\x04", 3), framed.substr(0, 3));
}

TEST(ControlFraming, RoundTripsSeveralFramesInOneRead) {
  std::string bytes = encodeFrame("one") + encodeFrame("") + encodeFrame(std::string(200, 'z'));
  FrameDecoder d;
  d.feed(bytes);
  FrameDecoder::Result last;
  std::vector<std::string> frames = drain(d, &last);
  CHECK_EQUAL(3u, frames.size());
  CHECK_EQUAL(std::string("one"), frames[0]);
  CHECK_EQUAL(std::string(""), frames[1]);
  CHECK_EQUAL(std::string(200, 'z'), frames[2]);
  CHECK(last == FrameDecoder::Result::kNeedMore);
  CHECK_EQUAL(0u, d.buffered());
}

TEST(ControlFraming, ByteAtATimeYieldsTheSameFrames) {
  std::string payload(1000, 'a');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  std::string bytes = encodeFrame(payload) + encodeFrame("tail");
  FrameDecoder d;
  std::vector<std::string> frames;
  for (char c : bytes) {
    d.feed(&c, 1);
    for (std::string& f : drain(d)) frames.push_back(f);
  }
  CHECK_EQUAL(2u, frames.size());
  CHECK(payload == frames[0]);
  CHECK_EQUAL(std::string("tail"), frames[1]);
  CHECK_FALSE(d.failed());
}

TEST(ControlFraming, LengthAtTheLimitIsAcceptedAboveIsAnError) {
  FrameDecoder ok;
  ok.feed(encodeFrame(std::string(kMaxRequestFrameBytes, 'q')));
  CHECK_EQUAL(1u, drain(ok).size());

  FrameDecoder d;
  d.feed(encodeFrame("first") + encodeFrame(std::string(kMaxRequestFrameBytes + 1, 'q')));
  FrameDecoder::Result last;
  std::vector<std::string> frames = drain(d, &last);
  CHECK_EQUAL(1u, frames.size());  // the frame before the error still counts
  CHECK(last == FrameDecoder::Result::kError);
  STRCMP_EQUAL("frame of 65537 bytes exceeds the limit of 65536 bytes", d.error().c_str());
}

TEST(ControlFraming, OversizedLengthIsRejectedBeforeItsBytesArrive) {
  FrameDecoder d;
  d.feed(std::string("\xff\xff\x7f", 3));  // 2 MiB - 1, header only
  std::string f;
  CHECK(d.next(f) == FrameDecoder::Result::kError);
  CHECK_TRUE(d.failed());
}

TEST(ControlFraming, CustomLimitForReplies) {
  FrameDecoder d(1 << 20);
  d.feed(encodeFrame(std::string(100000, 'r')));
  CHECK_EQUAL(1u, drain(d).size());
}

TEST(ControlFraming, VarintLongerThanFiveBytesIsAnError) {
  FrameDecoder d(~size_t{0});
  d.feed(std::string("\x80\x80\x80\x80\x80\x01", 6));
  std::string f;
  CHECK(d.next(f) == FrameDecoder::Result::kError);
  STRCMP_EQUAL("frame length varint longer than 5 bytes", d.error().c_str());
  // Failed for good: more bytes change nothing.
  d.feed(encodeFrame("x"));
  CHECK(d.next(f) == FrameDecoder::Result::kError);
}

TEST(ControlFraming, FiveByteVarintIsFineAndIncompleteVarintWaits) {
  FrameDecoder d;
  d.feed(std::string("\x83\x80\x80\x80", 4));  // non-minimal 3, incomplete
  std::string f;
  CHECK(d.next(f) == FrameDecoder::Result::kNeedMore);
  d.feed(
      std::string("\x00"
                  "abc",
                  4));
  CHECK(d.next(f) == FrameDecoder::Result::kFrame);
  CHECK_EQUAL(std::string("abc"), f);
}

TEST(ControlFraming, GarbageNeverCrashes) {
  uint32_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    FrameDecoder d;
    std::string bytes;
    for (int i = 0; i < 64; ++i) {
      x = x * 1103515245 + 12345;
      bytes.push_back(static_cast<char>(x >> 16));
    }
    d.feed(bytes);
    drain(d);
    CHECK(d.buffered() <= bytes.size());
  }
}
