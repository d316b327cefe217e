// Logging: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line carries a syslog
// priority prefix ("<4>") for journald and no timestamp; on a terminal or file, an ISO-8601 timestamp.
// Every line is one entry: control characters in it (a newline or a "<3>" after one in a drain reason, a DNS
// name or another peer's text) are escaped (\n, \t, \xHH), so nothing logged can forge another entry or
// its priority. Single-threaded use (the event loop thread).
#pragma once

#include <string>

namespace anycastd {

enum class LogLevel { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

void logLine(LogLevel level, const std::string& line);
// `text` with control characters (below 0x20, and DEL) written as \n, \r, \t or \xHH.
std::string escapeControlCharacters(const std::string& text);
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
