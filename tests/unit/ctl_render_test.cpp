// anycastctl's rendering: relative times, the tables of show vips / show vip / show servers and reload with
// a fixed "now", control characters kept out of the layout, and the JSON field names scripts rely on.
#include "agent/ctl/ctl_render.h"

#include <CppUTest/TestHarness.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>

#include "agent/ctl/text_table.h"

using namespace anycastd;
using namespace anycastd::ctl;

namespace {

constexpr int64_t kNow = 1700000000000;  // ms since the epoch
constexpr int64_t kSec = 1000;

control::ServerStatus* addServer(control::VipStatus* vip, const std::string& name, const std::string& address,
                                 bool up, bool in_route) {
  control::ServerStatus* s = vip->add_servers();
  s->set_name(name);
  s->set_address(address);
  s->set_weight(1);
  s->set_health(up ? control::ServerStatus::UP : control::ServerStatus::DOWN);
  s->set_in_route(in_route);
  s->set_since_unix_ms(kNow - 312 * kSec);
  s->set_last_change(up ? "2 passes" : "3 failures, last: connection refused");
  if (!up) s->set_last_failure("connection refused");
  return s;
}

control::Status sampleStatus() {
  control::Status st;
  st.set_version("0.2.0");
  st.set_config_file("/etc/anycastd/anycastd.conf");
  st.set_dataplane("kernel");
  st.set_started_unix_ms(kNow - 3 * 3600 * kSec - 5 * 60 * kSec);

  control::VipStatus* web = st.add_vips();
  web->set_name("web");
  web->set_prefix("203.0.113.10/32");
  web->set_state(control::VipStatus::ANNOUNCED);
  web->set_healthy(2);
  web->set_total(3);
  web->set_min_healthy(1);
  web->add_nexthops("192.0.2.2");
  web->add_nexthops("192.0.2.6*2");
  web->set_since_unix_ms(kNow - 312 * kSec);
  web->set_last_change("2/3 servers healthy (min 1)");
  web->set_transitions(4);
  addServer(web, "s1", "192.0.2.2", true, true);
  addServer(web, "s2", "192.0.2.6", true, true)->set_weight(2);
  control::ServerStatus* s3 = addServer(web, "s3", "192.0.2.10", true, false);
  s3->mutable_drain()->set_by("alice");
  s3->mutable_drain()->set_since_unix_ms(kNow - 120 * kSec);
  s3->mutable_drain()->set_reason("CHG-1\nreboot");

  control::VipStatus* dns = st.add_vips();
  dns->set_name("dns");
  dns->set_prefix("2001:db8::53/128");
  dns->set_state(control::VipStatus::DRAINED);
  dns->set_healthy(1);
  dns->set_total(1);
  dns->set_min_healthy(1);
  dns->set_since_unix_ms(kNow - 2 * 86400 * kSec - 4 * 3600 * kSec);
  dns->mutable_drain()->set_by("uid 1001");
  dns->mutable_drain()->set_since_unix_ms(kNow - 2 * 86400 * kSec - 4 * 3600 * kSec);
  dns->mutable_drain()->set_reason("maintenance");
  addServer(dns, "d1", "2001:db8:1::2", true, false);

  control::VipStatus* api = st.add_vips();  // everything at its default: withdrawn, nothing yet
  api->set_name("api");
  api->set_prefix("203.0.113.20/32");
  api->set_total(2);
  api->set_min_healthy(2);
  return st;
}

}  // namespace

TEST_GROUP(CtlRender){};

TEST(CtlRender, FormatsAgesRelativeToNow) {
  STRCMP_EQUAL("-", formatAge(0, kNow).c_str());
  STRCMP_EQUAL("0s ago", formatAge(kNow, kNow).c_str());
  STRCMP_EQUAL("0s ago", formatAge(kNow + 5000, kNow).c_str());  // clock skew: never negative
  STRCMP_EQUAL("59s ago", formatAge(kNow - 59 * kSec - 999, kNow).c_str());
  STRCMP_EQUAL("5m12s ago", formatAge(kNow - 312 * kSec, kNow).c_str());
  STRCMP_EQUAL("1h00m ago", formatAge(kNow - 3600 * kSec, kNow).c_str());
  STRCMP_EQUAL("3h05m ago", formatAge(kNow - (3 * 3600 + 5 * 60 + 7) * kSec, kNow).c_str());
  STRCMP_EQUAL("2d04h ago", formatAge(kNow - (2 * 86400 + 4 * 3600) * kSec, kNow).c_str());
}

TEST(CtlRender, NamesStatesAndHealth) {
  control::Status st = sampleStatus();
  STRCMP_EQUAL("announced", vipStateName(st.vips(0)).c_str());
  STRCMP_EQUAL("drained", vipStateName(st.vips(1)).c_str());
  STRCMP_EQUAL("withdrawn", vipStateName(st.vips(2)).c_str());
  STRCMP_EQUAL("up", serverHealthName(st.vips(0).servers(0)).c_str());
  STRCMP_EQUAL("drained", serverHealthName(st.vips(0).servers(2)).c_str());
  control::ServerStatus down;
  STRCMP_EQUAL("down", serverHealthName(down).c_str());
  control::ServerStatus ramping = st.vips(0).servers(0);
  ramping.set_slow_start_percent(37);
  STRCMP_EQUAL("up (slow start 37%)", serverHealthName(ramping).c_str());
}

TEST(CtlRender, VipTable) {
  STRCMP_EQUAL(
      "anycastd 0.2.0, kernel mode, started 3h05m ago, config /etc/anycastd/anycastd.conf, 0 probes\n"
      "\n"
      "VIP  PREFIX            STATE      HEALTHY      NEXT HOPS              SINCE      LAST CHANGE\n"
      "web  203.0.113.10/32   announced  2/3 (min 1)  192.0.2.2,192.0.2.6*2  5m12s ago  2/3 servers healthy "
      "(min 1)\n"
      "dns  2001:db8::53/128  drained    1/1 (min 1)  -                      2d04h ago  drained by uid 1001 "
      "2d04h ago: "
      "maintenance\n"
      "api  203.0.113.20/32   withdrawn  0/2 (min 2)  -                      -          -\n",
      renderVipTable(sampleStatus(), kNow).c_str());
}

TEST(CtlRender, EmptyVipTableSaysSo) {
  control::Status st;
  std::string out = renderVipTable(st, kNow);
  STRCMP_CONTAINS("no VIPs configured\n", out.c_str());
  STRCMP_CONTAINS("anycastd -, - mode, started -, config -", out.c_str());
}

TEST(CtlRender, VipDetailWithServersAndDrains) {
  STRCMP_EQUAL(
      "vip          web\n"
      "prefix       203.0.113.10/32\n"
      "state        announced since 5m12s ago\n"
      "last change  2/3 servers healthy (min 1)\n"
      "healthy      2/3 (min 1)\n"
      "check mode   all (a server is up while all its checks are)\n"
      "next hops    192.0.2.2 192.0.2.6*2\n"
      "transitions  4\n"
      "\n"
      "SERVER  ADDRESS     WEIGHT  HEALTH   IN ROUTE  SINCE      LAST CHANGE  LAST FAILURE\n"
      "s1      192.0.2.2   1       up       yes       5m12s ago  2 passes     -\n"
      "s2      192.0.2.6   2       up       yes       5m12s ago  2 passes     -\n"
      "s3      192.0.2.10  1       drained  no        5m12s ago  2 passes     -\n"
      "\n"
      "server s3 drained by alice 2m00s ago: CHG-1 reboot\n",
      renderVipDetail(sampleStatus().vips(0), kNow).c_str());
}

TEST(CtlRender, DrainedVipDetailShowsWhoAndDataplaneNote) {
  control::VipStatus dns = sampleStatus().vips(1);
  dns.set_dataplane_note("REMOVED");
  std::string out = renderVipDetail(dns, kNow);
  STRCMP_CONTAINS("state        drained since 2d04h ago\n", out.c_str());
  STRCMP_CONTAINS("drained      by uid 1001 2d04h ago: maintenance\n", out.c_str());
  STRCMP_CONTAINS("dataplane    REMOVED\n", out.c_str());
  STRCMP_CONTAINS("next hops    -\n", out.c_str());
}

TEST(CtlRender, ServerTableHasOneRowPerVipAndServer) {
  STRCMP_EQUAL(
      "VIP  SERVER  ADDRESS        WEIGHT  HEALTH   IN ROUTE  SINCE      LAST CHANGE                         "
      "      "
      "LAST FAILURE\n"
      "web  s1      192.0.2.2      1       up       yes       5m12s ago  2 passes                            "
      "      -\n"
      "web  s2      192.0.2.6      2       up       yes       5m12s ago  2 passes                            "
      "      -\n"
      "web  s3      192.0.2.10     1       drained  no        5m12s ago  drained by alice 2m00s ago: CHG-1 "
      "reboot  -\n"
      "dns  d1      2001:db8:1::2  1       up       no        5m12s ago  2 passes                            "
      "      -\n",
      renderServerTable(sampleStatus(), kNow).c_str());
  control::Status empty;
  STRCMP_EQUAL("no servers\n", renderServerTable(empty, kNow).c_str());
}

TEST(CtlRender, DownServerShowsItsLastFailure) {
  control::VipStatus vip;
  vip.set_name("v");
  addServer(&vip, "s9", "192.0.2.99", false, false);
  std::string out = renderVipDetail(vip, kNow);
  STRCMP_CONTAINS(
      "s9      192.0.2.99  1       down    no        5m12s ago  3 failures, last: connection refused  "
      "connection refused\n",
      out.c_str());
}

TEST(CtlRender, Reload) {
  control::ReloadResult r;
  r.add_added("api");
  r.add_changed("web");
  r.add_unchanged("dns");
  r.add_unchanged("mail");
  STRCMP_EQUAL(
      "added      api\n"
      "removed    -\n"
      "changed    web\n"
      "unchanged  dns, mail\n",
      renderReload(r).c_str());
}

TEST(CtlRender, TableCellsCannotBreakTheLayout) {
  TextTable t({"A", "B"});
  t.addRow({"x\ny", "\x1b[31mred"});
  t.addRow({"\xc3\xa9t\xc3\xa9", "z"});  // "été": 3 characters wide
  STRCMP_EQUAL(
      "A    B\n"
      "x y   [31mred\n"
      "\xc3\xa9t\xc3\xa9  z\n",
      t.render().c_str());
}

TEST(CtlRender, JsonUsesTheProtoFieldNamesAndPrintsDefaults) {
  control::Status st = sampleStatus();
  std::string json = toJson(st);
  for (const char* field : {"\"version\"",       "\"config_file\"", "\"dataplane\"",    "\"started_unix_ms\"",
                            "\"vips\"",          "\"name\"",        "\"prefix\"",       "\"state\"",
                            "\"healthy\"",       "\"total\"",       "\"min_healthy\"",  "\"nexthops\"",
                            "\"since_unix_ms\"", "\"last_change\"", "\"drain\"",        "\"by\"",
                            "\"reason\"",        "\"servers\"",     "\"address\"",      "\"weight\"",
                            "\"health\"",        "\"in_route\"",    "\"last_failure\"", "\"transitions\"",
                            "\"dataplane_note\""})
    STRCMP_CONTAINS(field, json.c_str());
  CHECK(json.find("minHealthy") == std::string::npos);
  CHECK(json.find("sinceUnixMs") == std::string::npos);
  STRCMP_CONTAINS("\"state\": \"ANNOUNCED\"", json.c_str());
  STRCMP_CONTAINS("\"state\": \"WITHDRAWN\"", json.c_str());  // the default value is printed too
  STRCMP_CONTAINS("\"healthy\": 0", json.c_str());
  STRCMP_CONTAINS("\"in_route\": false", json.c_str());
  STRCMP_CONTAINS("\"started_unix_ms\": \"1699988900000\"", json.c_str());  // int64 as a string
  CHECK_EQUAL('\n', json.back());

  // It parses back to the same message.
  control::Status parsed;
  CHECK(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(st, parsed));
}

TEST(CtlRender, ReloadAndConfigJson) {
  control::ReloadResult r;
  r.add_added("api");
  std::string json = toJson(r);
  STRCMP_CONTAINS("\"added\": [", json.c_str());
  STRCMP_CONTAINS("\"removed\": []", json.c_str());
  STRCMP_CONTAINS("\"unchanged\": []", json.c_str());
  std::string config = configTextJson("vip {\n  name: \"web\"\n}\n");
  STRCMP_CONTAINS("\"config_text\": \"vip {\\n  name: \\\"web\\\"\\n}\\n\"", config.c_str());
  CHECK(config.find("\"ok\"") == std::string::npos);
}

TEST(CtlRender, SuppressedVipShowsWhenItMayComeBack) {
  control::VipStatus vip;
  vip.set_name("v");
  vip.set_dampening_penalty(4210);
  vip.set_suppressed_until_unix_ms(kNow + 22500);
  STRCMP_CONTAINS("suppressed   flapping: withdrawn for about 23 s more (penalty 4210)\n",
                  renderVipDetail(vip, kNow).c_str());
  vip.set_suppressed_until_unix_ms(0);
  vip.set_dampening_penalty(512);
  vip.set_degraded(true);
  std::string out = renderVipDetail(vip, kNow);
  STRCMP_CONTAINS("dampening    penalty 512\n", out.c_str());
  STRCMP_CONTAINS("degraded     yes\n", out.c_str());
}

namespace {

void addCheck(control::ServerStatus* s, const std::string& label, bool up, bool last_ok,
              const std::string& failure, uint32_t shared_by) {
  control::CheckStatus* c = s->add_checks();
  c->set_check(label);
  c->set_health(up ? control::ServerStatus::UP : control::ServerStatus::DOWN);
  c->set_last_ok(last_ok);
  c->set_last_probe_unix_ms(kNow - 2 * kSec);
  c->set_last_failure(failure);
  c->set_shared_by(shared_by);
}

}  // namespace

TEST(CtlRender, VipDetailShowsEachCheckOfEachServer) {
  control::VipStatus vip;
  vip.set_name("web");
  vip.set_check_mode(control::VipStatus::ANY);
  control::ServerStatus* s = addServer(&vip, "s1", "192.0.2.2", true, true);
  addCheck(s, "tcp:80", true, true, "", 2);
  addCheck(s, "http:80/healthz", false, false, "status 503", 1);
  control::ServerStatus* fresh = addServer(&vip, "s2", "192.0.2.6", false, false);
  fresh->add_checks()->set_check("tcp:80");  // no probe yet
  std::string out = renderVipDetail(vip, kNow);
  STRCMP_CONTAINS("check mode   any (a server is up while any of its checks is)\n", out.c_str());
  STRCMP_CONTAINS(
      "SERVER  CHECK            HEALTH  LAST PROBE     LAST FAILURE  SHARED BY\n"
      "s1      tcp:80           up      ok 2s ago      -             2\n"
      "s1      http:80/healthz  down    failed 2s ago  status 503    1\n"
      "s2      tcp:80           down    -              -             0\n",
      out.c_str());
}

TEST(CtlRender, CheckTableCountsTheProbes) {
  control::Status st;
  st.set_probes(16);
  control::VipStatus* vip = st.add_vips();
  vip->set_name("web");
  addCheck(addServer(vip, "s1", "192.0.2.2", true, true), "tcp:80", true, true, "", 10);
  STRCMP_EQUAL(
      "16 probes running\n"
      "\n"
      "VIP  SERVER  CHECK   HEALTH  LAST PROBE  LAST FAILURE  SHARED BY\n"
      "web  s1      tcp:80  up      ok 2s ago   -             10\n",
      renderCheckTable(st, kNow).c_str());
  control::Status empty;
  STRCMP_EQUAL("0 probes running\n\nno checks\n", renderCheckTable(empty, kNow).c_str());
}
