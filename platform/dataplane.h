// Dataplane: the narrow interface through which the agent owns VIP routes. Kernel mode implements it with
// netlink (platform/kernel/kernel_dataplane.h), zebra mode with the zebra API
// (platform/zebra/zebra_dataplane.h). Business logic never touches libnl or a socket. What the dataplane
// learns by itself (changes made behind the agent's back, next hops that became unreachable) it reports to
// one DataplaneObserver given to start(); each back-end watches its own fds on the loop. Called only from
// the agent's event-loop thread; errors come back as Status (never exceptions) and the caller retries.
#pragma once

#include <chrono>
#include <vector>

#include "lib/event_loop.h"
#include "lib/ip_address.h"
#include "lib/status.h"
#include "platform/route.h"

namespace anycastd {

// What a dataplane reports to its owner, on the event-loop thread, between start() and stop().
class DataplaneObserver {
 public:
  // The dataplane saw a change made by someone else that may have broken the programmed state (a nexthop
  // object deleted with its link, a route deleted by hand): the agent then resynchronises.
  virtual void externalChange(const char* why) = 0;

  // Some of the routes' next hops cannot be reached now, before any probe could tell: kernel mode reports
  // the gateways on a link that went down or lost carrier ("link eth-s2 down") and gateways whose neighbour
  // entry the kernel failed to resolve ("neighbour 192.0.2.6 failed"); zebra mode watches the same events
  // (platform/zebra/gateway_monitor.h). The agent then takes the matching servers down at once (they come
  // back after `rise` passing probes).
  virtual void nexthopsUnreachable(const std::vector<IpAddress>& gateways, const char* why) = 0;

 protected:
  ~DataplaneObserver() = default;
};

class Dataplane {
 public:
  virtual ~Dataplane() = default;

  // Starts reporting to `observer`: the back-end registers the watches of its notification fds on `loop`
  // (kernel mode: its netlink event socket; zebra mode: its gateway monitor). Until stop(), the observer
  // must stay alive. Called once by the owner, after the start-up adoption; start() after stop() resumes.
  virtual Status start(EventLoop& loop, DataplaneObserver& observer) { return Status::ok(); }
  // Stops reporting: drops the watches and forgets the observer (the observer's owner calls it before the
  // observer goes away).
  virtual void stop() {}

  // Reads the routes this agent owns (its protocol, its table) as the dataplane holds them now, and
  // refreshes the dataplane's own bookkeeping (object IDs) from it. Used for start-up adoption and resync.
  virtual Status readRoutes(std::vector<Route>& out) = 0;

  // Makes `route` hold: creates it, or changes its next hops in place (no delete and re-add).
  virtual Status programRoute(const Route& route) = 0;

  // Removes the route for `prefix` and every object that only it used.
  virtual Status removeRoute(const IpPrefix& prefix) = 0;

  // Removes objects of the agent's (e.g. nexthop objects) that no route of the agent's uses, such as those
  // left by a crash in the middle of an update.
  virtual Status removeOrphans() = 0;

  // The agent has withdrawn every VIP and is about to exit: make that final within `budget` (zebra mode:
  // wait until zebra confirms the removals, which a closing connection could otherwise lose, and tell it to
  // keep nothing for this client). Returns false if the dataplane did not confirm everything.
  virtual bool finishWithdrawal(std::chrono::milliseconds budget) { return true; }

  // The dataplane's own word on the route for `prefix`, for `show` (zebra mode: INSTALLED, FAIL_INSTALL...);
  // empty when it has none.
  virtual std::string routeNote(const IpPrefix& prefix) const { return {}; }
  // Whether the route for `prefix` is in place but what FRR makes of it cannot be trusted (kernel mode:
  // zebra holds copies of the agent's nexthop objects), so `show` must not call the VIP announced.
  virtual bool routeUnverified(const IpPrefix& prefix) const { return false; }
  // Kernel mode: how many nexthop objects of zebra's hold IDs of the agent's range (zebra_copies.h).
  virtual size_t zebraNexthopCopies() const { return 0; }

  // The agent has a first verdict on every server (each is up, or has had `rise` probes without coming
  // up) and has programmed the routes that follow. Called once per run. Zebra mode then tells zebra that
  // the routes are complete, so zebra drops what a previous run left and this one did not re-add.
  virtual void initialRoutesComplete() {}

  // Kernel mode: where nexthop-ID allocation goes on, for the state file (0: nothing to keep), and what the
  // state file kept, given before the first readRoutes(). A new run continues past the previous run's IDs
  // (and past every ID of its range still in the kernel): zebra may remember deleted ones.
  virtual uint32_t nextNexthopId() const { return 0; }
  virtual void continueNexthopIds(uint32_t next) { (void)next; }
};

}  // namespace anycastd
