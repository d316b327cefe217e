// ListenAddress: the "HOST:PORT" / "[V6]:PORT" address a server listens on (e.g. "127.0.0.1:9370",
// "[::1]:9370", "0.0.0.0:9370", "[::]:9370"). HOST is an IP literal: no name lookup. Pure; parsing reports
// failure through std::optional and an error string, never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/ip_address.h"

namespace anycastd {

struct ListenAddress {
  IpAddress host;
  uint16_t port = 0;        // 0: any free port (tests); configs require 1..65535
  std::string str() const;  // "192.0.2.1:9370" or "[2001:db8::1]:9370"
};

// On failure returns nullopt and sets *error (when not null) to why, e.g. "missing :PORT".
std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string* error);

}  // namespace anycastd
