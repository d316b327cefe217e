// ZebraConfig: zebra mode's settings (the `zebra` section of the config), owned by this back-end: the
// zebra API socket, the table instance the routes are announced as, the FRR release spoken, graceful
// restart and the kernel read-back. A pure value; the config loader (agent/config/config_loader.h) fills
// it and validateZebraConfig() checks it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace anycastd {

struct ZebraConfig {
  std::string socket = "/var/run/frr/zserv.api";
  uint16_t table_instance = 100;
  std::string frr_release = "auto";  // "auto" or a release parseFrrRelease() accepts
  uint32_t graceful_restart_s = 60;
  bool verify_kernel = true;
  bool operator==(const ZebraConfig&) const = default;
};

// The problems of `config` as (field name, message), empty when it is usable.
std::vector<std::pair<std::string, std::string>> validateZebraConfig(const ZebraConfig& config);

}  // namespace anycastd
