// AgentMetrics: the Prometheus metric families anycastd exports, over a MetricsRegistry it owns. The agent
// calls the on*/set* methods as things happen and the metrics server serves render(). Family and label
// names are a contract (dashboards and alerts depend on them):
//
//   anycastd_build_info{version}                         gauge, always 1
//   anycastd_vip_announced{vip,prefix}                   gauge: 1 while the VIP's route is announced, else 0
//   anycastd_vip_drained{vip}                            gauge: 1 while the VIP is drained by the operator
//   anycastd_vip_healthy_servers{vip}                    gauge: servers currently up
//   anycastd_vip_servers{vip}                            gauge: servers configured
//   anycastd_vip_transitions_total{vip}                  counter: announce <-> withdraw changes
//   anycastd_server_up{vip,server}                       gauge: 1 while the server is up (healthy), else 0
//   anycastd_server_transitions_total{vip,server}        counter: up <-> down changes
//   anycastd_check_up{vip,server,check}                  gauge: 1 while that check of the server is up;
//                                                        check as `anycastctl show` labels it ("tcp:80")
//   anycastd_check_last_ok{vip,server,check}             gauge: 1 if the check's last probe passed, 0 if it
//                                                        failed (absent before the first probe)
//   anycastd_probes                                      gauge: health-check probes running, one per unique
//                                                        (server address, check); exec checks per VIP
//   anycastd_probe_duration_seconds{vip,server}          histogram of every probe's duration, passed or
//                                                        failed (buckets 0.0005 .. 1 s, then +Inf)
//   anycastd_probe_failures_total{vip,server,reason}     counter: failed probes by reason, one of "refused",
//                                                        "timeout", "unreachable", "reset", "bad_status",
//                                                        "protocol", "other" (probe_failure_reason.h)
//   anycastd_probe_local_errors_total{reason}           counter: probes that gave no verdict because the
//   agent
//                                                        itself lacked resources, reason one of "emfile",
//                                                        "enfile", "enobufs", "enomem" (not in the two above)
//   anycastd_dataplane_errors_total{dataplane,op}        counter: failed dataplane operations; dataplane
//                                                        "kernel" or "zebra", op e.g. "add", "replace",
//                                                        "remove", "read", "connect", "session"
//   anycastd_zebra_connected                             gauge: 1 while connected to zebra (zebra mode only;
//                                                        absent until setZebraConnected() is first called)
//   anycastd_zebra_nexthop_copies                        gauge: nexthop objects of zebra's with IDs of the
//                                                        agent's range (kernel mode only; non-zero:
//                                                        zebra.conf lacks `no zebra nexthop kernel enable`)
//
// Series appear on first use; the transition counters of a VIP or server start at 0 with setVip/setServer
// so that rate() sees the first change. removeVip()/removeServer() drop every series of a VIP or server
// (after a reload removed it). Single-threaded (event-loop thread); never throws after construction.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "agent/metrics/metrics_registry.h"

namespace anycastd {

class AgentMetrics {
 public:
  explicit AgentMetrics(const std::string& version);

  // One finished probe. `seconds` is its duration; `failure_detail` (ProbeResult::detail) is read only when
  // !ok and is mapped to a reason label.
  void onProbe(const std::string& vip, const std::string& server, double seconds, bool ok,
               const std::string& failure_detail);
  // A probe the agent could not run for lack of its own resources (`err`: EMFILE, ENFILE, ENOBUFS, ENOMEM).
  void onProbeLocalError(int err);
  // The VIP's current state; `prefix` as IpPrefix::str(). A changed prefix replaces the old series.
  void setVip(const std::string& vip, const std::string& prefix, bool announced, bool drained,
              uint32_t healthy, uint32_t total);
  void onVipTransition(const std::string& vip);  // announced <-> withdrawn
  void setServer(const std::string& vip, const std::string& server, bool up);
  void onServerTransition(const std::string& vip, const std::string& server);  // up <-> down
  // The check series are set afresh on every scrape: clearChecks() drops them all, setCheck() adds one.
  void clearChecks();
  void setCheck(const std::string& vip, const std::string& server, const std::string& check, bool up,
                std::optional<bool> last_ok);
  void setProbes(size_t running);
  void onDataplaneError(const std::string& dataplane, const std::string& op);
  void setZebraConnected(bool connected);
  void setZebraNexthopCopies(size_t copies);
  void removeVip(const std::string& vip);                                // every series labelled vip=...
  void removeServer(const std::string& vip, const std::string& server);  // every series of that server

  std::string render() const { return registry_.render(); }
  const MetricsRegistry& registry() const { return registry_; }

 private:
  MetricsRegistry registry_;
};

}  // namespace anycastd
