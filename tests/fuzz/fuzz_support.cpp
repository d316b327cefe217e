// Implementation of fuzz_support.h.
#include "tests/fuzz/fuzz_support.h"

namespace anycastd::fuzz {

std::vector<std::span<const uint8_t>> chunks(std::span<const uint8_t> data,
                                             std::span<const uint8_t> pattern) {
  std::vector<std::span<const uint8_t>> out;
  if (pattern.empty()) {
    out.push_back(data);
    return out;
  }
  size_t at = 0;
  for (size_t i = 0; at < data.size(); ++i) {
    const size_t n = std::min<size_t>(data.size() - at, size_t{pattern[i % pattern.size()]} + 1);
    out.push_back(data.subspan(at, n));
    at += n;
  }
  return out;
}

}  // namespace anycastd::fuzz
