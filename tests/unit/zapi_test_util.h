// Helpers shared by the zebra API codec tests: byte vectors, hex dumps for readable golden-byte failures,
// host-order fixups for the fields zebra writes in its own byte order, and value builders.
#pragma once

#include <CppUTest/TestHarness.h>

#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/ip_address.h"
#include "platform/zebra/zapi_route_codec.h"

namespace anycastd::ztest {

using Bytes = std::vector<uint8_t>;

inline std::string hex(const Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out += (i % 16 == 0) ? '\n' : ' ';
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

// Golden vectors write zebra's host-order u32 fields little-endian; swap them on a big-endian host.
inline Bytes hostOrderAt(Bytes b, size_t offset) {
  if constexpr (std::endian::native == std::endian::big) {
    std::swap(b[offset], b[offset + 3]);
    std::swap(b[offset + 1], b[offset + 2]);
  }
  return b;
}

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

inline IpPrefix prefix(const char* text) {
  std::string error;
  return *IpPrefix::parse(text, &error);
}

// The route every per-release golden vector encodes: type table, instance 100, two next hops, weights 1
// and 3.
inline ZapiRoute weightedRoute(const char* dst, const char* gw1, const char* gw2) {
  ZapiRoute r;
  r.type = ZapiRouteType::kTable;
  r.instance = 100;
  r.prefix = prefix(dst);
  r.nexthops = {{{ip(gw1), 1}, 3}, {{ip(gw2), 3}, 4}};
  return r;
}

}  // namespace anycastd::ztest

#define ZAPI_BYTES_EQUAL(expected, actual) STRCMP_EQUAL(hex(expected).c_str(), hex(actual).c_str())
