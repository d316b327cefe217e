#include "lib/log.h"

#include <sys/time.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace anycastd {

void logLine(LogLevel level, const std::string& line) {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
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
