// Probe: one kind of health check (TCP, HTTP(S), DNS, ICMP echo, exec) run once per start() against one
// server, on the agent's event loop. The Prober (agent/probes/prober.h) owns a Probe, starts it every
// interval and enforces the deadline by calling expire(); a probe never blocks and never times itself out.
// Event-loop thread only. A probe reports exactly one result per start() through the Done callback (pass/fail
// and a detail saying why), unless expire() or destruction comes first; it must not touch itself after
// calling Done, whose receiver may start the next probe. A probe the agent could not run for lack of its own
// resources (isLocalResourceError: socket(), pipe2() or fork() failing with EMFILE, ENFILE, ENOBUFS or
// ENOMEM) reports that errno as `local_error`: no verdict on the server.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>

#include "agent/config/config.h"
#include "lib/event_loop.h"
#include "lib/ip_address.h"
#include "lib/posix.h"
#include "lib/status.h"

namespace anycastd {

class ExecRunner;

// What a probe knows about where it runs, besides its CheckConfig.
struct ProbeTarget {
  IpAddress address;                  // the server
  std::string server_name;            // exec: ANYCASTD_SERVER_NAME
  std::string vip;                    // the VIP's prefix (exec: ANYCASTD_VIP)
  std::string vip_name;               // exec: ANYCASTD_VIP_NAME
  ExecRunner* exec_runner = nullptr;  // exec: the agent's shared runner (bounded concurrency)
};

class Probe {
 public:
  using Done = std::function<void(bool ok, std::string detail, int local_error)>;
  virtual ~Probe() = default;
  // Starts one probe. Done may be called before start() returns (e.g. a refused connect).
  virtual void start(Done done) = 0;
  // The deadline passed: abandon the probe in flight (no Done) and return the failure detail, e.g.
  // "timeout after 500 ms connecting".
  virtual std::string expire() = 0;
};

// The probe for check.kind. Never null.
std::unique_ptr<Probe> makeProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target);

// Helpers shared by the probes.
// The socket address of `address` and `port`; returns its length.
socklen_t toSockaddr(const IpAddress& address, uint16_t port, sockaddr_storage* out);
// True for the errno values that mean the agent itself lacks resources (EMFILE, ENFILE, ENOBUFS, ENOMEM).
bool isLocalResourceError(int err);
// Applies the check's vrf or interface (SO_BINDTODEVICE) and source address (bind) to a new probe socket,
// before it connects. Returns ok or the failure (errno and the detail "vrf red: no such device", which fails
// the probe).
Status bindProbeSocket(int fd, const CheckConfig& check);

}  // namespace anycastd
