#include "agent/control/control_server.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "agent/control/control_framing.h"
#include "lib/log.h"
#include "lib/posix.h"

namespace anycastd {
namespace {

constexpr size_t kReadChunk = 16384;
constexpr int kAcceptsPerWakeup = 16;
constexpr std::chrono::milliseconds kAcceptPause{1000};

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error("control socket " + path + ": " + what + ": " + errnoText(err));
}

std::string userName(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buf(size > 0 ? static_cast<size_t>(size) : 16384, '\0');
  passwd pw;
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
  return "uid " + std::to_string(uid);
}

gid_t groupId(const std::string& path, const std::string& group) {
  long size = sysconf(_SC_GETGR_R_SIZE_MAX);
  std::string buf(size > 0 ? static_cast<size_t>(size) : 16384, '\0');
  struct group gr;
  struct group* found = nullptr;
  int err = getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
  if (err != 0) fail(path, "cannot look up group '" + group + "'", err);
  if (!found) throw std::runtime_error("control socket " + path + ": unknown group '" + group + "'");
  return gr.gr_gid;
}

// mkdir -p with mode 0755 for the directories that are missing.
void makeParentDirs(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string dir = path.substr(0, slash);
  if (Status s = makeDirs(dir); !s.isOk()) fail(path, "cannot create " + s.message, s.error);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) fail(path, "cannot use directory " + dir, errno);
  if (!S_ISDIR(st.st_mode)) fail(path, dir + " is not a directory", ENOTDIR);
}

sockaddr_un socketAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    fail(path, "path must be 1.." + std::to_string(sizeof(addr.sun_path) - 1) + " bytes", ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// Removes a socket file left by a previous run; refuses to touch anything else or a live socket.
void removeStaleSocket(const std::string& path, const sockaddr_un& addr) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    fail(path, "cannot stat", errno);
  }
  if (!S_ISSOCK(st.st_mode)) fail(path, "exists and is not a socket; not removing it", EEXIST);
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) fail(path, "socket", errno);
  bool live =
      ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0 || errno == EAGAIN;
  ::close(probe);
  if (live) fail(path, "another process is listening on it (is anycastd already running?)", EADDRINUSE);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail(path, "cannot remove the stale socket", errno);
}

}  // namespace

// One client connection: its fd, buffers and watches. Closed connections are handed to the server's reaper
// so that they are freed outside their own callbacks.
class ControlServer::Connection {
 public:
  Connection(ControlServer& server, int fd, PeerCredentials creds, uint64_t id)
      : server_(server),
        fd_(fd),
        creds_(std::move(creds)),
        id_(id),
        last_active_(std::chrono::steady_clock::now()),
        read_watch_(server.loop_, [this](bool, bool) { onReadable(); }),
        write_watch_(server.loop_, [this](bool, bool) { onWritable(); }) {}
  ~Connection() { ::close(fd_); }

  void start() { read_watch_.watch(fd_, false, std::chrono::milliseconds(0)); }
  // When the client last sent bytes or took some of its replies (or connected).
  std::chrono::steady_clock::time_point lastActive() const { return last_active_; }
  void shutDown() {
    closed_ = true;
    read_watch_.cancel();
    write_watch_.cancel();
  }

 public:
  std::string who() const {
    return "control connection " + std::to_string(id_) + " (" + creds_.user + ", pid " +
           std::to_string(creds_.pid) + ")";
  }

 private:
  void onReadable() {
    if (closed_) return;
    char buf[kReadChunk];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return start();
      logWarning(who() + ": read failed: " + errnoText(errno));
      return server_.closeConnection(this);
    }
    if (n == 0) {  // the client is done sending; finish the replies it is owed
      close_after_flush_ = true;
      if (out_offset_ == out_.size()) server_.closeConnection(this);
      return;
    }
    last_active_ = std::chrono::steady_clock::now();
    decoder_.feed(buf, static_cast<size_t>(n));
    handleFrames();
    if (!closed_ && !close_after_flush_) start();
  }

  void onWritable() {
    writing_ = false;
    if (!closed_) flush();
  }

  void handleFrames() {
    std::string frame;
    while (!closed_ && !close_after_flush_) {
      FrameDecoder::Result r = decoder_.next(frame);
      if (r == FrameDecoder::Result::kNeedMore) return;
      if (r == FrameDecoder::Result::kError) return reject(decoder_.error());
      control::Request request;
      if (!request.ParseFromString(frame))
        return reject("the " + std::to_string(frame.size()) +
                      " bytes received do not parse as an anycastd.control.Request");
      control::Response response;
      try {
        response = server_.handler_(request, creds_);
      } catch (const std::exception& e) {
        logError(who() + ": request failed: " + e.what());
        response.Clear();
        response.set_ok(false);
        response.set_error(std::string("internal error in anycastd: ") + e.what());
      }
      send(response);
    }
  }

  void reject(const std::string& why) {
    logWarning(who() + ": bad request, closing: " + why);
    control::Response response;
    response.set_ok(false);
    response.set_error("bad request: " + why + "; closing the connection");
    close_after_flush_ = true;
    send(response);
  }

  void send(const control::Response& response) {
    if (out_.size() - out_offset_ >= kMaxPendingOutputBytes) {
      logWarning(who() + ": dropped: more than " + std::to_string(kMaxPendingOutputBytes) +
                 " bytes of replies not read");
      return server_.closeConnection(this);
    }
    appendFrame(out_, response.SerializeAsString());
    flush();
  }

  void flush() {
    const SendResult r = sendNonBlocking(fd_, out_.data() + out_offset_, out_.size() - out_offset_);
    out_offset_ += r.sent;
    if (r.sent > 0) last_active_ = std::chrono::steady_clock::now();
    if (r.wouldBlock()) {
      // Drop what was written, so that a client reading slowly but forever keeps the buffer bounded.
      if (out_offset_ > kReadChunk && out_offset_ * 2 > out_.size()) {
        out_.erase(0, out_offset_);
        out_offset_ = 0;
      }
      if (!writing_) write_watch_.watch(fd_, true, std::chrono::milliseconds(0));
      writing_ = true;
      return;
    }
    if (r.error != 0) {
      if (r.error != EPIPE && r.error != ECONNRESET)
        logWarning(who() + ": write failed: " + errnoText(r.error));
      return server_.closeConnection(this);
    }
    out_.clear();
    out_offset_ = 0;
    if (close_after_flush_) server_.closeConnection(this);
  }

  ControlServer& server_;
  int fd_;
  PeerCredentials creds_;
  uint64_t id_;
  std::chrono::steady_clock::time_point last_active_;
  FdWatch read_watch_;
  FdWatch write_watch_;
  FrameDecoder decoder_;
  std::string out_;  // framed replies; out_[out_offset_..] not yet written
  size_t out_offset_ = 0;
  bool writing_ = false;            // write_watch_ armed
  bool close_after_flush_ = false;  // no more requests: close once out_ is written
  bool closed_ = false;
};

ControlServer::ControlServer(EventLoop& loop, const std::string& path, const std::string& group,
                             Handler handler, std::chrono::milliseconds eviction_grace)
    : loop_(loop),
      path_(path),
      handler_(std::move(handler)),
      eviction_grace_(eviction_grace),
      accept_watch_(loop, [this](bool, bool) { onAcceptable(); }),
      accept_retry_(loop, [this] { accept_watch_.watch(listen_fd_, false, std::chrono::milliseconds(0)); }),
      reaper_(loop, [this] { reap(); }) {
  sockaddr_un addr = socketAddress(path);
  bool set_group = !group.empty();
  gid_t gid = set_group ? groupId(path, group) : static_cast<gid_t>(-1);
  makeParentDirs(path);
  removeStaleSocket(path, addr);

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail(path, "socket", errno);
  bool bound = false;
  // Nobody can connect before listen(), so the owner and mode are right before the first client.
  auto step = [&](bool ok, const char* what) {
    if (ok) return;
    int err = errno;
    ::close(listen_fd_);
    if (bound) ::unlink(path.c_str());
    fail(path, what, err);
  };
  step(::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0, "bind");
  bound = true;
  step(!set_group || ::chown(path.c_str(), static_cast<uid_t>(-1), gid) == 0, "cannot set the group");
  step(::chmod(path.c_str(), 0660) == 0, "cannot set mode 0660");
  struct stat st;
  step(::lstat(path.c_str(), &st) == 0, "stat");
  socket_inode_ = st.st_ino;
  step(::listen(listen_fd_, static_cast<int>(kMaxConnections)) == 0, "listen");
  accept_watch_.watch(listen_fd_, false, std::chrono::milliseconds(0));
}

ControlServer::~ControlServer() {
  accept_watch_.cancel();
  accept_retry_.cancel();
  connections_.clear();
  closed_.clear();
  ::close(listen_fd_);
  struct stat st;
  if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == socket_inode_) ::unlink(path_.c_str());
}

void ControlServer::onAcceptable() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      // Out of fds or memory: the listening socket stays readable, so pause instead of spinning.
      logError("control socket " + path_ + ": accept failed: " + errnoText(err) + "; pausing for " +
               std::to_string(kAcceptPause.count()) + " ms");
      accept_retry_.arm(kAcceptPause);
      return;
    }
    if (connections_.size() < kMaxConnections) {
      at_limit_ = false;
    } else {
      // Make room by closing the connection idle longest: clients that connect and never send (or stop
      // half-way) cannot lock the operator out, and a working client, busy by definition, keeps its place.
      // One idle for less than the grace may not have been read yet: then the new one is refused instead.
      Connection* idlest = nullptr;
      for (const auto& [raw, conn] : connections_)
        if (!idlest || raw->lastActive() < idlest->lastActive()) idlest = raw;
      const bool evict = std::chrono::steady_clock::now() - idlest->lastActive() >= eviction_grace_;
      if (!at_limit_)
        logWarning("control socket " + path_ + ": " + std::to_string(kMaxConnections) +
                   " connections open; closing the one idle longest (if idle for " +
                   std::to_string(eviction_grace_.count()) + " ms, else the new one) for each new one");
      at_limit_ = true;
      if (!evict) {
        ::close(fd);
        continue;
      }
      closeConnection(idlest);
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      logWarning("control socket " + path_ + ": SO_PEERCRED failed: " + errnoText(errno));
      ::close(fd);
      continue;
    }
    PeerCredentials creds{cred.pid, cred.uid, cred.gid, userName(cred.uid)};
    auto conn = std::make_unique<Connection>(*this, fd, std::move(creds), next_id_++);
    Connection* raw = conn.get();
    connections_.emplace(raw, std::move(conn));
    raw->start();
  }
  accept_watch_.watch(listen_fd_, false, std::chrono::milliseconds(0));
}

void ControlServer::closeConnection(Connection* conn) {
  auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  conn->shutDown();
  closed_.push_back(std::move(it->second));
  connections_.erase(it);
  if (!reaper_.armed()) reaper_.arm(std::chrono::milliseconds(0));
}

void ControlServer::reap() {
  closed_.clear();
}

}  // namespace anycastd
