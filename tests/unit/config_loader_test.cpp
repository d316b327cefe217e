// Config validation: every error the loader reports, with its FILE:LINE:COL.
#include "agent/config/config_loader.h"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace anycastd;

namespace {

const char kValid[] = R"(dataplane { kernel { route_protocol: 200 } }   # comment
control_socket: "/run/anycastd/anycastd.sock"
vip {
  name: "web"
  prefix: "203.0.113.10/32"
  min_healthy: 1
  check {
    tcp { port: 80 }
    interval_ms: 1000
    timeout_ms: 500
    rise: 2
    fall: 3
  }
  server { name: "s1" address: "192.0.2.2" }
  server { name: "s2" address: "192.0.2.6" weight: 2 }
}
vip {
  name: "web6"
  prefix: "2001:db8::10/128"
  check { http { port: 80 path: "/healthz" expect_status: 204 } }
  server { name: "s1" address: "2001:db8:1::2" }
}
)";

// The errors of `text` as "LINE:COL: message" lines, joined.
std::string errorsOf(const std::string& text) {
  ConfigResult r = parseConfig(text, "f.conf");
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  if (!r.errors.empty()) CHECK_FALSE(r.config.has_value());
  return out;
}

std::string vipWith(const std::string& body) {
  return "vip {\n  name: \"v\"\n  prefix: \"203.0.113.10/32\"\n" + body + "\n}\n";
}

const char kServers[] = "  server { name: \"a\" address: \"192.0.2.2\" }\n";
const char kTcp[] = "  check { tcp { port: 80 } }\n";

void expectError(const std::string& text, const std::string& expected) {
  std::string got = errorsOf(text);
  if (got.find(expected) == std::string::npos) FAIL(("expected '" + expected + "' in:\n" + got).c_str());
}

}  // namespace

TEST_GROUP(ConfigLoader){};

TEST(ConfigLoader, ValidConfigWithDefaults) {
  ConfigResult r = parseConfig(kValid, "f.conf");
  STRCMP_EQUAL("", errorsOf(kValid).c_str());
  CHECK_TRUE(r.config.has_value());
  const AgentConfig& c = *r.config;
  LONGS_EQUAL(200, c.kernel.route_protocol);
  LONGS_EQUAL(254, c.kernel.table);
  LONGS_EQUAL(2, c.vips.size());
  STRCMP_EQUAL("203.0.113.10/32", c.vips[0].prefix.str().c_str());
  LONGS_EQUAL(2, c.vips[0].servers[1].weight);
  LONGS_EQUAL(1, c.vips[0].servers[0].weight);
  CHECK(c.vips[1].checks[0].kind == CheckKind::kHttp);
  STRCMP_EQUAL("/healthz", c.vips[1].checks[0].http_path.c_str());
  LONGS_EQUAL(204, c.vips[1].checks[0].expect_status);
  LONGS_EQUAL(1000, c.vips[1].checks[0].interval_ms);
  LONGS_EQUAL(500, c.vips[1].checks[0].timeout_ms);
  LONGS_EQUAL(2, c.vips[1].checks[0].rise);
  LONGS_EQUAL(3, c.vips[1].checks[0].fall);
  LONGS_EQUAL(1, c.vips[1].min_healthy);
}

TEST(ConfigLoader, EmptyFileIsValid) {
  ConfigResult r = parseConfig("", "f.conf");
  CHECK_TRUE(r.config.has_value());
  LONGS_EQUAL(0, r.config->vips.size());
}

TEST(ConfigLoader, SyntaxErrorHasLineAndColumn) {
  expectError("vip {\n  name: \"v\n}\n", "f.conf:2:");
  expectError("vip { name: }\n", "f.conf:1:13:");
}

TEST(ConfigLoader, UnknownField) {
  expectError("vip {\n  nmae: \"v\"\n}\n", "f.conf:2:7:");
  expectError("vip {\n  nmae: \"v\"\n}\n", "nmae");
}

TEST(ConfigLoader, BadPrefix) {
  expectError("vip {\n  name: \"v\"\n  prefix: \"203.0.113.300/32\"\n" + std::string(kTcp) + kServers + "}\n",
              "f.conf:3:3: bad prefix");
  expectError("vip {\n  name: \"v\"\n  prefix: \"203.0.113.10/33\"\n" + std::string(kTcp) + kServers + "}\n",
              "f.conf:3:3: bad prefix: prefix length '33' is not in 0..32");
  expectError("vip {\n  name: \"v\"\n  prefix: \"203.0.113.10/24\"\n" + std::string(kTcp) + kServers + "}\n",
              "host bits");
}

TEST(ConfigLoader, BareAddressIsAHostPrefix) {
  ConfigResult r = parseConfig("vip { name: \"v\" prefix: \"2001:db8::10\"" + std::string(kTcp) +
                                   "server { name: \"a\" address: \"2001:db8:1::2\" } }",
                               "f.conf");
  CHECK_TRUE(r.config.has_value());
  STRCMP_EQUAL("2001:db8::10/128", r.config->vips[0].prefix.str().c_str());
}

TEST(ConfigLoader, BadServerAddress) {
  expectError(vipWith(std::string(kTcp) + "  server { name: \"a\" address: \"192.0.2.256\" }"),
              "f.conf:5:22: bad server address '192.0.2.256'");
}

TEST(ConfigLoader, ServerOfWrongFamily) {
  expectError(vipWith(std::string(kTcp) + "  server { name: \"a\" address: \"2001:db8::2\" }"),
              "f.conf:5:22: server 'a' address 2001:db8::2 is not of the VIP's address family (IPv4)");
}

TEST(ConfigLoader, DuplicateNames) {
  expectError(vipWith(std::string(kTcp) + kServers + "  server { name: \"a\" address: \"192.0.2.6\" }"),
              "f.conf:6:12: duplicate server name 'a'");
  std::string two = vipWith(std::string(kTcp) + kServers) +
                    "vip {\n  name: \"v\"\n  prefix: \"203.0.113.11/32\"\n" + kTcp + kServers + "}\n";
  expectError(two, "f.conf:9:3: duplicate vip name 'v'");
}

TEST(ConfigLoader, DuplicatePrefix) {
  std::string two = vipWith(std::string(kTcp) + kServers) +
                    "vip {\n  name: \"w\"\n  prefix: \"203.0.113.10/32\"\n" + kTcp + kServers + "}\n";
  expectError(two, "f.conf:10:3: prefix 203.0.113.10/32 is already used");
}

TEST(ConfigLoader, ZeroRiseFallInterval) {
  expectError(vipWith("  check { tcp { port: 80 } rise: 0 }\n" + std::string(kServers)),
              "f.conf:4:28: rise must be greater than 0");
  expectError(vipWith("  check { tcp { port: 80 } fall: 0 }\n" + std::string(kServers)),
              "fall must be greater than 0");
  expectError(vipWith("  check { tcp { port: 80 } interval_ms: 0 }\n" + std::string(kServers)),
              "interval_ms must be greater than 0");
}

TEST(ConfigLoader, TimeoutNotBelowInterval) {
  expectError(
      vipWith("  check { tcp { port: 80 } interval_ms: 500 timeout_ms: 500 }\n" + std::string(kServers)),
      "f.conf:4:45: timeout_ms 500 must be less than interval_ms 500");
  // Only the interval given: the default timeout (500) is compared with it.
  expectError(vipWith("  check { tcp { port: 80 } interval_ms: 400 }\n" + std::string(kServers)),
              "timeout_ms 500 must be less than interval_ms 400");
}

TEST(ConfigLoader, MinHealthyLargerThanServers) {
  expectError(vipWith("  min_healthy: 2\n" + std::string(kTcp) + kServers),
              "f.conf:4:3: min_healthy 2 is larger than the number of servers (1)");
  expectError(vipWith("  min_healthy: 0\n" + std::string(kTcp) + kServers), "min_healthy must be at least 1");
}

TEST(ConfigLoader, PortsAndWeightsInRange) {
  expectError(vipWith("  check { tcp { port: 0 } }\n" + std::string(kServers)),
              "port 0 is out of range 1..65535");
  expectError(vipWith("  check { http { port: 70000 } }\n" + std::string(kServers)),
              "port 70000 is out of range");
  expectError(vipWith(std::string(kTcp) + "  server { name: \"a\" address: \"192.0.2.2\" weight: 257 }"),
              "weight 257 is out of range 1..256");
  expectError(vipWith("  check { http { port: 80 expect_status: 42 } }\n" + std::string(kServers)),
              "expect_status 42 is out of range 100..599");
  expectError(vipWith("  check { http { port: 80 path: \"healthz\" } }\n" + std::string(kServers)),
              "must start with '/'");
}

TEST(ConfigLoader, MissingCheckOrServers) {
  expectError(vipWith(kServers), "has no check");
  expectError(vipWith("  check { interval_ms: 1000 }\n" + std::string(kServers)), "check has no probe");
  expectError(vipWith(kTcp), "vip 'v' has no server");
  expectError("vip { name: \"v\" " + std::string(kTcp) + kServers + "}", "vip 'v' has no prefix");
}

TEST(ConfigLoader, BothProbeKindsRejected) {
  expectError(vipWith("  check { tcp { port: 80 } http { port: 80 } }\n" + std::string(kServers)), "oneof");
}

TEST(ConfigLoader, ZebraOwnedProtocolRejected) {
  expectError("dataplane { kernel { route_protocol: 186 } }",
              "f.conf:1:22: route_protocol 186 is one zebra treats as its own");
  expectError("dataplane { kernel { route_protocol: 300 } }", "route_protocol 300 is out of range 1..255");
}

TEST(ConfigLoader, NexthopIdRangeStaysBelowZebrasLayer2Ids) {
  expectError("dataplane { kernel { nexthop_id_base: 1610612736 } }",
              "f.conf:1:22: nexthop_id_base 1610612736 is out of range 1..267386880");
  auto r = parseConfig("dataplane { kernel { nexthop_id_base: 267386880 } }", "f.conf");
  CHECK_TRUE(r.config.has_value());
  UNSIGNED_LONGS_EQUAL(267386880, r.config->kernel.nexthop_id_base);
  UNSIGNED_LONGS_EQUAL(0x0FF00000, parseConfig("", "f.conf").config->kernel.nexthop_id_base);
}

TEST(ConfigLoader, ZebraDataplane) {
  auto r = parseConfig(
      "dataplane { zebra { socket: \"/run/frr/zserv.api\" table_instance: 7 frr_release: \"10.3.1\" "
      "graceful_restart_s: 0 verify_kernel: false } }\n" +
          vipWith(std::string(kTcp) + kServers + "  route_tag: 65001"),
      "f.conf");
  CHECK_TRUE(r.config.has_value());
  CHECK(r.config->dataplane == DataplaneKind::kZebra);
  STRCMP_EQUAL("/run/frr/zserv.api", r.config->zebra.socket.c_str());
  LONGS_EQUAL(7, r.config->zebra.table_instance);
  STRCMP_EQUAL("10.3.1", r.config->zebra.frr_release.c_str());
  LONGS_EQUAL(0, r.config->zebra.graceful_restart_s);
  CHECK_FALSE(r.config->zebra.verify_kernel);
  LONGS_EQUAL(65001, r.config->vips[0].route_tag);
  auto d = parseConfig("dataplane { zebra { } }", "f.conf");
  CHECK_TRUE(d.config.has_value());
  STRCMP_EQUAL("auto", d.config->zebra.frr_release.c_str());
  LONGS_EQUAL(100, d.config->zebra.table_instance);
  LONGS_EQUAL(60, d.config->zebra.graceful_restart_s);
}

TEST(ConfigLoader, ZebraDataplaneErrors) {
  expectError("dataplane { zebra { frr_release: \"7.5\" } }", "f.conf:1:21: frr_release:");
  expectError("dataplane { zebra { table_instance: 0 } }",
              "f.conf:1:21: table_instance 0 is out of range 1..65535");
  expectError("dataplane { zebra { socket: \"zserv.api\" } }",
              "f.conf:1:21: socket must be an absolute path");
  expectError(vipWith(std::string(kTcp) + kServers + "  route_tag: 5"),
              "f.conf:6:3: route_tag needs the zebra dataplane");
}

TEST(ConfigLoader, SeveralErrorsAllReported) {
  std::string text = vipWith("  min_healthy: 5\n  check { tcp { port: 80 } rise: 0 }\n" +
                             std::string("  server { name: \"a\" address: \"x\" }"));
  std::string got = errorsOf(text);
  CHECK(got.find("rise must be") != std::string::npos);
  CHECK(got.find("bad server address") != std::string::npos);
  CHECK(got.find("min_healthy 5") != std::string::npos);
}

TEST(ConfigLoader, MissingFile) {
  ConfigResult r = loadConfigFile("/nonexistent/anycastd.conf");
  CHECK_FALSE(r.config.has_value());
  STRCMP_EQUAL("/nonexistent/anycastd.conf: cannot read the file: No such file or directory",
               r.errors.at(0).str().c_str());
}

TEST(ConfigLoader, LoadGivesTheTextItParsed) {
  char path[] = "/tmp/anycastd-config-test.XXXXXX";
  int fd = ::mkstemp(path);
  CHECK(fd >= 0);
  const std::string written = "metrics { listen: \"127.0.0.1:9370\" }\n";
  CHECK_EQUAL(static_cast<ssize_t>(written.size()), ::write(fd, written.data(), written.size()));
  ::close(fd);
  std::string text;
  ConfigResult r = loadConfigFile(path, &text);
  ::unlink(path);
  CHECK_TRUE(r.config.has_value());
  STRCMP_EQUAL("127.0.0.1:9370", r.config->metrics_listen.c_str());
  STRCMP_EQUAL(written.c_str(), text.c_str());
}

TEST(ConfigLoader, MetricsListen) {
  CHECK_TRUE(parseConfig("", "f.conf").config->metrics_listen.empty());
  auto r = parseConfig("metrics { listen: \"127.0.0.1:9370\" }", "f.conf");
  CHECK_TRUE(r.config.has_value());
  STRCMP_EQUAL("127.0.0.1:9370", r.config->metrics_listen.c_str());
  STRCMP_EQUAL("[::1]:9370",
               parseConfig("metrics { listen: \"[::1]:9370\" }", "f.conf").config->metrics_listen.c_str());
  expectError("control_socket: \"/run/a.sock\"\nmetrics {\n  listen: \"localhost:9370\"\n}\n",
              "f.conf:3:3: metrics listen 'localhost:9370': 'localhost' is not an IP address (HOST:PORT or "
              "[IPV6]:PORT)");
  expectError("metrics { listen: \"::1:9370\" }",
              "f.conf:1:11: metrics listen '::1:9370': an IPv6 address must be in brackets");
  expectError("metrics { listen: \"127.0.0.1\" }", "missing :PORT");
  expectError("metrics { listen: \"127.0.0.1:0\" }",
              "f.conf:1:11: metrics listen '127.0.0.1:0': port 0 is out of range 1..65535");
  expectError("metrics { listen: \"127.0.0.1:65536\" }", "port 65536 is out of range 1..65535");
  expectError("\nmetrics { }", "f.conf:2:1: metrics has no listen address");
}

// ---- dns, icmp, https, exec checks ----

namespace {

ConfigResult parseCheck(const std::string& check) {
  return parseConfig(vipWith("  check { " + check + " }\n" + kServers), "f.conf");
}

}  // namespace

TEST(ConfigLoader, DnsCheck) {
  ConfigResult r = parseCheck(
      "dns { port: 5353 name: \"Example.TEST.\" type: \"aaaa\" transport: TCP expect_rcode: \"NXDOMAIN\" "
      "expect_address: \"2001:db8::53\" }");
  CHECK_TEXT(r.config.has_value(), r.errors.empty() ? "" : r.errors[0].str().c_str());
  const CheckConfig& c = r.config->vips[0].checks[0];
  CHECK(c.kind == CheckKind::kDns);
  LONGS_EQUAL(5353, c.port);
  STRCMP_EQUAL("example.test", c.dns.name.c_str());
  LONGS_EQUAL(28, c.dns.type);
  CHECK(c.dns.transport == DnsTransport::kTcp);
  LONGS_EQUAL(3, c.dns.expect_rcode);
  STRCMP_EQUAL("2001:db8::53", c.dns.expect_address->str().c_str());
  // Defaults: port 53, type A, UDP, NOERROR, no address.
  r = parseCheck("dns { name: \"example.test\" }");
  CHECK(r.config.has_value());
  const CheckConfig& d = r.config->vips[0].checks[0];
  LONGS_EQUAL(53, d.port);
  LONGS_EQUAL(1, d.dns.type);
  CHECK(d.dns.transport == DnsTransport::kUdp);
  LONGS_EQUAL(0, d.dns.expect_rcode);
  CHECK_FALSE(d.dns.expect_address.has_value());
}

TEST(ConfigLoader, DnsCheckErrors) {
  expectError(vipWith("  check { dns { name: \"x.test\" type: \"AAA\" } }\n" + std::string(kServers)),
              "f.conf:4:32: unknown type 'AAA' (A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT)");
  expectError(vipWith("  check { dns { port: 53 } }\n" + std::string(kServers)),
              "f.conf:4:11: dns check has no name");
  expectError(vipWith("  check { dns { name: \"a..test\" } }\n" + std::string(kServers)),
              "f.conf:4:17: bad name 'a..test': empty label");
  expectError(vipWith("  check { dns { name: \"x.test\" expect_rcode: \"OK\" } }\n" + std::string(kServers)),
              "unknown expect_rcode 'OK' (NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED)");
  expectError(vipWith("  check { dns { name: \"x.test\" expect_address: \"192.0.2.300\" } }\n" +
                      std::string(kServers)),
              "bad expect_address '192.0.2.300'");
  expectError(vipWith("  check { dns { name: \"x.test\" expect_address: \"2001:db8::1\" } }\n" +
                      std::string(kServers)),
              "expect_address 2001:db8::1 needs type AAAA, not A");
  expectError(vipWith("  check { dns { name: \"x.test\" port: 0 } }\n" + std::string(kServers)),
              "port 0 is out of range 1..65535");
  expectError(vipWith("  check { dns { name: \"x.test\" transport: SCTP } }\n" + std::string(kServers)),
              "f.conf:4:");
}

TEST(ConfigLoader, IcmpCheck) {
  ConfigResult r = parseCheck("icmp { }");
  CHECK(r.config.has_value());
  CHECK(r.config->vips[0].checks[0].kind == CheckKind::kIcmp);
}

TEST(ConfigLoader, HttpsCheck) {
  ConfigResult r = parseCheck(
      "https { path: \"/healthz\" sni: \"svc.example.test\" verify: true ca_file: \"/etc/ssl/ca.pem\" "
      "expect_body: \"ok\" }");
  CHECK_TEXT(r.config.has_value(), r.errors.empty() ? "" : r.errors[0].str().c_str());
  const CheckConfig& c = r.config->vips[0].checks[0];
  CHECK(c.kind == CheckKind::kHttps);
  LONGS_EQUAL(443, c.port);
  STRCMP_EQUAL("/healthz", c.http_path.c_str());
  LONGS_EQUAL(200, c.expect_status);
  STRCMP_EQUAL("svc.example.test", c.tls.sni.c_str());
  CHECK(c.tls.verify);
  STRCMP_EQUAL("/etc/ssl/ca.pem", c.tls.ca_file.c_str());
  STRCMP_EQUAL("ok", c.expect_body.c_str());
  r = parseCheck("https { port: 8443 }");
  CHECK(r.config.has_value());
  CHECK_FALSE(r.config->vips[0].checks[0].tls.verify);
  LONGS_EQUAL(8443, r.config->vips[0].checks[0].port);
}

TEST(ConfigLoader, HttpsCheckErrors) {
  expectError(vipWith("  check { https { verify: true } }\n" + std::string(kServers)),
              "f.conf:4:19: verify: true needs ca_file");
  expectError(vipWith("  check { https { verify: true ca_file: \"ca.pem\" } }\n" + std::string(kServers)),
              "f.conf:4:32: ca_file must be an absolute path");
  expectError(vipWith("  check { https { ca_file: \"/ca.pem\" } }\n" + std::string(kServers)),
              "ca_file is used only with verify: true");
  expectError(vipWith("  check { https { sni: \"192.0.2.1\" } }\n" + std::string(kServers)),
              "sni '192.0.2.1' must be a host name");
  expectError(vipWith("  check { https { port: 0 } }\n" + std::string(kServers)), "port 0 is out of range");
  expectError(vipWith("  check { https { expect_status: 600 } }\n" + std::string(kServers)),
              "expect_status 600 is out of range 100..599");
}

TEST(ConfigLoader, HttpExpectBody) {
  ConfigResult r = parseCheck("http { port: 80 expect_body: \"ok\" }");
  CHECK(r.config.has_value());
  STRCMP_EQUAL("ok", r.config->vips[0].checks[0].expect_body.c_str());
  expectError(vipWith("  check { http { port: 80 expect_body: \"\" } }\n" + std::string(kServers)),
              "f.conf:4:27: expect_body must not be empty");
}

TEST(ConfigLoader, ExecCheck) {
  ConfigResult r = parseCheck("exec { command: \"/usr/lib/anycastd/check-foo\" args: [\"--vip\", \"x\"] }");
  CHECK(r.config.has_value());
  const CheckConfig& c = r.config->vips[0].checks[0];
  CHECK(c.kind == CheckKind::kExec);
  STRCMP_EQUAL("/usr/lib/anycastd/check-foo", c.exec.command.c_str());
  LONGS_EQUAL(2, c.exec.args.size());
  STRCMP_EQUAL("x", c.exec.args[1].c_str());
  expectError(vipWith("  check { exec { args: \"x\" } }\n" + std::string(kServers)),
              "f.conf:4:11: exec check has an empty command");
  expectError(vipWith("  check { exec { command: \"check-foo\" } }\n" + std::string(kServers)),
              "f.conf:4:18: command 'check-foo' must be an absolute path (no PATH lookup)");
}

TEST(ConfigLoader, TwoNewProbeKindsRejected) {
  expectError(vipWith("  check { icmp { } exec { command: \"/x\" } }\n" + std::string(kServers)), "oneof");
}

TEST(ConfigLoader, MinHealthyPercent) {
  const std::string three = std::string(kServers) + "  server { name: \"b\" address: \"192.0.2.6\" }\n" +
                            "  server { name: \"c\" address: \"192.0.2.10\" }\n";
  ConfigResult r = parseConfig(vipWith("  min_healthy_percent: 50\n" + std::string(kTcp) + three), "f.conf");
  CHECK_TRUE(r.config.has_value());
  LONGS_EQUAL(50, r.config->vips[0].min_healthy_percent);
  expectError(vipWith("  min_healthy_percent: 0\n" + std::string(kTcp) + three),
              "f.conf:4:3: min_healthy_percent 0 is out of range 1..100");
  expectError(vipWith("  min_healthy_percent: 101\n" + std::string(kTcp) + three),
              "min_healthy_percent 101 is out of range 1..100");
  // One of the two: the parser refuses the second member of the oneof.
  expectError(vipWith("  min_healthy: 1\n  min_healthy_percent: 50\n" + std::string(kTcp) + three),
              "f.conf:5:");
}

TEST(ConfigLoader, DampeningDefaultsAndFields) {
  ConfigResult d = parseConfig(kValid, "f.conf");
  CHECK_TRUE(d.config.has_value());
  CHECK_TRUE(d.config->vips[0].dampening == DampeningConfig{});
  CHECK_TRUE(d.config->vips[0].dampening.enabled);
  ConfigResult r =
      parseConfig(vipWith("  dampening { half_life_s: 4 suppress: 2500 reuse: 500 max_suppress_s: 12 "
                          "withdraw_penalty: 900 announce_penalty: 100 enabled: true }\n" +
                          std::string(kTcp) + kServers),
                  "f.conf");
  CHECK_TRUE(r.config.has_value());
  const DampeningConfig& c = r.config->vips[0].dampening;
  LONGS_EQUAL(4, c.half_life_s);
  LONGS_EQUAL(2500, c.suppress);
  LONGS_EQUAL(500, c.reuse);
  LONGS_EQUAL(12, c.max_suppress_s);
  LONGS_EQUAL(900, c.withdraw_penalty);
  LONGS_EQUAL(100, c.announce_penalty);
  ConfigResult off =
      parseConfig(vipWith("  dampening { enabled: false }\n" + std::string(kTcp) + kServers), "f");
  CHECK_FALSE(off.config->vips[0].dampening.enabled);
}

TEST(ConfigLoader, DampeningErrors) {
  expectError(vipWith("  dampening { half_life_s: 0 }\n" + std::string(kTcp) + kServers),
              "f.conf:4:15: half_life_s 0 is out of range 1..3600");
  expectError(vipWith("  dampening { reuse: 3000 }\n" + std::string(kTcp) + kServers),
              "reuse 3000 must be less than suppress 3000");
  // 750 * 2^(15 / 15) = 1500 < 3000: never suppressed.
  expectError(vipWith("  dampening { max_suppress_s: 15 }\n" + std::string(kTcp) + kServers),
              "the penalty can never reach suppress 3000: it is capped at reuse * 2^(max_suppress_s / "
              "half_life_s) = 1500");
}

TEST(ConfigLoader, DegradedFields) {
  expectError(vipWith("  degraded_below: 2\n" + std::string(kTcp) + kServers),
              "f.conf:4:3: degraded_below 2 is out of range 1..1 (the number of servers)");
  expectError(vipWith("  degraded_below: 1\n  degraded_tag: 7\n" + std::string(kTcp) + kServers),
              "degraded_tag needs the zebra dataplane");
  ConfigResult r =
      parseConfig("dataplane { zebra { } }\n" +
                      vipWith("  degraded_below: 1\n  degraded_tag: 7\n" + std::string(kTcp) + kServers),
                  "f.conf");
  CHECK_TRUE(r.config.has_value());
  LONGS_EQUAL(1, r.config->vips[0].degraded_below);
  LONGS_EQUAL(7, r.config->vips[0].degraded_tag);
}

// ---- several checks, check_mode, a server's own checks ----

TEST(ConfigLoader, SeveralChecksAndCheckMode) {
  ConfigResult r = parseConfig(vipWith("  check { tcp { port: 80 } }\n"
                                       "  check { http { port: 8080 path: \"/healthz\" } rise: 4 }\n"
                                       "  check_mode: ANY\n" +
                                       std::string(kServers)),
                               "f.conf");
  STRCMP_EQUAL("", errorsOf(vipWith("  check { tcp { port: 80 } }\n" + std::string(kServers))).c_str());
  CHECK_TRUE(r.config.has_value());
  const VipConfig& v = r.config->vips[0];
  LONGS_EQUAL(2, v.checks.size());
  CHECK(v.checks[0].kind == CheckKind::kTcp);
  CHECK(v.checks[1].kind == CheckKind::kHttp);
  LONGS_EQUAL(4, v.checks[1].rise);
  CHECK(v.check_mode == CheckMode::kAny);
  CHECK(v.servers[0].checks.empty());
  CHECK(&checksOf(v, v.servers[0]) == &v.checks);
}

TEST(ConfigLoader, CheckModeDefaultsToAll) {
  ConfigResult r = parseConfig(vipWith(std::string(kTcp) + kServers), "f.conf");
  CHECK_TRUE(r.config.has_value());
  CHECK(r.config->vips[0].check_mode == CheckMode::kAll);
  LONGS_EQUAL(1, r.config->vips[0].checks.size());
}

TEST(ConfigLoader, AServersOwnChecksReplaceTheVips) {
  ConfigResult r = parseConfig(
      vipWith(std::string(kTcp) + "  server { name: \"a\" address: \"192.0.2.2\" }\n"
                                  "  server { name: \"b\" address: \"192.0.2.6\"\n"
                                  "    check { icmp { } }\n    check { tcp { port: 22 } }\n  }\n"),
      "f.conf");
  CHECK_TRUE(r.config.has_value());
  const VipConfig& v = r.config->vips[0];
  LONGS_EQUAL(1, checksOf(v, v.servers[0]).size());
  LONGS_EQUAL(2, checksOf(v, v.servers[1]).size());
  CHECK(checksOf(v, v.servers[1])[0].kind == CheckKind::kIcmp);
  LONGS_EQUAL(22, checksOf(v, v.servers[1])[1].port);
}

TEST(ConfigLoader, ServersWithTheirOwnChecksNeedNoVipCheck) {
  ConfigResult r =
      parseConfig(vipWith("  server { name: \"a\" address: \"192.0.2.2\" check { icmp { } } }\n"), "f.conf");
  STRCMP_EQUAL(
      "", errorsOf(vipWith("  server { name: \"a\" address: \"192.0.2.2\" check { icmp { } } }\n")).c_str());
  CHECK_TRUE(r.config.has_value());
  CHECK(r.config->vips[0].checks.empty());
}

TEST(ConfigLoader, BadCheckCombinationsNameThePlace) {
  // A server without checks when the VIP has none either (another server has its own).
  expectError(vipWith("  server { name: \"a\" address: \"192.0.2.2\" check { icmp { } } }\n"
                      "  server { name: \"b\" address: \"192.0.2.6\" }\n"),
              "f.conf:5:12: server 'b' has no check and vip 'v' has none for it to use");
  // check_mode with no check anywhere.
  expectError(
      vipWith("  check_mode: ANY\n" + std::string(kServers)),
      "f.conf:4:3: vip 'v' has no check (tcp { port: N }, http { ... }, https, dns, icmp or exec), nor "
      "has any of its servers; check_mode needs checks to combine");
  // The same check twice.
  expectError(vipWith("  check { tcp { port: 80 } }\n  check { tcp { port: 80 } }\n" + std::string(kServers)),
              "f.conf:5:3: duplicate check");
  // A bad second check, and a bad check of a server, at their own places.
  expectError(
      vipWith("  check { tcp { port: 80 } }\n  check { tcp { port: 80 } rise: 0 }\n" + std::string(kServers)),
      "f.conf:5:28: rise must be greater than 0");
  expectError(vipWith(std::string(kTcp) +
                      "  server { name: \"a\" address: \"192.0.2.2\" check { interval_ms: 9 } }\n"),
              "f.conf:5:43: check has no probe");
  expectError(vipWith("  check_mode: SOME\n" + std::string(kTcp) + kServers),
              "f.conf:5:3: Unknown enumeration value");
}

TEST(ConfigLoader, ProbeBinding) {
  ConfigResult r = parseConfig(
      vipWith("  check { tcp { port: 80 } source: \"192.0.2.1\" vrf: \"red\" }\n" + std::string(kServers)),
      "f.conf");
  CHECK_TRUE(r.config.has_value());
  const CheckConfig& c = r.config->vips[0].checks[0];
  CHECK_TRUE(c.source.has_value());
  STRCMP_EQUAL("192.0.2.1", c.source->str().c_str());
  STRCMP_EQUAL("red", c.vrf.c_str());
  STRCMP_EQUAL("", c.interface.c_str());
  ConfigResult i =
      parseConfig(vipWith("  check { icmp { } interface: \"eth-s1\" }\n" + std::string(kServers)), "f.conf");
  CHECK_TRUE(i.config.has_value());
  STRCMP_EQUAL("eth-s1", i.config->vips[0].checks[0].interface.c_str());
  CHECK_FALSE(i.config->vips[0].checks[0].source.has_value());
  // Exec checks accept them too (the program gets them in its environment).
  ConfigResult e = parseConfig(
      vipWith("  check { exec { command: \"/x\" } vrf: \"red\" }\n" + std::string(kServers)), "f.conf");
  CHECK_TRUE(e.config.has_value());
}

TEST(ConfigLoader, ProbeBindingErrors) {
  expectError(vipWith("  check { tcp { port: 80 } source: \"2001:db8::1\" }\n" + std::string(kServers)),
              "f.conf:4:28: source 2001:db8::1 is not of the servers' address family (IPv4)");
  expectError(vipWith("  check { tcp { port: 80 } source: \"192.0.2.300\" }\n" + std::string(kServers)),
              "f.conf:4:28: bad source address '192.0.2.300'");
  expectError(
      vipWith("  check { tcp { port: 80 } interface: \"a-name-far-too-long\" }\n" + std::string(kServers)),
      "f.conf:4:28: interface 'a-name-far-too-long' is not a device name");
  expectError(vipWith("  check { tcp { port: 80 } vrf: \"a/b\" }\n" + std::string(kServers)),
              "f.conf:4:28: vrf 'a/b' is not a device name");
  expectError(vipWith("  check { tcp { port: 80 } vrf: \"\" }\n" + std::string(kServers)),
              "f.conf:4:28: vrf '' is not a device name");
  expectError(
      vipWith("  check { tcp { port: 80 } interface: \"eth0\" vrf: \"red\" }\n" + std::string(kServers)),
      "f.conf:4:46: interface and vrf exclude each other");
}

TEST(ConfigLoader, SlowStart) {
  ConfigResult d = parseConfig(kValid, "f.conf");
  LONGS_EQUAL(0, d.config->vips[0].slow_start_s);
  ConfigResult r = parseConfig(vipWith("  slow_start_s: 30\n" + std::string(kTcp) + kServers), "f.conf");
  CHECK_TRUE(r.config.has_value());
  LONGS_EQUAL(30, r.config->vips[0].slow_start_s);
  expectError(vipWith("  slow_start_s: 3601\n" + std::string(kTcp) + kServers),
              "f.conf:4:3: slow_start_s 3601 is out of range 0..3600");
}

TEST(ConfigLoader, FirstVerdictsAreBounded) {
  // 100 x 10 s + 0.5 s is over 15 minutes: systemd would wait that long for READY.
  expectError(
      vipWith("  check { tcp { port: 80 } interval_ms: 10000 rise: 100 }\n" + std::string(kServers)),
      "rise x interval_ms + timeout_ms is 1000500 ms: a server's first verdict may take at most 900000 "
      "ms (15 minutes); lower rise or interval_ms");
  auto r = parseConfig(kValid, "f.conf");
  CHECK_TRUE(r.config.has_value());
  // web: rise 2 x 1000 ms + 500 ms; web6: the defaults (2 x 1000 + 500). The slowest decides.
  LONGS_EQUAL(2500, firstVerdictBound(*r.config).count());
  r.config->vips[1].checks[0].rise = 5;
  LONGS_EQUAL(5500, firstVerdictBound(*r.config).count());
  // A server's own checks count instead of the VIP's.
  r.config->vips[0].servers[0].checks = {r.config->vips[0].checks[0]};
  r.config->vips[0].servers[0].checks[0].interval_ms = 3000;
  LONGS_EQUAL(6500, firstVerdictBound(*r.config).count());
}

namespace {

// The file system as a test wants it: the paths listed are fine, every other one "does not exist".
class ListedFiles : public ConfigFiles {
 public:
  explicit ListedFiles(std::vector<std::string> ok) : ok_(std::move(ok)) {}
  Status readable(const std::string& path) const override { return check(path); }
  Status program(const std::string& path) const override { return check(path); }
  // Users and groups: anycastd-check (999, group 998, also in 4), nobody and nogroup (65534).
  Status user(const std::string& name, ExecIdentity& out) const override {
    if (name == "anycastd-check")
      out = {999, 998, {998, 4}};
    else if (name == "nobody")
      out = {65534, 65534, {65534}};
    else
      return Status::fail(ENOENT, "does not exist");
    return Status::ok();
  }
  Status group(const std::string& name, uint32_t& gid) const override {
    if (name != "nogroup") return Status::fail(ENOENT, "does not exist");
    gid = 65534;
    return Status::ok();
  }

 private:
  Status check(const std::string& path) const {
    for (const auto& p : ok_)
      if (p == path) return Status::ok();
    return Status::fail(ENOENT, "does not exist");
  }
  std::vector<std::string> ok_;
};

std::string errorsWithFiles(const std::string& text, const ConfigFiles& files) {
  std::string out;
  for (const auto& e : parseConfig(text, "f.conf", &files).errors) out += e.str() + "\n";
  return out;
}

}  // namespace

TEST(ConfigLoader, FilesTheConfigNamesMustBeUsable) {
  const std::string https =
      vipWith("  check { https { verify: true ca_file: \"/etc/anycastd/ca.pem\" sni: \"a.test\" } }\n" +
              std::string(kServers));
  const std::string exec = vipWith("  check {\n    exec { command: \"/usr/lib/anycastd/check-foo\" }\n  }\n" +
                                   std::string(kServers));
  ListedFiles none({});
  STRCMP_EQUAL("f.conf:4:32: ca_file '/etc/anycastd/ca.pem' does not exist\n",
               errorsWithFiles(https, none).c_str());
  STRCMP_EQUAL("f.conf:5:12: command '/usr/lib/anycastd/check-foo' does not exist\n",
               errorsWithFiles(exec, none).c_str());
  ListedFiles both({"/etc/anycastd/ca.pem", "/usr/lib/anycastd/check-foo"});
  STRCMP_EQUAL("", errorsWithFiles(https, both).c_str());
  STRCMP_EQUAL("", errorsWithFiles(exec, both).c_str());
}

TEST(ConfigLoader, RealFilesAreStatted) {
  const ConfigFiles& fs = realConfigFiles();
  CHECK_TRUE(fs.program("/bin/sh").isOk());
  STRCMP_EQUAL("does not exist", fs.program("/nonexistent/check").message.c_str());
  STRCMP_EQUAL("is not a regular file", fs.readable("/etc").message.c_str());
  char dir[] = "/tmp/anycastd-config-files.XXXXXX";
  CHECK_TRUE(mkdtemp(dir) != nullptr);
  const std::string script = std::string(dir) + "/check";
  FILE* f = fopen(script.c_str(), "w");
  CHECK_TRUE(f != nullptr);
  fputs("#!/bin/sh\nexit 0\n", f);
  fclose(f);
  chmod(script.c_str(), 0644);
  STRCMP_EQUAL("is not executable (chmod 0755)", fs.program(script).message.c_str());
  chmod(script.c_str(), 0775);
  if (geteuid() == 0)  // a file made by anyone else is refused for its owner first
    CHECK(fs.program(script).message.find("writable by group or others") != std::string::npos);
  chmod(script.c_str(), 0755);
  if (geteuid() == 0) CHECK_TRUE(fs.program(script).isOk());
  CHECK_TRUE(fs.readable(script).isOk());
  unlink(script.c_str());
  rmdir(dir);
}

namespace {

// Resolves files and the listed users, but knows no user at all: a host without the package's user.
class NoUsers : public ListedFiles {
 public:
  using ListedFiles::ListedFiles;
  Status user(const std::string&, ExecIdentity&) const override {
    return Status::fail(ENOENT, "does not exist");
  }
};

std::string execCheck(const std::string& fields) {
  return vipWith("  check {\n    exec { command: \"/usr/lib/anycastd/check-foo\"" + fields + " }\n  }\n" +
                 std::string(kServers));
}

}  // namespace

TEST(ConfigLoader, ExecChecksRunAsAnUnprivilegedUserLookedUpAtLoad) {
  ListedFiles files({"/usr/lib/anycastd/check-foo"});
  // Default: the package's anycastd-check, its primary and supplementary groups.
  auto r = parseConfig(execCheck(""), "f.conf", &files);
  CHECK_TRUE(r.errors.empty());
  const ExecCheckConfig& d = r.config->vips[0].checks[0].exec;
  STRCMP_EQUAL("anycastd-check", d.user.c_str());
  CHECK_TRUE(d.identity == (ExecIdentity{999, 998, {998, 4}}));
  // user and group: that group is the only one.
  r = parseConfig(execCheck(" user: \"nobody\" group: \"nogroup\""), "f.conf", &files);
  CHECK_TRUE(r.errors.empty());
  CHECK_TRUE(r.config->vips[0].checks[0].exec.identity == (ExecIdentity{65534, 65534, {65534}}));
  r = parseConfig(execCheck(" user: \"anycastd-check\" group: \"nogroup\""), "f.conf", &files);
  CHECK_TRUE(r.config->vips[0].checks[0].exec.identity == (ExecIdentity{999, 65534, {65534}}));
  // Names that do not exist are refused at their place.
  STRCMP_EQUAL("f.conf:5:51: user 'ghost' does not exist\n",
               errorsWithFiles(execCheck(" user: \"ghost\""), files).c_str());
  STRCMP_EQUAL("f.conf:5:66: group 'ghosts' does not exist\n",
               errorsWithFiles(execCheck(" user: \"nobody\" group: \"ghosts\""), files).c_str());
  STRCMP_EQUAL("f.conf:5:51: user must not be empty (leave it out for anycastd-check)\n",
               errorsWithFiles(execCheck(" user: \"\""), files).c_str());
  // The default user missing (the package is not installed): the error says how to fix it.
  const std::string missing = errorsWithFiles(execCheck(""), NoUsers({"/usr/lib/anycastd/check-foo"}));
  STRCMP_CONTAINS(
      "f.conf:5:5: exec checks run as user 'anycastd-check' by default, which does not exist: "
      "install the anycastd package",
      missing.c_str());
  STRCMP_CONTAINS("user: \"nobody\" group: \"nogroup\"", missing.c_str());
  // Without ConfigFiles nothing is looked up: the identity stays unset.
  CHECK_FALSE(parseConfig(execCheck(""), "f.conf").config->vips[0].checks[0].exec.identity.has_value());
}

TEST(ConfigLoader, RealUsersAreLookedUp) {
  ExecIdentity id;
  CHECK_TRUE(realConfigFiles().user("nobody", id).isOk());
  LONGS_EQUAL(65534, id.uid);
  uint32_t gid = 0;
  CHECK_TRUE(realConfigFiles().group("nogroup", gid).isOk());
  LONGS_EQUAL(65534, gid);
  STRCMP_EQUAL("does not exist", realConfigFiles().user("anycastd-no-such-user", id).message.c_str());
  STRCMP_EQUAL("does not exist", realConfigFiles().group("anycastd-no-such-group", gid).message.c_str());
}
