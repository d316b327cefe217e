// NexthopIdAllocator: IDs from the agent's range, skipping used ones, wrapping, exhaustion, clipping.
#include "platform/kernel/nexthop_id_allocator.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

TEST_GROUP(NexthopIdAllocator){};

TEST(NexthopIdAllocator, HandsOutTheRangeInOrderSkippingUsedIds) {
  NexthopIdAllocator ids(0x60000000);
  ids.reset({0x60000001, 0x60000003, 5, 0x70000000});  // out-of-range IDs are not the allocator's business
  UNSIGNED_LONGS_EQUAL(0x60000000, *ids.allocate());
  UNSIGNED_LONGS_EQUAL(0x60000002, *ids.allocate());
  UNSIGNED_LONGS_EQUAL(0x60000004, *ids.allocate());
  CHECK_TRUE(ids.isUsed(0x60000002));
  CHECK_FALSE(ids.isUsed(5));
  CHECK_TRUE(ids.inRange(0x600fffff));
  CHECK_FALSE(ids.inRange(0x60100000));
  CHECK_FALSE(ids.inRange(0x5fffffff));
}

TEST(NexthopIdAllocator, FreedIdsAreNotReusedAtOnceAndTheCursorWraps) {
  NexthopIdAllocator ids(100, 3);
  UNSIGNED_LONGS_EQUAL(100, *ids.allocate());
  UNSIGNED_LONGS_EQUAL(101, *ids.allocate());
  ids.release(100);
  UNSIGNED_LONGS_EQUAL(102, *ids.allocate());
  UNSIGNED_LONGS_EQUAL(100, *ids.allocate());  // wrapped
  CHECK_FALSE(ids.allocate().has_value());     // exhausted
  ids.release(101);
  UNSIGNED_LONGS_EQUAL(101, *ids.allocate());
}

TEST(NexthopIdAllocator, MarkUsedAfterEexist) {
  NexthopIdAllocator ids(10, 4);
  ids.markUsed(10);
  ids.markUsed(99);  // ignored
  UNSIGNED_LONGS_EQUAL(11, *ids.allocate());
}

TEST(NexthopIdAllocator, RangeIsClippedAtZeroAndAtTheTop) {
  NexthopIdAllocator low(0, 2);
  UNSIGNED_LONGS_EQUAL(1, *low.allocate());  // 0 means "kernel, pick one"
  CHECK_FALSE(low.allocate().has_value());
  NexthopIdAllocator high(0xfffffffe);
  UNSIGNED_LONGS_EQUAL(0xfffffffe, *high.allocate());
  UNSIGNED_LONGS_EQUAL(0xffffffff, *high.allocate());
  CHECK_FALSE(high.allocate().has_value());
}

TEST(NexthopIdAllocator, ContinuesWhereAnEarlierRunStopped) {
  NexthopIdAllocator first(100, 10);
  first.allocate();
  first.allocate();
  UNSIGNED_LONGS_EQUAL(102, first.nextId());
  NexthopIdAllocator next(100, 10);  // a new run: nothing in the kernel any more
  next.continueAt(first.nextId());
  UNSIGNED_LONGS_EQUAL(102, *next.allocate());
  next.continueAt(100 + 10 + 3);  // a mark past the end wraps
  UNSIGNED_LONGS_EQUAL(103, *next.allocate());
  next.continueAt(7);  // below the range: ignored
  UNSIGNED_LONGS_EQUAL(104, *next.allocate());
}

TEST(NexthopIdAllocator, HighestUsedIsTheLargestIdOfTheRangeInUse) {
  NexthopIdAllocator ids(100, 10);
  CHECK_FALSE(ids.highestUsed().has_value());
  ids.reset({5, 103, 107, 500});
  UNSIGNED_LONGS_EQUAL(107, *ids.highestUsed());
}
