#include "platform/kernel/nexthop_id_allocator.h"

#include <algorithm>

namespace anycastd {

NexthopIdAllocator::NexthopIdAllocator(uint32_t base, uint32_t size) {
  first_ = std::max<uint32_t>(base, 1);
  const uint64_t end = std::min<uint64_t>(uint64_t{base} + size, uint64_t{1} << 32);
  size_ = end > first_ ? static_cast<uint32_t>(end - first_) : 0;
}

void NexthopIdAllocator::reset(const std::set<uint32_t>& used) {
  used_.clear();
  for (uint32_t id : used)
    if (inRange(id)) used_.insert(id);
}

void NexthopIdAllocator::markUsed(uint32_t id) {
  if (inRange(id)) used_.insert(id);
}

void NexthopIdAllocator::release(uint32_t id) {
  used_.erase(id);
}

void NexthopIdAllocator::continueAt(uint64_t id) {
  if (size_ == 0 || id < first_) return;
  cursor_ = static_cast<uint32_t>((id - first_) % size_);
}

std::optional<uint32_t> NexthopIdAllocator::highestUsed() const {
  if (used_.empty()) return std::nullopt;
  return *used_.rbegin();
}

std::optional<uint32_t> NexthopIdAllocator::allocate() {
  if (used_.size() >= size_) return std::nullopt;
  for (uint32_t i = 0; i < size_; ++i) {
    const uint32_t offset = static_cast<uint32_t>((uint64_t{cursor_} + i) % size_);
    const uint32_t id = first_ + offset;
    if (used_.count(id)) continue;
    used_.insert(id);
    cursor_ = static_cast<uint32_t>((uint64_t{offset} + 1) % size_);
    return id;
  }
  return std::nullopt;
}

}  // namespace anycastd
