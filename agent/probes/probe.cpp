#include "agent/probes/probe.h"

#include <netinet/in.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "agent/probes/dns_probe.h"
#include "agent/probes/exec_probe.h"
#include "agent/probes/icmp_probe.h"
#include "agent/probes/stream_probe.h"

namespace anycastd {

std::unique_ptr<Probe> makeProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target) {
  switch (check.kind) {
    case CheckKind::kDns: return std::make_unique<DnsProbe>(loop, check, target);
    case CheckKind::kIcmp: return std::make_unique<IcmpProbe>(loop, check, target);
    case CheckKind::kExec: return std::make_unique<ExecProbe>(check, target);
    case CheckKind::kTcp:
    case CheckKind::kHttp:
    case CheckKind::kHttps: break;
  }
  return std::make_unique<StreamProbe>(loop, check, target);
}

socklen_t toSockaddr(const IpAddress& address, uint16_t port, sockaddr_storage* out) {
  *out = {};
  if (address.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, address.bytes(), 4);
    return sizeof *sin;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, address.bytes(), 16);
  return sizeof *sin6;
}

Status bindProbeSocket(int fd, const CheckConfig& check) {
  const bool vrf = !check.vrf.empty();
  const std::string& device = vrf ? check.vrf : check.interface;
  if (!device.empty() &&
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.data(), static_cast<socklen_t>(device.size())) < 0)
    return Status::fail(errno, (vrf ? "vrf " : "interface ") + device + ": " + errnoReason(errno));
  if (check.source) {
    sockaddr_storage ss;
    const socklen_t len = toSockaddr(*check.source, 0, &ss);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) < 0)
      return Status::fail(errno, "source " + check.source->str() + ": " + errnoReason(errno));
  }
  return Status::ok();
}

bool isLocalResourceError(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace anycastd
