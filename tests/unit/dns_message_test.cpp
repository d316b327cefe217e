// DNS query building, response parsing (hand-made packets: compression, AAAA, truncated and malformed
// input) and the verdict a dns probe reports.
#include "agent/probes/dns_message.h"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace anycastd;

namespace {

using Bytes = std::vector<uint8_t>;

// Header: id 0x1234, flags, 1 question, `answers` answers.
Bytes header(uint16_t flags, uint8_t answers, uint8_t questions = 1) {
  return {0x12,
          0x34,
          static_cast<uint8_t>(flags >> 8),
          static_cast<uint8_t>(flags),
          0,
          questions,
          0,
          answers,
          0,
          0,
          0,
          0};
}

// "example.test" at offset 12, then type, class.
void question(Bytes& m, uint16_t type) {
  const Bytes q = {
      7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, static_cast<uint8_t>(type), 0, 1};
  m.insert(m.end(), q.begin(), q.end());
}

// An answer whose name is a pointer to the question's name (offset 12).
void answer(Bytes& m, uint16_t type, const Bytes& rdata) {
  const Bytes a = {0xC0, 12,   0, static_cast<uint8_t>(type),        0, 1, 0, 0,
                   0x0E, 0x10, 0, static_cast<uint8_t>(rdata.size())};
  m.insert(m.end(), a.begin(), a.end());
  m.insert(m.end(), rdata.begin(), rdata.end());
}

Bytes responseA(const Bytes& address, uint16_t flags = 0x8180) {
  Bytes m = header(flags, 1);
  question(m, kDnsTypeA);
  answer(m, kDnsTypeA, address);
  return m;
}

DnsExpectation expectA(const char* address = nullptr) {
  DnsExpectation e;
  e.id = 0x1234;
  e.name = "example.test";
  e.type = kDnsTypeA;
  if (address) e.address = IpAddress::parse(address);
  return e;
}

std::string parseError(const Bytes& m) {
  DnsParse p = parseDnsMessage(m);
  CHECK_FALSE(p.response.has_value());
  return p.error;
}

}  // namespace

TEST_GROUP(DnsMessage){};

TEST(DnsMessage, QueryBytes) {
  const Bytes want = {0xAB, 0xCD, 0x01, 0x00, 0,   1, 0,   0,   0,   0,   0, 0, 7,  'e', 'x',
                      'a',  'm',  'p',  'l',  'e', 4, 't', 'e', 's', 't', 0, 0, 28, 0,   1};
  CHECK(want == buildDnsQuery(0xABCD, "example.test", kDnsTypeAaaa));
}

TEST(DnsMessage, QueryParsesBackAsAQuestion) {
  DnsParse p = parseDnsMessage(buildDnsQuery(7, "a.b.c", kDnsTypeA));
  CHECK(p.response.has_value());
  CHECK_FALSE(p.response->qr);
  LONGS_EQUAL(1, p.response->questions.size());
  STRCMP_EQUAL("a.b.c", p.response->questions[0].name.c_str());
}

TEST(DnsMessage, NamesAndCodes) {
  LONGS_EQUAL(1, *dnsTypeFromName("A"));
  LONGS_EQUAL(28, *dnsTypeFromName("aaaa"));
  CHECK_FALSE(dnsTypeFromName("AAA").has_value());
  STRCMP_EQUAL("TYPE65", dnsTypeName(65).c_str());
  LONGS_EQUAL(2, *dnsRcodeFromName("SERVFAIL"));
  LONGS_EQUAL(3, *dnsRcodeFromName("nxdomain"));
  CHECK_FALSE(dnsRcodeFromName("OK").has_value());
  STRCMP_EQUAL("REFUSED", dnsRcodeName(5).c_str());
  STRCMP_EQUAL("RCODE11", dnsRcodeName(11).c_str());
}

TEST(DnsMessage, NormaliseName) {
  std::string why;
  STRCMP_EQUAL("example.test", normaliseDnsName("Example.TEST.", &why)->c_str());
  CHECK_FALSE(normaliseDnsName("", &why));
  CHECK_FALSE(normaliseDnsName(".", &why));
  CHECK_FALSE(normaliseDnsName("a..b", &why));
  STRCMP_EQUAL("empty label", why.c_str());
  CHECK_FALSE(normaliseDnsName(std::string(64, 'a') + ".test", &why));
  STRCMP_EQUAL("label longer than 63 characters", why.c_str());
  CHECK_FALSE(normaliseDnsName("a b.test", &why));
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  CHECK_FALSE(normaliseDnsName(long_name, &why));
}

TEST(DnsMessage, AnswerWithCompressedName) {
  DnsParse p = parseDnsMessage(responseA({192, 0, 2, 53}));
  CHECK(p.response.has_value());
  const DnsResponse& r = *p.response;
  LONGS_EQUAL(0x1234, r.id);
  CHECK(r.qr);
  LONGS_EQUAL(0, r.rcode);
  LONGS_EQUAL(1, r.answers.size());
  STRCMP_EQUAL("example.test", r.answers[0].name.c_str());
  LONGS_EQUAL(kDnsTypeA, r.answers[0].type);
  LONGS_EQUAL(3600, r.answers[0].ttl);
  CHECK(Bytes({192, 0, 2, 53}) == r.answers[0].rdata);
}

TEST(DnsMessage, PointerIntoTheMiddleOfAName) {
  // www + pointer to "test" (offset 20) -> "www.test"
  Bytes m = header(0x8180, 1);
  question(m, kDnsTypeA);
  const Bytes a = {3, 'w', 'w', 'w', 0xC0, 20, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 0, 0, 1};
  m.insert(m.end(), a.begin(), a.end());
  DnsParse p = parseDnsMessage(m);
  CHECK(p.response.has_value());
  STRCMP_EQUAL("www.test", p.response->answers[0].name.c_str());
}

TEST(DnsMessage, Aaaa) {
  Bytes m = header(0x8180, 1);
  question(m, kDnsTypeAaaa);
  Bytes v6(16, 0);
  v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = 0xb8, v6[15] = 0x53;
  answer(m, kDnsTypeAaaa, v6);
  DnsParse p = parseDnsMessage(m);
  CHECK(p.response.has_value());
  DnsExpectation e = expectA();
  e.type = kDnsTypeAaaa;
  e.address = IpAddress::parse("2001:db8::53");
  DnsVerdict v = judgeDnsResponse(*p.response, e);
  CHECK_TEXT(v.ok, v.detail.c_str());
  e.address = IpAddress::parse("2001:db8::54");
  v = judgeDnsResponse(*p.response, e);
  CHECK_FALSE(v.ok);
  STRCMP_EQUAL("no answer 2001:db8::54 (1 answer: 2001:db8::53)", v.detail.c_str());
}

TEST(DnsMessage, TruncatedAndMalformed) {
  STRCMP_EQUAL("truncated header (0 bytes)", parseError({}).c_str());
  STRCMP_EQUAL("truncated header (11 bytes)", parseError(Bytes(11, 0)).c_str());
  const Bytes full = responseA({192, 0, 2, 53});
  // Every prefix of a valid response is an error, never a crash or a read past the end.
  for (size_t n = 12; n < full.size(); ++n) {
    DnsParse p = parseDnsMessage(Bytes(full.begin(), full.begin() + static_cast<ptrdiff_t>(n)));
    CHECK_FALSE_TEXT(p.response.has_value(), std::to_string(n).c_str());
    CHECK_FALSE(p.error.empty());
  }
  // rdlength larger than what is left
  Bytes m = responseA({192, 0, 2, 53});
  m[m.size() - 5] = 200;
  STRCMP_EQUAL("answer 1: truncated", parseError(m).c_str());
  // a label running past the end
  Bytes q = header(0x8180, 0);
  q.push_back(40);
  q.push_back('a');
  STRCMP_EQUAL("question 1: label runs past the end of the message", parseError(q).c_str());
  // a reserved label type (0x40)
  q = header(0x8180, 0);
  q.push_back(0x41);
  q.push_back(0);
  STRCMP_EQUAL("question 1: unsupported label type", parseError(q).c_str());
}

TEST(DnsMessage, CompressionLoopsAreRefused) {
  // The question's name points at itself.
  Bytes m = header(0x8180, 0);
  m.insert(m.end(), {0xC0, 12, 0, 1, 0, 1});
  STRCMP_EQUAL("question 1: compression pointer does not point backwards (loop)", parseError(m).c_str());
  // A label, then a pointer back to that label: a loop through a backwards pointer.
  m = header(0x8180, 0);
  m.insert(m.end(), {1, 'a', 0xC0, 12, 0, 1, 0, 1});
  STRCMP_EQUAL("question 1: compression pointer does not point backwards (loop)", parseError(m).c_str());
  // A pointer cut short.
  m = header(0x8180, 0);
  m.push_back(0xC0);
  STRCMP_EQUAL("question 1: truncated compression pointer", parseError(m).c_str());
}

TEST(DnsMessage, OverlongNameIsRefused) {
  Bytes m = header(0x8180, 0);
  for (int i = 0; i < 5; ++i) {
    m.push_back(60);
    m.insert(m.end(), 60, 'a');
  }
  m.insert(m.end(), {0, 0, 1, 0, 1});
  STRCMP_EQUAL("question 1: name longer than 255 bytes", parseError(m).c_str());
}

TEST(DnsMessage, VerdictRcode) {
  DnsParse p = parseDnsMessage(responseA({192, 0, 2, 53}, 0x8182));  // SERVFAIL
  DnsVerdict v = judgeDnsResponse(*p.response, expectA());
  CHECK_FALSE(v.ok);
  STRCMP_EQUAL("rcode SERVFAIL, expected NOERROR", v.detail.c_str());
  DnsExpectation e = expectA();
  e.rcode = 2;
  CHECK(judgeDnsResponse(*p.response, e).ok);
}

TEST(DnsMessage, VerdictAddress) {
  DnsParse p = parseDnsMessage(responseA({192, 0, 2, 53}));
  DnsVerdict v = judgeDnsResponse(*p.response, expectA("192.0.2.53"));
  CHECK(v.ok);
  STRCMP_EQUAL("rcode NOERROR, 1 answer", v.detail.c_str());
  v = judgeDnsResponse(*p.response, expectA("192.0.2.54"));
  CHECK_FALSE(v.ok);
  STRCMP_EQUAL("no answer 192.0.2.54 (1 answer: 192.0.2.53)", v.detail.c_str());
  // Without an expected address any NOERROR response passes, even without answers.
  Bytes empty = header(0x8180, 0);
  question(empty, kDnsTypeA);
  CHECK(judgeDnsResponse(*parseDnsMessage(empty).response, expectA()).ok);
  v = judgeDnsResponse(*parseDnsMessage(empty).response, expectA("192.0.2.53"));
  STRCMP_EQUAL("no answer 192.0.2.53 (0 answers)", v.detail.c_str());
}

TEST(DnsMessage, VerdictProtocol) {
  DnsParse p = parseDnsMessage(responseA({192, 0, 2, 53}));
  DnsExpectation e = expectA();
  e.id = 1;
  STRCMP_EQUAL("protocol: response ID 4660, expected 1", judgeDnsResponse(*p.response, e).detail.c_str());
  e = expectA();
  e.name = "other.test";
  STRCMP_EQUAL("protocol: response to another question (example.test A)",
               judgeDnsResponse(*p.response, e).detail.c_str());
  p = parseDnsMessage(responseA({192, 0, 2, 53}, 0x0100));  // QR clear
  STRCMP_EQUAL("protocol: a query, not a response", judgeDnsResponse(*p.response, expectA()).detail.c_str());
}
