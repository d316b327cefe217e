// The prober's schedule: a round is due one interval after the previous one was due (not after it ran),
// missed rounds are skipped on the same phase, and a round due while the previous one runs follows it.
#include <CppUTest/TestHarness.h>
#include <unistd.h>

#include <vector>

#include "agent/probes/exec_runner.h"
#include "agent/probes/prober.h"
#include "tests/unit/loop_pump.h"

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

// A round that comes due while the previous one still runs (it started late: a busy event loop) starts as
// soon as that one ends instead of being skipped. Real processes: an exec check that sleeps 0.8 s, every
// 1 s; the loop is held for 0.3 s before the first round, so round 1 runs 0.3-1.1 s and round 2, due at
// 1 s, follows it at once and reports at ~1.9 s. Skipping round 2 would put the second result at ~2.8 s.
TEST(ProbeSchedule, RoundDueWhileThePreviousRunsIsNotSkipped) {
  EventLoop loop;
  ExecRunner runner(loop);
  CheckConfig check;
  check.kind = CheckKind::kExec;
  check.exec.command = "/bin/sleep";
  check.exec.args = {"0.8"};
  check.interval_ms = 1000;
  check.timeout_ms = 990;
  std::vector<std::chrono::steady_clock::time_point> results;
  std::vector<bool> passed;
  ProbeTarget target;
  target.exec_runner = &runner;
  Prober prober(
      loop, check, *IpAddress::parse("192.0.2.2"),
      [&](const ProbeResult& r) {
        results.push_back(std::chrono::steady_clock::now());
        passed.push_back(r.ok);
      },
      target);
  const auto t0 = std::chrono::steady_clock::now();
  prober.start(milliseconds(0));
  usleep(300 * 1000);  // the loop is busy elsewhere
  CHECK_TRUE(test::pumpUntil(
      loop, [&] { return results.size() >= 2; }, std::chrono::seconds(10)));
  CHECK_TRUE(passed[0] && passed[1]);
  const auto second = std::chrono::duration_cast<milliseconds>(results[1] - t0).count();
  CHECK_TEXT(second < 2400, ("second result " + std::to_string(second) + " ms after the start").c_str());
}
