// libFuzzer target: the parsers of what a checked server answers (a server answering with garbage must not
// crash the agent): DNS messages (agent/probes/dns_message.h, then judged against an expectation), HTTP
// status lines and whole responses with Content-Length, chunked or close-delimited bodies
// (agent/probes/http_check.h), and ICMP echo replies with and without an IPv4 header, v4 and v6
// (agent/probes/icmp_echo.h). Every parser gets the whole input, the HTTP parsers also every prefix that ends
// a line, as a probe reading in pieces would. Seeds: tests/fuzz/corpus/probe/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "agent/probes/dns_message.h"
#include "agent/probes/http_check.h"
#include "agent/probes/icmp_echo.h"

using namespace anycastd;

namespace {

void http(std::string_view received) {
  const HttpStatusParse status = parseHttpStatus(received);
  if (status.outcome == HttpStatusParse::Outcome::kMalformed && status.error.empty()) std::abort();
  for (bool eof : {false, true}) {
    const HttpResponseParse r = parseHttpResponse(received, eof);
    if (r.outcome == HttpResponseParse::Outcome::kMalformed && r.error.empty()) std::abort();
    if (r.outcome == HttpResponseParse::Outcome::kComplete && r.body.size() > kMaxHttpBody) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);

  const DnsParse dns = parseDnsMessage(bytes);
  if (!dns.response && dns.error.empty()) std::abort();
  if (dns.response) {
    DnsExpectation expect;
    expect.id = dns.response->id;
    expect.name = "example.test";
    expect.address = IpAddress::parse("192.0.2.53");
    (void)judgeDnsResponse(*dns.response, expect);
    expect.type = kDnsTypeAaaa;
    expect.address = IpAddress::parse("2001:db8::53");
    (void)judgeDnsResponse(*dns.response, expect);
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  http(text);
  for (size_t at = text.find('\n'); at != std::string_view::npos && at + 1 < text.size();
       at = text.find('\n', at + 1))
    http(text.substr(0, at + 1));

  for (bool v6 : {false, true})
    for (bool with_ip_header : {false, true}) (void)parseEchoReply(v6, with_ip_header, bytes);
  (void)internetChecksum(bytes);
  return 0;
}
