// SystemdNotifier: the sd_notify(3) protocol without libsystemd, for a Type=notify unit with a watchdog.
//
// At construction it reads NOTIFY_SOCKET (a path, or "@name" for an abstract socket), WATCHDOG_USEC and
// WATCHDOG_PID from the environment. Without NOTIFY_SOCKET (not started by systemd, or no Type=notify) every
// call is a no-op. Messages are single AF_UNIX datagrams to that socket:
//   ready(status)   READY=1\nSTATUS=<status>       once the service does its job (first health verdicts)
//   status(text)    STATUS=<text>                  shown by `systemctl status`
//   stopping()      STOPPING=1                     on SIGTERM, before the VIPs are withdrawn
//   reloading()     RELOADING=1\nMONOTONIC_USEC=N  on SIGHUP, before the config is re-read
//   readyAgain()    READY=1                        once the reload is applied (or refused)
//   extendTimeout(t) EXTEND_TIMEOUT_USEC=<t>       while starting: the first verdicts may take this long
// When WATCHDOG_USEC is set (and WATCHDOG_PID is unset or this process) it sends WATCHDOG=1 itself from a
// Timer on the event loop every half interval (the first half an interval after construction), so a loop that
// hangs stops the pings and systemd restarts the service.
//
// Single-threaded: the event loop's thread. Errors (a bad NOTIFY_SOCKET, a failed send) are logged, never
// thrown: systemd is a courtesy, not a requirement for routing.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <string>

#include "lib/event_loop.h"

namespace anycastd {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(EventLoop& loop);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  void ready(const std::string& status);
  void status(const std::string& text);
  void stopping();
  void reloading();
  void readyAgain();
  // Asks systemd to wait at least `t` more for READY (or STOPPING) than now (EXTEND_TIMEOUT_USEC).
  void extendTimeout(std::chrono::microseconds t);

  bool enabled() const { return fd_ >= 0; }
  // Time between two WATCHDOG=1 pings (half of WATCHDOG_USEC); zero when the watchdog is off.
  std::chrono::microseconds watchdogPingInterval() const { return ping_interval_; }

 private:
  bool openSocket(const std::string& address);
  void send(const std::string& message);
  void armWatchdog();
  void ping();

  int fd_ = -1;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
  bool send_failed_ = false;  // logged once; later failures are silent until a send succeeds
  std::chrono::microseconds ping_interval_{0};
  Timer watchdog_;
};

}  // namespace anycastd
