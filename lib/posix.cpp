#include "lib/posix.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cctype>
#include <cstring>

namespace anycastd {

std::string errnoText(int err) {
  return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")";
}

std::string errnoReason(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Status makeDirs(const std::string& dir, mode_t mode) {
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    const std::string prefix = dir.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) return Status::fail(errno, prefix);
  }
  return Status::ok();
}

bool SendResult::wouldBlock() const {
  return error == EAGAIN || error == EWOULDBLOCK;
}

SendResult sendNonBlocking(int fd, const void* data, size_t len) {
  SendResult r;
  const auto* p = static_cast<const char*>(data);
  while (r.sent < len) {
    const ssize_t n = ::send(fd, p + r.sent, len - r.sent, MSG_NOSIGNAL);
    if (n > 0) {
      r.sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    r.error = n < 0 ? errno : EIO;
    break;
  }
  return r;
}

}  // namespace anycastd
