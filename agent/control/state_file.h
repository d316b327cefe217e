// The state file (proto/state.proto, protobuf text format): what survives a restart of anycastd: the
// drains set through the control API, the count of consecutive unclean starts (crash-loop guard,
// agent/core/crash_loop.h) and where nexthop-ID allocation goes on (kernel mode). load() reads it at start-up
// (a missing file is an empty state; a damaged one is reported as FILE:LINE:COL messages and flagged, so a
// bad file never stops the agent; what the agent then keeps withdrawn is damaged_state.h); save() replaces it
// atomically (temporary file in the same directory, fsync, rename, fsync of the directory; every step
// checked), creating the directory if needed. A damaged file is kept aside (keepStateFileAside) before the
// first save, so the evidence is not overwritten. Plain file I/O on the calling thread; errors come back as
// values.
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
  uint32_t next_nexthop_id = 0;     // kernel mode: where nexthop-ID allocation goes on (0: none kept)
  std::vector<std::string> errors;  // "FILE:LINE:COL: message"
  bool damaged = false;             // the file exists but could not be read or parsed whole
};

StateLoad loadStateFile(const std::string& path);
// Renames a damaged state file to PATH.bad-UNIX_MS and returns that name.
Result<std::string> keepStateFileAside(const std::string& path, int64_t unix_ms);
Status saveStateFile(const std::string& path, const std::vector<DrainRecord>& drains, uint32_t unclean_starts,
                     uint32_t next_nexthop_id = 0);

}  // namespace anycastd
