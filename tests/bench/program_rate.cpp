// program_rate: how fast anycastd's kernel dataplane (platform/kernel/kernel_dataplane.h, the same objects
// the daemon links) programs routes, for `make bench` (tests/bench/bench_program.py, which runs it in the
// fabric's leaf namespace and runs `ip -batch` with the same changes next to it).
//
//   program_rate N PREFIX_BASE GATEWAY...
//     Phase "add": programRoute() for N routes PREFIX_BASE+i (IPv6 /128s: PREFIX_BASE is "2001:db8:bb::", i
//     from 1) over every GATEWAY (a resilient group each, shared member objects: what the daemon does).
//     Phase "change": programRoute() for each again without the first gateway (the group replaced in place).
//     Phase "remove": removeRoute() for each.
//   Prints one JSON line with each phase's wall time in seconds; exits 1 on the first failed call.
// Single-threaded; owns its KernelDataplane (and through it its netlink sockets).
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "lib/ip_address.h"
#include "platform/kernel/kernel_dataplane.h"
#include "platform/route.h"

using namespace anycastd;

namespace {

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

bool check(const Status& s, const char* what, size_t i) {
  if (s.isOk()) return true;
  std::fprintf(stderr, "%s %zu: %s\n", what, i, s.message.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: program_rate N PREFIX_BASE GATEWAY...\n");
    return 2;
  }
  const size_t n = std::stoul(argv[1]);
  in6_addr base{};
  if (inet_pton(AF_INET6, argv[2], &base) != 1) {
    std::fprintf(stderr, "bad PREFIX_BASE %s\n", argv[2]);
    return 2;
  }
  std::vector<NextHop> all;
  for (int i = 3; i < argc; i++) {
    auto gw = IpAddress::parse(argv[i]);
    if (!gw) {
      std::fprintf(stderr, "bad gateway %s\n", argv[i]);
      return 2;
    }
    all.push_back(NextHop{*gw, 1});
  }
  std::sort(all.begin(), all.end());
  const std::vector<NextHop> fewer(all.begin() + 1, all.end());
  std::vector<IpPrefix> prefixes;
  for (size_t i = 1; i <= n; i++) {
    in6_addr a = base;
    a.s6_addr[14] = static_cast<uint8_t>(i >> 8);
    a.s6_addr[15] = static_cast<uint8_t>(i);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a, text, sizeof text);
    std::string error;
    prefixes.push_back(*IpPrefix::parse(std::string(text) + "/128", &error));
  }

  KernelConfig config;  // the defaults: protocol 200, table main, resilient groups
  KernelDataplane dp(config);
  auto t = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i++)
    if (!check(dp.programRoute(Route{prefixes[i], all, 0}), "add", i)) return 1;
  const double add = seconds(t);
  t = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i++)
    if (!check(dp.programRoute(Route{prefixes[i], fewer, 0}), "change", i)) return 1;
  const double change = seconds(t);
  t = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i++)
    if (!check(dp.removeRoute(prefixes[i]), "remove", i)) return 1;
  const double remove = seconds(t);
  std::printf(
      "{\"routes\": %zu, \"gateways\": %zu, \"mode\": \"%s\", \"add_s\": %.6f, \"change_s\": %.6f, "
      "\"remove_s\": %.6f}\n",
      n, all.size(), dp.modeName(), add, change, remove);
  return 0;
}
