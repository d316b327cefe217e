// Config loading: parses the protobuf text file (proto/config.proto), applies defaults and validates it into
// an immutable AgentConfig. Every problem is reported as a ConfigError naming FILE:LINE:COL (1-based); a file
// with any error yields no config at all, so a caller never runs half of one. Pure apart from reading the
// file and checking the files it names; used at start-up, by reloads and by --check-config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/config/config_files.h"

namespace anycastd {

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no place in the file
  int column = 0;  // 1-based
  std::string message;
  std::string str() const;  // "FILE:LINE:COL: message"
};

struct ConfigResult {
  std::optional<AgentConfig> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
};

// `file` is used only in error messages. With `files`, the files the config names (ca_file, exec commands)
// are checked through it (config_files.h); without, they are not.
ConfigResult parseConfig(const std::string& text, const std::string& file,
                         const ConfigFiles* files = nullptr);
// Reads the file once and parses it, checking the files it names on this machine; `text` (if given)
// receives exactly what was parsed, so a caller that keeps the text (show config) never shows a later
// version of the file than the one in force.
ConfigResult loadConfigFile(const std::string& path, std::string* text = nullptr,
                            const ConfigFiles& files = realConfigFiles());

}  // namespace anycastd
