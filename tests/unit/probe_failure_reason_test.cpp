// Probe failure reasons: every detail text the prober and the HTTP check produce maps to its reason.
#include "agent/probe_failure_reason.h"

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

TEST(ProbeFailureReason, EveryResultIsInTheFixedSet) {
  for (const char* detail : {"connection refused", "status 5", "status x", "\xff\xfe", "timeout"}) {
    const std::string_view r = probeFailureReason(detail);
    CHECK_TEXT(
        std::find(kProbeFailureReasons.begin(), kProbeFailureReasons.end(), r) != kProbeFailureReasons.end(),
        detail);
  }
  STRCMP_EQUAL("other", std::string(probeFailureReason("status x")).c_str());
}
