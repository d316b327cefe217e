// ZebraDataplane: the dataplane of zebra mode. It hands the VIP routes to FRR's zebra over the zebra API
// (route type `table`, the configured instance) and keeps them there: zebra installs them and bgpd announces
// them. The protocol itself is ZebraSession (pure); this is its I/O shell.
//
// - The routes the agent wants are kept here (programRoute/removeRoute record them and send them when the
//   session is up), so a new connection (zebra restarted, a read error, a reset after a malformed message)
//   re-sends every route after HELLO. Reconnects back off from 100 ms to 5 s (30 s after a release
//   mismatch, which needs an operator).
// - Output to zebra is bounded: what the socket does not take waits in a buffer of at most outputBound()
//   bytes, 64 KiB plus twice the largest full resync of the routes held (routeAddBytesBound per route).
//   When zebra stops reading (stopped, hung) and the bound would be passed, the connection is dropped and
//   re-made with the usual backoff; the new session sends the whole current state, which replaces every
//   change that was waiting. A zebra that never answers the new connection gets nothing more than the
//   first handshake message, so the agent's memory stays bounded however long zebra stalls.
// - Graceful restart: the session declares it, so zebra keeps the routes for graceful_restart_s when the
//   agent dies; the next run re-adds them as its servers come up and, once the agent has a verdict on every
//   server (initialRoutesComplete), sends ROUTE_UPDATE_COMPLETE so zebra drops what was not re-added. After
//   a reconnect within one run the routes are complete at once and ROUTE_UPDATE_COMPLETE follows them.
// - Owner notifications (INSTALLED, FAIL_INSTALL, BETTER_ADMIN_WON, REMOVED, REMOVE_FAIL) are logged and
//   kept per prefix (routeStatus). After INSTALLED the kernel is read back through netlink (zebra's routes
//   carry protocol zebra). A route whose next hops differ from those sent is sent again, up to 5 times, as a
//   group zebra has not seen (the same next hops with every weight scaled, nexthop_group_variant.h): zebra
//   8.4 hands a route a stale group of the same next hops, one that lacks a server whose link flapped.
//   Then it is reported. A route zebra installs over nexthop objects of its own (zebra.conf lacks
//   `no zebra nexthop kernel enable`) is reported once per run.
// - Fast failure: the routes' gateways are watched (gateway_monitor.h); a server whose link goes down or
//   whose neighbour entry fails is reported to the observer's nexthopsUnreachable at once, as in kernel
//   mode.
//
// Owns the zebra socket, its watches and timers, a netlink socket for the read-back and the gateway
// monitor; borrows the observer given to start(). Event-loop thread only. Nothing here blocks except the
// bounded flush when it is destroyed (so a withdrawal sent just before exit reaches zebra) and the gateway
// monitor's route lookups.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/backoff.h"
#include "lib/event_loop.h"
#include "netlink/netlink_socket.h"
#include "platform/dataplane.h"
#include "platform/zebra/gateway_monitor.h"
#include "platform/zebra/zapi_codec.h"
#include "platform/zebra/zebra_config.h"
#include "platform/zebra/zebra_session.h"

namespace anycastd {

class ZebraDataplane : public Dataplane {
 public:
  // Starts connecting at once (the first attempt runs when the loop runs). Throws std::invalid_argument if
  // config.frr_release is neither "auto" nor a supported release (the config loader rejects that first).
  ZebraDataplane(EventLoop& loop, const ZebraConfig& config);
  ~ZebraDataplane() override;
  ZebraDataplane(const ZebraDataplane&) = delete;
  ZebraDataplane& operator=(const ZebraDataplane&) = delete;

  // The routes this run handed to zebra (zebra's RIB is not read back: after a restart graceful restart
  // keeps the previous run's routes in zebra until this run re-adds them or completes).
  Status readRoutes(std::vector<Route>& out) override;
  Status programRoute(const Route& route) override;
  Status removeRoute(const IpPrefix& prefix) override;
  Status removeOrphans() override { return Status::ok(); }
  void initialRoutesComplete() override;
  // Watches the gateway monitor's notifications on `loop` (nothing if it could not be opened) and reports
  // unreachable gateways to `observer`.
  Status start(EventLoop& loop, DataplaneObserver& observer) override;
  void stop() override;
  // Waits for zebra's REMOVED for every ROUTE_DELETE sent (zebra drops messages it has read but not yet
  // processed when the connection closes, so exiting right after the deletes could lose them), then sends
  // GR_DISABLE so that zebra keeps no graceful-restart state for a client that left for good.
  bool finishWithdrawal(std::chrono::milliseconds budget) override;

  struct RouteStatus {
    std::optional<RouteNote> note;       // zebra's last word on the route
    std::optional<bool> kernel_matches;  // the read-back after INSTALLED
  };
  std::optional<RouteStatus> routeStatus(const IpPrefix& prefix) const;
  // "INSTALLED", "FAIL_INSTALL", ..., with " (kernel differs)" when the read-back found other next hops.
  std::string routeNote(const IpPrefix& prefix) const override;
  bool connected() const { return fd_ >= 0 && session_.up(); }
  // Bytes waiting for zebra to read them, and their bound (see above).
  size_t queuedBytes() const { return out_.size(); }
  size_t outputBound() const;

 private:
  void connect();
  void disconnect(const std::string& why, std::chrono::milliseconds retry_after);
  void onReadable();
  void handle(ZebraSession::Output out);
  void onEstablished();
  void sendUpdateComplete();
  void onNote(const ZapiRouteNotify& note);
  void send(std::vector<uint8_t> bytes);
  void flushOut();
  void verifyPending();
  Route variantOf(
      const Route& route) const;  // the route with its weight scale applied (nexthop_group_variant.h)
  void reportZebraNexthopObjects(const IpPrefix& prefix);  // logs once per run
  void watchGateways();  // tells the gateway monitor every gateway of routes_
  void processEvents();  // reads the gateway monitor's notifications, reports to the observer
  bool flushBlocking(std::chrono::milliseconds budget);

  EventLoop& loop_;
  const ZebraConfig config_;
  ZebraSession session_;
  ZapiFramer framer_;
  int fd_ = -1;
  std::unique_ptr<ReadWatch> read_watch_;
  FdWatch write_watch_;
  bool write_armed_ = false;
  std::vector<uint8_t> out_;  // bytes not yet accepted by the socket
  Timer reconnect_timer_;
  Backoff backoff_;
  std::minstd_rand random_;   // draws the weight scale of a fresh group
  std::string last_failure_;  // logged once until the connection comes up

  std::map<IpPrefix, Route> routes_;  // what the agent wants zebra to hold
  size_t routes_bytes_ = 0;           // routeAddBytesBound over routes_
  std::map<IpPrefix, RouteStatus> status_;
  std::set<IpPrefix> awaiting_removal_;  // ROUTE_DELETE sent, REMOVED not yet seen
  bool initial_complete_ = false;

  std::unique_ptr<nl::NetlinkSocket> netlink_;  // read-back; null if it could not be opened
  Timer verify_timer_;
  std::map<IpPrefix, int> verify_pending_;     // prefix -> attempts so far
  std::map<IpPrefix, uint32_t> weight_scale_;  // the variant sent (absent: 1), kept while the route is wanted
  std::map<IpPrefix, int> resends_;            // fresh groups sent since the read-back last matched
  bool zebra_nexthop_objects_seen_ = false;

  std::unique_ptr<GatewayMonitor> gateway_monitor_;  // null if its sockets could not be opened
  DataplaneObserver* observer_ = nullptr;            // between start() and stop()
  std::unique_ptr<ReadWatch> gateway_watch_;         // the monitor's fd, between start() and stop()
};

}  // namespace anycastd
