#include "agent/control/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "agent/config/proto_error_collector.h"
#include "lib/posix.h"
#include "proto/state.pb.h"

namespace anycastd {

StateLoad loadStateFile(const std::string& path) {
  StateLoad out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) {
      out.errors.push_back(path + ": cannot read: " + std::strerror(errno));
      out.damaged = true;
    }
    return out;
  }
  std::string text;
  struct stat st_file;
  int read_errno = 0;
  if (::fstat(fd, &st_file) != 0) {
    read_errno = errno;
  } else if (!S_ISREG(st_file.st_mode)) {
    read_errno = EISDIR;
  } else {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) read_errno = errno;
      if (n <= 0) break;
      text.append(chunk, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (read_errno != 0) {
    out.errors.push_back(
        path + ": cannot read: " +
        (read_errno == EISDIR ? std::string("not a regular file") : std::strerror(read_errno)));
    out.damaged = true;
    return out;
  }
  state::State st;
  google::protobuf::TextFormat::Parser parser;
  std::vector<ConfigError> parse_errors;
  ProtoErrorCollector collector(path, parse_errors);
  parser.RecordErrorsTo(&collector);
  const bool parsed = parser.ParseFromString(text, &st);
  for (const ConfigError& e : parse_errors) out.errors.push_back(e.str());
  if (!parsed) {
    if (out.errors.empty()) out.errors.push_back(path + ": cannot parse the state file");
    out.damaged = true;
    return out;
  }
  out.unclean_starts = st.unclean_starts();
  out.next_nexthop_id = st.next_nexthop_id();
  for (const auto& d : st.drain()) {
    if (d.vip().empty()) {
      out.errors.push_back(path + ": a drain without a vip name was ignored");
      out.damaged = true;
      continue;
    }
    out.drains.push_back(
        {d.vip(), d.server(), {d.drain().by(), d.drain().since_unix_ms(), d.drain().reason()}});
  }
  return out;
}

Status saveStateFile(const std::string& path, const std::vector<DrainRecord>& drains, uint32_t unclean_starts,
                     uint32_t next_nexthop_id) {
  state::State st;
  st.set_unclean_starts(unclean_starts);
  st.set_next_nexthop_id(next_nexthop_id);
  for (const DrainRecord& r : drains) {
    auto* d = st.add_drain();
    d->set_vip(r.vip);
    d->set_server(r.server);
    d->mutable_drain()->set_by(r.drain.by);
    d->mutable_drain()->set_since_unix_ms(r.drain.since_unix_ms);
    d->mutable_drain()->set_reason(r.drain.reason);
  }
  std::string text = "# anycastd state (proto/state.proto); written by anycastd, changed with anycastctl\n";
  std::string body;
  google::protobuf::TextFormat::PrintToString(st, &body);
  text += body;
  if (Status s = makeDirs(path.substr(0, path.rfind('/'))); !s.isOk())
    return Status::fail(s.error, "mkdir " + s.message + ": " + std::strerror(s.error));
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::fail(errno, "open " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::fail(err, "write " + tmp + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  // The data must be on disk before the rename makes it the state, and the rename before we say it is saved.
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::fail(err, "fsync " + tmp + ": " + std::strerror(err));
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::fail(err, "close " + tmp + ": " + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::fail(err, "rename " + tmp + ": " + std::strerror(err));
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::fail(errno, "open " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return Status::fail(err, "fsync " + dir + ": " + std::strerror(err));
  return Status::ok();
}

Result<std::string> keepStateFileAside(const std::string& path, int64_t unix_ms) {
  const std::string aside = path + ".bad-" + std::to_string(unix_ms);
  if (::rename(path.c_str(), aside.c_str()) != 0)
    return Unexpected(Status::fail(errno, "rename " + path + " to " + aside + ": " + std::strerror(errno)));
  return aside;
}

}  // namespace anycastd
