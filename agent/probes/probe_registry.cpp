#include "agent/probes/probe_registry.h"

#include <algorithm>

namespace anycastd {

struct ProbeEntry {
  ProbeEntry(ProbeKey k, HealthState initial)
      : key(std::move(k)), state{HealthStateMachine(key.check.rise, key.check.fall, initial)} {}
  ProbeKey key;
  CheckState state;
  std::vector<std::pair<uint64_t, ProbeRegistry::Listener>> listeners;
  std::unique_ptr<Prober> prober;
  // Held while the probe runs: the callback given to the factory does nothing once it is gone, so a prober
  // that outlives its key (a test's fake keeps the callbacks) cannot reach a freed entry.
  std::shared_ptr<int> alive;
  bool running = false;
};

namespace {

std::pair<IpAddress, uint32_t> bucketOf(const ProbeKey& key) {
  return {key.address, (static_cast<uint32_t>(key.check.kind) << 16) | key.check.port};
}

}  // namespace

ProbeKey makeProbeKey(const CheckConfig& check, const IpAddress& address, const std::string& vip_name,
                      const std::string& vip_prefix, const std::string& server_name) {
  ProbeKey key{address, check, {}, {}, {}};
  if (check.kind == CheckKind::kExec) {
    key.vip_name = vip_name;
    key.vip_prefix = vip_prefix;
    key.server_name = server_name;
  }
  return key;
}

// ---- Subscription -----------------------------------------------------------------------------------------

ProbeRegistry::Subscription& ProbeRegistry::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::exchange(other.registry_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void ProbeRegistry::Subscription::reset() {
  if (registry_ && entry_) registry_->release(entry_, id_);
  registry_ = nullptr;
  entry_ = nullptr;
  id_ = 0;
}

const CheckState& ProbeRegistry::Subscription::state() const {
  return entry_->state;
}

const ProbeKey& ProbeRegistry::Subscription::key() const {
  return entry_->key;
}

// ---- ProbeRegistry ----------------------------------------------------------------------------------------

ProbeRegistry::ProbeRegistry(ProberFactory factory, std::function<int64_t()> clock)
    : factory_(std::move(factory)), clock_(std::move(clock)) {}

ProbeRegistry::~ProbeRegistry() = default;

ProbeRegistry::Subscription ProbeRegistry::subscribe(const ProbeKey& key, HealthState initial,
                                                     Listener listener) {
  auto& bucket = entries_[bucketOf(key)];
  auto it = std::find_if(bucket.begin(), bucket.end(), [&](const auto& e) { return e->key == key; });
  ProbeEntry* entry;
  if (it != bucket.end()) {
    entry = it->get();
    if (initial == HealthState::kUp && !entry->state.has_result && entry->state.health.state() != initial)
      entry->state.health = HealthStateMachine(key.check.rise, key.check.fall, HealthState::kUp);
  } else {
    bucket.push_back(std::make_unique<ProbeEntry>(key, initial));
    entry = bucket.back().get();
    ++count_;
    if (started_) startProbe(*entry);
  }
  Subscription s;
  s.registry_ = this;
  s.entry_ = entry;
  s.id_ = next_id_++;
  entry->listeners.emplace_back(s.id_, std::move(listener));
  entry->state.subscribers = entry->listeners.size();
  return s;
}

void ProbeRegistry::release(ProbeEntry* entry, uint64_t id) {
  auto& ls = entry->listeners;
  ls.erase(std::remove_if(ls.begin(), ls.end(), [&](const auto& l) { return l.first == id; }), ls.end());
  entry->state.subscribers = ls.size();
  if (!ls.empty()) return;
  auto b = entries_.find(bucketOf(entry->key));
  if (b == entries_.end()) return;
  auto& bucket = b->second;
  bucket.erase(std::remove_if(bucket.begin(), bucket.end(), [&](const auto& e) { return e.get() == entry; }),
               bucket.end());
  if (bucket.empty()) entries_.erase(b);
  --count_;
}

void ProbeRegistry::startProbe(ProbeEntry& entry) {
  if (entry.running) return;
  entry.running = true;
  ProbeEntry* e = &entry;
  entry.alive = std::make_shared<int>(0);
  std::weak_ptr<int> alive = entry.alive;
  entry.prober = factory_(entry.key, [this, e, alive](const ProbeResult& r) {
    if (!alive.expired()) onResult(*e, r);
  });
}

void ProbeRegistry::start() {
  started_ = true;
  for (auto& [bucket_key, bucket] : entries_)
    for (auto& e : bucket) startProbe(*e);
}

void ProbeRegistry::stop() {
  started_ = false;
  for (auto& [bucket_key, bucket] : entries_)
    for (auto& e : bucket) {
      e->prober.reset();
      e->alive.reset();
      e->running = false;
    }
}

void ProbeRegistry::onResult(ProbeEntry& entry, const ProbeResult& result) {
  CheckState& s = entry.state;
  if (result.local_error != 0) return notify(entry, &result, nullptr);  // no verdict: the agent's own trouble
  if (s.results < entry.key.check.rise) ++s.results;
  s.has_result = true;
  s.last_ok = result.ok;
  s.last_unix_ms = clock_ ? clock_() : 0;
  auto transition = s.health.onResult(result);
  notify(entry, &result, transition ? &*transition : nullptr);
}

void ProbeRegistry::forceDown(const IpAddress& address, const std::string& reason) {
  std::vector<ProbeEntry*> hit;
  for (auto b = entries_.lower_bound({address, 0}); b != entries_.end() && b->first.first == address; ++b)
    for (auto& e : b->second) hit.push_back(e.get());
  for (ProbeEntry* e : hit)
    if (auto t = e->state.health.forceDown(reason)) notify(*e, nullptr, &*t);
}

void ProbeRegistry::notify(ProbeEntry& entry, const ProbeResult* result, const HealthTransition* transition) {
  // A copy: a listener may not unsubscribe, but it may be the reason another subscription is added.
  auto listeners = entry.listeners;
  for (auto& [id, listener] : listeners)
    if (listener) listener(result, transition);
}

}  // namespace anycastd
