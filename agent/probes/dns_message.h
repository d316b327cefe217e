// DNS messages for the dns health check, pure: the query a probe sends (RFC 1035: one question, RD set),
// the parsing of the response (header, question and answer sections, name compression) and the verdict a
// probe reports (response code and expected address). No sockets, no clock: agent/probes/dns_probe.h does
// the I/O. Malformed or truncated input is reported through DnsParse::error, never by throwing or reading
// past the end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/dns_name.h"
#include "lib/ip_address.h"

namespace anycastd {

constexpr uint16_t kDnsClassIn = 1;

// The query: header (id, RD, QDCOUNT 1), then the question (name, type, class IN). `name` must have passed
// normaliseDnsName().
std::vector<uint8_t> buildDnsQuery(uint16_t id, std::string_view name, uint16_t type);

struct DnsRecord {
  std::string name;  // lower case, no trailing dot ("" for the root)
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

struct DnsResponse {
  uint16_t id = 0;
  bool qr = false;         // a response
  bool truncated = false;  // TC: the answer did not fit (UDP)
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  std::vector<DnsRecord> questions;  // rdata and ttl unused
  std::vector<DnsRecord> answers;
};

struct DnsParse {
  std::optional<DnsResponse> response;
  std::string error;  // when !response: e.g. "truncated header (7 bytes)", "compression pointer loop"
};

// Parses a whole DNS message (without TCP's length prefix). The authority and additional sections are not
// read.
DnsParse parseDnsMessage(std::span<const uint8_t> message);

struct DnsExpectation {
  uint16_t id = 0;
  std::string name;  // as normaliseDnsName() returns it
  uint16_t type = kDnsTypeA;
  uint8_t rcode = 0;
  std::optional<IpAddress> address;
};

struct DnsVerdict {
  bool ok = false;
  std::string
      detail;  // "rcode NOERROR, 1 answer", "rcode SERVFAIL, expected NOERROR", "no answer 192.0.2.53"
};

// Judges a parsed response against what the probe asked for and expects.
DnsVerdict judgeDnsResponse(const DnsResponse& response, const DnsExpectation& expect);

}  // namespace anycastd
