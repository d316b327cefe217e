// SystemdNotifier: see systemd_notify.h. The wire format is sd_notify(3)'s: newline-separated KEY=VALUE
// assignments in one datagram to $NOTIFY_SOCKET.
#include "agent/systemd_notify.h"

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "lib/log.h"

namespace anycastd {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A positive decimal number of microseconds, or 0 when the text is not one.
long long parseUsec(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18) return 0;
  return std::atoll(text.c_str());
}

// STATUS= is one line: a newline would start another assignment.
std::string oneLine(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

SystemdNotifier::SystemdNotifier(EventLoop& loop) : watchdog_(loop, [this] { ping(); }) {
  const std::string address = env("NOTIFY_SOCKET");
  if (address.empty() || !openSocket(address)) return;

  const long long usec = parseUsec(env("WATCHDOG_USEC"));
  const std::string pid = env("WATCHDOG_PID");
  if (usec <= 0) return;
  if (!pid.empty() && pid != std::to_string(::getpid())) return;  // meant for another process
  ping_interval_ = std::chrono::microseconds(usec / 2);
  logInfo("systemd watchdog: " + std::to_string(usec / 1000) + " ms, pinging every " +
          std::to_string(usec / 2000) + " ms");
  armWatchdog();
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool SystemdNotifier::openSocket(const std::string& address) {
  if ((address[0] != '/' && address[0] != '@') || address.size() < 2 ||
      address.size() >= sizeof(addr_.sun_path)) {
    logWarning("NOTIFY_SOCKET '" + address + "' is not a unix socket path or @abstract name: not notifying");
    return false;
  }
  addr_.sun_family = AF_UNIX;
  std::memcpy(addr_.sun_path, address.data(), address.size());
  if (address[0] == '@') addr_.sun_path[0] = '\0';  // abstract: no terminating NUL counts
  addr_len_ =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (address[0] == '/' ? 1 : 0));
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    logWarning(std::string("cannot create the systemd notification socket: ") + std::strerror(errno));
    return false;
  }
  return true;
}

void SystemdNotifier::send(const std::string& message) {
  if (fd_ < 0) return;
  ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr_),
                       addr_len_);
  if (n == static_cast<ssize_t>(message.size())) {
    send_failed_ = false;
    return;
  }
  if (!send_failed_)
    logWarning(std::string("cannot notify systemd: ") + (n < 0 ? std::strerror(errno) : "short send"));
  send_failed_ = true;
}

void SystemdNotifier::armWatchdog() {
  auto every = std::chrono::duration_cast<std::chrono::milliseconds>(ping_interval_);
  watchdog_.arm(every.count() > 0 ? every : std::chrono::milliseconds(1));
}

void SystemdNotifier::ping() {
  send("WATCHDOG=1");
  armWatchdog();
}

void SystemdNotifier::ready(const std::string& status) {
  send("READY=1\nSTATUS=" + oneLine(status));
}

void SystemdNotifier::extendTimeout(std::chrono::microseconds t) {
  send("EXTEND_TIMEOUT_USEC=" + std::to_string(t.count()));
}

void SystemdNotifier::status(const std::string& text) {
  send("STATUS=" + oneLine(text));
}

void SystemdNotifier::stopping() {
  send("STOPPING=1");
}

void SystemdNotifier::reloading() {
  // systemd >= 253 (Type=notify-reload) wants the CLOCK_MONOTONIC time of the reload request with it.
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::readyAgain() {
  send("READY=1");
}

}  // namespace anycastd
