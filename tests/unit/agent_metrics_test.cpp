// AgentMetrics: the exported families byte for byte after a sequence of agent events, probe failures
// labelled by reason, a changed VIP prefix replacing its series, and VIP/server removal after a reload.
#include "agent/metrics/agent_metrics.h"

#include <CppUTest/TestHarness.h>

#include <cerrno>
#include <string>

using namespace anycastd;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_GROUP(AgentMetrics){};

TEST(AgentMetrics, FreshAgentExportsOnlyBuildInfo) {
  AgentMetrics m("0.1.0");
  STRCMP_EQUAL(
      "# HELP anycastd_build_info anycastd build information; always 1.\n"
      "# TYPE anycastd_build_info gauge\n"
      "anycastd_build_info{version=\"0.1.0\"} 1\n",
      m.render().c_str());
}

TEST(AgentMetrics, FullExposition) {
  AgentMetrics m("1.2.3");
  m.setVip("web", "203.0.113.10/32", true, false, 1, 2);
  m.onVipTransition("web");
  m.setServer("web", "s1", true);
  m.setServer("web", "s2", false);
  m.onServerTransition("web", "s1");
  m.onProbe("web", "s1", 0.0004, true, "connected");
  m.onProbe("web", "s2", 0.5, false, "timeout after 500 ms connecting");
  m.onProbe("web", "s2", 0.002, false, "connection refused");
  m.onDataplaneError("kernel", "replace");
  m.setZebraConnected(true);
  STRCMP_EQUAL(
      "# HELP anycastd_build_info anycastd build information; always 1.\n"
      "# TYPE anycastd_build_info gauge\n"
      "anycastd_build_info{version=\"1.2.3\"} 1\n"
      "# HELP anycastd_dataplane_errors_total Failed dataplane operations.\n"
      "# TYPE anycastd_dataplane_errors_total counter\n"
      "anycastd_dataplane_errors_total{dataplane=\"kernel\",op=\"replace\"} 1\n"
      "# HELP anycastd_probe_duration_seconds Duration of health-check probes, passed or failed.\n"
      "# TYPE anycastd_probe_duration_seconds histogram\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.0005\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.001\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.0025\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.005\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.01\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.025\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.05\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.1\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.25\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"0.5\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"1\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s1\",le=\"+Inf\"} 1\n"
      "anycastd_probe_duration_seconds_sum{vip=\"web\",server=\"s1\"} 0.0004\n"
      "anycastd_probe_duration_seconds_count{vip=\"web\",server=\"s1\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.0005\"} 0\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.001\"} 0\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.0025\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.005\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.01\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.025\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.05\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.1\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.25\"} 1\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"0.5\"} 2\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"1\"} 2\n"
      "anycastd_probe_duration_seconds_bucket{vip=\"web\",server=\"s2\",le=\"+Inf\"} 2\n"
      "anycastd_probe_duration_seconds_sum{vip=\"web\",server=\"s2\"} 0.502\n"
      "anycastd_probe_duration_seconds_count{vip=\"web\",server=\"s2\"} 2\n"
      "# HELP anycastd_probe_failures_total Failed health-check probes by reason.\n"
      "# TYPE anycastd_probe_failures_total counter\n"
      "anycastd_probe_failures_total{vip=\"web\",server=\"s2\",reason=\"refused\"} 1\n"
      "anycastd_probe_failures_total{vip=\"web\",server=\"s2\",reason=\"timeout\"} 1\n"
      "# HELP anycastd_server_transitions_total Times the server changed between up and down.\n"
      "# TYPE anycastd_server_transitions_total counter\n"
      "anycastd_server_transitions_total{vip=\"web\",server=\"s1\"} 1\n"
      "anycastd_server_transitions_total{vip=\"web\",server=\"s2\"} 0\n"
      "# HELP anycastd_server_up 1 while the server is up (healthy), else 0.\n"
      "# TYPE anycastd_server_up gauge\n"
      "anycastd_server_up{vip=\"web\",server=\"s1\"} 1\n"
      "anycastd_server_up{vip=\"web\",server=\"s2\"} 0\n"
      "# HELP anycastd_vip_announced 1 while the VIP's route is announced, else 0.\n"
      "# TYPE anycastd_vip_announced gauge\n"
      "anycastd_vip_announced{vip=\"web\",prefix=\"203.0.113.10/32\"} 1\n"
      "# HELP anycastd_vip_drained 1 while the VIP is drained by the operator, else 0.\n"
      "# TYPE anycastd_vip_drained gauge\n"
      "anycastd_vip_drained{vip=\"web\"} 0\n"
      "# HELP anycastd_vip_healthy_servers Servers of the VIP currently up.\n"
      "# TYPE anycastd_vip_healthy_servers gauge\n"
      "anycastd_vip_healthy_servers{vip=\"web\"} 1\n"
      "# HELP anycastd_vip_servers Servers configured for the VIP.\n"
      "# TYPE anycastd_vip_servers gauge\n"
      "anycastd_vip_servers{vip=\"web\"} 2\n"
      "# HELP anycastd_vip_transitions_total Times the VIP changed between announced and withdrawn.\n"
      "# TYPE anycastd_vip_transitions_total counter\n"
      "anycastd_vip_transitions_total{vip=\"web\"} 1\n"
      "# HELP anycastd_zebra_connected 1 while connected to zebra, else 0.\n"
      "# TYPE anycastd_zebra_connected gauge\n"
      "anycastd_zebra_connected 1\n",
      m.render().c_str());
}

TEST(AgentMetrics, ProbeFailuresCountedByReason) {
  AgentMetrics m("x");
  m.onProbe("v", "s", 0.001, false, "status 503, expected 200");
  m.onProbe("v", "s", 0.001, false, "status 500, expected 200");
  m.onProbe("v", "s", 0.001, false, "recv: connection reset by peer");
  m.onProbe("v", "s", 0.001, false, "something new");
  m.onProbe("v", "s", 0.001, true, "status 200");
  const MetricsRegistry& r = m.registry();
  DOUBLES_EQUAL(2, r.value("anycastd_probe_failures_total", {"v", "s", "bad_status"}).value_or(-1), 0);
  DOUBLES_EQUAL(1, r.value("anycastd_probe_failures_total", {"v", "s", "reset"}).value_or(-1), 0);
  DOUBLES_EQUAL(1, r.value("anycastd_probe_failures_total", {"v", "s", "other"}).value_or(-1), 0);
  LONGS_EQUAL(3, r.seriesCount("anycastd_probe_failures_total"));
  DOUBLES_EQUAL(5, r.value("anycastd_probe_duration_seconds", {"v", "s"}).value_or(-1), 0);  // observations
}

TEST(AgentMetrics, LocalErrorsCountedByReasonNotAsFailures) {
  AgentMetrics m("x");
  m.onProbeLocalError(EMFILE);
  m.onProbeLocalError(EMFILE);
  m.onProbeLocalError(ENFILE);
  m.onProbeLocalError(ENOBUFS);
  m.onProbeLocalError(ENOMEM);
  const MetricsRegistry& r = m.registry();
  DOUBLES_EQUAL(2, r.value("anycastd_probe_local_errors_total", {"emfile"}).value_or(-1), 0);
  DOUBLES_EQUAL(1, r.value("anycastd_probe_local_errors_total", {"enfile"}).value_or(-1), 0);
  DOUBLES_EQUAL(1, r.value("anycastd_probe_local_errors_total", {"enobufs"}).value_or(-1), 0);
  DOUBLES_EQUAL(1, r.value("anycastd_probe_local_errors_total", {"enomem"}).value_or(-1), 0);
  LONGS_EQUAL(0, r.seriesCount("anycastd_probe_failures_total"));
  CHECK(contains(m.render(), "anycastd_probe_local_errors_total{reason=\"emfile\"} 2\n"));
}

TEST(AgentMetrics, ChangedPrefixReplacesTheAnnouncedSeries) {
  AgentMetrics m("x");
  m.setVip("web", "203.0.113.10/32", true, false, 2, 2);
  m.setVip("web", "203.0.113.10/32", false, false, 0, 2);
  m.setVip("api", "203.0.113.20/32", true, false, 1, 1);
  m.setVip("web", "2001:db8::10/128", true, true, 2, 2);
  const std::string text = m.render();
  CHECK_FALSE(contains(text, "203.0.113.10/32"));
  CHECK_TRUE(contains(text, "anycastd_vip_announced{vip=\"web\",prefix=\"2001:db8::10/128\"} 1\n"));
  CHECK_TRUE(contains(text, "anycastd_vip_announced{vip=\"api\",prefix=\"203.0.113.20/32\"} 1\n"));
  CHECK_TRUE(contains(text, "anycastd_vip_drained{vip=\"web\"} 1\n"));
  LONGS_EQUAL(2, m.registry().seriesCount("anycastd_vip_announced"));
}

TEST(AgentMetrics, RemovedVipAndServerDisappear) {
  AgentMetrics m("x");
  for (const char* vip : {"web", "api"}) {
    m.setVip(vip, std::string(vip) == "web" ? "203.0.113.10/32" : "203.0.113.20/32", true, false, 2, 2);
    m.onVipTransition(vip);
    for (const char* server : {"s1", "s2"}) {
      m.setServer(vip, server, true);
      m.onServerTransition(vip, server);
      m.onProbe(vip, server, 0.001, false, "connection refused");
    }
  }
  m.onDataplaneError("zebra", "session");
  m.removeServer("api", "s2");
  m.removeVip("web");
  const std::string text = m.render();
  CHECK_FALSE(contains(text, "vip=\"web\""));
  CHECK_FALSE(contains(text, "server=\"s2\""));
  CHECK_TRUE(contains(text, "anycastd_server_up{vip=\"api\",server=\"s1\"} 1\n"));
  CHECK_TRUE(contains(text, "anycastd_vip_servers{vip=\"api\"} 2\n"));
  CHECK_TRUE(contains(text, "anycastd_dataplane_errors_total{dataplane=\"zebra\",op=\"session\"} 1\n"));
  LONGS_EQUAL(1, m.registry().seriesCount("anycastd_probe_duration_seconds"));
}

TEST(AgentMetrics, OddInputDoesNotBreakTheExposition) {
  AgentMetrics m("0.1.0 \"dev\"");
  m.setVip("we\"b\n", "203.0.113.10/32", true, false, 1, 1);
  m.onProbe("we\"b\n", "s\\1", -1, false, "");  // a clock step backwards: counted as 0 s
  m.setZebraConnected(false);
  const std::string text = m.render();
  CHECK_TRUE(contains(text, "anycastd_build_info{version=\"0.1.0 \\\"dev\\\"\"} 1\n"));
  CHECK_TRUE(contains(text, "anycastd_vip_servers{vip=\"we\\\"b\\n\"} 1\n"));
  CHECK_TRUE(contains(
      text,
      "anycastd_probe_duration_seconds_bucket{vip=\"we\\\"b\\n\",server=\"s\\\\1\",le=\"0.0005\"} 1\n"));
  CHECK_TRUE(contains(
      text, "anycastd_probe_failures_total{vip=\"we\\\"b\\n\",server=\"s\\\\1\",reason=\"other\"} 1\n"));
  CHECK_TRUE(contains(text, "anycastd_zebra_connected 0\n"));
}

TEST(AgentMetrics, ChecksAndProbes) {
  AgentMetrics m("1.2.3");
  m.setProbes(16);
  m.setCheck("web", "s1", "tcp:80", true, true);
  m.setCheck("web", "s1", "http:80/healthz", false, false);
  m.setCheck("web", "s2", "tcp:80", false, std::nullopt);  // no probe yet: no last_ok series
  const std::string text = m.render();
  CHECK(contains(text, "# TYPE anycastd_probes gauge\nanycastd_probes 16\n"));
  CHECK(contains(text, "anycastd_check_up{vip=\"web\",server=\"s1\",check=\"tcp:80\"} 1\n"));
  CHECK(contains(text, "anycastd_check_up{vip=\"web\",server=\"s1\",check=\"http:80/healthz\"} 0\n"));
  CHECK(contains(text, "anycastd_check_last_ok{vip=\"web\",server=\"s1\",check=\"http:80/healthz\"} 0\n"));
  CHECK(contains(text, "anycastd_check_up{vip=\"web\",server=\"s2\",check=\"tcp:80\"} 0\n"));
  CHECK_FALSE(contains(text, "anycastd_check_last_ok{vip=\"web\",server=\"s2\""));
  // A scrape sets the checks afresh: a check that a reload removed disappears.
  m.clearChecks();
  m.setCheck("web", "s1", "tcp:80", true, true);
  const std::string after = m.render();
  CHECK(contains(after, "anycastd_check_up{vip=\"web\",server=\"s1\",check=\"tcp:80\"} 1\n"));
  CHECK_FALSE(contains(after, "http:80/healthz"));
  CHECK_FALSE(contains(after, "server=\"s2\""));
}
