// HTTP probe request and status-line parsing.
#include "agent/probes/http_check.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;
using Outcome = HttpStatusParse::Outcome;

TEST_GROUP(HttpCheck){};

TEST(HttpCheck, Request) {
  STRCMP_EQUAL(
      "GET /healthz HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: anycastd\r\nAccept: */*\r\nConnection: "
      "close\r\n\r\n",
      buildHttpRequest("/healthz", "192.0.2.2").c_str());
}

TEST(HttpCheck, Status) {
  auto p = parseHttpStatus("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
  CHECK(p.outcome == Outcome::kStatus);
  LONGS_EQUAL(200, p.status);
  p = parseHttpStatus("HTTP/1.0 503\r\n");
  CHECK(p.outcome == Outcome::kStatus);
  LONGS_EQUAL(503, p.status);
}

TEST(HttpCheck, Incomplete) {
  CHECK(parseHttpStatus("").outcome == Outcome::kNeedMore);
  CHECK(parseHttpStatus("HTT").outcome == Outcome::kNeedMore);
  CHECK(parseHttpStatus("HTTP/1.1 20").outcome == Outcome::kNeedMore);
}

TEST(HttpCheck, Malformed) {
  CHECK(parseHttpStatus("SSH-2.0-OpenSSH\r\n").outcome == Outcome::kMalformed);
  CHECK(parseHttpStatus("HTTP/1.1 2x0 OK\r\n").outcome == Outcome::kMalformed);
  CHECK(parseHttpStatus("HTTP/1.1 2000 OK\r\n").outcome == Outcome::kMalformed);
  CHECK(parseHttpStatus("HTTP/1.1\r\n").outcome == Outcome::kMalformed);
  CHECK(parseHttpStatus("HTTP/1.1 " + std::string(2000, 'x')).outcome == Outcome::kMalformed);
}

// ---- whole responses (expect_body) ----

using ROutcome = HttpResponseParse::Outcome;

TEST(HttpCheck, ResponseWithContentLength) {
  const std::string r = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
  for (size_t n = 0; n < r.size(); ++n)
    CHECK_TEXT(parseHttpResponse(r.substr(0, n), false).outcome == ROutcome::kNeedMore,
               std::to_string(n).c_str());
  auto p = parseHttpResponse(r, false);
  CHECK(p.outcome == ROutcome::kComplete);
  LONGS_EQUAL(200, p.status);
  STRCMP_EQUAL("ok\n", p.body.c_str());
  p = parseHttpResponse(r.substr(0, r.size() - 1), true);
  CHECK(p.outcome == ROutcome::kMalformed);
  STRCMP_EQUAL("truncated body (2 of 3 bytes)", p.error.c_str());
}

TEST(HttpCheck, ResponseUntilClose) {
  const std::string r = "HTTP/1.0 200 OK\nServer: x\n\nhello";
  CHECK(parseHttpResponse(r, false).outcome == ROutcome::kNeedMore);
  auto p = parseHttpResponse(r, true);
  CHECK(p.outcome == ROutcome::kComplete);
  STRCMP_EQUAL("hello", p.body.c_str());
}

TEST(HttpCheck, ResponseChunked) {
  const std::string r =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nheal\r\n3;ext=1\r\nthy\r\n0\r\n\r\n";
  auto p = parseHttpResponse(r, false);
  CHECK(p.outcome == ROutcome::kComplete);
  STRCMP_EQUAL("healthy", p.body.c_str());
  for (size_t n = 0; n + 7 < r.size(); ++n) {
    CHECK(parseHttpResponse(r.substr(0, n), false).outcome == ROutcome::kNeedMore);
    CHECK(parseHttpResponse(r.substr(0, n), true).outcome == ROutcome::kMalformed);
  }
  p = parseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false);
  CHECK(p.outcome == ROutcome::kMalformed);
  STRCMP_EQUAL("malformed chunk size", p.error.c_str());
}

TEST(HttpCheck, ResponseWithoutBody) {
  auto p = parseHttpResponse("HTTP/1.1 204 No Content\r\n\r\n", false);
  CHECK(p.outcome == ROutcome::kComplete);
  CHECK(p.body.empty());
}

TEST(HttpCheck, ResponseMalformed) {
  CHECK(parseHttpResponse("SSH-2.0-OpenSSH\r\n", false).outcome == ROutcome::kMalformed);
  STRCMP_EQUAL("connection closed without a response", parseHttpResponse("", true).error.c_str());
  STRCMP_EQUAL("truncated headers", parseHttpResponse("HTTP/1.1 200 OK\r\nA: b\r\n", true).error.c_str());
  STRCMP_EQUAL("malformed Content-Length",
               parseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false).error.c_str());
  STRCMP_EQUAL("headers longer than 16384 bytes",
               parseHttpResponse("HTTP/1.1 200 OK\r\n" + std::string(20000, 'a'), false).error.c_str());
}

TEST(HttpCheck, ResponseBodyIsCapped) {
  const std::string big(kMaxHttpBody + 10, 'x');
  auto p = parseHttpResponse("HTTP/1.1 200 OK\r\n\r\n" + big, false);
  CHECK(p.outcome == ROutcome::kComplete);
  LONGS_EQUAL(kMaxHttpBody, p.body.size());
  p = parseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n" + big, false);
  CHECK(p.outcome == ROutcome::kComplete);
  LONGS_EQUAL(kMaxHttpBody, p.body.size());
}
