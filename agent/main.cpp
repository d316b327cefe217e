// anycastd: health-checks the servers behind each anycast VIP and keeps the VIP's route (ECMP over the
// healthy servers) in the dataplane while enough of them are healthy. See README.md.
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "agent/config/config_loader.h"
#include "agent/control/control_handler.h"
#include "agent/control/control_server.h"
#include "agent/control/damaged_state.h"
#include "agent/control/state_file.h"
#include "agent/core/crash_loop.h"
#include "agent/core/fd_budget.h"
#include "agent/metrics/agent_telemetry.h"
#include "agent/systemd_notify.h"
#include "lib/clock.h"
#include "lib/event_loop.h"
#include "lib/log.h"
#include "lib/version.h"
#include "platform/kernel/kernel_dataplane.h"
#include "platform/zebra/zebra_dataplane.h"

namespace {

// What main does when the agent reports: persists the drains and the crash-loop guard's count of unclean
// starts to the state file (the count drops to 0 once every server has been checked by this run), and tells
// systemd that the daemon is ready once the initial routes are complete. Observes the agent for its own
// lifetime.
class StartupObserver : public anycastd::AgentObserver {
 public:
  StartupObserver(anycastd::Agent& agent, anycastd::Dataplane& dataplane, anycastd::SystemdNotifier& systemd,
                  std::string state_file, size_t vips, uint32_t unclean_starts)
      : agent_(agent),
        dataplane_(dataplane),
        systemd_(systemd),
        state_file_(std::move(state_file)),
        vips_(vips),
        unclean_starts_(unclean_starts) {
    agent_.addObserver(*this);
  }
  ~StartupObserver() { agent_.removeObserver(*this); }

  // Writes the drains, the count and where nexthop IDs go on: while running, past a reserve of IDs this run
  // may use before a crash (its objects then stay in the kernel, but zebra may remember deleted ones); at
  // a clean exit (`exiting`) exactly. `what` says what is lost if it fails.
  void saveState(const char* what, bool exiting = false) {
    uint32_t next = dataplane_.nextNexthopId();
    if (next != 0 && !exiting) next += kNexthopIdReserve;  // past the range: the allocator wraps it
    if (anycastd::Status s = anycastd::saveStateFile(state_file_, agent_.drains(), unclean_starts_, next);
        !s.isOk())
      anycastd::logError(std::string("cannot save the state file (") + what + "): " + s.message);
  }
  // A clean exit, or every server checked by this run: the next start may adopt again.
  void cleanExit() {
    if (unclean_starts_ == 0) return;
    unclean_starts_ = 0;
    saveState("the unclean start count");
  }

  // The end of a clean run: the count drops to 0 and the next start continues at this run's next ID.
  void exitCleanly() {
    unclean_starts_ = 0;
    saveState("where nexthop IDs go on", true);
  }

  void drainsChanged() override { saveState("the drains are in force but will not survive a restart"); }
  void initialRoutesComplete() override {
    systemd_.ready(std::to_string(vips_) + " vips, initial routes complete");
  }
  void everyServerChecked() override { cleanExit(); }

 private:
  static constexpr uint32_t kNexthopIdReserve = 4096;
  anycastd::Agent& agent_;
  anycastd::Dataplane& dataplane_;
  anycastd::SystemdNotifier& systemd_;
  const std::string state_file_;
  const size_t vips_;
  uint32_t unclean_starts_;
};

const char kUsage[] =
    "Usage: anycastd --config FILE [--keep-routes]\n"
    "       anycastd --config FILE --check-config\n"
    "       anycastd --config FILE --withdraw-all\n"
    "\n"
    "Health-checks the servers behind each anycast VIP and keeps the VIP's route (ECMP over the healthy\n"
    "servers) while at least min_healthy of them are healthy; FRR's bgpd announces it. Kernel mode writes\n"
    "the route into the kernel (netlink); zebra mode hands it to FRR's zebra (zebra API).\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   configuration (protobuf text format, see proto/config.proto)\n"
    "      --check-config  validate FILE, print FILE:LINE:COL: message per problem, exit 0 if valid, else 1\n"
    "      --withdraw-all  one shot: remove every route and nexthop object of the agent's (kernel mode: its\n"
    "                      protocol; zebra mode: zebra drops this client's routes, as a normal stop does)\n"
    "                      and exit 0, or 3 if that failed. Run by anycastd-withdraw.service when the\n"
    "                      service has failed for good (systemd gave up restarting it).\n"
    "  -k, --keep-routes   on SIGTERM/SIGINT exit keeping the routes (planned restart or upgrade); the next\n"
    "                      start adopts them (zebra mode: zebra keeps them for graceful_restart_s).\n"
    "                      Without it SIGTERM/SIGINT withdraw every VIP first.\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Signals: SIGTERM, SIGINT: withdraw the VIPs and exit 0 (keep them with --keep-routes).\n"
    "         SIGUSR2: exit 0 keeping the routes (planned restart), whatever --keep-routes says.\n"
    "         SIGHUP: re-read FILE and apply only the difference; a file with errors is refused and\n"
    "                 the running config stays in force.\n"
    "Restarts: a start adopts the servers found in the route of a previous run as up. After\n"
    "          unclean_start_limit (default 3) starts in a row that ended before every check had run\n"
    "          rise probes and without a clean exit (a crash loop), a start adopts nothing: its servers\n"
    "          must pass rise probes first and the VIPs stay withdrawn until then (the count is kept in\n"
    "          the state file).\n"
    "Control: anycastctl (show, drain, reload) on the config's control_socket; Prometheus metrics on\n"
    "         metrics.listen when configured; readiness and watchdog for systemd (Type=notify).\n"
    "Exit status: 0 on a clean stop or a valid config, 1 on a config error, 2 on a usage error,\n"
    "             3 when the dataplane cannot be used or the VIPs could not all be withdrawn.\n";

// Beyond the first verdicts: what the start may take to program the routes that follow.
constexpr std::chrono::seconds kStartMargin{30};
// --withdraw-all in zebra mode: how long to wait for the session to zebra, and for its confirmations.
constexpr std::chrono::seconds kZebraConnectBudget{5};
constexpr std::chrono::seconds kWithdrawBudget{3};

std::unique_ptr<anycastd::Dataplane> makeDataplane(anycastd::EventLoop& loop,
                                                   const anycastd::AgentConfig& config) {
  using namespace anycastd;
  if (config.dataplane == DataplaneKind::kZebra) return std::make_unique<ZebraDataplane>(loop, config.zebra);
  return std::make_unique<KernelDataplane>(config.kernel);
}

// --withdraw-all: removes what a previous run left (kernel: every route and nexthop object of the agent's
// protocol, configured or not; zebra: connects as the same client and tells zebra its routes are complete,
// so that zebra drops the previous run's, then disables graceful restart). Exit 0, or 3.
int withdrawAllOnce(const anycastd::AgentConfig& config) {
  using namespace anycastd;
  EventLoop loop;
  std::unique_ptr<Dataplane> dataplane = makeDataplane(loop, config);
  if (config.dataplane == DataplaneKind::kZebra) {
    auto& zebra = static_cast<ZebraDataplane&>(*dataplane);
    const auto deadline = std::chrono::steady_clock::now() + kZebraConnectBudget;
    std::function<void()> check;
    Timer poll(loop, [&check] { check(); });
    check = [&] {
      if (zebra.connected() || std::chrono::steady_clock::now() >= deadline)
        loop.stop();
      else
        poll.arm(std::chrono::milliseconds(20));
    };
    poll.arm(std::chrono::milliseconds(0));
    loop.run();
    if (!zebra.connected()) {
      logError("--withdraw-all: cannot connect to zebra");
      return 3;
    }
  }
  Agent agent(loop, config, *dataplane);
  if (Status s = agent.start(false); !s.isOk()) {
    logError("--withdraw-all: cannot read the dataplane: " + s.message);
    return 3;
  }
  if (!(agent.withdrawAll() && dataplane->finishWithdrawal(kWithdrawBudget))) {
    logError("--withdraw-all: some routes could not be withdrawn");
    return 3;
  }
  logInfo("--withdraw-all: every route of anycastd's withdrawn");
  return 0;
}

// Raises RLIMIT_NOFILE's soft limit to what `config` needs (fd_budget.h), capped by the hard limit; never
// lowers it. Logs what it set, and warns if the hard limit is below the need.
void raiseFdLimit(const anycastd::AgentConfig& config) {
  using namespace anycastd;
  const size_t need = fdsNeeded(config);
  const std::string why = std::to_string(need) + " needed for " + std::to_string(probeBound(config)) +
                          " probes x " + std::to_string(kFdsPerProbe) + " + " + std::to_string(kFdReserve);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
    return logWarning("fd limit: getrlimit: " + std::string(std::strerror(errno)));
  const rlim_t want = static_cast<rlim_t>(need);
  const rlim_t target = lim.rlim_max == RLIM_INFINITY || want <= lim.rlim_max ? want : lim.rlim_max;
  if (target > lim.rlim_cur) {
    const rlim_t before = lim.rlim_cur;
    lim.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
      return logWarning("fd limit: cannot raise the soft limit from " + std::to_string(before) + " to " +
                        std::to_string(target) + ": " + std::strerror(errno));
    logInfo("fd limit: soft limit raised from " + std::to_string(before) + " to " + std::to_string(target) +
            " (" + why + ")");
  } else {
    logInfo("fd limit: soft limit " + std::to_string(lim.rlim_cur) + " kept (" + why + ")");
  }
  if (want > target)
    logWarning("fd limit: the hard limit " + std::to_string(lim.rlim_max) + " is below the " +
               std::to_string(need) +
               " fds the config needs: probes may give no verdict when many are in "
               "flight (raise LimitNOFILE= in the unit)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace anycastd;
  // The stop and reload signals wait (blocked, pending) until the event loop's watches for them exist: one
  // arriving while the config loads or the agent starts must not kill the agent by its default action (a
  // SIGHUP would end it without withdrawing, a SIGTERM look like a clean exit) but be handled like any
  // other once the loop runs. Children (exec checks) get an empty mask (probes/exec_runner.cpp).
  sigset_t handled;
  sigemptyset(&handled);
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&handled, signo);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  std::string config_path;
  bool check_only = false;
  bool keep_routes = false;
  bool withdraw_all = false;
  static const option kOptions[] = {{"config", required_argument, nullptr, 'c'},
                                    {"check-config", no_argument, nullptr, 'C'},
                                    {"withdraw-all", no_argument, nullptr, 'W'},
                                    {"keep-routes", no_argument, nullptr, 'k'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {"version", no_argument, nullptr, 'V'},
                                    {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "c:khV", kOptions, nullptr)) != -1) {
    switch (opt) {
      case 'c': config_path = optarg; break;
      case 'C': check_only = true; break;
      case 'k': keep_routes = true; break;
      case 'W': withdraw_all = true; break;
      case 'h': std::fputs(kUsage, stdout); return 0;
      case 'V': std::printf("anycastd %s\n", ANYCASTD_VERSION); return 0;
      default: std::fputs(kUsage, stderr); return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "anycastd: unexpected argument '%s'\n%s", argv[optind], kUsage);
    return 2;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "anycastd: --config FILE is required\n%s", kUsage);
    return 2;
  }

  ConfigResult loaded = loadConfigFile(config_path);
  for (const ConfigError& e : loaded.errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  if (!loaded.config) return 1;
  if (check_only) {
    std::printf("%s: OK (%zu vips)\n", config_path.c_str(), loaded.config->vips.size());
    return 0;
  }

  signal(SIGPIPE, SIG_IGN);
  if (withdraw_all) {
    try {
      return withdrawAllOnce(*loaded.config);
    } catch (const std::exception& e) {
      logError(std::string("--withdraw-all failed: ") + e.what());
      return 3;
    }
  }
  raiseFdLimit(*loaded.config);
  try {
    EventLoop loop;
    SystemdNotifier systemd(loop);
    std::unique_ptr<Dataplane> dataplane = makeDataplane(loop, *loaded.config);
    Agent agent(loop, *loaded.config, *dataplane);
    const std::string state_file = loaded.config->state_file;
    StateLoad state = loadStateFile(state_file);
    for (const std::string& e : state.errors) logWarning("state file ignored: " + e);
    std::vector<DrainRecord> drains = state.drains;
    if (state.damaged) {  // keep the evidence: the state is saved again below
      const int64_t now_ms = SystemClock().unixMs();
      std::string kept_as = state_file;
      if (Result<std::string> aside = keepStateFileAside(state_file, now_ms)) {
        kept_as = *aside;
        logWarning("state file " + state_file + " kept as " + kept_as);
      } else {
        logError("state file " + state_file + " could not be kept aside: " + aside.error().message);
      }
      // The drains it held are unknown: keep every VIP withdrawn until an operator undrains it.
      std::vector<std::string> vips;
      for (const VipConfig& v : loaded.config->vips) vips.push_back(v.name);
      drains = drainsAfterDamagedState(vips, state.drains, kept_as, now_ms);
      if (!vips.empty())
        logWarning("state file damaged: every VIP is kept withdrawn (drained by " +
                   std::string(kDamagedStateDrainer) + ") until an operator checks " + kept_as +
                   " and runs `anycastctl undrain vip NAME` for each VIP that should be announced");
    }
    agent.restoreDrains(drains);
    // Crash-loop guard: this start counts as unclean until every check of every server has run its rise
    // probes (adopted servers count as judged at once, so the first verdicts would come too early) or a
    // clean exit.
    const uint32_t limit = loaded.config->unclean_start_limit;
    const bool adopt = adoptAfterUncleanStarts(state.unclean_starts, limit);
    dataplane->continueNexthopIds(state.next_nexthop_id);
    StartupObserver observer(agent, *dataplane, systemd, state_file, loaded.config->vips.size(),
                             uncleanStartsWithThisOne(state.unclean_starts));
    observer.saveState("the unclean start count: the crash-loop guard will not see this start");
    if (!adopt)
      logWarning(std::to_string(state.unclean_starts) + " unclean starts in a row (unclean_start_limit " +
                 std::to_string(limit) +
                 "; a crash loop?): not adopting the routes of the previous run; every server starts down "
                 "and must pass its rise probes, the VIPs are withdrawn until then");
    const bool zebra_mode = loaded.config->dataplane == DataplaneKind::kZebra;
    ControlHandler control(agent, config_path, zebra_mode ? "zebra" : "kernel");
    ControlServer control_server(loop, loaded.config->control_socket, loaded.config->control_group,
                                 [&control](const control::Request& request, const PeerCredentials& peer) {
                                   return control.handle(request, peer.user);
                                 });
    std::function<bool()> zebra_connected;
    std::function<size_t()> zebra_copies;
    if (zebra_mode)
      zebra_connected = [&dataplane] { return static_cast<ZebraDataplane&>(*dataplane).connected(); };
    else
      zebra_copies = [&dataplane] { return dataplane->zebraNexthopCopies(); };
    AgentTelemetry telemetry(loop, agent, ANYCASTD_VERSION, zebra_mode ? "zebra" : "kernel",
                             loaded.config->metrics_listen, zebra_connected, zebra_copies);
    bool withdraw = true;
    auto stop = [&](const char* why, bool keep) {
      systemd.stopping();
      logInfo(std::string(why) +
              (keep ? ": exiting, keeping routes for the next start" : ": withdrawing VIPs and exiting"));
      withdraw = !keep;
      loop.stop();
    };
    SignalWatch term(loop, SIGTERM, [&] { stop("SIGTERM", keep_routes); });
    SignalWatch intr(loop, SIGINT, [&] { stop("SIGINT", keep_routes); });
    SignalWatch usr2(loop, SIGUSR2, [&] { stop("SIGUSR2", true); });
    SignalWatch hup(loop, SIGHUP, [&] {
      logInfo("SIGHUP: reloading " + config_path);
      systemd.reloading();
      control.reload();
      systemd.readyAgain();
    });
    // From here a signal is caught and handled by the loop (after the start below), whenever it came.
    sigprocmask(SIG_UNBLOCK, &handled, nullptr);
    // READY waits for every server's first verdict, which the config may make slower than the unit's start
    // timeout: extend it to that bound (at most kMaxFirstVerdict) and a margin for programming the routes.
    systemd.extendTimeout(firstVerdictBound(*loaded.config) + kStartMargin);
    if (Status s = agent.start(adopt); !s.isOk()) {
      logError("cannot read the kernel's routes: " + s.message);
      return 3;
    }
    observer.saveState("where nexthop IDs go on: a crash could let the next run reuse IDs");
    logInfo("anycastd " ANYCASTD_VERSION " started with " + std::to_string(loaded.config->vips.size()) +
            " vips from " + config_path);
    if (loop.run() != 0) {
      logError("event loop failed");
      return 3;
    }
    if (!withdraw) agent.reconcilePending();  // the last turn's transitions, so the kept routes are current
    if (withdraw && !(agent.withdrawAll() && dataplane->finishWithdrawal(std::chrono::seconds(3)))) {
      logError("some VIPs could not be withdrawn");
      return 3;
    }
    observer.exitCleanly();
    return 0;
  } catch (const std::exception& e) {
    logError(std::string("start-up failed: ") + e.what());
    return 3;
  }
}
