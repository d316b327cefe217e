// The state file (agent/control/state_file.h) round trip in a temporary directory: the drains and the
// crash-loop guard's count of unclean starts survive a save and a load together.
#include "agent/control/state_file.h"

#include <CppUTest/TestHarness.h>
#include <stdlib.h>
#include <sys/stat.h>
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

TEST(StateFile, DamagedFilesAreReportedAndKeptAsideNotOverwritten) {
  const std::string path = dir + "/state";
  std::vector<DrainRecord> drains = {{"web", "", {"alice", 1700000000000, "maintenance"}}};
  CHECK_TRUE(saveStateFile(path, drains, 0).isOk());
  std::string whole;
  {
    std::ifstream in(path);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Truncated in the middle of a drain, and garbage: both damaged, nothing taken from them.
  for (const std::string& text : {whole.substr(0, whole.size() / 2), std::string("\x01\x02 not { a state")}) {
    std::ofstream(path, std::ios::trunc) << text;
    StateLoad got = loadStateFile(path);
    CHECK_TRUE(got.damaged);
    CHECK_FALSE(got.errors.empty());
    CHECK(got.errors[0].rfind(path + ":", 0) == 0);  // FILE:LINE:COL
    LONGS_EQUAL(0, got.drains.size());
  }
  Result<std::string> aside = keepStateFileAside(path, 1234);
  CHECK_TRUE(aside.has_value());
  STRCMP_EQUAL((path + ".bad-1234").c_str(), aside->c_str());
  CHECK(::access(path.c_str(), F_OK) != 0);  // the next save starts a new file
  CHECK_TRUE(saveStateFile(path, {}, 1).isOk());
  std::ifstream kept(*aside);
  std::string first;
  std::getline(kept, first);
  STRCMP_EQUAL("\x01\x02 not { a state", first.c_str());  // the evidence is intact
  ::unlink(aside->c_str());
  // A healthy file is not damaged.
  CHECK_FALSE(loadStateFile(path).damaged);
}

TEST(StateFile, AnUnreadableFileIsDamaged) {
  const std::string path = dir + "/state";
  CHECK_TRUE(saveStateFile(path, {}, 0).isOk());
  // A directory where the file should be: it exists but cannot be read as a file, for root too.
  ::unlink(path.c_str());
  CHECK_EQUAL(0, ::mkdir(path.c_str(), 0755));
  StateLoad got = loadStateFile(path);
  ::rmdir(path.c_str());
  CHECK_TRUE(got.damaged);
  STRCMP_EQUAL((path + ": cannot read: not a regular file").c_str(), got.errors.at(0).c_str());
}

TEST(StateFile, ASaveIntoADirectoryThatCannotBeWrittenFailsWithTheReason) {
  Status s = saveStateFile("/proc/anycastd-no-such-dir/state", {}, 0);
  CHECK_FALSE(s.isOk());
  CHECK(!s.message.empty());
}

TEST(StateFile, KeepsWhereNexthopIdsGoOn) {
  const std::string path = dir + "/state";
  CHECK_EQUAL(0u, loadStateFile(path).next_nexthop_id);  // none kept
  CHECK_TRUE(saveStateFile(path, {}, 1, 267390976).isOk());
  StateLoad got = loadStateFile(path);
  CHECK_EQUAL(267390976u, got.next_nexthop_id);
  CHECK_EQUAL(1u, got.unclean_starts);
}
