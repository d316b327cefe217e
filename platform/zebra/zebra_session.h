// ZebraSession: the zebra API conversation of one connection, as a pure state machine. It works out which
// FRR release zebra runs (or checks the configured one against zebra's answers), registers the agent as
// route type `table` with its instance, asks for owner notifications and declares graceful restart, then
// encodes the agent's routes with that release's numbering and decodes zebra's notifications.
//
// Release detection (zapi.md §2), before anything release-specific is sent:
//   1. a command number no release knows (kReleaseProbeCommand): zebra answers ERROR, whose own command
//      number is 118 (8.4, 8.5, 9.0, 10.0, 10.1), 117 (9.1) or 120 (10.2+);
//   2. if still ambiguous, the 8.4 HELLO (command 18): 8.4-9.0 answer CAPABILITIES (and the agent is
//      registered), 10.0/10.1 answer ERROR (18 is a command they do not serve); then the 10.x HELLO.
// A configured release that contradicts these answers, a reply that fits no release, and an ERROR once the
// session is up (zebra did not understand something the agent sent) are fatal: the caller drops the
// connection and reports the message. Nothing is ever sent with a numbering zebra has not confirmed.
//
// No I/O, no clock: the caller feeds whole messages (ZapiFramer) and writes out what is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/route.h"
#include "platform/zebra/zapi_codec.h"
#include "platform/zebra/zapi_messages.h"
#include "platform/zebra/zapi_release.h"
#include "platform/zebra/zapi_route_codec.h"

namespace anycastd {

inline constexpr uint16_t kReleaseProbeCommand = 200;  // beyond every release's command enum (<= 147)

struct ZebraSessionSettings {
  uint16_t instance = 100;            // of route type `table`
  std::optional<FrrRelease> release;  // configured; nullopt: detect
  uint32_t graceful_restart_s = 60;   // 0: not declared
};

class ZebraSession {
 public:
  using Bytes = std::vector<uint8_t>;
  enum class State { kIdle, kProbing, kLegacyHello, kHelloSent, kUp, kFailed };

  struct Output {
    std::vector<Bytes> send;             // to write, in order
    std::vector<ZapiRouteNotify> notes;  // owner notifications for the agent's routes
    bool established = false;            // the session just came up: (re)send every route now
    std::string fatal;                   // non-empty: drop the connection, report this
  };

  explicit ZebraSession(const ZebraSessionSettings& settings) : settings_(settings) {}

  // A new connection: forgets the previous one and returns what to send first.
  Output start();
  // One whole message from zebra (as ZapiFramer yields it).
  Output onMessage(const ZapiMessage& message);

  State state() const { return state_; }
  bool up() const { return state_ == State::kUp; }
  // The release in use once up; until then the configured one, if any.
  std::optional<FrrRelease> release() const { return release_; }
  bool releaseDetected() const { return detected_; }
  // 10.0 and 10.1 look alike on the wire and differ only in the weight width: weights are then not sent.
  bool weightsUnsupported() const { return ambiguous_weights_; }
  uint32_t ecmp() const { return ecmp_; }  // zebra's most next hops per route (0 before CAPABILITIES)

  // Encoders for an up session. Next hops beyond ecmp() are left out (route.nexthops is sorted, so the
  // choice is stable); weights are dropped where weightsUnsupported().
  ZapiResult<Bytes> routeAdd(const Route& route) const;
  ZapiResult<Bytes> routeDelete(const IpPrefix& prefix) const;
  // CLIENT_CAPABILITIES ROUTE_UPDATE_COMPLETE for IPv4 and IPv6 unicast, then (with graceful restart)
  // RIB_STALE_TIME: zebra keeps the stale time of an earlier session of the same client until its stale
  // routes are dealt with, which the update-complete does.
  std::vector<Bytes> updateComplete() const;
  // CLIENT_CAPABILITIES GR_DISABLE: the client leaves for good, zebra keeps nothing for it (empty without
  // graceful restart).
  std::vector<Bytes> disableGracefulRestart() const;

 private:
  Output fail(std::string why);
  Output sendHello(Output out);
  Output onCapabilities(const ZapiMessage& message, Output out);

  ZebraSessionSettings settings_;
  State state_ = State::kIdle;
  std::optional<FrrRelease> release_;
  std::vector<FrrRelease> candidates_;
  bool detected_ = false;
  bool ambiguous_weights_ = false;
  uint32_t ecmp_ = 0;
};

const char* toString(ZebraSession::State state);

}  // namespace anycastd
