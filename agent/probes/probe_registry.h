// ProbeRegistry: one probe per unique (server address, check), whatever number of VIPs and servers use it.
// Each key holds one Prober and the check's HealthStateMachine (rise/fall), and fans every result, with the
// transition it caused, out to its subscribers. Exec checks are per VIP and server (their program's
// environment names them), so those fields are part of an exec check's key and of no other.
//
// Owned by the Agent; subscriptions are RAII handles owned by the agent's servers: the last one of a key
// gone, the key's probe stops and its state is forgotten. A reload subscribes the new config before it drops
// the old subscriptions, so the state of unchanged keys carries over. Probers are made by a factory (the
// agent's creates and starts a real Prober; tests pass one that returns null and report results
// themselves through the callback, which does nothing once the key is gone or the registry stopped).
// Event-loop thread only; listeners must not subscribe or unsubscribe. Never throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/config/config.h"
#include "agent/core/health_state.h"
#include "agent/probes/prober.h"
#include "lib/ip_address.h"

namespace anycastd {

struct ProbeKey {
  IpAddress address;
  CheckConfig check;
  // Exec checks only (empty otherwise): the VIP and server the program is told about.
  std::string vip_name, vip_prefix, server_name;
  bool operator==(const ProbeKey&) const = default;
};

// The key of `check` run against `address` for a VIP's server.
ProbeKey makeProbeKey(const CheckConfig& check, const IpAddress& address, const std::string& vip_name,
                      const std::string& vip_prefix, const std::string& server_name);

// The shared state of one key, as subscribers see it.
struct CheckState {
  HealthStateMachine health;
  uint32_t results = 0;  // probe results so far, counted up to the check's rise
  bool has_result = false;
  bool last_ok = false;
  int64_t last_unix_ms = 0;
  size_t subscribers = 0;
};

struct ProbeEntry;  // one key's probe, state and subscribers (probe_registry.cpp)

class ProbeRegistry {
 public:
  // A probe's result (transition set when it changed the check's state), or a forced transition (result
  // null; see forceDown).
  using Listener = std::function<void(const ProbeResult* result, const HealthTransition* transition)>;
  using ProberFactory = std::function<std::unique_ptr<Prober>(const ProbeKey&, Prober::Callback report)>;

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept { *this = std::move(other); }
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription() { reset(); }
    void reset();
    explicit operator bool() const { return entry_ != nullptr; }
    // The key's shared state and the key itself; only while the subscription holds a key.
    const CheckState& state() const;
    const ProbeKey& key() const;

   private:
    friend class ProbeRegistry;
    ProbeRegistry* registry_ = nullptr;
    ProbeEntry* entry_ = nullptr;
    uint64_t id_ = 0;
  };

  // `clock`: milliseconds since the Unix epoch, for CheckState::last_unix_ms.
  ProbeRegistry(ProberFactory factory, std::function<int64_t()> clock);
  ~ProbeRegistry();
  ProbeRegistry(const ProbeRegistry&) = delete;
  ProbeRegistry& operator=(const ProbeRegistry&) = delete;

  // Subscribes to `key`, creating it (in state `initial`, probing at once when started) if new. An existing
  // key that has no result yet and is offered `initial` up becomes up: a server proven by a previous run
  // (adopted from its route) is not taken down because another VIP subscribed first.
  Subscription subscribe(const ProbeKey& key, HealthState initial, Listener listener);

  void start();  // probes every key, and every key subscribed from now on
  void stop();   // stops every probe (shutdown); subscriptions and states stay

  // Every key of `address` goes down at once and forgets its passes (HealthStateMachine::forceDown); the
  // subscribers of keys that were up hear the transition.
  void forceDown(const IpAddress& address, const std::string& reason);

  size_t keys() const { return count_; }
  size_t probes() const { return started_ ? count_ : 0; }  // probes running

 private:
  void release(ProbeEntry* entry, uint64_t id);
  void onResult(ProbeEntry& entry, const ProbeResult& result);
  void notify(ProbeEntry& entry, const ProbeResult* result, const HealthTransition* transition);
  void startProbe(ProbeEntry& entry);

  ProberFactory factory_;
  std::function<int64_t()> clock_;
  // Keys bucketed by address and kind/port, so that finding a key compares few whole configs.
  std::map<std::pair<IpAddress, uint32_t>, std::vector<std::unique_ptr<ProbeEntry>>> entries_;
  size_t count_ = 0;
  uint64_t next_id_ = 1;
  bool started_ = false;
};

}  // namespace anycastd
