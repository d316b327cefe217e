// The state file (agent/control/state_file.h) round trip in a temporary directory: the drains and the
// crash-loop guard's count of unclean starts survive a save and a load together.
#include "agent/control/state_file.h"

#include <CppUTest/TestHarness.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

using namespace anycastd;

TEST_GROUP(StateFile) {
  std::string dir;
  void setup() override {
    char tmpl[] = "/tmp/anycastd-state-test.XXXXXX";
    CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
  }
  void teardown() override {
    ::unlink((dir + "/sub/state").c_str());
    ::rmdir((dir + "/sub").c_str());
    ::unlink((dir + "/state").c_str());
    ::rmdir(dir.c_str());
  }
};

TEST(StateFile, DrainsAndTheUncleanStartCountRoundTrip) {
  const std::string path = dir + "/sub/state";  // the directory is created
  std::vector<DrainRecord> drains = {{"web", "", {"alice", 1700000000000, "maintenance"}},
                                     {"web", "s2", {"bob", 1700000000001, ""}}};
  CHECK_TRUE(saveStateFile(path, drains, 2).isOk());
  StateLoad got = loadStateFile(path);
  CHECK_TRUE(got.errors.empty());
  LONGS_EQUAL(2, got.unclean_starts);
  LONGS_EQUAL(2, got.drains.size());
  STRCMP_EQUAL("web", got.drains[0].vip.c_str());
  STRCMP_EQUAL("", got.drains[0].server.c_str());
  STRCMP_EQUAL("maintenance", got.drains[0].drain.reason.c_str());
  STRCMP_EQUAL("s2", got.drains[1].server.c_str());
  STRCMP_EQUAL("bob", got.drains[1].drain.by.c_str());

  // The count goes back to 0 (a clean point) and the drains stay.
  CHECK_TRUE(saveStateFile(path, got.drains, 0).isOk());
  got = loadStateFile(path);
  LONGS_EQUAL(0, got.unclean_starts);
  LONGS_EQUAL(2, got.drains.size());
}

TEST(StateFile, AMissingFileIsAnEmptyStateAndAnOldOneHasNoCount) {
  StateLoad none = loadStateFile(dir + "/state");
  CHECK_TRUE(none.errors.empty());
  LONGS_EQUAL(0, none.unclean_starts);
  std::ofstream(dir + "/state") << "drain { vip: \"web\" drain { by: \"alice\" } }\n";  // before the count
  StateLoad old = loadStateFile(dir + "/state");
  CHECK_TRUE(old.errors.empty());
  LONGS_EQUAL(0, old.unclean_starts);
  LONGS_EQUAL(1, old.drains.size());
}
