// Robustness of the ZAPI decoders and the framer: every truncation of valid messages, and a deterministic
// pseudo-random corpus of malformed ones (bit flips, bad lengths, bad families, over-long prefixes, next-hop
// counts beyond the body, trailing bytes, random bodies). Each must give an error or a value — never a crash
// or an out-of-bounds read (run the suite once under -fsanitize=address,undefined).
#include <CppUTest/TestHarness.h>

#include <string>

#include "platform/zebra/zapi_codec.h"
#include "platform/zebra/zapi_messages.h"
#include "platform/zebra/zapi_route_codec.h"
#include "tests/unit/zapi_test_util.h"

using namespace anycastd;
using namespace anycastd::ztest;

namespace {

// splitmix64: small, deterministic on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
  uint8_t byte() { return static_cast<uint8_t>(next()); }

 private:
  uint64_t state_;
};

enum class Kind { kRouteAdd, kRouteDelete, kNotify, kError, kCapabilities };

struct Sample {
  FrrRelease release;
  Kind kind;
  Bytes bytes;
  size_t familyOffset = 0;  // 0: none
  size_t countOffset = 0;   // route next-hop count, 0: none
};

void setLength(Bytes& b) {
  b[0] = static_cast<uint8_t>(b.size() >> 8);
  b[1] = static_cast<uint8_t>(b.size());
}

Bytes header(FrrRelease release, ZapiCommand command, Bytes body) {
  Bytes b = {0, 0, 0xfe, 0x06, 0, 0, 0, 0};
  const uint16_t n = commandNumber(release, command);
  b.push_back(static_cast<uint8_t>(n >> 8));
  b.push_back(static_cast<uint8_t>(n));
  b.insert(b.end(), body.begin(), body.end());
  setLength(b);
  return b;
}

std::vector<Sample> corpus() {
  std::vector<Sample> out;
  for (FrrRelease r : kAllFrrReleases) {
    ZapiRoute v4 = weightedRoute("203.0.113.10/32", "192.0.2.2", "192.0.2.6");
    ZapiRoute v6 = weightedRoute("2001:db8::10/128", "2001:db8:1::2", "2001:db8:1::6");
    v6.distance = 20;
    v6.metric = 5;
    v6.tag = 9;
    ZapiRoute plain = weightedRoute("10.0.0.0/9", "10.0.0.1", "10.0.0.2");
    plain.nexthops[1].hop.weight = 1;
    for (const ZapiRoute* route : {&v4, &v6, &plain}) {
      out.push_back({r, Kind::kRouteAdd, encodeRouteAdd(r, *route).value(), 22, 0});
      out.back().countOffset = 24 + (route->prefix.length() + 7) / 8;
      out.push_back({r, Kind::kRouteDelete, encodeRouteDelete(r, *route).value(), 22, 0});
    }
    const Bytes prefix4 = {0x02, 0x20, 0xcb, 0x00, 0x71, 0x0a};
    Bytes notify = {0x02, 0x00, 0x00, 0x00};
    notify.insert(notify.end(), prefix4.begin(), prefix4.end());
    Bytes notifySrc = notify;
    for (uint8_t b : {0x00, 0x00, 0x00, 0x00, 0x00}) notifySrc.push_back(b);
    for (Bytes* n : {&notify, &notifySrc})
      for (uint8_t b : {0x00, 0x00, 0x00, 0xfe, 0x01, 0x01}) n->push_back(b);
    out.push_back(
        {r, Kind::kNotify, hostOrderAt(header(r, ZapiCommand::kRouteNotifyOwner, notify), 10), 14, 0});
    if (acceptsNotifyOwnerLayout(r, NotifyOwnerLayout::kSourcePrefix))
      out.push_back(
          {r, Kind::kNotify, hostOrderAt(header(r, ZapiCommand::kRouteNotifyOwner, notifySrc), 10), 14, 0});
    out.push_back({r, Kind::kError, hostOrderAt(header(r, ZapiCommand::kError, {2, 0, 0, 0}), 10), 0, 0});
    Bytes caps = {0, 0, 0, 0, 1, 0, 0, 0, 64, 0};
    if (!acceptsCapabilitiesLayout(r, CapabilitiesLayout::kBase)) caps.push_back(1);  // v6_with_v4 (9.1+)
    if (acceptsCapabilitiesLayout(r, CapabilitiesLayout::kGracefulRestart)) caps.push_back(1);
    out.push_back({r, Kind::kCapabilities, header(r, ZapiCommand::kCapabilities, caps), 0, 0});
    if (acceptsCapabilitiesLayout(r, CapabilitiesLayout::kShortVrfBackend))
      out.push_back({r, Kind::kCapabilities,
                     header(r, ZapiCommand::kCapabilities, {0, 1, 0, 0, 0, 64, 0, 1, 1}), 0, 0});
  }
  return out;
}

// Decodes as the sample's kind; returns the error text ("" when the decode succeeded).
std::string decodeAs(const Sample& s, const Bytes& bytes) {
  switch (s.kind) {
    case Kind::kRouteAdd: {
      auto r = decodeRoute(s.release, ZapiCommand::kRouteAdd, bytes);
      if (r.has_value()) {
        // Whatever decodes must survive encode -> decode unchanged (when it is encodable at all).
        auto again = encodeRouteAdd(s.release, r.value());
        if (again.has_value()) {
          auto back = decodeRoute(s.release, ZapiCommand::kRouteAdd, again.value());
          CHECK_TEXT(back.has_value() && back.value() == r.value(), hex(bytes).c_str());
        }
      }
      return r.has_value() ? "" : r.error().message;
    }
    case Kind::kRouteDelete: {
      auto r = decodeRoute(s.release, ZapiCommand::kRouteDelete, bytes);
      return r.has_value() ? "" : r.error().message;
    }
    case Kind::kNotify: {
      auto r = decodeRouteNotifyOwner(s.release, bytes);
      return r.has_value() ? "" : r.error().message;
    }
    case Kind::kError: {
      auto r = decodeError(s.release, bytes);
      return r.has_value() ? "" : r.error().message;
    }
    case Kind::kCapabilities: {
      auto r = decodeCapabilities(s.release, bytes);
      return r.has_value() ? "" : r.error().message;
    }
  }
  return "?";
}

// Every decoder, every release: nothing may crash whatever the bytes.
void decodeEverything(const Bytes& bytes) {
  (void)decodeHeader(bytes);
  for (FrrRelease r : kAllFrrReleases) {
    for (ZapiCommand c : {ZapiCommand::kRouteAdd, ZapiCommand::kRouteDelete,
                          ZapiCommand::kRedistributeRouteAdd, ZapiCommand::kRedistributeRouteDel})
      (void)decodeRoute(r, c, bytes);
    (void)decodeRouteNotifyOwner(r, bytes);
    (void)decodeError(r, bytes);
    (void)decodeCapabilities(r, bytes);
  }
}

std::string describe(const Sample& s) {
  return std::string(toString(s.release)) + " " + hex(s.bytes);
}

}  // namespace

TEST_GROUP(ZapiDecoderFuzz){};

TEST(ZapiDecoderFuzz, CorpusDecodes) {
  for (const Sample& s : corpus()) {
    std::string error = decodeAs(s, s.bytes);
    CHECK_TEXT(error.empty(), (error + "\n" + describe(s)).c_str());
  }
}

TEST(ZapiDecoderFuzz, EveryTruncationIsAnError) {
  for (const Sample& s : corpus()) {
    for (size_t k = 0; k < s.bytes.size(); ++k) {
      Bytes cut(s.bytes.begin(), s.bytes.begin() + static_cast<std::ptrdiff_t>(k));
      CHECK_TEXT(!decodeAs(s, cut).empty(), describe(s).c_str());
      if (k >= kZapiHeaderSize) {
        setLength(cut);  // a consistent header, so the body decoder itself must notice
        std::string error = decodeAs(s, cut);
        CHECK_TEXT(!error.empty(), ("cut to " + std::to_string(k) + ": " + describe(s)).c_str());
      }
      decodeEverything(cut);
    }
  }
}

TEST(ZapiDecoderFuzz, TargetedMalformations) {
  Rng rng(0x5eed2024);
  const auto samples = corpus();
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const Sample& s = samples[rng.below(samples.size())];
    Bytes b = s.bytes;
    std::string what;
    switch (rng.below(5)) {
      case 0: {  // header length that disagrees with the bytes
        uint16_t length = static_cast<uint16_t>(rng.next());
        if (length == b.size()) ++length;
        b[0] = static_cast<uint8_t>(length >> 8);
        b[1] = static_cast<uint8_t>(length);
        what = "length";
        break;
      }
      case 1: {  // family neither AF_INET nor AF_INET6
        if (!s.familyOffset) continue;
        uint8_t f = rng.byte();
        if (f == 2 || f == 10) f = 0;
        b[s.familyOffset] = f;
        what = "family";
        break;
      }
      case 2: {  // prefix length beyond the family's maximum
        if (!s.familyOffset) continue;
        const size_t max = b[s.familyOffset] == 2 ? 32 : 128;
        b[s.familyOffset + 1] = static_cast<uint8_t>(max + 1 + rng.below(255 - max));
        what = "prefixlen";
        break;
      }
      case 3: {  // more next hops than the body holds
        if (!s.countOffset) continue;
        const size_t actual = static_cast<size_t>(b[s.countOffset] << 8 | b[s.countOffset + 1]);
        const size_t count = actual + 1 + rng.below(65535 - actual);
        b[s.countOffset] = static_cast<uint8_t>(count >> 8);
        b[s.countOffset + 1] = static_cast<uint8_t>(count);
        what = "nexthop_num";
        break;
      }
      case 4: {  // trailing bytes, header adjusted
        for (size_t n = 1 + rng.below(20); n > 0; --n) b.push_back(rng.byte());
        setLength(b);
        what = "trailing";
        break;
      }
    }
    std::string error = decodeAs(s, b);
    CHECK_TEXT(!error.empty(), (what + ": " + describe(s)).c_str());
    decodeEverything(b);
  }
}

TEST(ZapiDecoderFuzz, RandomMutationsNeverCrash) {
  Rng rng(42);
  const auto samples = corpus();
  size_t accepted = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    const Sample& s = samples[rng.below(samples.size())];
    Bytes b = s.bytes;
    switch (rng.below(4)) {
      case 0:  // bit flips anywhere in the body (header kept valid)
        for (size_t n = 1 + rng.below(4); n > 0; --n) {
          const size_t at = kZapiHeaderSize + rng.below(b.size() - kZapiHeaderSize);
          b[at] ^= static_cast<uint8_t>(1u << rng.below(8));
        }
        break;
      case 1:  // bit flips including the header
        for (size_t n = 1 + rng.below(3); n > 0; --n)
          b[rng.below(b.size())] ^= static_cast<uint8_t>(1u << rng.below(8));
        break;
      case 2:  // random body of random length, valid header
        b.resize(kZapiHeaderSize + rng.below(80));
        for (size_t i = kZapiHeaderSize; i < b.size(); ++i) b[i] = rng.byte();
        setLength(b);
        break;
      case 3:  // overwrite a random run with random bytes
        for (size_t at = rng.below(b.size()), n = 1 + rng.below(8); n > 0 && at < b.size(); --n, ++at)
          b[at] = rng.byte();
        break;
    }
    if (decodeAs(s, b).empty()) ++accepted;
    decodeEverything(b);
  }
  CHECK(accepted > 0);  // some flips (in addresses, metrics) are still valid messages
}

TEST(ZapiDecoderFuzz, FramerOverRandomChunksAndGarbage) {
  Rng rng(7);
  const auto samples = corpus();
  for (int iteration = 0; iteration < 300; ++iteration) {
    Bytes stream;
    std::vector<Bytes> sent;
    for (size_t n = 1 + rng.below(8); n > 0; --n) {
      const Bytes& m = samples[rng.below(samples.size())].bytes;
      sent.push_back(m);
      stream.insert(stream.end(), m.begin(), m.end());
    }
    const bool corrupt = rng.below(3) == 0;
    if (corrupt) stream[rng.below(stream.size())] = rng.byte();
    ZapiFramer f;
    std::vector<Bytes> got;
    size_t at = 0;
    bool failed = false;
    while (at < stream.size() && !failed) {
      const size_t n = std::min(stream.size() - at, 1 + rng.below(40));
      f.feed(std::span<const uint8_t>(stream.data() + at, n));
      at += n;
      ZapiMessage m;
      for (;;) {
        auto status = f.next(&m);
        if (status == ZapiFramer::Status::kMessage) {
          CHECK(m.bytes.size() >= kZapiHeaderSize && m.bytes.size() <= kZapiMaxMessage);
          CHECK(decodeHeader(m.bytes).has_value());
          got.push_back(m.bytes);
          decodeEverything(m.bytes);
          continue;
        }
        failed = status == ZapiFramer::Status::kError;
        break;
      }
    }
    if (!corrupt) {
      CHECK_FALSE(failed);
      CHECK(got == sent);
    }
    size_t total = 0;
    for (const Bytes& m : got) total += m.size();
    CHECK(total <= stream.size());
  }
}
