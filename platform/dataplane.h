// Dataplane: the narrow interface through which the agent owns VIP routes. Kernel mode implements it with
// netlink (platform/kernel/kernel_dataplane.h), zebra mode with the zebra API
// (platform/zebra/zebra_dataplane.h). Business logic never touches libnl or a socket. Called only from the
// agent's event-loop thread; errors come back as Status (never exceptions) and the caller retries.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "lib/ip_address.h"
#include "lib/status.h"
#include "platform/route.h"

namespace anycastd {

class Dataplane {
 public:
  virtual ~Dataplane() = default;

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

  // An fd the event loop watches for readability (-1: none); processEvents() is then called. Used for the
  // dataplane's notifications (netlink events in kernel mode).
  virtual int eventFd() const { return -1; }
  virtual void processEvents() {}

  // The agent has withdrawn every VIP and is about to exit: make that final within `budget` (zebra mode:
  // wait until zebra confirms the removals, which a closing connection could otherwise lose, and tell it to
  // keep nothing for this client). Returns false if the dataplane did not confirm everything.
  virtual bool finishWithdrawal(std::chrono::milliseconds budget) { return true; }

  // The dataplane's own word on the route for `prefix`, for `show` (zebra mode: INSTALLED, FAIL_INSTALL...);
  // empty when it has none.
  virtual std::string routeNote(const IpPrefix& prefix) const { return {}; }

  // The agent has a first verdict on every server (each is up, or has had `rise` probes without coming
  // up) and has programmed the routes that follow. Called once per run. Zebra mode then tells zebra that
  // the routes are complete, so zebra drops what a previous run left and this one did not re-add.
  virtual void initialRoutesComplete() {}

  // Called (on the event-loop thread) when the dataplane sees a change made by someone else that may have
  // broken the programmed state (a nexthop object deleted with its link, a route deleted by hand): the agent
  // then resynchronises. Set once by the owner.
  std::function<void(const char* why)> onExternalChange;

  // Called (on the event-loop thread) when the dataplane learns that some of its routes' next hops cannot be
  // reached now, before any probe could tell: kernel mode reports the gateways on a link that went down or
  // lost carrier ("link eth-s2 down") and gateways whose neighbour entry the kernel failed to resolve
  // ("neighbour 192.0.2.6 failed"); zebra mode watches the same events (platform/zebra/gateway_monitor.h).
  // The agent then takes the matching servers down at once (they come back after `rise` passing probes). Set
  // once by the owner.
  std::function<void(const std::vector<IpAddress>& gateways, const char* why)> onNexthopsUnreachable;
};

}  // namespace anycastd
