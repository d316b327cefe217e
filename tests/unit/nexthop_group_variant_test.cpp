// Nexthop-group variants (zebra mode): scaled weights keep the ratios, and the next factor stays within
// zebra's weight range.
#include "platform/zebra/nexthop_group_variant.h"

#include <CppUTest/TestHarness.h>

#include <set>

using namespace anycastd;

namespace {

NextHop hop(const char* gw, uint32_t weight) {
  return NextHop{IpAddress::parse(gw).value(), weight};
}

}  // namespace

TEST_GROUP(NexthopGroupVariant){};

TEST(NexthopGroupVariant, ScalingMultipliesEveryWeight) {
  auto out = scaleWeights({hop("192.0.2.2", 1), hop("192.0.2.6", 8)}, 3);
  CHECK_EQUAL(3u, out[0].weight);
  CHECK_EQUAL(24u, out[1].weight);
  CHECK(out[0].gateway == IpAddress::parse("192.0.2.2").value());
}

TEST(NexthopGroupVariant, ScaleOneIsTheRouteItself) {
  std::vector<NextHop> in{hop("192.0.2.2", 1), hop("192.0.2.6", 2)};
  CHECK(scaleWeights(in, 1) == in);
}

TEST(NexthopGroupVariant, PickedScaleIsNeverCurrentAndStaysWithinZebrasWeightRange) {
  std::vector<NextHop> equal{hop("192.0.2.2", 1), hop("192.0.2.6", 1)};
  std::set<uint32_t> seen;
  for (uint32_t r = 0; r < 1000; ++r) {
    const uint32_t k = pickWeightScale(equal, 7, r);
    CHECK(k >= 2 && k <= 255 && k != 7);
    seen.insert(k);
  }
  CHECK_EQUAL(253u, seen.size());  // every factor 2..255 but 7 can be drawn
  std::vector<NextHop> heavy{hop("192.0.2.2", 100), hop("192.0.2.6", 1)};
  CHECK_EQUAL(2u, pickWeightScale(heavy, 1, 12345));  // only 2 fits (300 > 255)
  CHECK_EQUAL(1u, pickWeightScale(heavy, 2, 12345));  // nothing but the current one fits
  CHECK_EQUAL(1u, pickWeightScale({hop("192.0.2.2", 200)}, 1, 3));
}
