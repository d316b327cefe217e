#include "lib/log.h"

#include <sys/time.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace anycastd {

std::string escapeControlCharacters(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) >= 0x20 && text[i] != 0x7f) ++i;
  if (i == text.size()) return text;  // the usual case: nothing to escape
  std::string out = text.substr(0, i);
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void logLine(LogLevel level, const std::string& raw) {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  const std::string line = escapeControlCharacters(raw);
  if (journal) {
    std::fprintf(stderr, "<%d>%s\n", static_cast<int>(level), line.c_str());
  } else {
    timeval tv;
    gettimeofday(&tv, nullptr);
    tm t;
    localtime_r(&tv.tv_sec, &t);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &t);
    const char* tag = level == LogLevel::kError ? " error:" : level == LogLevel::kWarning ? " warning:" : "";
    std::fprintf(stderr, "%s.%03ld%s %s\n", stamp, static_cast<long>(tv.tv_usec / 1000), tag, line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace anycastd
