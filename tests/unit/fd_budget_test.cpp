// The fds the agent asks for at start (RLIMIT_NOFILE): sized from the config.
#include "agent/core/fd_budget.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

TEST_GROUP(FdBudget){};

TEST(FdBudget, TwoPerServerCheckPlusTheReserve) {
  AgentConfig config;
  UNSIGNED_LONGS_EQUAL(kFdReserve, fdsNeeded(config));
  VipConfig web;
  web.checks.resize(2);  // two checks for every server without its own
  web.servers.resize(3);
  web.servers[2].checks.resize(1);  // this one has its own single check
  config.vips.push_back(web);
  config.vips.push_back(web);
  UNSIGNED_LONGS_EQUAL(2 * (2 + 2 + 1), probeBound(config));
  UNSIGNED_LONGS_EQUAL(2 * 5 * kFdsPerProbe + kFdReserve, fdsNeeded(config));
}
