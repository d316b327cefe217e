#include "agent/config/config_loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "agent/config/proto_error_collector.h"
#include "lib/dns_name.h"
#include "lib/listen_address.h"
#include "proto/config.pb.h"

namespace anycastd {
namespace {

namespace pb = google::protobuf;
using Tree = pb::TextFormat::ParseInfoTree;

// Validates one message at a time; knows where each field was written through the parse tree.
class Validator {
 public:
  Validator(const std::string& file, std::vector<ConfigError>& errors, const ConfigFiles* files)
      : file_(file), errors_(errors), files_(files) {}

  void error(const Tree* tree, const pb::Message& msg, const char* field, int index,
             const std::string& text) {
    int line = 0, column = 0;
    if (tree) {
      const auto* fd = msg.GetDescriptor()->FindFieldByName(field);
      auto loc = tree->GetLocation(fd, fd && fd->is_repeated() ? index : -1);
      if (loc.line >= 0) {
        line = loc.line + 1;
        column = loc.column + 1;
      }
    }
    errors_.push_back({file_, line, column, text});
  }

  static const Tree* nested(const Tree* tree, const pb::Message& msg, const char* field, int index = -1) {
    if (!tree) return nullptr;
    const auto* fd = msg.GetDescriptor()->FindFieldByName(field);
    return tree->GetTreeForNested(fd, fd->is_repeated() ? index : -1);
  }

  // A value that is present must be in [lo, hi].
  bool inRange(const Tree* tree, const pb::Message& msg, const char* field, uint64_t value, uint64_t lo,
               uint64_t hi) {
    if (value >= lo && value <= hi) return true;
    error(tree, msg, field, -1,
          std::string(field) + " " + std::to_string(value) + " is out of range " + std::to_string(lo) + ".." +
              std::to_string(hi));
    return false;
  }

  KernelConfig kernel(const config::KernelDataplane& k, const Tree* t) {
    KernelConfig out;
    if (k.has_route_protocol() && inRange(t, k, "route_protocol", k.route_protocol(), 1, 255))
      out.route_protocol = static_cast<uint8_t>(k.route_protocol());
    if (k.has_table() && inRange(t, k, "table", k.table(), 1, 0xFFFFFFFEu)) out.table = k.table();
    switch (k.nexthop_mode()) {
      case config::KernelDataplane::RESILIENT_GROUP: out.nexthop_mode = NexthopMode::kResilientGroup; break;
      case config::KernelDataplane::GROUP: out.nexthop_mode = NexthopMode::kGroup; break;
      case config::KernelDataplane::MULTIPATH_ROUTE: out.nexthop_mode = NexthopMode::kMultipathRoute; break;
      default: out.nexthop_mode = NexthopMode::kAuto; break;
    }
    if (k.has_buckets() && inRange(t, k, "buckets", k.buckets(), 1, 65535))
      out.buckets = static_cast<uint16_t>(k.buckets());
    if (k.has_idle_timer_s() && inRange(t, k, "idle_timer_s", k.idle_timer_s(), 0, 3600))
      out.idle_timer_s = k.idle_timer_s();
    if (k.has_unbalanced_timer_s() && inRange(t, k, "unbalanced_timer_s", k.unbalanced_timer_s(), 0, 3600))
      out.unbalanced_timer_s = k.unbalanced_timer_s();
    if (k.has_nexthop_id_base()) out.nexthop_id_base = k.nexthop_id_base();
    // The back-end's own rules (platform/kernel/kernel_config.h), placed at their fields.
    for (const auto& [field, message] : validateKernelConfig(out)) error(t, k, field.c_str(), -1, message);
    return out;
  }

  ZebraConfig zebra(const config::ZebraDataplane& z, const Tree* t) {
    ZebraConfig out;
    if (z.has_socket()) out.socket = z.socket();
    if (z.has_table_instance() && inRange(t, z, "table_instance", z.table_instance(), 1, 65535))
      out.table_instance = static_cast<uint16_t>(z.table_instance());
    if (z.has_frr_release()) out.frr_release = z.frr_release();
    if (z.has_graceful_restart_s() && inRange(t, z, "graceful_restart_s", z.graceful_restart_s(), 0, 3600))
      out.graceful_restart_s = z.graceful_restart_s();
    if (z.has_verify_kernel()) out.verify_kernel = z.verify_kernel();
    // The back-end's own rules (platform/zebra/zebra_config.h), placed at their fields.
    for (const auto& [field, message] : validateZebraConfig(out)) error(t, z, field.c_str(), -1, message);
    return out;
  }

  // path, expect_status, host, expect_body: the fields http and https share.
  template <typename Msg>
  void httpFields(const Msg& h, const Tree* ht, CheckConfig& out) {
    if (h.has_path()) {
      if (h.path().empty() || h.path()[0] != '/' || h.path().find_first_of(" \r\n\t") != std::string::npos)
        error(ht, h, "path", -1, "path '" + h.path() + "' must start with '/' and contain no whitespace");
      out.http_path = h.path();
    }
    if (h.has_expect_status() && inRange(ht, h, "expect_status", h.expect_status(), 100, 599))
      out.expect_status = h.expect_status();
    if (h.has_host()) {
      if (h.host().empty() || h.host().find_first_of(" \r\n\t") != std::string::npos)
        error(ht, h, "host", -1, "host '" + h.host() + "' is empty or contains whitespace");
      out.http_host = h.host();
    }
    if (h.has_expect_body()) {
      if (h.expect_body().empty())
        error(ht, h, "expect_body", -1, "expect_body must not be empty (leave it out)");
      out.expect_body = h.expect_body();
    }
  }

  void tls(const config::HttpsCheck& h, const Tree* ht, TlsConfig& out) {
    if (h.has_sni()) {
      std::string why;
      if (!normaliseDnsName(h.sni(), &why) || IpAddress::parse(h.sni()))
        error(ht, h, "sni", -1,
              "sni '" + h.sni() + "' must be a host name" + (why.empty() ? "" : ": " + why));
      out.sni = h.sni();
    }
    out.verify = h.verify();
    if (h.has_ca_file()) {
      if (h.ca_file().empty() || h.ca_file()[0] != '/')
        error(ht, h, "ca_file", -1, "ca_file must be an absolute path");
      else if (!h.verify())
        error(ht, h, "ca_file", -1, "ca_file is used only with verify: true");
      else if (files_)
        if (Status s = files_->readable(h.ca_file()); !s.isOk())
          error(ht, h, "ca_file", -1, "ca_file '" + h.ca_file() + "' " + s.message);
      out.ca_file = h.ca_file();
    }
    if (h.verify() && !h.has_ca_file())
      error(ht, h, "verify", -1, "verify: true needs ca_file (the CA that signs the servers' certificates)");
  }

  void dns(const config::DnsCheck& d, const Tree* dt, CheckConfig& out) {
    out.port = 53;
    if (d.has_port() && inRange(dt, d, "port", d.port(), 1, 65535))
      out.port = static_cast<uint16_t>(d.port());
    std::string why;
    if (auto name = normaliseDnsName(d.name(), &why))
      out.dns.name = *name;
    else if (!d.name().empty())
      error(dt, d, "name", -1, "bad name '" + d.name() + "': " + why);
    if (d.has_type()) {
      if (auto type = dnsTypeFromName(d.type()))
        out.dns.type = *type;
      else
        error(dt, d, "type", -1,
              "unknown type '" + d.type() + "' (A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT)");
    }
    out.dns.transport = d.transport() == config::DnsCheck::TCP ? DnsTransport::kTcp : DnsTransport::kUdp;
    if (d.has_expect_rcode()) {
      if (auto rcode = dnsRcodeFromName(d.expect_rcode()))
        out.dns.expect_rcode = *rcode;
      else
        error(dt, d, "expect_rcode", -1,
              "unknown expect_rcode '" + d.expect_rcode() +
                  "' (NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED)");
    }
    if (d.has_expect_address()) {
      if (auto a = IpAddress::parse(d.expect_address())) {
        out.dns.expect_address = *a;
        const uint16_t want = a->isV4() ? kDnsTypeA : kDnsTypeAaaa;
        if (out.dns.type != want)
          error(dt, d, "expect_address", -1,
                "expect_address " + d.expect_address() + " needs type " + dnsTypeName(want) + ", not " +
                    dnsTypeName(out.dns.type));
      } else {
        error(dt, d, "expect_address", -1, "bad expect_address '" + d.expect_address() + "'");
      }
    }
  }

  // The exec { } of check `c`, written at `t`.
  void exec(const config::Check& c, const Tree* t, ExecCheckConfig& out) {
    const config::ExecCheck& e = c.exec();
    const Tree* et = nested(t, c, "exec");
    if (!e.command().empty() && e.command()[0] != '/')
      error(et, e, "command", -1, "command '" + e.command() + "' must be an absolute path (no PATH lookup)");
    else if (!e.command().empty() && files_)
      if (Status s = files_->program(e.command()); !s.isOk())
        error(et, e, "command", -1, "command '" + e.command() + "' " + s.message);
    out.command = e.command();
    out.args.assign(e.args().begin(), e.args().end());
    if (e.has_user()) {
      if (e.user().empty())
        error(et, e, "user", -1,
              "user must not be empty (leave it out for " + std::string(kDefaultExecUser) + ")");
      out.user = e.user();
    }
    if (e.has_group()) {
      if (e.group().empty())
        error(et, e, "group", -1, "group must not be empty (leave it out for the user's)");
      out.group = e.group();
    }
    if (!files_ || out.user.empty() || (e.has_group() && out.group.empty())) return;
    ExecIdentity id;
    if (Status s = files_->user(out.user, id); !s.isOk()) {
      if (e.has_user())
        error(et, e, "user", -1, "user '" + out.user + "' " + s.message);
      else
        error(t, c, "exec", -1,
              "exec checks run as user '" + out.user + "' by default, which " + s.message +
                  ": install the anycastd package (its postinst creates it: adduser --system "
                  "--group --no-create-home " +
                  out.user +
                  ") or set user (and group) in exec { }, e.g. user: \"nobody\" group: "
                  "\"nogroup\"");
      return;
    }
    if (e.has_group()) {
      if (Status s = files_->group(out.group, id.gid); !s.isOk())
        return error(et, e, "group", -1, "group '" + out.group + "' " + s.message);
      id.groups = {id.gid};  // the named group only
    }
    out.identity = id;
  }

  // Check number `index` of `parent` (a Vip or a Server), written at `pt`; `vip_prefix`: the VIP's, if valid.
  CheckConfig check(const pb::Message& parent, const Tree* pt, int index, const config::Check& c,
                    const std::optional<IpPrefix>& vip_prefix) {
    CheckConfig out;
    const Tree* t = nested(pt, parent, "check", index);
    if (c.has_tcp()) {
      out.kind = CheckKind::kTcp;
      if (inRange(nested(t, c, "tcp"), c.tcp(), "port", c.tcp().port(), 1, 65535))
        out.port = static_cast<uint16_t>(c.tcp().port());
    } else if (c.has_http()) {
      const auto& h = c.http();
      const Tree* ht = nested(t, c, "http");
      out.kind = CheckKind::kHttp;
      if (inRange(ht, h, "port", h.port(), 1, 65535)) out.port = static_cast<uint16_t>(h.port());
      httpFields(h, ht, out);
    } else if (c.has_https()) {
      const auto& h = c.https();
      const Tree* ht = nested(t, c, "https");
      out.kind = CheckKind::kHttps;
      out.port = 443;
      if (h.has_port() && inRange(ht, h, "port", h.port(), 1, 65535))
        out.port = static_cast<uint16_t>(h.port());
      httpFields(h, ht, out);
      tls(h, ht, out.tls);
    } else if (c.has_dns()) {
      out.kind = CheckKind::kDns;
      dns(c.dns(), nested(t, c, "dns"), out);
      if (c.dns().name().empty()) error(t, c, "dns", -1, "dns check has no name (name: \"example.test\")");
    } else if (c.has_icmp()) {
      out.kind = CheckKind::kIcmp;
    } else if (c.has_exec()) {
      out.kind = CheckKind::kExec;
      exec(c, t, out.exec);
      if (c.exec().command().empty())
        error(t, c, "exec", -1, "exec check has an empty command (command: \"/usr/lib/anycastd/check-...\")");
    } else {
      error(pt, parent, "check", index,
            "check has no probe: add one of tcp { port: N }, http { ... }, https { ... }, dns { ... }, "
            "icmp { }, exec { ... }");
    }
    auto positive = [&](const char* field, bool has, uint32_t value, uint32_t& into) {
      if (!has) return;
      if (value == 0) error(t, c, field, -1, std::string(field) + " must be greater than 0");
      into = value;
    };
    positive("interval_ms", c.has_interval_ms(), c.interval_ms(), out.interval_ms);
    positive("timeout_ms", c.has_timeout_ms(), c.timeout_ms(), out.timeout_ms);
    positive("rise", c.has_rise(), c.rise(), out.rise);
    positive("fall", c.has_fall(), c.fall(), out.fall);
    if (out.timeout_ms > 0 && out.interval_ms > 0 && out.timeout_ms >= out.interval_ms)
      error(t, c, c.has_timeout_ms() ? "timeout_ms" : "interval_ms", -1,
            "timeout_ms " + std::to_string(out.timeout_ms) + " must be less than interval_ms " +
                std::to_string(out.interval_ms));
    // READY (systemd) waits for every server's first verdict, which takes up to rise intervals; the start
    // timeout is extended to that bound (firstVerdictBound), so it must stay within kMaxFirstVerdict.
    const uint64_t first_verdict_ms = uint64_t{out.rise} * out.interval_ms + out.timeout_ms;
    if (first_verdict_ms > static_cast<uint64_t>(kMaxFirstVerdict.count()))
      error(t, c, c.has_rise() ? "rise" : "interval_ms", -1,
            "rise x interval_ms + timeout_ms is " + std::to_string(first_verdict_ms) +
                " ms: a server's first verdict may take at most " + std::to_string(kMaxFirstVerdict.count()) +
                " ms (15 minutes); lower rise or interval_ms");
    binding(c, t, vip_prefix, out);
    return out;
  }

  // The checks of `parent` (a Vip or a Server); two identical ones are an error (the second would add
  // nothing but a second copy of the same state).
  template <typename Msg>
  std::vector<CheckConfig> checks(const Msg& parent, const Tree* pt,
                                  const std::optional<IpPrefix>& vip_prefix) {
    std::vector<CheckConfig> out;
    for (int i = 0; i < parent.check_size(); ++i) {
      CheckConfig c = check(parent, pt, i, parent.check(i), vip_prefix);
      if (std::find(out.begin(), out.end(), c) != out.end())
        error(pt, parent, "check", i, "duplicate check: the same check is already listed above");
      out.push_back(std::move(c));
    }
    return out;
  }

  // source, interface, vrf: where the probes leave the switch from.
  void binding(const config::Check& c, const Tree* t, const std::optional<IpPrefix>& vip_prefix,
               CheckConfig& out) {
    if (c.has_source()) {
      if (auto a = IpAddress::parse(c.source())) {
        out.source = *a;
        if (vip_prefix && a->family() != vip_prefix->family())
          error(t, c, "source", -1,
                "source " + c.source() + " is not of the servers' address family (" +
                    (vip_prefix->family() == Family::kIpv4 ? "IPv4" : "IPv6") + ")");
      } else {
        error(t, c, "source", -1, "bad source address '" + c.source() + "'");
      }
    }
    auto device = [&](const char* field, bool has, const std::string& name, std::string& into) {
      if (!has) return;
      // The kernel's rule for device names (dev_valid_name): 1..15 bytes, not "." or "..", no '/', ':' or
      // whitespace.
      const bool ok = !name.empty() && name.size() < 16 && name != "." && name != ".." &&
                      name.find_first_of("/: \t\r\n") == std::string::npos;
      if (!ok)
        error(t, c, field, -1,
              std::string(field) + " '" + name +
                  "' is not a device name (1..15 characters, no '/', ':' or whitespace)");
      into = name;
    };
    device("interface", c.has_interface(), c.interface(), out.interface);
    device("vrf", c.has_vrf(), c.vrf(), out.vrf);
    if (c.has_interface() && c.has_vrf())
      error(t, c, "vrf", -1,
            "interface and vrf exclude each other: a socket is bound to one device (bind to the port, which "
            "already uses its VRF's routes, or to the VRF)");
  }

  DampeningConfig dampening(const config::Dampening& d, const Tree* t) {
    DampeningConfig out;
    if (d.has_enabled()) out.enabled = d.enabled();
    if (d.has_half_life_s() && inRange(t, d, "half_life_s", d.half_life_s(), 1, 3600))
      out.half_life_s = d.half_life_s();
    if (d.has_suppress() && inRange(t, d, "suppress", d.suppress(), 1, 1000000)) out.suppress = d.suppress();
    if (d.has_reuse() && inRange(t, d, "reuse", d.reuse(), 1, 1000000)) out.reuse = d.reuse();
    if (d.has_max_suppress_s() && inRange(t, d, "max_suppress_s", d.max_suppress_s(), 1, 3600))
      out.max_suppress_s = d.max_suppress_s();
    if (d.has_withdraw_penalty() && inRange(t, d, "withdraw_penalty", d.withdraw_penalty(), 0, 100000))
      out.withdraw_penalty = d.withdraw_penalty();
    if (d.has_announce_penalty() && inRange(t, d, "announce_penalty", d.announce_penalty(), 0, 100000))
      out.announce_penalty = d.announce_penalty();
    if (out.reuse >= out.suppress)
      error(t, d, d.has_reuse() ? "reuse" : "suppress", -1,
            "reuse " + std::to_string(out.reuse) + " must be less than suppress " +
                std::to_string(out.suppress));
    else if (penaltyCeiling(out) < out.suppress)
      error(t, d, d.has_max_suppress_s() ? "max_suppress_s" : "suppress", -1,
            "the penalty can never reach suppress " + std::to_string(out.suppress) +
                ": it is capped at reuse * 2^(max_suppress_s / half_life_s) = " +
                std::to_string(static_cast<uint64_t>(penaltyCeiling(out))) +
                "; raise max_suppress_s or lower suppress");
    return out;
  }

  VipConfig vip(const config::Vip& v, const Tree* t) {
    VipConfig out;
    out.name = v.name();
    if (v.name().empty()) error(t, v, "prefix", -1, "vip has no name");
    std::string why;
    if (auto p = IpPrefix::parse(v.prefix(), &why)) {
      out.prefix = *p;
    } else {
      error(t, v, "prefix", -1,
            v.prefix().empty() ? "vip '" + v.name() + "' has no prefix" : "bad prefix: " + why);
    }
    const bool prefix_ok = why.empty();
    const std::optional<IpPrefix> valid_prefix =
        prefix_ok ? std::optional<IpPrefix>(out.prefix) : std::nullopt;
    out.checks = checks(v, t, valid_prefix);
    if (v.check_mode() == config::ANY) out.check_mode = CheckMode::kAny;
    bool any_server_check = false;
    for (const auto& s : v.server()) any_server_check = any_server_check || s.check_size() > 0;
    if (out.checks.empty() && !any_server_check)
      error(
          t, v, v.has_check_mode() ? "check_mode" : "name", -1,
          "vip '" + v.name() +
              "' has no check (tcp { port: N }, http { ... }, https, dns, icmp or exec), nor has any of its "
              "servers" +
              (v.has_check_mode() ? "; check_mode needs checks to combine" : ""));
    std::set<std::string> names;
    std::set<IpAddress> addresses;
    for (int i = 0; i < v.server_size(); ++i) {
      const auto& s = v.server(i);
      const Tree* st = nested(t, v, "server", i);
      ServerConfig sc;
      sc.name = s.name();
      if (s.name().empty())
        error(st, s, "address", -1, "server has no name");
      else if (!names.insert(s.name()).second)
        error(st, s, "name", -1, "duplicate server name '" + s.name() + "' in vip '" + v.name() + "'");
      if (auto a = IpAddress::parse(s.address())) {
        sc.address = *a;
        if (prefix_ok && a->family() != out.prefix.family())
          error(st, s, "address", -1,
                "server '" + s.name() + "' address " + s.address() + " is not of the VIP's address family (" +
                    (out.prefix.family() == Family::kIpv4 ? "IPv4" : "IPv6") + ")");
        else if (!addresses.insert(*a).second)
          error(st, s, "address", -1,
                "duplicate server address " + s.address() + " in vip '" + v.name() + "'");
      } else {
        error(st, s, "address", -1,
              s.address().empty() ? "server '" + s.name() + "' has no address"
                                  : "bad server address '" + s.address() + "'");
      }
      if (s.has_weight() && inRange(st, s, "weight", s.weight(), 1, 256)) sc.weight = s.weight();
      sc.checks = checks(s, st, valid_prefix);
      if (sc.checks.empty() && out.checks.empty() && any_server_check)
        error(st, s, "name", -1,
              "server '" + s.name() + "' has no check and vip '" + v.name() +
                  "' has none for it to use (add check { ... } to the server or the vip)");
      out.servers.push_back(sc);
    }
    if (v.server_size() == 0) error(t, v, "name", -1, "vip '" + v.name() + "' has no server");
    if (v.has_route_tag()) {
      if (v.route_tag() == 0)
        error(t, v, "route_tag", -1, "route_tag must be at least 1");
      else if (!zebra_mode_)
        error(
            t, v, "route_tag", -1,
            "route_tag needs the zebra dataplane (dataplane { zebra { ... } }): kernel routes carry no tag");
      out.route_tag = v.route_tag();
    }
    if (v.has_dampening()) out.dampening = dampening(v.dampening(), nested(t, v, "dampening"));
    if (v.has_degraded_below()) {
      out.degraded_below = v.degraded_below();
      if (v.degraded_below() == 0 || v.degraded_below() > static_cast<uint32_t>(v.server_size()))
        error(t, v, "degraded_below", -1,
              "degraded_below " + std::to_string(v.degraded_below()) + " is out of range 1.." +
                  std::to_string(v.server_size()) + " (the number of servers)");
    }
    if (v.has_degraded_tag()) {
      if (v.degraded_tag() == 0)
        error(t, v, "degraded_tag", -1, "degraded_tag must be at least 1");
      else if (!zebra_mode_)
        error(t, v, "degraded_tag", -1,
              "degraded_tag needs the zebra dataplane (dataplane { zebra { ... } }): kernel routes carry no "
              "tag");
      else if (!v.has_degraded_below())
        error(t, v, "degraded_tag", -1, "degraded_tag needs degraded_below");
      out.degraded_tag = v.degraded_tag();
    }
    if (v.has_slow_start_s() && inRange(t, v, "slow_start_s", v.slow_start_s(), 0, 3600))
      out.slow_start_s = v.slow_start_s();
    if (v.has_min_healthy_percent()) {
      out.min_healthy_percent = v.min_healthy_percent();
      inRange(t, v, "min_healthy_percent", v.min_healthy_percent(), 1, 100);
    }
    if (v.has_min_healthy()) {
      out.min_healthy = v.min_healthy();
      if (v.min_healthy() == 0)
        error(t, v, "min_healthy", -1, "min_healthy must be at least 1");
      else if (v.min_healthy() > static_cast<uint32_t>(v.server_size()))
        error(t, v, "min_healthy", -1,
              "min_healthy " + std::to_string(v.min_healthy()) + " is larger than the number of servers (" +
                  std::to_string(v.server_size()) + ")");
    }
    return out;
  }

  std::string metricsListen(const config::Config& c, const Tree* t) {
    const auto& m = c.metrics();
    const Tree* mt = nested(t, c, "metrics");
    if (m.listen().empty()) {
      error(t, c, "metrics", -1,
            "metrics has no listen address (listen: \"HOST:PORT\", e.g. \"127.0.0.1:9370\")");
      return {};
    }
    std::string why;
    auto address = parseListenAddress(m.listen(), &why);
    if (!address)
      error(mt, m, "listen", -1,
            "metrics listen '" + m.listen() + "': " + why + " (HOST:PORT or [IPV6]:PORT)");
    else if (address->port == 0)
      error(mt, m, "listen", -1, "metrics listen '" + m.listen() + "': port 0 is out of range 1..65535");
    return m.listen();
  }

  AgentConfig config(const config::Config& c, const Tree* t) {
    AgentConfig out;
    if (c.dataplane().has_kernel())
      out.kernel = kernel(c.dataplane().kernel(), nested(nested(t, c, "dataplane"), c.dataplane(), "kernel"));
    if (c.dataplane().has_zebra()) {
      out.dataplane = DataplaneKind::kZebra;
      out.zebra = zebra(c.dataplane().zebra(), nested(nested(t, c, "dataplane"), c.dataplane(), "zebra"));
      zebra_mode_ = true;
    }
    if (c.has_control_socket()) {
      if (c.control_socket().empty() || c.control_socket()[0] != '/' || c.control_socket().size() > 107)
        error(t, c, "control_socket", -1,
              "control_socket must be an absolute path of at most 107 characters");
      out.control_socket = c.control_socket();
    }
    if (c.has_control_group()) {
      if (c.control_group().empty()) error(t, c, "control_group", -1, "control_group must not be empty");
      out.control_group = c.control_group();
    }
    if (c.has_state_file()) {
      if (c.state_file().empty() || c.state_file()[0] != '/')
        error(t, c, "state_file", -1, "state_file must be an absolute path");
      out.state_file = c.state_file();
    }
    if (c.has_unclean_start_limit()) {
      if (c.unclean_start_limit() < 1)
        error(t, c, "unclean_start_limit", -1, "unclean_start_limit must be at least 1");
      out.unclean_start_limit = c.unclean_start_limit();
    }
    if (c.has_metrics()) out.metrics_listen = metricsListen(c, t);
    std::set<std::string> names;
    std::set<IpPrefix> prefixes;
    for (int i = 0; i < c.vip_size(); ++i) {
      const Tree* vt = nested(t, c, "vip", i);
      VipConfig v = vip(c.vip(i), vt);
      if (!v.name.empty() && !names.insert(v.name).second)
        error(vt, c.vip(i), "name", -1, "duplicate vip name '" + v.name + "'");
      if (!c.vip(i).prefix().empty() && v.prefix.length() > 0 && !prefixes.insert(v.prefix).second)
        error(vt, c.vip(i), "prefix", -1, "prefix " + v.prefix.str() + " is already used by another vip");
      out.vips.push_back(std::move(v));
    }
    return out;
  }

 private:
  const std::string& file_;
  std::vector<ConfigError>& errors_;
  const ConfigFiles* files_;  // null: the files the config names are not checked
  bool zebra_mode_ = false;   // set before the VIPs are validated
};

}  // namespace

std::string ConfigError::str() const {
  std::ostringstream s;
  s << file;
  if (line > 0) s << ":" << line << ":" << column;
  s << ": " << message;
  return s.str();
}

ConfigResult parseConfig(const std::string& text, const std::string& file, const ConfigFiles* files) {
  ConfigResult result;
  config::Config msg;
  Tree tree;
  ProtoErrorCollector collector(file, result.errors);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &msg)) {
    if (result.errors.empty()) result.errors.push_back({file, 0, 0, "cannot parse the file"});
    return result;
  }
  Validator validator(file, result.errors, files);
  AgentConfig config = validator.config(msg, &tree);
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

ConfigResult loadConfigFile(const std::string& path, std::string* text, const ConfigFiles& files) {
  std::ifstream in(path);
  if (!in) {
    ConfigResult r;
    r.errors.push_back({path, 0, 0, std::string("cannot read the file: ") + std::strerror(errno)});
    return r;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  if (text) *text = buf.str();
  return parseConfig(buf.str(), path, &files);
}

}  // namespace anycastd
