#include "agent/ctl/ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "agent/control/control_framing.h"
#include "lib/posix.h"

namespace anycastd::ctl {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string socketGroup(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  struct group* gr = ::getgrgid(st.st_gid);
  return gr ? gr->gr_name : "gid " + std::to_string(st.st_gid);
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the read or write report the error
  }
}

}  // namespace

std::string connectErrorMessage(const std::string& socket_path, int err) {
  std::string out = "cannot connect to " + socket_path + ": " + std::strerror(err);
  if (err == EACCES || err == EPERM) {
    std::string group = socketGroup(socket_path);
    return out + " (the control socket is open to root and to members of its group" +
           (group.empty() ? std::string() : " '" + group + "'") +
           "; use sudo or ask to be added to the group)";
  }
  if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR)
    return out + " (is anycastd running? use --socket PATH)";
  return out;
}

std::optional<control::Response> callDaemon(const std::string& socket_path, const control::Request& request,
                                            std::chrono::milliseconds timeout, std::string& error) {
  Clock::time_point deadline = Clock::now() + timeout;
  std::string timeout_text = "no reply from anycastd on " + socket_path + " within " +
                             std::to_string(timeout.count()) + " ms (is it stuck? raise --timeout MS)";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    error = "cannot connect to " + socket_path + ": the path must be 1.." +
            std::to_string(sizeof(addr.sun_path) - 1) + " bytes (use --socket PATH)";
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    error = std::string("cannot create a socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  // A unix connect() blocks only while the daemon's backlog is full, for at most SO_SNDTIMEO.
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    error =
        (errno == EAGAIN || errno == EINPROGRESS) ? timeout_text : connectErrorMessage(socket_path, errno);
    return std::nullopt;
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);

  std::string out = encodeFrame(request.SerializeAsString());
  for (size_t off = 0; off < out.size();) {
    const SendResult sent = sendNonBlocking(fd.get(), out.data() + off, out.size() - off);
    off += sent.sent;
    if (sent.error == 0) break;
    if (!sent.wouldBlock()) {
      error = "lost the connection to anycastd on " + socket_path +
              " while sending: " + std::strerror(sent.error);
      return std::nullopt;
    }
    if (!waitFor(fd.get(), POLLOUT, deadline)) {
      error = timeout_text;
      return std::nullopt;
    }
  }

  FrameDecoder decoder(kMaxReplyBytes);
  std::string frame;
  for (;;) {
    FrameDecoder::Result r = decoder.next(frame);
    if (r == FrameDecoder::Result::kError) {
      error = "malformed reply from anycastd on " + socket_path + ": " + decoder.error();
      return std::nullopt;
    }
    if (r == FrameDecoder::Result::kFrame) break;
    if (!waitFor(fd.get(), POLLIN, deadline)) {
      error = timeout_text;
      return std::nullopt;
    }
    char buf[65536];
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      decoder.feed(buf, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      continue;
    } else {
      error = "anycastd on " + socket_path + " closed the connection without a reply" +
              (n < 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string()) +
              "; see its log (journalctl -u anycastd)";
      return std::nullopt;
    }
  }
  control::Response response;
  if (!response.ParseFromString(frame)) {
    error = "malformed reply from anycastd on " + socket_path + ": " + std::to_string(frame.size()) +
            " bytes that do not parse as an anycastd.control.Response (anycastctl and anycastd of different "
            "versions?)";
    return std::nullopt;
  }
  return response;
}

}  // namespace anycastd::ctl
