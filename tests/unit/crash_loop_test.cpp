// The crash-loop guard's pure part (agent/core/crash_loop.h): a start adopts the previous run's servers only
// while fewer than the limit of unclean starts came before it in a row, and counts itself (saturating).
#include "agent/core/crash_loop.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

TEST_GROUP(CrashLoop){};

TEST(CrashLoop, AdoptsUntilTheLimitOfUncleanStartsInARow) {
  CHECK_TRUE(adoptAfterUncleanStarts(0, 3));
  CHECK_TRUE(adoptAfterUncleanStarts(2, 3));
  CHECK_FALSE(adoptAfterUncleanStarts(3, 3));
  CHECK_FALSE(adoptAfterUncleanStarts(40, 3));
  CHECK_FALSE(adoptAfterUncleanStarts(1, 1));
}

TEST(CrashLoop, ThreeKilledStartsThenTheFourthDoesNotAdopt) {
  uint32_t saved = 0;  // a clean exit before
  for (int start = 1; start <= 3; ++start) {
    CHECK_TRUE(adoptAfterUncleanStarts(saved, 3));
    saved = uncleanStartsWithThisOne(saved);  // saved at start; the run is killed before its checks ran
  }
  LONGS_EQUAL(3, saved);
  CHECK_FALSE(adoptAfterUncleanStarts(saved, 3));
}

TEST(CrashLoop, TheCountSaturates) {
  LONGS_EQUAL(1, uncleanStartsWithThisOne(0));
  CHECK(uncleanStartsWithThisOne(UINT32_MAX) == UINT32_MAX);
}
