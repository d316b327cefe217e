#include "platform/zebra/zebra_config.h"

#include "platform/zebra/zapi_release.h"

namespace anycastd {

std::vector<std::pair<std::string, std::string>> validateZebraConfig(const ZebraConfig& config) {
  std::vector<std::pair<std::string, std::string>> problems;
  // sockaddr_un's sun_path holds 108 bytes with the terminating NUL.
  if (config.socket.empty() || config.socket[0] != '/' || config.socket.size() > 107)
    problems.emplace_back("socket", "socket must be an absolute path of at most 107 characters");
  std::string why;
  if (config.frr_release != "auto" && !parseFrrRelease(config.frr_release, &why))
    problems.emplace_back("frr_release", "frr_release: " + why);
  return problems;
}

}  // namespace anycastd
