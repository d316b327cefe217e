// Dampening: the penalty's arithmetic (added per flip, exponential decay, ceiling), suppression and reuse
// times, exactly, with the time passed in.
#include "agent/core/dampening.h"

#include <CppUTest/TestHarness.h>

#include <cmath>

using namespace anycastd;
using namespace std::chrono_literals;

namespace {
const Dampening::TimePoint t0 = Dampening::TimePoint{} + 1000s;
}  // namespace

TEST_GROUP(Dampening){};

TEST(Dampening, OneWithdrawalAddsThePenaltyAndItHalvesEveryHalfLife) {
  Dampening d;  // defaults: 1000 per withdrawal, half-life 15 s
  d.onTransition(false, t0);
  DOUBLES_EQUAL(1000, d.penalty(t0), 1e-9);
  DOUBLES_EQUAL(500, d.penalty(t0 + 15s), 1e-9);
  DOUBLES_EQUAL(250, d.penalty(t0 + 30s), 1e-9);
  DOUBLES_EQUAL(1000 * std::exp2(-0.5), d.penalty(t0 + 7500ms), 1e-9);
  CHECK_FALSE(d.suppressed(t0));
}

TEST(Dampening, ACleanFailureAndRecoveryIsNeverSuppressed) {
  Dampening d;
  d.onTransition(true, t0);  // announce: no penalty by default
  DOUBLES_EQUAL(0, d.penalty(t0), 1e-9);
  d.onTransition(false, t0 + 10s);
  d.onTransition(true, t0 + 20s);
  CHECK_FALSE(d.suppressed(t0 + 20s));
  // Even two quick failures stay below 3000.
  d.onTransition(false, t0 + 21s);
  CHECK_FALSE(d.suppressed(t0 + 21s));
  DOUBLES_EQUAL(1000 * std::exp2(-11.0 / 15) + 1000, d.penalty(t0 + 21s), 1e-9);
}

TEST(Dampening, SuppressedWhenThePenaltyReachesSuppressUntilBelowReuse) {
  Dampening d;
  d.onTransition(false, t0);
  d.onTransition(false, t0);
  CHECK_FALSE(d.suppressed(t0));
  d.onTransition(false, t0);  // 3000 >= 3000
  CHECK_TRUE(d.suppressed(t0));
  // 3000 * 2^(-t/15) < 750 once t > 30 s: reuse at 30.001 s (rounded up to the next millisecond).
  CHECK_TRUE(d.reuseAt().has_value());
  CHECK(*d.reuseAt() == t0 + 30001ms);
  CHECK_TRUE(d.suppressed(t0 + 30s));
  CHECK_FALSE(d.suppressed(t0 + 30001ms));
  CHECK_FALSE(d.reuseAt().has_value());
  CHECK_TRUE(d.penalty(t0 + 30001ms) < 750);
}

TEST(Dampening, PenaltiesKeepAccruingWhileSuppressed) {
  DampeningConfig c;
  c.half_life_s = 10;
  Dampening d(c);
  for (int i = 0; i < 3; ++i) d.onTransition(false, t0);
  CHECK(*d.reuseAt() == t0 + 20001ms);  // 3000 -> 750 in two half-lives
  d.onTransition(false, t0 + 10s);      // 1500 + 1000
  DOUBLES_EQUAL(2500, d.penalty(t0 + 10s), 1e-9);
  CHECK_TRUE(d.suppressed(t0 + 25s));             // 2500 * 2^(-1.5) = 884 > 750
  CHECK_FALSE(d.suppressed(t0 + 10s + 17370ms));  // 10 * log2(2500 / 750) = 17.369 s
}

TEST(Dampening, ThePenaltyIsCappedSoSuppressionEndsMaxSuppressAfterTheLastFlap) {
  DampeningConfig c;  // ceiling 750 * 2^(60 / 15) = 12000
  Dampening d(c);
  DOUBLES_EQUAL(12000, d.ceiling(), 1e-9);
  for (int i = 0; i < 50; ++i) d.onTransition(false, t0 + std::chrono::milliseconds(100 * i));
  const auto last = t0 + 4900ms;
  DOUBLES_EQUAL(12000, d.penalty(last), 1e-9);
  CHECK(*d.reuseAt() == last + 60001ms);
}

TEST(Dampening, AnnouncePenaltyCountsWhenConfigured) {
  DampeningConfig c;
  c.announce_penalty = 500;
  Dampening d(c);
  d.onTransition(false, t0);
  d.onTransition(true, t0);
  d.onTransition(false, t0);
  DOUBLES_EQUAL(2500, d.penalty(t0), 1e-9);
  CHECK_FALSE(d.suppressed(t0));
  d.onTransition(true, t0);  // 3000: suppressed on an announcement too
  CHECK_TRUE(d.suppressed(t0));
}

TEST(Dampening, DisabledNeverSuppresses) {
  DampeningConfig c;
  c.enabled = false;
  Dampening d(c);
  for (int i = 0; i < 10; ++i) d.onTransition(false, t0);
  CHECK_FALSE(d.suppressed(t0));
  DOUBLES_EQUAL(0, d.penalty(t0), 1e-9);
  CHECK_FALSE(d.reuseAt().has_value());
}
