// DnsProbe: the dns check. Sends one query (random ID, RD; agent/probes/dns_message.h builds it and judges
// the response) to the server over UDP, or over TCP with the 2-byte length prefix, and is healthy when the
// response code is expect_rcode and, if expect_address is set, an answer holds that address. One
// non-blocking socket per probe in flight; UDP datagrams from elsewhere or with another ID are ignored
// (the socket is connected, so the kernel drops other sources). Event-loop thread; failures through Done
// ("rcode SERVFAIL, expected NOERROR", "no answer 192.0.2.53 (1 answer: 192.0.2.1)", "connection refused").
#pragma once

#include <random>
#include <string>
#include <vector>

#include "agent/probes/dns_message.h"
#include "agent/probes/probe.h"

namespace anycastd {

class DnsProbe : public Probe {
 public:
  DnsProbe(EventLoop& loop, const CheckConfig& check, const ProbeTarget& target);
  ~DnsProbe() override;
  void start(Done done) override;
  std::string expire() override;

 private:
  void onSocket();
  void judge(const std::vector<uint8_t>& message);
  void finish(bool ok, std::string detail, int local_error = 0);
  void close();

  const CheckConfig check_;
  const IpAddress address_;
  FdWatch watch_;
  std::mt19937 rng_;
  Done done_;
  int fd_ = -1;
  bool connected_ = false;  // TCP: the handshake is done
  DnsExpectation expect_;
  std::vector<uint8_t> out_;  // TCP: the query with its length prefix, as far as sent_
  size_t sent_ = 0;
  std::vector<uint8_t> in_;  // TCP: what arrived so far
};

}  // namespace anycastd
