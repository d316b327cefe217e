// libFuzzer target: the config loader (agent/config/config_loader.h), protobuf text -> validated AgentConfig.
// Whatever the text, parseConfig() must return either a config and no errors, or errors (each naming a
// place inside the text) and no config; never crash, hang or read out of bounds. Seeds: examples/*.conf
// and tests/fuzz/corpus/config/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/config/config_loader.h"

using namespace anycastd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ConfigResult r = parseConfig(text, "fuzz.conf");
  if (r.config.has_value() == !r.errors.empty()) std::abort();  // exactly one of the two
  int lines = 1;
  for (char c : text) lines += c == '\n';
  for (const ConfigError& e : r.errors) {
    if (e.file != "fuzz.conf" || e.message.empty()) std::abort();
    if (e.line < 0 || e.line > lines || e.column < 0) std::abort();  // a place inside the text, or none
    (void)e.str();
  }
  return 0;
}
