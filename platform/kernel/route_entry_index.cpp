#include "platform/kernel/route_entry_index.h"

namespace anycastd {
namespace {

template <typename Map, typename Key>
void adjust(Map& refs, const Key& key, int delta) {
  auto& n = refs[key];
  n += delta;
  if (n == 0) refs.erase(key);
}

}  // namespace

void RouteEntryIndex::count(const RouteEntry& entry, int delta) {
  for (uint32_t id : entry.objectIds()) adjust(id_refs_, id, delta);
  for (const RouteMember& m : entry.members) {
    if (m.oif) adjust(link_refs_, m.oif, delta);
    if (entry.hasRoute()) {
      adjust(gateway_refs_[m.gateway], m.oif, delta);
      if (gateway_refs_[m.gateway].empty()) gateway_refs_.erase(m.gateway);
    }
  }
}

void RouteEntryIndex::assign(RouteEntries entries) {
  entries_ = std::move(entries);
  id_refs_.clear();
  link_refs_.clear();
  gateway_refs_.clear();
  for (const auto& [prefix, entry] : entries_) count(entry, +1);
}

void RouteEntryIndex::set(const IpPrefix& prefix, const RouteEntry& entry) {
  if (auto it = entries_.find(prefix); it != entries_.end()) {
    count(it->second, -1);
    entries_.erase(it);
  }
  if (entry.form == RouteForm::kAbsent) return;
  entries_.emplace(prefix, entry);
  count(entry, +1);
}

void RouteEntryIndex::eraseIf(const std::function<bool(const RouteEntry&)>& pred) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (pred(it->second)) {
      count(it->second, -1);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::set<uint32_t> RouteEntryIndex::heldByOthers(const IpPrefix& prefix, const RouteEntry& current) const {
  std::set<uint32_t> own;
  auto it = entries_.find(prefix);
  if (it != entries_.end()) own = it->second.objectIds();
  std::set<uint32_t> candidates = current.objectIds();
  candidates.insert(own.begin(), own.end());
  std::set<uint32_t> held;
  for (uint32_t id : candidates) {
    auto r = id_refs_.find(id);
    if (r != id_refs_.end() && r->second > own.count(id)) held.insert(id);
  }
  return held;
}

std::set<uint32_t> RouteEntryIndex::links() const {
  std::set<uint32_t> out;
  for (const auto& [oif, n] : link_refs_) out.insert(oif);
  return out;
}

std::map<IpAddress, uint32_t> RouteEntryIndex::gateways() const {
  std::map<IpAddress, uint32_t> out;
  for (const auto& [gateway, oifs] : gateway_refs_) {
    uint32_t& oif = out[gateway];
    for (const auto& [o, n] : oifs)
      if (o) {
        oif = o;
        break;
      }
  }
  return out;
}

}  // namespace anycastd
