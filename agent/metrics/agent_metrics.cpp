#include "agent/metrics/agent_metrics.h"

#include <cerrno>

#include "agent/probes/probe_failure_reason.h"

namespace anycastd {
namespace {

constexpr char kBuildInfo[] = "anycastd_build_info";
constexpr char kVipAnnounced[] = "anycastd_vip_announced";
constexpr char kVipDrained[] = "anycastd_vip_drained";
constexpr char kVipHealthy[] = "anycastd_vip_healthy_servers";
constexpr char kVipServers[] = "anycastd_vip_servers";
constexpr char kVipTransitions[] = "anycastd_vip_transitions_total";
constexpr char kServerUp[] = "anycastd_server_up";
constexpr char kServerTransitions[] = "anycastd_server_transitions_total";
constexpr char kCheckUp[] = "anycastd_check_up";
constexpr char kCheckLastOk[] = "anycastd_check_last_ok";
constexpr char kProbes[] = "anycastd_probes";
constexpr char kProbeDuration[] = "anycastd_probe_duration_seconds";
constexpr char kProbeFailures[] = "anycastd_probe_failures_total";
constexpr char kProbeLocalErrors[] = "anycastd_probe_local_errors_total";
constexpr char kDataplaneErrors[] = "anycastd_dataplane_errors_total";
constexpr char kZebraConnected[] = "anycastd_zebra_connected";
constexpr char kZebraCopies[] = "anycastd_zebra_nexthop_copies";

}  // namespace

AgentMetrics::AgentMetrics(const std::string& version) {
  MetricsRegistry& r = registry_;
  r.addGauge(kBuildInfo, "anycastd build information; always 1.", {"version"});
  r.addGauge(kVipAnnounced, "1 while the VIP's route is announced, else 0.", {"vip", "prefix"});
  r.addGauge(kVipDrained, "1 while the VIP is drained by the operator, else 0.", {"vip"});
  r.addGauge(kVipHealthy, "Servers of the VIP currently up.", {"vip"});
  r.addGauge(kVipServers, "Servers configured for the VIP.", {"vip"});
  r.addCounter(kVipTransitions, "Times the VIP changed between announced and withdrawn.", {"vip"});
  r.addGauge(kServerUp, "1 while the server is up (healthy), else 0.", {"vip", "server"});
  r.addCounter(kServerTransitions, "Times the server changed between up and down.", {"vip", "server"});
  r.addGauge(kCheckUp, "1 while the server's check is up (its own rise/fall state), else 0.",
             {"vip", "server", "check"});
  r.addGauge(kCheckLastOk, "1 if the check's last probe passed, 0 if it failed.", {"vip", "server", "check"});
  r.addGauge(kProbes, "Health-check probes running (one per unique server address and check).", {});
  r.addHistogram(kProbeDuration, "Duration of health-check probes, passed or failed.", {"vip", "server"},
                 {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1});
  r.addCounter(kProbeFailures, "Failed health-check probes by reason.", {"vip", "server", "reason"});
  r.addCounter(kProbeLocalErrors, "Probes that gave no verdict because the agent lacked resources.",
               {"reason"});
  r.addCounter(kDataplaneErrors, "Failed dataplane operations.", {"dataplane", "op"});
  r.addGauge(kZebraConnected, "1 while connected to zebra, else 0.", {});
  r.addGauge(kZebraCopies,
             "Nexthop objects of zebra's with IDs of the agent's range (kernel mode); non-zero: zebra.conf "
             "lacks no zebra nexthop kernel enable.",
             {});
  r.set(kBuildInfo, {version}, 1);
}

void AgentMetrics::onProbe(const std::string& vip, const std::string& server, double seconds, bool ok,
                           const std::string& failure_detail) {
  registry_.observe(kProbeDuration, {vip, server}, seconds < 0 ? 0 : seconds);
  if (!ok) registry_.inc(kProbeFailures, {vip, server, std::string(probeFailureReason(failure_detail))});
}

void AgentMetrics::onProbeLocalError(int err) {
  const char* reason = err == EMFILE    ? "emfile"
                       : err == ENFILE  ? "enfile"
                       : err == ENOBUFS ? "enobufs"
                                        : "enomem";
  registry_.inc(kProbeLocalErrors, {reason});
}

void AgentMetrics::setVip(const std::string& vip, const std::string& prefix, bool announced, bool drained,
                          uint32_t healthy, uint32_t total) {
  if (!registry_.value(kVipAnnounced, {vip, prefix})) registry_.removeMatching(kVipAnnounced, {{"vip", vip}});
  registry_.set(kVipAnnounced, {vip, prefix}, announced ? 1 : 0);
  registry_.set(kVipDrained, {vip}, drained ? 1 : 0);
  registry_.set(kVipHealthy, {vip}, healthy);
  registry_.set(kVipServers, {vip}, total);
  registry_.inc(kVipTransitions, {vip}, 0);
}

void AgentMetrics::onVipTransition(const std::string& vip) {
  registry_.inc(kVipTransitions, {vip});
}

void AgentMetrics::setServer(const std::string& vip, const std::string& server, bool up) {
  registry_.set(kServerUp, {vip, server}, up ? 1 : 0);
  registry_.inc(kServerTransitions, {vip, server}, 0);
}

void AgentMetrics::onServerTransition(const std::string& vip, const std::string& server) {
  registry_.inc(kServerTransitions, {vip, server});
}

void AgentMetrics::clearChecks() {
  registry_.removeMatching(kCheckUp, {});
  registry_.removeMatching(kCheckLastOk, {});
}

void AgentMetrics::setCheck(const std::string& vip, const std::string& server, const std::string& check,
                            bool up, std::optional<bool> last_ok) {
  registry_.set(kCheckUp, {vip, server, check}, up ? 1 : 0);
  if (last_ok) registry_.set(kCheckLastOk, {vip, server, check}, *last_ok ? 1 : 0);
}

void AgentMetrics::setProbes(size_t running) {
  registry_.set(kProbes, {}, static_cast<double>(running));
}

void AgentMetrics::onDataplaneError(const std::string& dataplane, const std::string& op) {
  registry_.inc(kDataplaneErrors, {dataplane, op});
}

void AgentMetrics::setZebraConnected(bool connected) {
  registry_.set(kZebraConnected, {}, connected ? 1 : 0);
}

void AgentMetrics::setZebraNexthopCopies(size_t copies) {
  registry_.set(kZebraCopies, {}, static_cast<double>(copies));
}

void AgentMetrics::removeVip(const std::string& vip) {
  registry_.removeMatching({{"vip", vip}});
}

void AgentMetrics::removeServer(const std::string& vip, const std::string& server) {
  registry_.removeMatching({{"vip", vip}, {"server", server}});
}

}  // namespace anycastd
