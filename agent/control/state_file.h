// The state file (proto/state.proto, protobuf text format): what survives a restart of anycastd: the
// drains set through the control API and the count of consecutive unclean starts (crash-loop guard,
// agent/core/crash_loop.h). load() reads it at start-up (a missing file is an empty state; a
// damaged one is reported as FILE:LINE:COL messages and ignored, so a bad file never stops the agent);
// save() replaces it atomically (temporary file in the same directory, fsync, rename), creating the
// directory if needed. Plain file I/O on the calling thread; errors come back as values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "lib/status.h"

namespace anycastd {

struct StateLoad {
  std::vector<DrainRecord> drains;
  uint32_t unclean_starts = 0;
  std::vector<std::string> errors;  // "FILE:LINE:COL: message"
};

StateLoad loadStateFile(const std::string& path);
Status saveStateFile(const std::string& path, const std::vector<DrainRecord>& drains,
                     uint32_t unclean_starts);

}  // namespace anycastd
