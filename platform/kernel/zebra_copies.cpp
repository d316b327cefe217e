#include "platform/kernel/zebra_copies.h"

namespace anycastd {

bool isZebraCopy(const nl::NexthopMessage& nh, const NexthopIdAllocator& range) {
  return nh.protocol == kRtprotZebra && range.inRange(nh.id);
}

std::set<uint32_t> zebraCopies(const NexthopTable& nexthops, const NexthopIdAllocator& range) {
  std::set<uint32_t> out;
  for (const auto& [id, nh] : nexthops)
    if (isZebraCopy(nh, range)) out.insert(id);
  return out;
}

}  // namespace anycastd
