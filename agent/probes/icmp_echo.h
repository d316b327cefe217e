// ICMP echo messages for the icmp health check, pure: the echo request a probe sends (ICMP type 8 /
// ICMPv6 type 128, RFC 792 / RFC 4443) and the parsing of what a ping or raw socket delivers back. No
// sockets: agent/probes/icmp_probe.h does the I/O. Input that is not a well-formed echo reply yields
// nullopt, never a read past the end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace anycastd {

struct IcmpEcho {
  uint16_t id = 0;
  uint16_t sequence = 0;
  std::vector<uint8_t> payload;
};

// An echo request. IPv4: with the ICMP checksum. IPv6: checksum 0 (the kernel computes it over the
// pseudo-header, for ping and raw ICMPv6 sockets alike).
std::vector<uint8_t> buildEchoRequest(bool v6, const IcmpEcho& echo);

// Parses an echo reply (ICMP type 0 / ICMPv6 type 129). `with_ip_header`: the buffer starts with the IPv4
// header, as a raw IPv4 socket delivers it (ping sockets and IPv6 sockets deliver the ICMP message alone).
// Other ICMP types, short or malformed input, a bad IPv4 checksum: nullopt.
std::optional<IcmpEcho> parseEchoReply(bool v6, bool with_ip_header, std::span<const uint8_t> packet);

// The Internet checksum (RFC 1071) of data.
uint16_t internetChecksum(std::span<const uint8_t> data);

}  // namespace anycastd
