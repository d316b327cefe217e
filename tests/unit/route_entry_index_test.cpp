// RouteEntryIndex against the whole-table functions of route_entry.h: after every change of a random
// sequence (entries set, replaced, erased, shared objects, detached groups, multipath routes), the index
// answers as idsHeldByOthers(), linksOf() and gatewaysOf() do over the same entries.
#include "platform/kernel/route_entry_index.h"

#include <CppUTest/TestHarness.h>

#include <random>
#include <string>

using namespace anycastd;

namespace {

IpPrefix prefix(int i) {
  std::string error;
  return *IpPrefix::parse("203.0.113." + std::to_string(i) + "/32", &error);
}

IpAddress gateway(int i) {
  return *IpAddress::parse("192.0.2." + std::to_string(i));
}

// Gateway g is always reached through device 10 + g % 3 (as the kernel resolves it), or not yet (0).
RouteEntry randomEntry(std::mt19937& rng) {
  RouteEntry e;
  const int form = static_cast<int>(rng() % 5);
  e.form = form == 0   ? RouteForm::kAbsent
           : form == 1 ? RouteForm::kDetached
           : form == 2 ? RouteForm::kMultipath
           : form == 3 ? RouteForm::kOther
                       : RouteForm::kGroup;
  if (e.form == RouteForm::kAbsent) return e;
  if (e.form == RouteForm::kGroup || e.form == RouteForm::kDetached) e.group_id = 1000 + rng() % 20;
  if (e.form == RouteForm::kOther) e.owned = {static_cast<uint32_t>(1000 + rng() % 20), 7};
  for (int g = 1; g <= 6; ++g) {
    if (rng() % 2) continue;
    RouteMember m;
    m.gateway = gateway(g);
    m.oif = rng() % 4 ? 10 + g % 3 : 0;
    if (e.form != RouteForm::kMultipath) m.id = 100 + g;  // member objects shared between prefixes
    e.members.push_back(m);
  }
  return e;
}

void checkAgrees(const RouteEntryIndex& index, const RouteEntries& reference, const IpPrefix& p,
                 const RouteEntry& current) {
  CHECK(index.entries() == reference);
  CHECK(index.links() == linksOf(reference));
  CHECK(index.gateways() == gatewaysOf(reference));
  std::set<uint32_t> expected;
  std::set<uint32_t> candidates = current.objectIds();
  if (auto it = reference.find(p); it != reference.end()) candidates.merge(it->second.objectIds());
  for (uint32_t id : idsHeldByOthers(reference, p))
    if (candidates.count(id)) expected.insert(id);
  CHECK(index.heldByOthers(p, current) == expected);
}

}  // namespace

TEST_GROUP(RouteEntryIndex){};

TEST(RouteEntryIndex, AgreesWithTheWholeTableAfterEveryChange) {
  std::mt19937 rng(7);
  RouteEntryIndex index;
  RouteEntries reference;
  for (int step = 0; step < 3000; ++step) {
    const IpPrefix p = prefix(1 + static_cast<int>(rng() % 40));
    const RouteEntry e = randomEntry(rng);
    if (step == 1500) {  // a full read replaces everything
      index.assign(reference);
    } else if (step % 97 == 0) {
      index.eraseIf([](const RouteEntry& x) { return x.group_id == 1003; });
      std::erase_if(reference, [](const auto& kv) { return kv.second.group_id == 1003; });
    } else {
      index.set(p, e);
      if (e.form == RouteForm::kAbsent)
        reference.erase(p);
      else
        reference[p] = e;
    }
    checkAgrees(index, reference, p, randomEntry(rng));
  }
  CHECK_FALSE(reference.empty());
}

TEST(RouteEntryIndex, ObjectsOfThePrefixItselfAreNotHeldByOthers) {
  RouteEntryIndex index;
  RouteEntry a;
  a.form = RouteForm::kGroup;
  a.group_id = 1000;
  a.members = {{gateway(2), 1, 10, 101}, {gateway(3), 1, 10, 102}};
  RouteEntry b = a;
  b.group_id = 1001;
  b.members.pop_back();
  index.set(prefix(1), a);
  index.set(prefix(2), b);
  CHECK((index.heldByOthers(prefix(1), a) == std::set<uint32_t>{101}));
  CHECK((index.heldByOthers(prefix(2), b) == std::set<uint32_t>{101}));
  index.set(prefix(2), RouteEntry{});  // gone: nothing of a's is held by another prefix
  CHECK(index.heldByOthers(prefix(1), a).empty());
  CHECK((index.gateways() == std::map<IpAddress, uint32_t>{{gateway(2), 10}, {gateway(3), 10}}));
}
