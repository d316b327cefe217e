// Probe failure reasons: every detail text the prober and the HTTP check produce maps to its reason.
#include "agent/probes/probe_failure_reason.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <string>

using namespace anycastd;

namespace {

void expectReason(const char* detail, const char* reason) {
  STRCMP_EQUAL_TEXT(reason, std::string(probeFailureReason(detail)).c_str(), detail);
}

}  // namespace

TEST_GROUP(ProbeFailureReason){};

TEST(ProbeFailureReason, ProberDetails) {
  expectReason("connection refused", "refused");
  expectReason("timeout after 500 ms connecting", "timeout");
  expectReason("timeout after 500 ms sending", "timeout");
  expectReason("timeout after 500 ms waiting for the response", "timeout");
  expectReason("connection timed out", "timeout");
  expectReason("network is unreachable", "unreachable");
  expectReason("no route to host", "unreachable");
  expectReason("host is down", "unreachable");
  expectReason("network is down", "unreachable");
  expectReason("connection reset by peer", "reset");
  expectReason("recv: connection reset by peer", "reset");
  expectReason("send: broken pipe", "reset");
  expectReason("software caused connection abort", "reset");
  expectReason("status 503, expected 200", "bad_status");
  expectReason("status 200, expected 204", "bad_status");
  expectReason("connection closed without a response", "protocol");
  expectReason("truncated status line", "protocol");
  expectReason("not an HTTP response", "protocol");
  expectReason("status line longer than 1024 bytes", "protocol");
  expectReason("malformed status line", "protocol");
  expectReason("malformed status code", "protocol");
  expectReason("socket: too many open files", "other");
  expectReason("permission denied", "other");
  expectReason("cannot assign requested address", "other");
  expectReason("", "other");
  expectReason("Connection Refused", "refused");
}

TEST(ProbeFailureReason, DnsIcmpHttpsExecDetails) {
  expectReason("rcode SERVFAIL, expected NOERROR", "bad_status");
  expectReason("no answer 192.0.2.53 (1 answer: 192.0.2.1)", "bad_status");
  expectReason("malformed response: truncated header (7 bytes)", "protocol");
  expectReason("protocol: response ID 1, expected 2", "protocol");
  expectReason("no echo reply within 500 ms (timeout)", "timeout");
  expectReason("timeout after 500 ms in the TLS handshake", "timeout");
  expectReason("certificate verify failed: self-signed certificate", "protocol");
  expectReason("tls: wrong version number during the TLS handshake", "protocol");
  expectReason("status 200, body does not contain \"ok\" (3 bytes)", "bad_status");
  expectReason("exit status 3: backend down", "bad_status");
  expectReason("killed after 500 ms (timeout)", "timeout");
  expectReason("queued too long: not started within 500 ms (16 exec checks running, at most 16)", "timeout");
  expectReason("cannot run /x: no such file or directory", "other");
}

TEST(ProbeFailureReason, EveryResultIsInTheFixedSet) {
  for (const char* detail : {"connection refused", "status 5", "status x", "\xff\xfe", "timeout"}) {
    const std::string_view r = probeFailureReason(detail);
    CHECK_TEXT(
        std::find(kProbeFailureReasons.begin(), kProbeFailureReasons.end(), r) != kProbeFailureReasons.end(),
        detail);
  }
  STRCMP_EQUAL("other", std::string(probeFailureReason("status x")).c_str());
}
