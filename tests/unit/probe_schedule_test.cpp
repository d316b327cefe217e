// The prober's schedule: a round is due one interval after the previous one was due (not after it ran), and
// missed rounds are skipped on the same phase.
#include <CppUTest/TestHarness.h>

#include "agent/prober.h"

using namespace anycastd;
using std::chrono::milliseconds;

namespace {

const std::chrono::steady_clock::time_point t0{std::chrono::seconds(1000)};

long long at(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t - t0).count();
}

}  // namespace

TEST_GROUP(ProbeSchedule){};

TEST(ProbeSchedule, OnTimeOrLateWithinTheIntervalKeepsThePhase) {
  LONGS_EQUAL(1000, at(nextProbeDue(t0, t0, milliseconds(1000))));
  // The round ran 180 ms late (a busy event loop): the next is still due on the original phase.
  LONGS_EQUAL(1000, at(nextProbeDue(t0, t0 + milliseconds(180), milliseconds(1000))));
  LONGS_EQUAL(1250, at(nextProbeDue(t0 + milliseconds(250), t0 + milliseconds(999), milliseconds(1000))));
}

TEST(ProbeSchedule, MissedRoundsAreSkippedOnThePhase) {
  // Stalled for 2.5 intervals: the next round is the first one after now on the same phase.
  LONGS_EQUAL(3000, at(nextProbeDue(t0, t0 + milliseconds(2500), milliseconds(1000))));
  // Exactly on a later due instant counts as past: the one after it.
  LONGS_EQUAL(3000, at(nextProbeDue(t0, t0 + milliseconds(2000), milliseconds(1000))));
}

TEST(ProbeSchedule, EarlyTimerStillMovesOneInterval) {
  // A timer that fires a little before the instant it was due for moves on by one interval from that instant.
  LONGS_EQUAL(1000, at(nextProbeDue(t0, t0 - milliseconds(1), milliseconds(1000))));
}

TEST(ProbeSchedule, ZeroIntervalIsNow) {
  LONGS_EQUAL(5, at(nextProbeDue(t0, t0 + milliseconds(5), milliseconds(0))));
}
