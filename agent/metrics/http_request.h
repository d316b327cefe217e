// HTTP/1.x request head parsing for the metrics server, pure: finds the end of the head in the bytes
// received so far, checks the request line and header syntax (RFC 9112) and extracts the method and the
// path. Bytes after the head (a body) are not looked at. Never throws; bad input yields kMalformed or
// kTooLarge with a reason.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace anycastd {

struct HttpRequestHead {
  enum class Outcome { kNeedMore, kComplete, kMalformed, kTooLarge } outcome = Outcome::kNeedMore;
  std::string method;  // kComplete: e.g. "GET"
  std::string path;    // kComplete: the target's path without the query ("/metrics")
  std::string error;   // kMalformed, kTooLarge
};

// `received`: everything read from the connection so far. A head (request line, headers, empty line) longer
// than `max_bytes` is kTooLarge. A bad request line is reported as soon as that line is complete.
HttpRequestHead parseHttpRequestHead(std::string_view received, size_t max_bytes);

}  // namespace anycastd
