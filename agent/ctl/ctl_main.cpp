#include "agent/ctl/ctl_main.h"

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/config_loader.h"
#include "agent/ctl/ctl_client.h"
#include "agent/ctl/ctl_render.h"
#include "lib/version.h"
#include "lib/wall_clock.h"

namespace anycastd {
namespace {

using namespace ctl;

constexpr char kDefaultSocket[] = "/run/anycastd/anycastd.sock";
constexpr long kDefaultTimeoutMs = 5000;
constexpr long kMaxTimeoutMs = 3600 * 1000;

const char kUsage[] =
    "Usage: anycastctl [OPTIONS] COMMAND\n"
    "\n"
    "Shows and changes what anycastd does on this switch, over its control socket.\n"
    "\n"
    "Commands:\n"
    "  show vips                            every VIP: state, healthy servers, next hops, last change\n"
    "  show vip NAME                        one VIP in detail with its servers\n"
    "  show servers [VIP]                   every server (of one VIP): health, in route, last failure\n"
    "  show checks [VIP]                    every check of every server (of one VIP): its own health, last\n"
    "                                       probe and failure, servers sharing the probe; probes running\n"
    "  show config                          the running config file\n"
    "  drain vip NAME [--reason TEXT]       withdraw the VIP's route; health checks keep running\n"
    "  undrain vip NAME                     announce it again (when enough servers are healthy)\n"
    "  drain server VIP SERVER [--reason TEXT]\n"
    "                                       take one server out of the VIP's next hops\n"
    "  undrain server VIP SERVER            put it back (when healthy)\n"
    "  reload                               re-read the config file (as SIGHUP)\n"
    "  check-config FILE                    validate FILE here, without the daemon: FILE:LINE:COL: message\n"
    "                                       per problem\n"
    "  help                                 this text\n"
    "\n"
    "Options:\n"
    "  --socket PATH   the control socket (default $ANYCASTD_SOCKET, else /run/anycastd/anycastd.sock)\n"
    "  --json          print the reply as JSON (protobuf JSON mapping of proto/control.proto, snake_case\n"
    "                  field names; 64-bit numbers as strings)\n"
    "  --timeout MS    give up waiting for anycastd after MS milliseconds (default 5000)\n"
    "  --reason TEXT   with drain: why (a ticket number); shown by show and kept across restarts\n"
    "  -h, --help      this text\n"
    "  --version       anycastctl's version\n"
    "\n"
    "Exit status: 0 done; 1 anycastd refused the request (its error is printed) or check-config found\n"
    "             problems; 2 usage error; 3 anycastd could not be reached, did not answer in time or\n"
    "             answered with something unreadable.\n";

struct Options {
  std::string socket;
  bool json = false;
  long timeout_ms = kDefaultTimeoutMs;
  std::optional<std::string> reason;
  bool help = false;
  bool version = false;
  std::vector<std::string> words;  // the command and its arguments
};

// Parses argv into `o`; returns a usage error message, or nothing.
std::optional<std::string> parseArgs(int argc, char** argv, Options& o) {
  const char* env = std::getenv("ANYCASTD_SOCKET");
  o.socket = env && *env ? env : kDefaultSocket;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      o.words.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    auto takeValue = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (name == "--json" && !has_value) {
      o.json = true;
    } else if ((name == "-h" || name == "--help") && !has_value) {
      o.help = true;
    } else if ((name == "--version" || name == "-V") && !has_value) {
      o.version = true;
    } else if (name == "--socket") {
      if (!takeValue() || value.empty()) return "--socket needs a PATH";
      o.socket = value;
    } else if (name == "--reason") {
      if (!takeValue()) return "--reason needs a TEXT";
      o.reason = value;
    } else if (name == "--timeout") {
      if (!takeValue()) return "--timeout needs MS";
      char* end = nullptr;
      long ms = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || ms <= 0 || ms > kMaxTimeoutMs)
        return "--timeout wants milliseconds, 1.." + std::to_string(kMaxTimeoutMs) + ", not '" + value + "'";
      o.timeout_ms = ms;
    } else {
      return "unknown option '" + arg + "'";
    }
  }
  return std::nullopt;
}

const control::VipStatus* findVip(const control::Status& status, const std::string& name) {
  for (const control::VipStatus& vip : status.vips())
    if (vip.name() == name) return &vip;
  return nullptr;
}

class Cli {
 public:
  Cli(const Options& o, std::ostream& out, std::ostream& err) : o_(o), out_(out), err_(err) {}

  int run() {
    const std::vector<std::string>& w = o_.words;
    if (o_.help || (!w.empty() && w[0] == "help")) {
      out_ << kUsage;
      return kExitOk;
    }
    if (o_.version) {
      out_ << "anycastctl " ANYCASTD_VERSION "\n";
      return kExitOk;
    }
    if (w.empty()) return usage("no command given");
    if (o_.reason && w[0] != "drain") return usage("--reason goes with drain only");
    const std::string& cmd = w[0];
    if (cmd == "show") return show();
    if (cmd == "drain" || cmd == "undrain") return drain(cmd == "drain");
    if (cmd == "reload") return reload();
    if (cmd == "check-config") return checkConfig();
    return usage("unknown command '" + cmd + "'");
  }

 private:
  int usage(const std::string& message) {
    err_ << "anycastctl: " << message << "\nTry 'anycastctl help'.\n";
    return kExitUsage;
  }

  // Checks that the command has exactly `n` words and that none is empty.
  bool arity(size_t n, const char* form, int& code) {
    if (o_.words.size() != n) {
      code = usage(std::string(o_.words.size() < n ? "missing arguments: " : "too many arguments: ") + form);
      return false;
    }
    for (size_t i = 1; i < n; ++i)
      if (o_.words[i].empty()) {
        code = usage(std::string("empty argument: ") + form);
        return false;
      }
    return true;
  }

  // Sends the request; on a daemon error or a transport failure prints it and returns the exit status.
  std::optional<int> call(const control::Request& request, control::Response& response) {
    std::string error;
    std::optional<control::Response> reply =
        callDaemon(o_.socket, request, std::chrono::milliseconds(o_.timeout_ms), error);
    if (!reply) {
      err_ << "anycastctl: " << error << "\n";
      return kExitUnreachable;
    }
    if (!reply->ok()) {
      err_ << "anycastctl: "
           << (reply->error().empty() ? "anycastd refused the request without saying why" : reply->error())
           << "\n";
      return kExitRefused;
    }
    response = std::move(*reply);
    return std::nullopt;
  }

  int malformed(const char* what) {
    err_ << "anycastctl: anycastd's reply has no " << what
         << " (anycastctl and anycastd of different versions?)\n";
    return kExitUnreachable;
  }

  int show() {
    const std::vector<std::string>& w = o_.words;
    int code = kExitOk;
    control::Request request;
    std::string sub = w.size() > 1 ? w[1] : "";
    if (sub == "vips") {
      if (!arity(2, "show vips", code)) return code;
      request.mutable_show();
    } else if (sub == "vip") {
      if (!arity(3, "show vip NAME", code)) return code;
      request.mutable_show()->set_vip(w[2]);
    } else if (sub == "servers" || sub == "checks") {
      if (w.size() > 3) return usage("too many arguments: show " + sub + " [VIP]");
      request.mutable_show()->set_vip(w.size() == 3 ? w[2] : "");
    } else if (sub == "config") {
      if (!arity(2, "show config", code)) return code;
      request.mutable_show_config();
    } else {
      return usage(sub.empty()
                       ? "show what? vips, vip NAME, servers [VIP], checks [VIP] or config"
                       : "cannot show '" + sub + "': vips, vip NAME, servers [VIP], checks [VIP] or config");
    }
    control::Response response;
    if (auto failed = call(request, response)) return *failed;

    if (sub == "config") {
      if (response.result_case() != control::Response::kConfigText) return malformed("config text");
      if (o_.json) {
        out_ << configTextJson(response.config_text());
      } else {
        out_ << response.config_text();
        if (!response.config_text().empty() && response.config_text().back() != '\n') out_ << "\n";
      }
      return kExitOk;
    }
    if (!response.has_status()) return malformed("status");
    const control::Status& status = response.status();
    if (o_.json) {
      out_ << toJson(status);
      return kExitOk;
    }
    int64_t now = nowUnixMs();
    if (sub == "vips") {
      out_ << renderVipTable(status, now);
    } else if (sub == "servers") {
      out_ << renderServerTable(status, now);
    } else if (sub == "checks") {
      out_ << renderCheckTable(status, now);
    } else {
      const control::VipStatus* vip = findVip(status, w[2]);
      if (!vip) return malformed(("vip '" + w[2] + "'").c_str());
      out_ << renderVipDetail(*vip, now);
    }
    return kExitOk;
  }

  int drain(bool drain) {
    const std::vector<std::string>& w = o_.words;
    const std::string& cmd = w[0];
    int code = kExitOk;
    std::string sub = w.size() > 1 ? w[1] : "";
    control::DrainRequest* d = nullptr;
    control::Request request;
    d = drain ? request.mutable_drain() : request.mutable_undrain();
    if (sub == "vip") {
      if (!arity(3, (cmd + " vip NAME").c_str(), code)) return code;
      d->set_vip(w[2]);
    } else if (sub == "server") {
      if (!arity(4, (cmd + " server VIP SERVER").c_str(), code)) return code;
      d->set_vip(w[2]);
      d->set_server(w[3]);
    } else {
      return usage(cmd + " what? vip NAME or server VIP SERVER");
    }
    if (o_.reason) d->set_reason(*o_.reason);
    control::Response response;
    if (auto failed = call(request, response)) return *failed;
    if (!response.has_status()) return malformed("status");
    if (o_.json) {
      out_ << toJson(response.status());
      return kExitOk;
    }
    std::string what =
        d->server().empty() ? "vip " + d->vip() : "server " + d->server() + " of vip " + d->vip();
    out_ << (drain ? "drained " : "undrained ") << what << "\n\n";
    if (const control::VipStatus* vip = findVip(response.status(), d->vip()))
      out_ << renderVipDetail(*vip, nowUnixMs());
    return kExitOk;
  }

  int reload() {
    int code = kExitOk;
    if (!arity(1, "reload", code)) return code;
    control::Request request;
    request.mutable_reload();
    control::Response response;
    if (auto failed = call(request, response)) return *failed;
    if (!response.has_reload()) return malformed("reload result");
    out_ << (o_.json ? toJson(response.reload()) : renderReload(response.reload()));
    return kExitOk;
  }

  int checkConfig() {
    int code = kExitOk;
    if (!arity(2, "check-config FILE", code)) return code;
    const std::string& path = o_.words[1];
    ConfigResult loaded = loadConfigFile(path);
    for (const ConfigError& e : loaded.errors) err_ << e.str() << "\n";
    if (!loaded.config) return kExitRefused;
    out_ << path << ": OK (" << loaded.config->vips.size() << " vips)\n";
    return kExitOk;
  }

  const Options& o_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace

int runAnycastctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  Options options;
  if (std::optional<std::string> problem = parseArgs(argc, argv, options)) {
    err << "anycastctl: " << *problem << "\nTry 'anycastctl help'.\n";
    return kExitUsage;
  }
  return Cli(options, out, err).run();
}

}  // namespace anycastd
