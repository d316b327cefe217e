#include "lib/listen_address.h"

namespace anycastd {

std::string ListenAddress::str() const {
  const std::string h = host.isV4() ? host.str() : "[" + host.str() + "]";
  return h + ":" + std::to_string(port);
}

std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<ListenAddress> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::string_view host, port;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("missing :PORT after ']'");
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return fail("only IPv6 addresses go in brackets");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("missing :PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return fail("an IPv6 address must be in brackets: [ADDR]:PORT");
  }
  if (host.empty()) return fail("missing the address (e.g. 127.0.0.1, 0.0.0.0 or [::])");
  auto address = host.find('\0') == std::string_view::npos ? IpAddress::parse(host) : std::nullopt;
  if (!address) return fail("'" + std::string(host) + "' is not an IP address");
  if (port.empty() || port.size() > 5) return fail("bad port '" + std::string(port) + "'");
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return fail("bad port '" + std::string(port) + "'");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return fail("port " + std::to_string(value) + " is out of range 1..65535");
  return ListenAddress{*address, static_cast<uint16_t>(value)};
}

}  // namespace anycastd
