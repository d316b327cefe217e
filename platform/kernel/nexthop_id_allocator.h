// NexthopIdAllocator: hands out nexthop-object IDs from the agent's range [base, base + 2^20), skipping IDs
// in use (any protocol's, as read from the kernel, and the agent's own). The cursor moves on after each
// allocation, so an ID freed a moment ago is not handed out again at once, and it is carried across
// restarts (nextId/continueAt, kept in the state file): zebra remembers the IDs of objects the agent
// deleted (as copies of its own), so a new run must not hand them out again for other groups. Pure
// bookkeeping: the kernel dataplane feeds it what it reads and marks an ID used when the kernel answers
// EEXIST. Owned by the dataplane; event-loop thread. Exhaustion is reported as nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "platform/kernel/kernel_config.h"

namespace anycastd {

class NexthopIdAllocator {
 public:
  static constexpr uint32_t kRangeSize = kNexthopIdRange;

  // The range is clipped to end at 2^32 - 1 and to leave out 0 (the kernel's "pick one for me").
  explicit NexthopIdAllocator(uint32_t base, uint32_t size = kRangeSize);

  bool inRange(uint32_t id) const { return id >= first_ && id - first_ < size_; }
  void reset(const std::set<uint32_t>& used);  // out-of-range IDs are ignored
  void markUsed(uint32_t id);
  void release(uint32_t id);
  bool isUsed(uint32_t id) const { return used_.count(id) != 0; }
  std::optional<uint32_t> allocate();  // marks the ID used
  // Where the next allocation starts looking.
  uint32_t nextId() const { return first_ + cursor_; }
  // Moves the cursor to `id`, taken modulo the range (so a mark past its end wraps to its start); nothing
  // for an ID below the range or an empty range.
  void continueAt(uint64_t id);
  // The highest used ID in the range, if any.
  std::optional<uint32_t> highestUsed() const;

 private:
  uint32_t first_;
  uint32_t size_;
  uint32_t cursor_ = 0;  // offset of the next candidate
  std::set<uint32_t> used_;
};

}  // namespace anycastd
