#include "agent/metrics/http_request.h"

namespace anycastd {
namespace {

using Outcome = HttpRequestHead::Outcome;

bool isTchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isTchar(c)) return false;
  return true;
}

bool isVisible(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7F;  // VCHAR and obs-text
}

HttpRequestHead malformed(std::string why) {
  HttpRequestHead h;
  h.outcome = Outcome::kMalformed;
  h.error = std::move(why);
  return h;
}

// Lines end in LF, optionally preceded by CR.
std::string_view withoutCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

HttpRequestHead requestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return malformed("malformed request line");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!isToken(method)) return malformed("malformed method");
  if (version.size() != 8 || !version.starts_with("HTTP/1.") || version[7] < '0' || version[7] > '9')
    return malformed("unsupported protocol version");
  if (target.empty()) return malformed("empty request target");
  for (char c : target)
    if (!isVisible(c)) return malformed("malformed request target");
  // absolute-form (http://host/path) is reduced to its path; origin-form starts with '/'.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        std::equal(scheme.begin(), scheme.end(), target.begin(),
                   [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b); })) {
      const size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
  }
  if (target[0] != '/' && target != "*") return malformed("malformed request target");
  HttpRequestHead h;
  h.outcome = Outcome::kComplete;
  h.method = method;
  h.path = target.substr(0, target.find_first_of("?#"));
  return h;
}

HttpRequestHead headerLine(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return malformed("header line without ':'");
  if (!isToken(line.substr(0, colon))) return malformed("malformed header name");  // incl. obs-fold
  for (char c : line.substr(colon + 1))
    if (!isVisible(c) && c != ' ' && c != '\t') return malformed("control character in a header value");
  return {};
}

}  // namespace

HttpRequestHead parseHttpRequestHead(std::string_view received, size_t max_bytes) {
  // A server should ignore empty lines before the request line (RFC 9112 section 2.2).
  size_t pos = 0;
  while (pos < received.size() && (received[pos] == '\r' || received[pos] == '\n')) ++pos;
  HttpRequestHead head;
  bool first = true;
  while (true) {
    const size_t eol = received.find('\n', pos);
    if (eol == std::string_view::npos || eol >= max_bytes) {
      if (received.size() > max_bytes || eol != std::string_view::npos) {
        HttpRequestHead h;
        h.outcome = Outcome::kTooLarge;
        h.error = "request head longer than " + std::to_string(max_bytes) + " bytes";
        return h;
      }
      return HttpRequestHead{};  // kNeedMore
    }
    const std::string_view line = withoutCr(received.substr(pos, eol - pos));
    pos = eol + 1;
    if (first) {
      head = requestLine(line);
      if (head.outcome != Outcome::kComplete) return head;
      first = false;
      continue;
    }
    if (line.empty()) return head;  // the end of the head
    if (HttpRequestHead h = headerLine(line); h.outcome == Outcome::kMalformed) return h;
  }
}

}  // namespace anycastd
