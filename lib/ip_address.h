// IpAddress and IpPrefix: small value types for IPv4/IPv6 addresses and prefixes, with parsing and
// formatting. Pure; no I/O. Parsing reports failure through std::optional/an error string, never throws.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anycastd {

enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress fromBytes(Family family, const void* bytes);

  Family family() const { return family_; }
  bool isV4() const { return family_ == Family::kIpv4; }
  int afFamily() const;  // AF_INET or AF_INET6
  size_t byteLength() const { return isV4() ? 4 : 16; }
  const uint8_t* bytes() const { return bytes_.data(); }
  std::string str() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::kIpv4;
  std::array<uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  IpPrefix(IpAddress address, uint8_t length) : address_(address), length_(length) {}
  // Accepts "ADDR/LEN" or a bare address (host prefix). On failure returns nullopt and sets *error.
  static std::optional<IpPrefix> parse(std::string_view text, std::string* error);

  const IpAddress& address() const { return address_; }
  uint8_t length() const { return length_; }
  Family family() const { return address_.family(); }
  std::string str() const;

  auto operator<=>(const IpPrefix&) const = default;

 private:
  IpAddress address_;
  uint8_t length_ = 0;
};

}  // namespace anycastd
