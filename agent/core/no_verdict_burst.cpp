#include "agent/core/no_verdict_burst.h"

#include <cerrno>
#include <cstdio>

namespace anycastd {

std::optional<std::string> NoVerdictBurst::onNoVerdict(TimePoint now, int err, const std::string& detail) {
  last_ = now;
  last_err_ = err;
  if (count_++ > 0) return std::nullopt;
  first_ = now;
  char quiet[32];
  std::snprintf(quiet, sizeof quiet, "%.1f", std::chrono::duration<double>(quiet_).count());
  return "probes: no verdict: the agent could not run a probe (" + detail +
         "); the servers keep their state; further ones are counted until none came for " + quiet + " s";
}

std::optional<std::string> NoVerdictBurst::onQuiet(TimePoint now) {
  if (count_ == 0 || now < quietEnd()) return std::nullopt;
  const uint64_t count = count_;
  count_ = 0;
  if (count == 1) return std::nullopt;
  char over[32];
  std::snprintf(over, sizeof over, "%.1f", std::chrono::duration<double>(last_ - first_).count());
  const char* what = last_err_ == EMFILE || last_err_ == ENFILE ? "the agent was out of file descriptors"
                                                                : "the agent was out of memory or buffers";
  return "probes: " + std::to_string(count) + " gave no verdict over " + over + " s: " + what;
}

}  // namespace anycastd
