// Logging: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line carries a syslog
// priority prefix ("<4>") for journald and no timestamp; on a terminal or file, an ISO-8601 timestamp.
// Single-threaded use (the event loop thread).
#pragma once

#include <string>

namespace anycastd {

enum class LogLevel { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

void logLine(LogLevel level, const std::string& line);
inline void logInfo(const std::string& line) {
  logLine(LogLevel::kInfo, line);
}
inline void logWarning(const std::string& line) {
  logLine(LogLevel::kWarning, line);
}
inline void logError(const std::string& line) {
  logLine(LogLevel::kError, line);
}

}  // namespace anycastd
