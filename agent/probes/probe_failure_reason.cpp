#include "agent/probes/probe_failure_reason.h"

#include <algorithm>
#include <initializer_list>
#include <string>

namespace anycastd {
namespace {

bool containsAny(const std::string& text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string::npos; });
}

}  // namespace

std::string_view probeFailureReason(std::string_view detail) {
  std::string d(detail);
  std::transform(d.begin(), d.end(), d.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
  // ECONNREFUSED
  if (containsAny(d, {"refused"})) return "refused";
  // The prober's deadline ("timeout after N ms ...", "no echo reply within N ms (timeout)", an exec check
  // "killed after N ms (timeout)" or "queued too long"), ETIMEDOUT
  if (containsAny(d, {"timeout", "timed out", "queued too long"})) return "timeout";
  // ENETUNREACH, EHOSTUNREACH, EHOSTDOWN, ENETDOWN
  if (containsAny(d, {"unreachable", "no route to host", "host is down", "network is down"}))
    return "unreachable";
  // ECONNRESET, EPIPE, ECONNABORTED
  if (containsAny(d, {"reset", "broken pipe", "connection abort"})) return "reset";
  // "status 503, expected 200"
  if (d.starts_with("status ") && d.size() > 7 && d[7] >= '0' && d[7] <= '9') return "bad_status";
  // The server answered, but not as expected: a DNS response code or missing address ("rcode SERVFAIL,
  // expected NOERROR", "no answer 192.0.2.53"), an exec check's exit status ("exit status 3").
  if (d.starts_with("rcode ") || d.starts_with("no answer ") || d.starts_with("exit status "))
    return "bad_status";
  // TLS and DNS protocol failures.
  if (containsAny(d, {"certificate verify failed", "tls: ", "protocol: "})) return "protocol";
  // The server answered, or closed, without a usable HTTP status line.
  if (containsAny(d, {"not an http response", "malformed", "truncated", "closed without", "status line"}))
    return "protocol";
  return "other";
}

}  // namespace anycastd
