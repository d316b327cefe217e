// HTTP request head parsing (the metrics server's input): complete heads, incremental input, bad request
// lines and headers, the size bound, and absolute-form targets.
#include "agent/metrics/http_request.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace anycastd;
using Outcome = HttpRequestHead::Outcome;

namespace {

HttpRequestHead parse(const std::string& text, size_t max = 8192) {
  return parseHttpRequestHead(text, max);
}

}  // namespace

TEST_GROUP(HttpRequest){};

TEST(HttpRequest, CompleteHead) {
  HttpRequestHead h = parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a:9370\r\nAccept: */*\r\n\r\nbody ignored");
  CHECK(h.outcome == Outcome::kComplete);
  STRCMP_EQUAL("GET", h.method.c_str());
  STRCMP_EQUAL("/metrics", h.path.c_str());
  // Bare LF line ends, leading empty lines, no headers, HTTP/1.0.
  h = parse("\r\n\nHEAD /x HTTP/1.0\n\n");
  CHECK(h.outcome == Outcome::kComplete);
  STRCMP_EQUAL("HEAD", h.method.c_str());
  STRCMP_EQUAL("/x", h.path.c_str());
  h = parse("GET http://switch:9370/metrics HTTP/1.1\r\n\r\n");
  STRCMP_EQUAL("/metrics", h.path.c_str());
  h = parse("GET HTTP://switch HTTP/1.1\r\n\r\n");
  STRCMP_EQUAL("/", h.path.c_str());
}

TEST(HttpRequest, IncompleteInputNeedsMore) {
  const std::string full = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t n = 0; n < full.size(); ++n)
    CHECK_TEXT(parse(full.substr(0, n)).outcome == Outcome::kNeedMore, full.substr(0, n).c_str());
  CHECK(parse(full).outcome == Outcome::kComplete);
}

TEST(HttpRequest, MalformedRequestLines) {
  for (const char* bad :
       {"GET\r\n", "GET /\r\n", "GET  / HTTP/1.1\r\n", "GET / HTTP/1.1 x\r\n", "GET / HTTP/2.0\r\n",
        "GET / http/1.1\r\n", "GET / HTTP/1.x\r\n", "G(T / HTTP/1.1\r\n", "GET metrics HTTP/1.1\r\n",
        "GET /a\x01 HTTP/1.1\r\n", "\x16\x03\x01\x02\n", " GET / HTTP/1.1\r\n"}) {
    HttpRequestHead h = parse(bad);
    CHECK_TEXT(h.outcome == Outcome::kMalformed, (std::string("[") + bad + "]").c_str());
    CHECK_FALSE(h.error.empty());
  }
}

TEST(HttpRequest, MalformedHeaders) {
  for (const char* bad : {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
                          "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
                          "GET / HTTP/1.1\r\nBad Name: v\r\n\r\n", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"}) {
    CHECK_TEXT(parse(bad).outcome == Outcome::kMalformed, bad);
  }
  CHECK(parse(std::string("GET / HTTP/1.1\r\nA: \x00\r\n\r\n", 25)).outcome == Outcome::kMalformed);
}

TEST(HttpRequest, HeadLongerThanTheLimit) {
  const std::string head = "GET / HTTP/1.1\r\nA: " + std::string(100, 'x') + "\r\n\r\n";
  CHECK(parse(head, head.size()).outcome == Outcome::kComplete);
  CHECK(parse(head, head.size() - 1).outcome == Outcome::kTooLarge);
  CHECK(parse(std::string(101, 'x'), 100).outcome == Outcome::kTooLarge);  // no line end at all
  CHECK(parse(std::string(100, 'x'), 100).outcome == Outcome::kNeedMore);
  CHECK(parse(std::string(200, '\n'), 100).outcome == Outcome::kTooLarge);
}
