// DNS vocabulary shared by the config (validation) and the dns probe (agent/probes/dns_message.h): record
// type and response code names, and the check of a name for a question. Pure functions; errors come back
// as nullopt (with a reason for names).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anycastd {

constexpr uint16_t kDnsTypeA = 1;
constexpr uint16_t kDnsTypeAaaa = 28;

// "A" -> 1, "AAAA" -> 28 (A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT; case-insensitive); nullopt otherwise.
std::optional<uint16_t> dnsTypeFromName(std::string_view name);
std::string dnsTypeName(uint16_t type);  // "AAAA", or "TYPE65" for one without a name here
// "NOERROR" -> 0 (NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED); nullopt otherwise.
std::optional<uint8_t> dnsRcodeFromName(std::string_view name);
std::string dnsRcodeName(uint8_t rcode);  // "SERVFAIL", or "RCODE11"

// Checks a name for a question: labels of 1..63 characters, at most 253 in all, a trailing dot allowed.
// Returns the name without the trailing dot, or nullopt and sets *error.
std::optional<std::string> normaliseDnsName(std::string_view name, std::string* error);

}  // namespace anycastd
