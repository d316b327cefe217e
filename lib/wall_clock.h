// Wall-clock time for what the agent shows operators ("since" fields of drains and state changes):
// milliseconds since the Unix epoch. Timers and deadlines use the steady clock instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace anycastd {

inline int64_t nowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace anycastd
