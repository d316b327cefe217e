#include "lib/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace anycastd {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::kIpv4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = Family::kIpv6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::fromBytes(Family family, const void* bytes) {
  IpAddress a;
  a.family_ = family;
  std::memcpy(a.bytes_.data(), bytes, family == Family::kIpv4 ? 4 : 16);
  return a;
}

int IpAddress::afFamily() const {
  return isV4() ? AF_INET : AF_INET6;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(afFamily(), bytes_.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* error) {
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    *error = "'" + std::string(text.substr(0, slash)) + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  const int max = address->isV4() ? 32 : 128;
  int length = max;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || length < 0 ||
        length > max) {
      *error = "prefix length '" + std::string(digits) + "' is not in 0.." + std::to_string(max);
      return std::nullopt;
    }
  }
  const uint8_t* b = address->bytes();
  for (int bit = length; bit < max; ++bit) {
    if (b[bit / 8] & (0x80 >> (bit % 8))) {
      *error = "'" + std::string(text) + "' has host bits set beyond /" + std::to_string(length);
      return std::nullopt;
    }
  }
  return IpPrefix(*address, static_cast<uint8_t>(length));
}

std::string IpPrefix::str() const {
  return address_.str() + "/" + std::to_string(length_);
}

}  // namespace anycastd
