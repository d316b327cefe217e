// HTTP probe request and status-line parsing.
#include <CppUTest/TestHarness.h>

#include "agent/http_check.h"

using namespace anycastd;
using Outcome = HttpStatusParse::Outcome;

TEST_GROUP(HttpCheck){};

TEST(HttpCheck, Request) {
  STRCMP_EQUAL("GET /healthz HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: anycastd\r\nAccept: */*\r\nConnection: close\r\n\r\n",
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
