#include "platform/route.h"

namespace anycastd {

std::string describe(const std::vector<NextHop>& nexthops) {
  std::string out;
  for (const auto& nh : nexthops) {
    if (!out.empty()) out += ' ';
    out += nh.gateway.str();
    if (nh.weight != 1) out += "*" + std::to_string(nh.weight);
  }
  return out.empty() ? "none" : out;
}

}  // namespace anycastd
