// HTTP health check protocol pieces, pure: the request a probe sends, the parsing of the reply's status
// line, and of a whole response (status and body, for expect_body). The probe (probes/stream_probe.h) does
// the socket work. Malformed input is reported through the result's error, never by throwing.
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

// Bodies are read up to this size; expect_body is looked for in this much.
constexpr size_t kMaxHttpBody = 64 * 1024;

struct HttpResponseParse {
  enum class Outcome { kNeedMore, kComplete, kMalformed } outcome = Outcome::kNeedMore;
  int status = 0;
  std::string body;   // for kComplete: decoded (chunked), at most kMaxHttpBody bytes
  std::string error;  // for kMalformed
};

// Parses a whole response at the start of `received`: status line, headers, then the body delimited by
// Content-Length, chunked transfer coding, or the end of the connection (`eof`: the peer closed).
HttpResponseParse parseHttpResponse(std::string_view received, bool eof);

}  // namespace anycastd
