// The rise/fall state machine.
#include "agent/core/health_state.h"

#include <CppUTest/TestHarness.h>

#include <cerrno>

using namespace anycastd;

namespace {
const ProbeResult kPass{true, "ok"};
ProbeResult failure(const char* why) {
  return {false, why};
}
}  // namespace

TEST_GROUP(HealthState){};

TEST(HealthState, StartsDownAndNeedsRisePasses) {
  HealthStateMachine h(2, 3);
  CHECK(h.state() == HealthState::kDown);
  CHECK_FALSE(h.onResult(kPass).has_value());
  auto t = h.onResult(kPass);
  CHECK_TRUE(t.has_value());
  CHECK(t->from == HealthState::kDown && t->to == HealthState::kUp);
  STRCMP_EQUAL("2 successes", t->reason.c_str());
  CHECK(h.state() == HealthState::kUp);
}

TEST(HealthState, FailureResetsRiseCount) {
  HealthStateMachine h(2, 3);
  h.onResult(kPass);
  h.onResult(failure("timeout"));
  CHECK_FALSE(h.onResult(kPass).has_value());
  CHECK(h.state() == HealthState::kDown);
  CHECK_TRUE(h.onResult(kPass).has_value());
}

TEST(HealthState, FallConsecutiveFailuresTakeItDown) {
  HealthStateMachine h(1, 3, HealthState::kUp);
  CHECK_FALSE(h.onResult(failure("a")).has_value());
  CHECK_FALSE(h.onResult(failure("b")).has_value());
  h.onResult(kPass);  // a pass resets the failure count
  CHECK_FALSE(h.onResult(failure("c")).has_value());
  CHECK_FALSE(h.onResult(failure("d")).has_value());
  auto t = h.onResult(failure("connection refused"));
  CHECK_TRUE(t.has_value());
  STRCMP_EQUAL("3 failures, last: connection refused", t->reason.c_str());
  CHECK(h.state() == HealthState::kDown);
  STRCMP_EQUAL("connection refused", h.lastFailure().c_str());
}

TEST(HealthState, NoRepeatedTransitions) {
  HealthStateMachine h(1, 1);
  CHECK_TRUE(h.onResult(kPass).has_value());
  CHECK_FALSE(h.onResult(kPass).has_value());
  CHECK_TRUE(h.onResult(failure("x")).has_value());
  CHECK_FALSE(h.onResult(failure("x")).has_value());
  STRCMP_EQUAL("1 failure, last: x",
               HealthStateMachine(1, 1, HealthState::kUp).onResult(failure("x"))->reason.c_str());
}

TEST(HealthState, ForceDownTakesAnUpServerDownAtOnce) {
  HealthStateMachine h(2, 3, HealthState::kUp);
  auto t = h.forceDown("link eth-s2 down");
  CHECK_TRUE(t.has_value());
  CHECK(t->from == HealthState::kUp && t->to == HealthState::kDown);
  STRCMP_EQUAL("link eth-s2 down", t->reason.c_str());
  CHECK(h.state() == HealthState::kDown);
  STRCMP_EQUAL("link eth-s2 down", h.lastFailure().c_str());
  // It comes back only after `rise` new passes.
  CHECK_FALSE(h.onResult(kPass).has_value());
  auto up = h.onResult(kPass);
  CHECK_TRUE(up.has_value());
  STRCMP_EQUAL("2 successes", up->reason.c_str());
}

TEST(HealthState, ForceDownOfADownServerForgetsItsPasses) {
  HealthStateMachine h(3, 3);
  h.onResult(kPass);
  h.onResult(kPass);
  CHECK_FALSE(h.forceDown("neighbour 192.0.2.6 failed").has_value());
  CHECK(h.state() == HealthState::kDown);
  LONGS_EQUAL(0, h.consecutivePasses());
  CHECK_FALSE(h.onResult(kPass).has_value());
  CHECK_FALSE(h.onResult(kPass).has_value());
  CHECK_TRUE(h.onResult(kPass).has_value());
}

TEST(HealthState, ProbeFailuresAfterForceDownDoNotTransitionAgain) {
  HealthStateMachine h(1, 1, HealthState::kUp);
  CHECK_TRUE(h.forceDown("link eth-s1 down").has_value());
  CHECK_FALSE(h.onResult(failure("timeout")).has_value());
  CHECK_FALSE(h.forceDown("link eth-s1 down").has_value());
}

// The agent's own failure (out of fds or memory) is no verdict: the server keeps its state and the rise or
// fall progress made so far.
namespace {
ProbeResult local(int err) {
  ProbeResult r{false, "socket: too many open files"};
  r.local_error = err;
  return r;
}
}  // namespace

TEST(HealthState, LocalErrorsOnAnUpServerAreNoVerdict) {
  HealthStateMachine h(2, 2, HealthState::kUp);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(h.onResult(local(EMFILE)).has_value());
  CHECK(h.state() == HealthState::kUp);
  UNSIGNED_LONGS_EQUAL(0, h.consecutiveFailures());
  CHECK_FALSE(h.onResult(failure("timeout")).has_value());  // fall progress is kept across them
  CHECK_FALSE(h.onResult(local(ENFILE)).has_value());
  UNSIGNED_LONGS_EQUAL(1, h.consecutiveFailures());
  STRCMP_EQUAL("timeout", h.lastFailure().c_str());
  CHECK_TRUE(h.onResult(failure("timeout")).has_value());
}

TEST(HealthState, LocalErrorsOnADownServerAreNoVerdict) {
  HealthStateMachine h(2, 2);
  CHECK_FALSE(h.onResult(kPass).has_value());
  for (int err : {EMFILE, ENFILE, ENOBUFS, ENOMEM}) CHECK_FALSE(h.onResult(local(err)).has_value());
  CHECK(h.state() == HealthState::kDown);
  UNSIGNED_LONGS_EQUAL(1, h.consecutivePasses());  // rise progress is kept across them
  CHECK_TRUE(h.onResult(kPass).has_value());
}
