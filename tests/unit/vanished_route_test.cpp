// announceVanishedRoute against a fake request function: the blackhole stand-in is added and deleted, an
// EEXIST add leaves nothing to do, and a failed delete (injected) comes back as a failure naming the
// stand-in, which KernelDataplane returns from the operation so that the agent resynchronises.
#include "platform/kernel/vanished_route.h"

#include <CppUTest/TestHarness.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <string>
#include <vector>

#include "netlink/route_message.h"

using namespace anycastd;

namespace {

IpPrefix prefix(const char* text) {
  std::string error;
  return *IpPrefix::parse(text, &error);
}

uint16_t type(const nl::Bytes& m) {
  return reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type;
}

// Answers each request with the next of `answers` (success once they run out) and records it.
struct FakeKernel {
  std::vector<int> answers;
  std::vector<nl::Bytes> requests;
  NetlinkRequest request() {
    return [this](const nl::Bytes& m) {
      const size_t i = requests.size();
      requests.push_back(m);
      const int error = i < answers.size() ? answers[i] : 0;
      return error ? Status::fail(error, "injected (errno " + std::to_string(error) + ")") : Status::ok();
    };
  }
};

}  // namespace

TEST_GROUP(VanishedRoute){};

TEST(VanishedRoute, AddsAndDeletesABlackholeOfTheAgents) {
  FakeKernel kernel;
  CHECK_TRUE(announceVanishedRoute(kernel.request(), prefix("203.0.113.10/32"), 254, 200).isOk());
  LONGS_EQUAL(2, kernel.requests.size());
  CHECK(kernel.requests[0] == nl::encodeNewBlackholeRoute(prefix("203.0.113.10/32"), 254, 200));
  CHECK(kernel.requests[1] == nl::encodeDelRoute(prefix("203.0.113.10/32"), 254, 200));
  LONGS_EQUAL(RTM_DELROUTE, type(kernel.requests[1]));
}

TEST(VanishedRoute, AnotherRouteHoldingThePrefixIsNoFailure) {
  FakeKernel kernel;
  kernel.answers = {EEXIST};
  CHECK_TRUE(announceVanishedRoute(kernel.request(), prefix("203.0.113.10/32"), 254, 200).isOk());
  LONGS_EQUAL(1, kernel.requests.size());  // nothing of the agent's was added: nothing to delete
}

TEST(VanishedRoute, AStandInAlreadyGoneIsNoFailure) {
  FakeKernel kernel;
  kernel.answers = {0, ESRCH};
  CHECK_TRUE(announceVanishedRoute(kernel.request(), prefix("203.0.113.10/32"), 254, 200).isOk());
}

TEST(VanishedRoute, AFailedDeleteIsAFailureNamingTheStandIn) {
  FakeKernel kernel;
  kernel.answers = {0, ENOBUFS};
  Status s = announceVanishedRoute(kernel.request(), prefix("203.0.113.10/32"), 254, 200);
  LONGS_EQUAL(ENOBUFS, s.error);
  STRCMP_EQUAL(
      "route 203.0.113.10/32 table 254 lost its last next hop in the kernel; its blackhole stand-in could "
      "not be deleted: injected (errno 105)",
      s.message.c_str());
}

TEST(VanishedRoute, AFailedAddIsAFailureWithNothingLeft) {
  FakeKernel kernel;
  kernel.answers = {ENOMEM};
  Status s = announceVanishedRoute(kernel.request(), prefix("2001:db8::10/128"), 254, 200);
  LONGS_EQUAL(ENOMEM, s.error);
  STRCMP_CONTAINS("could not tell listeners", s.message.c_str());
  LONGS_EQUAL(1, kernel.requests.size());
}
