// RouteEntryIndex: the kernel dataplane's bookkeeping (one RouteEntry per prefix) together with counts of
// what the entries use, kept up to date one prefix at a time, so that a change to one prefix costs the size
// of that entry, not of the table: which of a prefix's objects other prefixes hold (what a change must not
// delete), the links the entries' next hops use and the gateways of their routes. It answers as
// idsHeldByOthers(), linksOf() and gatewaysOf() in route_entry.h would for the same entries (a gateway seen
// through several devices reports the lowest one). Pure value; no I/O; owned by the dataplane.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>

#include "platform/route_entry.h"

namespace anycastd {

class RouteEntryIndex {
 public:
  const RouteEntries& entries() const { return entries_; }
  void assign(RouteEntries entries);  // after a full read
  // The prefix's entry becomes `entry` (kAbsent: the prefix has none).
  void set(const IpPrefix& prefix, const RouteEntry& entry);
  void eraseIf(const std::function<bool(const RouteEntry&)>& pred);

  // The IDs of `current` (a fresh read of `prefix`) and of the prefix's entry that other prefixes' entries
  // hold: idsHeldByOthers(entries(), prefix) narrowed to the IDs a change to `prefix` could delete.
  std::set<uint32_t> heldByOthers(const IpPrefix& prefix, const RouteEntry& current) const;
  std::set<uint32_t> links() const;                // linksOf(entries())
  std::map<IpAddress, uint32_t> gateways() const;  // gatewaysOf(entries())

 private:
  void count(const RouteEntry& entry, int delta);

  RouteEntries entries_;
  std::map<uint32_t, uint32_t> id_refs_;                            // object ID -> entries holding it
  std::map<uint32_t, uint32_t> link_refs_;                          // output device -> members using it
  std::map<IpAddress, std::map<uint32_t, uint32_t>> gateway_refs_;  // routes' gateways -> device -> members
};

}  // namespace anycastd
