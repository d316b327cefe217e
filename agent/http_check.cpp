#include "agent/http_check.h"

namespace anycastd {

std::string buildHttpRequest(const std::string& path, const std::string& host) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUser-Agent: anycastd\r\nAccept: */*\r\nConnection: close\r\n\r\n";
}

HttpStatusParse parseHttpStatus(std::string_view received) {
  HttpStatusParse r;
  constexpr std::string_view kPrefix = "HTTP/";
  const size_t n = std::min(received.size(), kPrefix.size());
  if (received.substr(0, n) != kPrefix.substr(0, n)) {
    r.outcome = HttpStatusParse::Outcome::kMalformed;
    r.error = "not an HTTP response";
    return r;
  }
  const size_t eol = received.find('\n');
  if (eol == std::string_view::npos) {
    if (received.size() > 1024) {
      r.outcome = HttpStatusParse::Outcome::kMalformed;
      r.error = "status line longer than 1024 bytes";
    }
    return r;
  }
  std::string_view line = received.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // HTTP/D.D SP NNN [SP reason]
  const size_t sp = line.find(' ');
  if (sp == std::string_view::npos || line.size() < sp + 4) {
    r.outcome = HttpStatusParse::Outcome::kMalformed;
    r.error = "malformed status line";
    return r;
  }
  std::string_view code = line.substr(sp + 1, 3);
  int status = 0;
  for (char c : code) {
    if (c < '0' || c > '9') {
      r.outcome = HttpStatusParse::Outcome::kMalformed;
      r.error = "malformed status code";
      return r;
    }
    status = status * 10 + (c - '0');
  }
  if (line.size() > sp + 4 && line[sp + 4] != ' ') {
    r.outcome = HttpStatusParse::Outcome::kMalformed;
    r.error = "malformed status code";
    return r;
  }
  r.outcome = HttpStatusParse::Outcome::kStatus;
  r.status = status;
  return r;
}

}  // namespace anycastd
