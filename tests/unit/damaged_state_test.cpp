// What a damaged state file leaves drained (agent/control/damaged_state.h): every configured VIP, by
// "anycastd" with a reason naming the kept-aside file, keeping what the damaged file still yielded.
#include "agent/control/damaged_state.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace anycastd;

TEST_GROUP(DamagedState){};

TEST(DamagedState, NothingReadableDrainsEveryConfiguredVip) {
  auto got = drainsAfterDamagedState({"web", "dns"}, {}, "/var/lib/anycastd/state.bad-17", 42);
  LONGS_EQUAL(2, got.size());
  STRCMP_EQUAL("web", got[0].vip.c_str());
  STRCMP_EQUAL("dns", got[1].vip.c_str());
  for (const DrainRecord& d : got) {
    STRCMP_EQUAL("", d.server.c_str());
    STRCMP_EQUAL("anycastd", d.drain.by.c_str());
    LONGS_EQUAL(42, d.drain.since_unix_ms);
    CHECK(d.drain.reason.find("kept as /var/lib/anycastd/state.bad-17") != std::string::npos);
    CHECK(d.drain.reason.find("undrain") != std::string::npos);
  }
}

TEST(DamagedState, ReadableDrainsAreKeptAndAVipsOwnDrainIsNotReplaced) {
  std::vector<DrainRecord> readable = {{"web", "", {"alice", 1, "CHG-1"}}, {"dns", "s2", {"bob", 2, ""}}};
  auto got = drainsAfterDamagedState({"web", "dns"}, readable, "S.bad-1", 9);
  LONGS_EQUAL(3, got.size());
  STRCMP_EQUAL("alice", got[0].drain.by.c_str());  // web's own drain, as it was
  STRCMP_EQUAL("s2", got[1].server.c_str());       // dns's server drain, kept
  STRCMP_EQUAL("dns", got[2].vip.c_str());         // and dns itself drained: a server drain is not enough
  STRCMP_EQUAL("", got[2].server.c_str());
  STRCMP_EQUAL("anycastd", got[2].drain.by.c_str());
}

TEST(DamagedState, NoVipsNoDrains) {
  CHECK_TRUE(drainsAfterDamagedState({}, {}, "S", 1).empty());
}
