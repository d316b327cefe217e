#include "agent/config/config_files.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

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

Status ConfigFiles::user(const std::string& name, ExecIdentity& out) const {
  struct passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  const int rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) return Status::fail(rc, std::string("cannot be looked up: ") + strerror(rc));
  if (!found) return Status::fail(ENOENT, "does not exist");
  out.uid = pw.pw_uid;
  out.gid = pw.pw_gid;
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  while (getgrouplist(name.c_str(), pw.pw_gid, groups.data(), &n) < 0) groups.resize(static_cast<size_t>(n));
  out.groups.assign(groups.begin(), groups.begin() + n);
  return Status::ok();
}

Status ConfigFiles::group(const std::string& name, uint32_t& gid) const {
  struct group gr, *found = nullptr;
  std::vector<char> buf(65536);
  const int rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
  if (rc != 0) return Status::fail(rc, std::string("cannot be looked up: ") + strerror(rc));
  if (!found) return Status::fail(ENOENT, "does not exist");
  gid = gr.gr_gid;
  return Status::ok();
}

const ConfigFiles& realConfigFiles() {
  static const ConfigFiles files;
  return files;
}

}  // namespace anycastd
