#include "agent/config/config_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace anycastd {
namespace {

Status statRegular(const std::string& path, struct stat& st) {
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return Status::fail(err,
                        err == ENOENT ? "does not exist" : std::string("cannot be read: ") + strerror(err));
  }
  if (!S_ISREG(st.st_mode)) return Status::fail(EINVAL, "is not a regular file");
  return Status::ok();
}

}  // namespace

Status ConfigFiles::readable(const std::string& path) const {
  struct stat st;
  if (Status s = statRegular(path, st); !s.isOk()) return s;
  if (access(path.c_str(), R_OK) != 0)
    return Status::fail(errno, std::string("cannot be read: ") + strerror(errno));
  return Status::ok();
}

Status ConfigFiles::program(const std::string& path) const {
  struct stat st;
  if (Status s = statRegular(path, st); !s.isOk()) return s;
  if ((st.st_mode & S_IXUSR) == 0 || access(path.c_str(), X_OK) != 0)
    return Status::fail(EACCES, "is not executable (chmod 0755)");
  if (st.st_uid != 0) return Status::fail(EPERM, "is not owned by root (chown root:root)");
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return Status::fail(EPERM,
                        "is writable by group or others, who could make anycastd run anything (chmod go-w)");
  return Status::ok();
}

const ConfigFiles& realConfigFiles() {
  static const ConfigFiles files;
  return files;
}

}  // namespace anycastd
