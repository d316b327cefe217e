// zebra's copies of the agent's nexthop objects: with FRR's default `zebra nexthop kernel enable` (the
// README asks for `no zebra nexthop kernel enable`), zebra takes the agent's objects for its own and writes
// objects of protocol zebra with IDs in the agent's range. zebra then may announce a VIP's route over
// another group's next hops, and (FRR 10.3) rewrite the agent's groups so that they stop following health.
// The agent cannot read zebra's RIB; these objects in the kernel are its evidence. Pure functions.
#pragma once

#include <cstdint>
#include <set>

#include "netlink/nexthop_message.h"
#include "platform/kernel/nexthop_id_allocator.h"
#include "platform/kernel_view.h"

namespace anycastd {

constexpr uint8_t kRtprotZebra = 11;  // zebra's own objects and routes (RTPROT_ZEBRA)

// Whether `nh` is one of zebra's objects in the agent's ID range.
bool isZebraCopy(const nl::NexthopMessage& nh, const NexthopIdAllocator& range);

// The IDs of every such object in `nexthops`.
std::set<uint32_t> zebraCopies(const NexthopTable& nexthops, const NexthopIdAllocator& range);

}  // namespace anycastd
