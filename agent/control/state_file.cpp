#include "agent/control/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "agent/config/proto_error_collector.h"
#include "lib/posix.h"
#include "proto/state.pb.h"

namespace anycastd {

StateLoad loadStateFile(const std::string& path) {
  StateLoad out;
  std::ifstream in(path);
  if (!in) {
    if (errno != ENOENT) out.errors.push_back(path + ": cannot read: " + std::strerror(errno));
    return out;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  state::State st;
  google::protobuf::TextFormat::Parser parser;
  std::vector<ConfigError> parse_errors;
  ProtoErrorCollector collector(path, parse_errors);
  parser.RecordErrorsTo(&collector);
  const bool parsed = parser.ParseFromString(buf.str(), &st);
  for (const ConfigError& e : parse_errors) out.errors.push_back(e.str());
  if (!parsed) {
    if (out.errors.empty()) out.errors.push_back(path + ": cannot parse the state file");
    return out;
  }
  out.unclean_starts = st.unclean_starts();
  for (const auto& d : st.drain()) {
    if (d.vip().empty()) {
      out.errors.push_back(path + ": a drain without a vip name was ignored");
      continue;
    }
    out.drains.push_back(
        {d.vip(), d.server(), {d.drain().by(), d.drain().since_unix_ms(), d.drain().reason()}});
  }
  return out;
}

Status saveStateFile(const std::string& path, const std::vector<DrainRecord>& drains,
                     uint32_t unclean_starts) {
  state::State st;
  st.set_unclean_starts(unclean_starts);
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
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::fail(err, "rename " + tmp + ": " + std::strerror(err));
  }
  return Status::ok();
}

}  // namespace anycastd
