// AgentConfig: the validated, immutable configuration the agent runs with, built from the protobuf text file
// (proto/config.proto) by loadConfig() in config_loader.h. Tests build these structs in code. Pure values;
// defaults here are the documented defaults of the proto.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/ip_address.h"
#include "platform/kernel/kernel_config.h"
#include "platform/zebra/zebra_config.h"

namespace anycastd {

enum class DataplaneKind { kKernel, kZebra };

enum class CheckKind { kTcp, kHttp, kHttps, kDns, kIcmp, kExec };

enum class DnsTransport { kUdp, kTcp };

struct DnsCheckConfig {
  std::string name;   // the question's name, without a trailing dot
  uint16_t type = 1;  // A
  DnsTransport transport = DnsTransport::kUdp;
  uint8_t expect_rcode = 0;  // NOERROR
  std::optional<IpAddress> expect_address;
  bool operator==(const DnsCheckConfig&) const = default;
};

struct TlsConfig {
  std::string sni;  // empty: none sent; with verify the certificate must carry the server's address
  std::string ca_file;
  bool verify = false;
  bool operator==(const TlsConfig&) const = default;
};

// Who an exec check's program runs as, as looked up when the config was loaded (config_files.h).
struct ExecIdentity {
  uint32_t uid = 0;
  uint32_t gid = 0;              // the primary group
  std::vector<uint32_t> groups;  // the supplementary groups (setgroups)
  bool operator==(const ExecIdentity&) const = default;
};

inline constexpr const char* kDefaultExecUser = "anycastd-check";  // created by the Debian package

struct ExecCheckConfig {
  std::string command;  // absolute path
  std::vector<std::string> args;
  std::string user = kDefaultExecUser;
  std::string group;  // empty: the user's primary group, with the user's supplementary groups
  // Set by a load that looks the names up (loadConfigFile); a config without it (one built in code, a parse
  // without ConfigFiles) runs the program as the daemon's user, still without capabilities.
  std::optional<ExecIdentity> identity;
  bool operator==(const ExecCheckConfig&) const = default;
};

struct CheckConfig {
  CheckKind kind = CheckKind::kTcp;
  uint16_t port = 0;  // tcp, http, https, dns
  std::string http_path = "/";
  uint32_t expect_status = 200;
  std::string http_host;    // empty: https's sni, else the server's address
  std::string expect_body;  // http, https: empty means any body
  TlsConfig tls;            // https
  DnsCheckConfig dns;
  ExecCheckConfig exec;
  uint32_t interval_ms = 1000;
  uint32_t timeout_ms = 500;
  uint32_t rise = 2;
  uint32_t fall = 3;
  std::optional<IpAddress> source;  // bind the probe's socket to this local address
  std::string interface;            // SO_BINDTODEVICE this device (empty: none)
  std::string vrf;                  // SO_BINDTODEVICE this VRF device (empty: none); excludes interface
  bool operator==(const CheckConfig&) const = default;
};

// Route flap dampening of one VIP (RFC 2439 style; agent/core/dampening.h holds the arithmetic). Defaults let
// a single failure and recovery through untouched: one withdrawal adds 1000, suppression needs 3000.
struct DampeningConfig {
  bool enabled = true;
  uint32_t half_life_s = 15;  // the penalty halves every half_life_s
  uint32_t withdraw_penalty = 1000;
  uint32_t announce_penalty = 0;
  uint32_t suppress = 3000;      // suppressed once the penalty reaches this
  uint32_t reuse = 750;          // and until it decays below this
  uint32_t max_suppress_s = 60;  // caps the penalty at reuse * 2^(max_suppress_s / half_life_s)
  bool operator==(const DampeningConfig&) const = default;
};

// The highest penalty dampening keeps: reuse * 2^(max_suppress_s / half_life_s) (reuse when half_life_s
// is 0). The config refuses a suppress threshold above it; agent/core/dampening.h caps the penalty at it.
inline double penaltyCeiling(const DampeningConfig& d) {
  if (d.half_life_s == 0) return d.reuse;
  return d.reuse * std::exp2(static_cast<double>(d.max_suppress_s) / d.half_life_s);
}

struct ServerConfig {
  std::string name;
  IpAddress address;
  uint32_t weight = 1;
  std::vector<CheckConfig> checks;  // the server's own checks; empty: the VIP's
  bool operator==(const ServerConfig&) const = default;
};

// How the checks of one server make its health: up when all of them are up, or when any one is.
enum class CheckMode { kAll, kAny };

struct VipConfig {
  std::string name;
  IpPrefix prefix;
  uint32_t min_healthy = 1;
  uint32_t min_healthy_percent = 0;  // 1..100 instead of min_healthy (0: min_healthy applies)
  std::vector<CheckConfig> checks;   // every server's, unless the server has its own
  CheckMode check_mode = CheckMode::kAll;
  std::vector<ServerConfig> servers;
  uint32_t route_tag = 0;  // 0: none (zebra mode only)
  DampeningConfig dampening;
  uint32_t degraded_below = 0;  // degraded while announced with fewer healthy servers than this (0: never)
  uint32_t degraded_tag = 0;    // zebra mode: route tag while degraded (0: keep route_tag)
  uint32_t slow_start_s = 0;    // a recovered server's weight ramps up over this long (0: off)
  bool operator==(const VipConfig&) const = default;
};

// The checks that decide `server`'s health: its own, else the VIP's.
inline const std::vector<CheckConfig>& checksOf(const VipConfig& vip, const ServerConfig& server) {
  return server.checks.empty() ? vip.checks : server.checks;
}

// The longest a check may take to give a server its first verdict (rise results, the last one timing out).
constexpr std::chrono::milliseconds kMaxFirstVerdict{15 * 60 * 1000};

inline std::chrono::milliseconds firstVerdictTime(const CheckConfig& c) {
  return std::chrono::milliseconds(uint64_t{c.rise} * c.interval_ms + c.timeout_ms);
}

struct AgentConfig {
  DataplaneKind dataplane = DataplaneKind::kKernel;
  KernelConfig kernel;
  ZebraConfig zebra;
  std::string control_socket = "/run/anycastd/anycastd.sock";
  std::string control_group;  // empty: the daemon's own group
  std::string state_file = "/var/lib/anycastd/state";
  uint32_t unclean_start_limit = 3;  // crash-loop guard (agent/core/crash_loop.h)
  std::vector<VipConfig> vips;
  std::string metrics_listen;  // "HOST:PORT" or "[V6]:PORT" (listen_address.h); empty: no metrics server
};

// The time by which every server of `config` has its first verdict: the slowest of its checks (probes start
// spread over their first interval, so each check's first result comes within one interval).
inline std::chrono::milliseconds firstVerdictBound(const AgentConfig& config) {
  std::chrono::milliseconds bound{0};
  for (const VipConfig& vip : config.vips)
    for (const ServerConfig& server : vip.servers)
      for (const CheckConfig& check : checksOf(vip, server)) bound = std::max(bound, firstVerdictTime(check));
  return bound;
}

}  // namespace anycastd
