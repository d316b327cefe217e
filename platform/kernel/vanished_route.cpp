#include "platform/kernel/vanished_route.h"

#include <cerrno>
#include <string>

#include "netlink/route_message.h"

namespace anycastd {

Status announceVanishedRoute(const NetlinkRequest& request, const IpPrefix& prefix, uint32_t table,
                             uint8_t protocol) {
  const std::string what =
      "route " + prefix.str() + " table " + std::to_string(table) + " lost its last next hop in the kernel";
  if (Status s = request(nl::encodeNewBlackholeRoute(prefix, table, protocol)); !s.isOk()) {
    if (s.error == EEXIST) return Status::ok();
    return Status::fail(s.error, what + "; could not tell listeners: " + s.message);
  }
  if (Status s = request(nl::encodeDelRoute(prefix, table, protocol));
      !s.isOk() && s.error != ESRCH && s.error != ENOENT)
    return Status::fail(s.error, what + "; its blackhole stand-in could not be deleted: " + s.message);
  return Status::ok();
}

}  // namespace anycastd
