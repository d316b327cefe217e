// Agent: the I/O shell around the pure core. Each server of a VIP subscribes to its checks in the agent's
// ProbeRegistry (one probe and one rise/fall state per unique server address and check, shared by every
// VIP that uses it), combines their states by the VIP's check_mode into the server's health, turns the
// health of a VIP's servers (and the operator's drains) into a
// decision (vip_decision.h) and keeps the dataplane in line through the Reconciler, retrying with
// exponential backoff until the desired state holds. It also applies the runtime operations of the control
// API: drains, and a reload that changes only what the new config changes.
//
// Owns the probe registry, timers and runtime state; borrows the event loop, the dataplane (it observes
// the dataplane's reports from start() to its destructor) and the AgentObservers it reports to. Event-loop
// thread only. Logs one line per state change. Servers leave at once, without waiting for probes, when the
// dataplane reports their next hop unreachable (link down, neighbour failed); each VIP's announcements are
// dampened against flapping (dampening.h); a recovered server's weight ramps up (slow_start.h); both with the
// VIP decision are one VipPolicy per VIP (vip_policy.h), pure, whose deadlines the agent arms as timers. VIPs
// and servers live behind unique_ptr so that a reload can add and remove them while the probe callbacks of
// the others keep pointing at live objects. A reload's difference is computed by the pure reload plan
// (reload_plan.h); the agent only applies it.
//
// Time and probes are injected (AgentDeps): the agent reads the time only from its Clock (lib/clock.h) and
// makes probes only through its prober factory, so tests/unit/agent_test.cpp drives it with the fakes of
// tests/fakes/ (dataplane, clock, probers) and no sleep. Its timers (retry, reconcile, dampening reuse, slow
// start steps) stay real event-loop timers, armed for the delays the clock's time gives.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_snapshot.h"
#include "agent/config/config.h"
#include "agent/core/health_state.h"
#include "agent/core/no_verdict_burst.h"
#include "agent/core/reconciler.h"
#include "agent/core/vip_decision.h"
#include "agent/core/vip_policy.h"
#include "agent/probes/exec_runner.h"
#include "agent/probes/probe_registry.h"
#include "agent/probes/prober.h"
#include "lib/backoff.h"
#include "lib/clock.h"
#include "lib/event_loop.h"
#include "platform/dataplane.h"

namespace anycastd {

// A drain as kept in the state file: the VIP, and the server (empty: the whole VIP).
struct DrainRecord {
  std::string vip;
  std::string server;
  DrainInfo drain;
};

struct ReloadSummary {
  std::vector<std::string> added, removed, changed, unchanged;  // VIP names
};

// What the agent reports besides its log, to the parts that follow it (metrics, the state file, systemd
// readiness). Every method does nothing unless overridden; all are called on the event-loop thread.
class AgentObserver {
 public:
  virtual void probeResult(const std::string& vip, const std::string& server, const ProbeResult& result) {}
  virtual void serverTransition(const std::string& vip, const std::string& server, bool up) {}
  virtual void vipTransition(const std::string& vip, VipState state) {}
  virtual void dataplaneError(const char* op) {}  // "add", "replace", "remove", "read"
  virtual void vipRemoved(const std::string& vip) {}
  // After every drain change, so that the owner can persist drains().
  virtual void drainsChanged() {}
  // Once, when every server has its first verdict and the dataplane holds the routes that follow (systemd
  // readiness).
  virtual void initialRoutesComplete() {}
  // Once, when every check of every server has run `rise` probes in this run, adopted servers included
  // (which count as judged at once): from then on the routes rest on this run's own checks, not on a
  // previous run's (the crash-loop guard's clean point, agent/core/crash_loop.h).
  virtual void everyServerChecked() {}

 protected:
  ~AgentObserver() = default;
};

// What the agent uses besides the loop and the dataplane; each left empty means the real one. Tests pass a
// fake clock (tests/fakes/fake_clock.h) and probers whose results they report by hand
// (tests/fakes/fake_prober.h).
struct AgentDeps {
  const Clock* clock = nullptr;          // borrowed; must outlive the agent. Null: the system clocks
  ProbeRegistry::ProberFactory probers;  // empty: real probes (Prober), started at a random phase
};

class Agent {
 public:
  Agent(EventLoop& loop, AgentConfig config, Dataplane& dataplane, AgentDeps deps = {});
  ~Agent();

  // Drains to apply from the start (the state file); ones naming unknown VIPs or servers are logged and
  // dropped. Call before start().
  void restoreDrains(const std::vector<DrainRecord>& drains);

  // Adopts what the dataplane holds (servers found in an adopted route start up), removes routes of the
  // agent's that the config no longer has, starts probing and takes the dataplane's reports
  // (Dataplane::start). Fails only if the dataplane cannot be read or started.
  // With `adopt` false (the crash-loop guard, agent/core/crash_loop.h) no server is adopted: every one
  // starts down, so the routes found are withdrawn until their servers pass `rise` probes (zebra mode: zebra
  // is told at once that the routes are complete, so it drops the previous run's).
  Status start(bool adopt = true);

  // Applies the transitions still waiting for the end of the event loop's turn (reconcileSoon), at once.
  // For an exit that keeps the routes: they must show the last verdicts.
  void reconcilePending() {
    if (reconcile_soon_.armed()) reconcile();
  }

  // Withdraws every VIP (removes the agent's routes and objects). Returns false if anything remained.
  bool withdrawAll();

  // True once the dataplane holds exactly the desired routes.
  bool converged() const { return reconciler_.converged(); }

  // Whether `next` can replace the running config without a restart: ok if it can, else an error saying
  // why (a different dataplane section, control socket or group, or state file).
  Status reloadBlocker(const AgentConfig& next) const;
  // Applies `next` (reloadBlocker must be ok): added VIPs start checking, removed VIPs are withdrawn,
  // changed VIPs keep the health of servers whose name and address stay, unchanged VIPs are untouched.
  ReloadSummary reload(AgentConfig next);

  // Drains (drain set) or undrains (drain empty) a VIP, or one of its servers when `server` is not empty.
  // Returns ok or an error for the operator (unknown VIP or server, nothing to undrain).
  Status setDrain(const std::string& vip, const std::string& server, std::optional<DrainInfo> drain);
  std::vector<DrainRecord> drains() const;

  // Reports to `observer` from now on, until removeObserver (which its owner calls before it goes away).
  void addObserver(AgentObserver& observer) { observers_.push_back(&observer); }
  void removeObserver(AgentObserver& observer) { std::erase(observers_, &observer); }

  std::vector<VipSnapshot> snapshot() const;
  // Probes running: one per unique (server address, check), and per VIP for exec checks.
  size_t probes() const { return probes_.probes(); }
  const AgentConfig& config() const { return config_; }

 private:
  struct Server {
    explicit Server(ServerConfig c) : config(std::move(c)) {}
    ServerConfig config;
    std::vector<std::string> check_labels;            // of checksOf(vip, server), in order
    std::vector<ProbeRegistry::Subscription> checks;  // the same order
    HealthState health = HealthState::kDown;          // the checks combined by the VIP's check_mode
    bool had_verdict = false;                         // judged() held once (a later rise is a comeback)
    std::optional<DrainInfo> drain;
    int64_t since_unix_ms = 0;
    std::string last_change;
    uint64_t transitions = 0;
  };
  struct Vip {
    VipConfig config;
    VipPolicy policy;                    // decision, dampening, slow start (pure)
    std::unique_ptr<Timer> reuse_timer;  // armed while suppressed, for the time the penalty is below reuse
    std::unique_ptr<Timer> ramp_timer;   // armed while a ramp is in progress, for its next step
    std::vector<std::unique_ptr<Server>> servers;
    VipDecision decision;
    std::optional<DrainInfo> drain;
    VipState state = VipState::kWithdrawn;
    int64_t since_unix_ms = 0;
    std::string last_change = "starting: servers must pass their checks";
    uint64_t transitions = 0;
  };

  std::unique_ptr<Vip> makeVip(const VipConfig& config, const RouteMap* adopted);
  // (Re)subscribes the server to its checks; keys it already had keep their state, new keys start
  // `initial`. Sets the server's health from them without a transition.
  void subscribeChecks(Vip& vip, Server& server, HealthState initial);
  std::vector<CheckSnapshot> checkSnapshots(const Server& server) const;
  HealthState combinedHealth(const Vip& vip, const Server& server) const;
  void onNoVerdict(const ProbeResult& result);
  void onNoVerdictQuiet();
  void onCheckUpdate(Vip& vip, Server& server, size_t check, const ProbeResult* result,
                     const HealthTransition* transition);
  std::unique_ptr<Prober> makeProber(const ProbeKey& key, Prober::Callback report);
  void onNexthopsUnreachable(const std::vector<IpAddress>& gateways, const char* why);
  // Records, logs and reports a server's transition and decides the VIP again (the caller reconciles).
  void applyTransition(Vip& vip, Server& server, const HealthTransition& transition);
  // Records, logs and reports it only (the caller decides the VIP again).
  void recordTransition(Vip& vip, Server& server, const HealthTransition& transition);
  // The server has a verdict: it is up, or each of its checks has had `rise` results.
  bool judged(const Server& server) const;
  // Decides the VIP again (VipPolicy), arms its reuse and ramp timers and sets the reconciler's desired
  // route.
  void decide(Vip& vip, const std::string& why = "");
  void reconcile();
  // Reconciles once the event loop has handled what is ready now: the transitions of one busy moment (many
  // probes answering together) cost one dataplane change per VIP, not one per server.
  void reconcileSoon();
  void scheduleRetry();
  void onExternalChange(const char* why);
  void reportInitialRoutesIfComplete();
  void reportEveryServerCheckedIfComplete();
  void logApplied(const RouteOp& op);
  Vip* findVip(const std::string& name) const;
  const Vip* vipFor(const IpPrefix& prefix) const;
  // Rebuilds vip_by_prefix_ from vips_ and restarts the verdict cursor (after vips_ changed).
  void indexVips();

  EventLoop& loop_;
  SystemClock system_clock_;
  const Clock& clock_;             // system_clock_ unless AgentDeps gave one
  ExecRunner exec_runner_{loop_};  // the exec checks' programs, shared (bounded); outlives the probers
  ProbeRegistry probes_;           // outlives the subscriptions held by vips_
  AgentConfig config_;
  Dataplane& dataplane_;
  Reconciler reconciler_;
  std::vector<std::unique_ptr<Vip>> vips_;  // in config order
  std::map<IpPrefix, const Vip*> vip_by_prefix_;
  struct {
    size_t vip = 0, server = 0;
  } verdict_cursor_, checked_cursor_;  // every server before it has had its first verdict / been checked
  bool every_server_checked_reported_ = false;
  bool started_ = false;
  Timer retry_timer_;
  Timer reconcile_soon_;       // armed by reconcileSoon()
  NoVerdictBurst no_verdict_;  // probes the agent could not run (out of fds): logged once per burst
  Timer no_verdict_quiet_;     // armed while a burst lasts, for its summary
  std::chrono::steady_clock::time_point retry_at_;  // when retry_timer_ fires, while armed
  Backoff backoff_;
  // What the dataplane reports (start() to the destructor) goes to onExternalChange and
  // onNexthopsUnreachable; a private adapter, so the Agent's interface stays its own.
  struct DataplaneEvents : DataplaneObserver {
    explicit DataplaneEvents(Agent& a) : agent(a) {}
    void externalChange(const char* why) override { agent.onExternalChange(why); }
    void nexthopsUnreachable(const std::vector<IpAddress>& gateways, const char* why) override {
      agent.onNexthopsUnreachable(gateways, why);
    }
    Agent& agent;
  };
  DataplaneEvents dataplane_events_{*this};
  std::vector<AgentObserver*> observers_;
  template <typename F>
  void tell(F report) const {
    for (AgentObserver* o : observers_) report(*o);
  }
  bool initial_routes_reported_ = false;
  bool batching_ = false;  // forced transitions in progress: reconcile once at the end
  bool batch_changed_ = false;
};

}  // namespace anycastd
