#include "lib/dns_name.h"

#include <array>
#include <cctype>

namespace anycastd {
namespace {

struct Named {
  const char* name;
  uint16_t value;
};

constexpr std::array<Named, 9> kTypes{{{"A", 1},
                                       {"NS", 2},
                                       {"CNAME", 5},
                                       {"SOA", 6},
                                       {"PTR", 12},
                                       {"MX", 15},
                                       {"TXT", 16},
                                       {"AAAA", 28},
                                       {"SRV", 33}}};
constexpr std::array<Named, 6> kRcodes{
    {{"NOERROR", 0}, {"FORMERR", 1}, {"SERVFAIL", 2}, {"NXDOMAIN", 3}, {"NOTIMP", 4}, {"REFUSED", 5}}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<uint16_t> dnsTypeFromName(std::string_view name) {
  const std::string u = upper(name);
  for (const auto& t : kTypes)
    if (u == t.name) return t.value;
  return std::nullopt;
}

std::string dnsTypeName(uint16_t type) {
  for (const auto& t : kTypes)
    if (t.value == type) return t.name;
  return "TYPE" + std::to_string(type);
}

std::optional<uint8_t> dnsRcodeFromName(std::string_view name) {
  const std::string u = upper(name);
  for (const auto& r : kRcodes)
    if (u == r.name) return static_cast<uint8_t>(r.value);
  return std::nullopt;
}

std::string dnsRcodeName(uint8_t rcode) {
  for (const auto& r : kRcodes)
    if (r.value == rcode) return r.name;
  return "RCODE" + std::to_string(rcode);
}

std::optional<std::string> normaliseDnsName(std::string_view name, std::string* error) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) {
    *error = "empty name";
    return std::nullopt;
  }
  if (name.size() > 253) {
    *error = "name longer than 253 characters";
    return std::nullopt;
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t len = dot - start;
    if (len == 0 || len > 63) {
      *error = len == 0 ? "empty label" : "label longer than 63 characters";
      return std::nullopt;
    }
    for (char c : name.substr(start, len)) {
      if (std::isspace(static_cast<unsigned char>(c)) || !std::isprint(static_cast<unsigned char>(c))) {
        *error = "whitespace or control character in name";
        return std::nullopt;
      }
    }
    start = dot + 1;
  }
  return lower(name);
}

}  // namespace anycastd
