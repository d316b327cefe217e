// ConfigFiles: what the config loader asks of the file system about the files a config names, so that a
// config naming a CA file that is not there or a check program that cannot run is refused when it is
// checked (--check-config, start, reload) instead of failing every probe later and withdrawing the VIPs.
// It also looks up the users and groups exec checks run as (the system's user database, through NSS), so a
// name that does not exist is refused at its place too.
// The real one stats the files; unit tests pass their own or none (parseConfig then checks no file).
// Stateless; any thread. Problems come back as a Status whose message completes "ca_file '/x' ...".
#pragma once

#include <string>

#include "agent/config/config.h"
#include "lib/status.h"

namespace anycastd {

class ConfigFiles {
 public:
  virtual ~ConfigFiles() = default;
  // A file the agent reads (an https check's ca_file): it exists, is a regular file and is readable.
  virtual Status readable(const std::string& path) const;
  // A program the agent runs (an exec check's command): a regular file, executable, owned by root and not
  // writable by group or others (whoever may write it chooses what runs at every probe).
  virtual Status program(const std::string& path) const;
  // The user `name`: its uid, its primary group and its supplementary groups (getgrouplist).
  virtual Status user(const std::string& name, ExecIdentity& out) const;
  // The group `name`: its gid.
  virtual Status group(const std::string& name, uint32_t& gid) const;
};

// The file system itself.
const ConfigFiles& realConfigFiles();

}  // namespace anycastd
