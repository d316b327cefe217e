// Helpers for the kernel tests: they run inside the private network namespace main.cpp creates, which holds
// two veth pairs: va (192.0.2.1/24, 2001:db8:1::1/64) <-> vb and vc (198.51.100.1/24) <-> vd. Shell
// commands (ip) run in the same namespace, as children inherit it. Everything here is test-only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "agent/config/config.h"
#include "netlink/netlink_socket.h"
#include "platform/kernel/kernel_dataplane.h"
#include "platform/route.h"

namespace kernel_test {

constexpr uint8_t kProtocol = 200;
constexpr uint32_t kIdBase = anycastd::kDefaultNexthopIdBase;

// Creates the namespace's links and addresses; false (with a message on stderr) on failure.
bool setUpNetwork();
// Deletes every route and nexthop object the tests may have left (protocols 200, 201, 42) and brings
// the links back up.
void cleanKernel();

// Runs `command` with sh; returns its standard output (and error). *status receives the exit status.
std::string sh(const std::string& command, int* status = nullptr);
// Runs `command` and fails the current test if it does not exit 0.
void mustRun(const std::string& command);

anycastd::KernelConfig config(anycastd::NexthopMode mode = anycastd::NexthopMode::kAuto);
anycastd::IpPrefix prefix(const char* text);
// A route to `prefix` via gateways written "192.0.2.2" or "192.0.2.3*2" (weight 2).
anycastd::Route route(const char* prefix, std::initializer_list<const char*> gateways);

// What `ip` shows about the agent's route for `prefix` (protocol kProtocol unless given):
struct KernelRoute {
  bool present = false;
  uint32_t nhid = 0;       // the route's nexthop object, 0 for a classic route
  std::string group_line;  // `ip nexthop show id NHID`
  std::string nexthops;    // "192.0.2.2 192.0.2.3*2", from the group's members or the route's next hops
  std::string route_line;  // `ip route show ...`
};
KernelRoute kernelRoute(const char* prefix, uint32_t table = 254, uint8_t protocol = kProtocol);
bool nexthopExists(uint32_t id);
// IDs of the nexthop objects of `protocol`.
std::vector<uint32_t> nexthopIds(uint8_t protocol = kProtocol);
// The member IDs of group `id`, in the kernel's order.
std::vector<uint32_t> groupMembers(uint32_t id);

// Polls `condition` until it holds or `timeout` passes; no sleeping in between beyond a poll() on nothing.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// Polls `fd` and calls `process` whenever it is readable, until `done()` or `timeout` passes.
void pumpEvents(int fd, const std::function<void()>& process, const std::function<bool()>& done,
                std::chrono::milliseconds timeout);

// Starts the dataplane on a loop of its own and runs it until it reports an external change or `timeout`
// passes, then stops it; returns the reasons reported ("" if none).
std::string waitForExternalChange(anycastd::KernelDataplane& dataplane,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// Same for unreachable next hops: returns "WHY: GATEWAY GATEWAY" per report, joined with "; " ("" if none).
std::string waitForUnreachable(anycastd::KernelDataplane& dataplane,
                               std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// A netlink listener for route and nexthop notifications, to check what a call did to the kernel.
class Monitor {
 public:
  Monitor();
  // The message types of every notification received so far (RTM_NEWROUTE, RTM_DELNEXTHOP, ...).
  std::vector<uint16_t> drain();

 private:
  anycastd::nl::NetlinkSocket socket_;
};

}  // namespace kernel_test
