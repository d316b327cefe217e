// Probes the agent could not run (out of fds): logged once per burst, summarised when the burst ends.
#include "agent/core/no_verdict_burst.h"

#include <CppUTest/TestHarness.h>

#include <cerrno>

using namespace anycastd;
using std::chrono::milliseconds;

TEST_GROUP(NoVerdictBurst){};

TEST(NoVerdictBurst, FirstLogsAtOnceTheRestAreSummarisedWhenQuiet) {
  NoVerdictBurst b(milliseconds(10000));
  const NoVerdictBurst::TimePoint t0{};
  auto first = b.onNoVerdict(t0, EMFILE, "socket: too many open files");
  CHECK_TRUE(first.has_value());
  STRCMP_EQUAL(
      "probes: no verdict: the agent could not run a probe (socket: too many open files); the servers keep "
      "their state; further ones are counted until none came for 10.0 s",
      first->c_str());
  for (int i = 1; i <= 29; ++i)
    CHECK_FALSE(b.onNoVerdict(t0 + milliseconds(100 * i), EMFILE, "socket: too many open files").has_value());
  CHECK_TRUE(b.inBurst());
  CHECK(b.quietEnd() == t0 + milliseconds(2900 + 10000));
  CHECK_FALSE(b.onQuiet(t0 + milliseconds(12000)).has_value());  // not quiet long enough yet
  auto summary = b.onQuiet(t0 + milliseconds(12900));
  CHECK_TRUE(summary.has_value());
  STRCMP_EQUAL("probes: 30 gave no verdict over 2.9 s: the agent was out of file descriptors",
               summary->c_str());
  CHECK_FALSE(b.inBurst());
  CHECK_FALSE(b.onQuiet(t0 + milliseconds(20000)).has_value());
  // The next burst logs its first one again.
  CHECK_TRUE(b.onNoVerdict(t0 + milliseconds(30000), ENOMEM, "pipe: cannot allocate memory").has_value());
}

TEST(NoVerdictBurst, ALoneOneHasNoSummary) {
  NoVerdictBurst b(milliseconds(1000));
  const NoVerdictBurst::TimePoint t0{};
  CHECK_TRUE(b.onNoVerdict(t0, ENOBUFS, "socket: no buffer space available").has_value());
  CHECK_FALSE(b.onQuiet(t0 + milliseconds(1000)).has_value());
  CHECK_FALSE(b.inBurst());
}

TEST(NoVerdictBurst, MemoryShortageSaysSo) {
  NoVerdictBurst b(milliseconds(1000));
  const NoVerdictBurst::TimePoint t0{};
  b.onNoVerdict(t0, ENOMEM, "x");
  b.onNoVerdict(t0 + milliseconds(500), ENOBUFS, "y");
  auto summary = b.onQuiet(t0 + milliseconds(1500));
  CHECK_TRUE(summary.has_value());
  STRCMP_EQUAL("probes: 2 gave no verdict over 0.5 s: the agent was out of memory or buffers",
               summary->c_str());
}
