// IcmpProbe: the icmp check. Sends one ICMP (IPv4) or ICMPv6 echo request to the server and is healthy when
// the matching echo reply (identifier, sequence number and a random payload token; agent/probes/icmp_echo.h)
// arrives before the deadline. Uses an unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6) when
// net.ipv4.ping_group_range admits the daemon's group, else a raw socket (anycastd runs with CAP_NET_RAW),
// filtered to echo replies from the server. One socket per probe in flight; no helper process.
// Event-loop thread; failures through Done ("no echo reply within 500 ms", "sendto: network is unreachable").
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "agent/probes/probe.h"

namespace anycastd {

class IcmpProbe : public Probe {
 public:
  IcmpProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target);
  ~IcmpProbe() override;
  void start(Done done) override;
  std::string expire() override;

 private:
  Result<int> openSocket();
  void onSocket();
  void finish(bool ok, std::string detail, int local_error = 0);
  void close();

  const CheckConfig check_;
  const IpAddress address_;
  FdWatch watch_;
  std::mt19937 rng_;
  Done done_;
  int fd_ = -1;
  bool raw_ = false;  // the socket of the probe in flight is raw (else a ping socket)
  uint16_t id_;
  uint16_t sequence_ = 0;
  std::vector<uint8_t> token_;
};

}  // namespace anycastd
