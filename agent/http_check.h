// HTTP health check protocol pieces, pure: the request a probe sends and the parsing of the reply's status
// line. The prober (prober.h) does the socket work.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anycastd {

// "GET /healthz HTTP/1.1\r\nHost: ...\r\nUser-Agent: anycastd\r\nConnection: close\r\n\r\n"
std::string buildHttpRequest(const std::string& path, const std::string& host);

struct HttpStatusParse {
  enum class Outcome { kNeedMore, kStatus, kMalformed } outcome = Outcome::kNeedMore;
  int status = 0;
  std::string error;  // for kMalformed
};

// Parses the status line at the start of `received` ("HTTP/1.x NNN reason\r\n"). kNeedMore while the line is
// incomplete and still plausible.
HttpStatusParse parseHttpStatus(std::string_view received);

}  // namespace anycastd
