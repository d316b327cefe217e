#include "agent/probes/http_check.h"

#include <algorithm>
#include <cctype>

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

namespace {

constexpr size_t kMaxHeaders = 16 * 1024;

std::string lowerCase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

HttpResponseParse malformed(std::string error) {
  HttpResponseParse r;
  r.outcome = HttpResponseParse::Outcome::kMalformed;
  r.error = std::move(error);
  return r;
}

// Decodes chunked data; kComplete at the last chunk (trailers are not needed), kNeedMore before it.
HttpResponseParse decodeChunked(std::string_view data, bool eof) {
  HttpResponseParse r;
  size_t at = 0;
  while (true) {
    const size_t eol = data.find('\n', at);
    if (eol == std::string_view::npos) {
      if (eof) return malformed("truncated chunked body");
      if (data.size() - at > 1024) return malformed("malformed chunk size");
      return r;
    }
    std::string_view line = trim(data.substr(at, eol - at));
    line = line.substr(0, line.find(';'));  // chunk extensions
    if (line.empty() || line.size() > 8) return malformed("malformed chunk size");
    size_t size = 0;
    for (char c : line) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return malformed("malformed chunk size");
      size = size * 16 + static_cast<size_t>(
                             std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    at = eol + 1;
    if (size == 0) {
      r.outcome = HttpResponseParse::Outcome::kComplete;
      return r;
    }
    const size_t have = std::min(size, data.size() - at);
    r.body.append(data.substr(at, std::min(have, kMaxHttpBody - r.body.size())));
    if (r.body.size() >= kMaxHttpBody) {
      r.outcome = HttpResponseParse::Outcome::kComplete;
      return r;
    }
    if (have < size) {
      if (eof) return malformed("truncated chunked body");
      return r;
    }
    at += size;
    // CRLF after the chunk data
    if (data.size() - at < 2) {
      if (eof) return malformed("truncated chunked body");
      return r;
    }
    if (data[at] == '\r') ++at;
    if (data[at] != '\n') return malformed("malformed chunk (no line end after the data)");
    ++at;
  }
}

}  // namespace

HttpResponseParse parseHttpResponse(std::string_view received, bool eof) {
  HttpStatusParse status = parseHttpStatus(received);
  if (status.outcome == HttpStatusParse::Outcome::kMalformed) return malformed(status.error);
  if (status.outcome == HttpStatusParse::Outcome::kNeedMore) {
    if (eof)
      return malformed(received.empty() ? "connection closed without a response" : "truncated status line");
    return {};
  }
  size_t header_end = received.find("\r\n\r\n");
  size_t body_start = header_end == std::string_view::npos ? header_end : header_end + 4;
  if (header_end == std::string_view::npos) {
    header_end = received.find("\n\n");
    body_start = header_end == std::string_view::npos ? header_end : header_end + 2;
  }
  if (header_end == std::string_view::npos) {
    if (received.size() > kMaxHeaders) return malformed("headers longer than 16384 bytes");
    if (eof) return malformed("truncated headers");
    return {};
  }
  bool chunked = false;
  std::optional<size_t> content_length;
  std::string_view headers = received.substr(0, header_end);
  size_t at = headers.find('\n');
  while (at != std::string_view::npos) {
    const size_t next = headers.find('\n', at + 1);
    std::string_view line =
        headers.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    at = next;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lowerCase(trim(line.substr(0, colon)));
    const std::string value = lowerCase(trim(line.substr(colon + 1)));
    if (name == "transfer-encoding" && value.find("chunked") != std::string::npos) chunked = true;
    if (name == "content-length") {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
        return malformed("malformed Content-Length");
      content_length = std::stoull(value);
    }
  }
  std::string_view body = received.substr(body_start);
  HttpResponseParse r;
  r.status = status.status;
  const bool no_body = status.status == 204 || status.status == 304 || status.status / 100 == 1;
  if (no_body) {
    r.outcome = HttpResponseParse::Outcome::kComplete;
  } else if (chunked) {
    HttpResponseParse c = decodeChunked(body, eof);
    c.status = status.status;
    return c;
  } else if (content_length) {
    const size_t want = std::min(*content_length, kMaxHttpBody);
    if (body.size() >= want) {
      r.outcome = HttpResponseParse::Outcome::kComplete;
      r.body = std::string(body.substr(0, want));
    } else if (eof) {
      return malformed("truncated body (" + std::to_string(body.size()) + " of " +
                       std::to_string(*content_length) + " bytes)");
    }
  } else if (eof || body.size() >= kMaxHttpBody) {
    r.outcome = HttpResponseParse::Outcome::kComplete;
    r.body = std::string(body.substr(0, kMaxHttpBody));
  }
  return r;
}

}  // namespace anycastd
