#include "platform/zebra/zebra_dataplane.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"
#include "lib/posix.h"
#include "platform/kernel_reader.h"
#include "platform/kernel_view.h"
#include "platform/zebra/nexthop_group_variant.h"

namespace anycastd {
namespace {

constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kMaxRetry{5000};
constexpr std::chrono::milliseconds kMismatchRetry{30000};
constexpr std::chrono::milliseconds kVerifyDelay{200};
constexpr int kVerifyAttempts = 5;
constexpr int kMaxResends = 5;        // fresh groups sent for one route before the agent gives up and reports
constexpr uint8_t kRtprotZebra = 11;  // zebra's routes in the kernel
constexpr uint32_t kMainTable = 254;
constexpr std::chrono::milliseconds kExitFlushBudget{1000};
constexpr size_t kOutputMargin = 64 * 1024;  // the handshake, and changes on top of a full resync

ZebraSessionSettings sessionSettings(const ZebraConfig& config) {
  ZebraSessionSettings s;
  s.instance = config.table_instance;
  s.graceful_restart_s = config.graceful_restart_s;
  if (config.frr_release != "auto") {
    std::string why;
    s.release = parseFrrRelease(config.frr_release, &why);
    if (!s.release) throw std::invalid_argument("frr_release: " + why);
  }
  return s;
}

std::set<IpAddress> gateways(const std::vector<NextHop>& hops) {
  std::set<IpAddress> out;
  for (const NextHop& h : hops) out.insert(h.gateway);
  return out;
}

std::string str(const std::set<IpAddress>& addrs) {
  std::string out;
  for (const IpAddress& a : addrs) out += (out.empty() ? "" : " ") + a.str();
  return out.empty() ? "(none)" : out;
}

}  // namespace

ZebraDataplane::ZebraDataplane(EventLoop& loop, const ZebraConfig& config)
    : loop_(loop),
      config_(config),
      session_(sessionSettings(config)),
      write_watch_(loop,
                   [this](bool, bool) {
                     write_armed_ = false;
                     flushOut();
                   }),
      reconnect_timer_(loop, [this] { connect(); }),
      backoff_(kFirstRetry, kMaxRetry),
      random_(std::random_device{}()),
      verify_timer_(loop, [this] { verifyPending(); }) {
  if (config_.verify_kernel) {
    try {
      netlink_ = std::make_unique<nl::NetlinkSocket>(nl::NetlinkSocket::Options{});
    } catch (const std::exception& e) {
      logWarning(std::string("zebra: cannot open a netlink socket to check zebra's routes: ") + e.what());
    }
  }
  try {
    gateway_monitor_ = std::make_unique<GatewayMonitor>();
  } catch (const std::exception& e) {
    logWarning(std::string("zebra: cannot watch links and neighbours (servers leave only by probes): ") +
               e.what());
  }
  reconnect_timer_.arm(std::chrono::milliseconds(0));
}

ZebraDataplane::~ZebraDataplane() {
  if (fd_ >= 0) {
    if (session_.up() && !out_.empty() && !flushBlocking(kExitFlushBudget))
      logWarning("zebra: " + std::to_string(out_.size()) + " bytes could not be sent before exit");
    read_watch_.reset();
    write_watch_.cancel();
    ::close(fd_);
  }
}

Status ZebraDataplane::readRoutes(std::vector<Route>& out) {
  out.clear();
  for (const auto& [prefix, route] : routes_) out.push_back(route);
  return Status::ok();
}

Status ZebraDataplane::programRoute(const Route& route) {
  if (session_.up()) {
    auto bytes = session_.routeAdd(variantOf(route));
    if (!bytes.has_value()) return Status::fail(EINVAL, bytes.error().message);
    send(std::move(bytes.value()));
  }
  awaiting_removal_.erase(route.prefix);
  if (auto it = routes_.find(route.prefix); it != routes_.end())
    routes_bytes_ -= routeAddBytesBound(it->second.nexthops.size());
  routes_bytes_ += routeAddBytesBound(route.nexthops.size());
  routes_[route.prefix] = route;
  status_[route.prefix].kernel_matches.reset();
  watchGateways();
  return Status::ok();
}

Status ZebraDataplane::removeRoute(const IpPrefix& prefix) {
  if (session_.up() && routes_.count(prefix)) {
    auto bytes = session_.routeDelete(prefix);
    if (!bytes.has_value()) return Status::fail(EINVAL, bytes.error().message);
    send(std::move(bytes.value()));
    // zebra confirms the removal of a route it holds; one it never installed gets no answer.
    auto st = status_.find(prefix);
    if (st != status_.end() && st->second.note == RouteNote::kInstalled) awaiting_removal_.insert(prefix);
  }
  if (auto it = routes_.find(prefix); it != routes_.end()) {
    routes_bytes_ -= routeAddBytesBound(it->second.nexthops.size());
    routes_.erase(it);
  }
  status_.erase(prefix);
  verify_pending_.erase(prefix);
  weight_scale_.erase(prefix);
  resends_.erase(prefix);
  watchGateways();
  return Status::ok();
}

void ZebraDataplane::watchGateways() {
  if (!gateway_monitor_) return;
  std::set<IpAddress> all;
  for (const auto& [prefix, route] : routes_) all.merge(gateways(route.nexthops));
  gateway_monitor_->watch(all);
}

Status ZebraDataplane::start(EventLoop& loop, DataplaneObserver& observer) {
  observer_ = &observer;
  if (gateway_monitor_)
    gateway_watch_ = std::make_unique<ReadWatch>(loop, gateway_monitor_->fd(), [this] { processEvents(); });
  return Status::ok();
}

void ZebraDataplane::stop() {
  gateway_watch_.reset();
  observer_ = nullptr;
}

void ZebraDataplane::processEvents() {
  if (!gateway_monitor_ || !observer_) return;
  for (const Unreachable& u : gateway_monitor_->process())
    observer_->nexthopsUnreachable(u.gateways, u.why.c_str());
}

void ZebraDataplane::initialRoutesComplete() {
  initial_complete_ = true;
  if (session_.up()) sendUpdateComplete();  // else after the routes when the session comes up
}

void ZebraDataplane::sendUpdateComplete() {
  for (auto& bytes : session_.updateComplete()) send(std::move(bytes));
  logInfo("zebra: told zebra the routes are complete (stale routes of a previous run are dropped)");
}

bool ZebraDataplane::finishWithdrawal(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (fd_ >= 0 && !awaiting_removal_.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (!out_.empty() && !flushBlocking(left)) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    onReadable();
  }
  if (!awaiting_removal_.empty())
    logWarning("zebra: no confirmation that " + std::to_string(awaiting_removal_.size()) +
               " routes were removed" + (fd_ < 0 ? " (not connected)" : ""));
  if (fd_ >= 0) {
    for (auto& bytes : session_.disableGracefulRestart()) send(std::move(bytes));
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!out_.empty()) flushBlocking(std::max(left, std::chrono::milliseconds(100)));
  }
  return awaiting_removal_.empty();
}

std::string ZebraDataplane::routeNote(const IpPrefix& prefix) const {
  auto it = status_.find(prefix);
  if (it == status_.end() || !it->second.note) return session_.up() ? "" : "not connected to zebra";
  std::string out(toString(*it->second.note));
  if (it->second.kernel_matches == false) out += " (kernel differs)";
  return out;
}

std::optional<ZebraDataplane::RouteStatus> ZebraDataplane::routeStatus(const IpPrefix& prefix) const {
  auto it = status_.find(prefix);
  if (it == status_.end()) return std::nullopt;
  return it->second;
}

void ZebraDataplane::connect() {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return disconnect(std::string("socket: ") + std::strerror(errno), kMaxRetry);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, config_.socket.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    const std::string why = "cannot connect to " + config_.socket + ": " + errnoText(err);
    return disconnect(why, backoff_.delay());
  }
  fd_ = fd;
  framer_.reset();
  out_.clear();
  read_watch_ = std::make_unique<ReadWatch>(loop_, fd_, [this] { onReadable(); });
  handle(session_.start());
}

void ZebraDataplane::disconnect(const std::string& why, std::chrono::milliseconds retry_after) {
  const bool was_up = session_.up();
  if (fd_ >= 0) {
    read_watch_.reset();
    write_watch_.cancel();
    write_armed_ = false;
    ::close(fd_);
    fd_ = -1;
  }
  out_.clear();
  verify_timer_.cancel();
  verify_pending_.clear();
  awaiting_removal_.clear();  // a new session starts from routes_, which no longer has them
  if (was_up || why != last_failure_)
    logError("zebra: " + why + "; retrying in " + std::to_string(retry_after.count()) + " ms" +
             (was_up ? " (graceful restart keeps the routes in zebra meanwhile)" : ""));
  last_failure_ = why;
  reconnect_timer_.arm(retry_after);
  backoff_.grow();
}

void ZebraDataplane::onReadable() {
  uint8_t buf[16384];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n > 0) {
      framer_.feed(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      ZapiMessage message;
      ZapiFramer::Status st;
      while ((st = framer_.next(&message)) == ZapiFramer::Status::kMessage) {
        handle(session_.onMessage(message));
        if (fd_ < 0) return;  // the message ended the session
      }
      if (st == ZapiFramer::Status::kError)
        return disconnect("malformed data from zebra: " + framer_.error().message, backoff_.delay());
      continue;
    }
    if (n == 0) return disconnect("zebra closed the connection", backoff_.delay());
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return disconnect(std::string("reading from zebra: ") + std::strerror(errno), backoff_.delay());
  }
}

void ZebraDataplane::handle(ZebraSession::Output out) {
  for (auto& bytes : out.send) send(std::move(bytes));
  if (!out.fatal.empty()) return disconnect(out.fatal, kMismatchRetry);
  if (out.established) onEstablished();
  for (const ZapiRouteNotify& note : out.notes) onNote(note);
}

void ZebraDataplane::onEstablished() {
  backoff_.reset();
  last_failure_.clear();
  const FrrRelease release = *session_.release();
  logInfo("zebra: connected to " + config_.socket + ", FRR " + std::string(toString(release)) +
          (session_.releaseDetected() ? " (detected)" : " (configured)") + ", route type table instance " +
          std::to_string(config_.table_instance) + ", up to " + std::to_string(session_.ecmp()) +
          " next hops per route");
  if (session_.weightsUnsupported())
    for (const auto& [prefix, route] : routes_)
      if (std::any_of(route.nexthops.begin(), route.nexthops.end(), [](auto& h) { return h.weight != 1; })) {
        logWarning(
            "zebra: FRR 10.0 and 10.1 cannot be told apart on the wire and differ in the weight "
            "width: sending equal weights; set dataplane.zebra.frr_release to use weights");
        break;
      }
  for (const auto& [prefix, route] : routes_) {
    if (session_.ecmp() > 0 && route.nexthops.size() > session_.ecmp())
      logWarning("zebra: " + prefix.str() + " has " + std::to_string(route.nexthops.size()) +
                 " next hops but zebra takes at most " + std::to_string(session_.ecmp()));
    auto bytes = session_.routeAdd(variantOf(route));
    if (!bytes.has_value()) {
      logError("zebra: cannot encode " + prefix.str() + ": " + bytes.error().message);
      continue;
    }
    send(std::move(bytes.value()));
  }
  if (!routes_.empty()) logInfo("zebra: sent " + std::to_string(routes_.size()) + " routes");
  if (initial_complete_) sendUpdateComplete();
}

void ZebraDataplane::onNote(const ZapiRouteNotify& note) {
  auto it = routes_.find(note.prefix);
  const bool ours = it != routes_.end();
  const std::string what = "zebra: " + note.prefix.str() + " " + std::string(toString(note.note));
  switch (note.note) {
    case RouteNote::kInstalled:
      logInfo(what);
      if (ours && netlink_) {
        verify_pending_[note.prefix] = 0;
        if (!verify_timer_.armed()) verify_timer_.arm(kVerifyDelay);
      }
      break;
    case RouteNote::kFailInstall: logError(what + ": zebra could not install the route"); break;
    case RouteNote::kBetterAdminWon:
      logWarning(what +
                 ": another route for the prefix with a better distance is in use (a static or "
                 "kernel route?); the VIP is not announced from this route");
      break;
    case RouteNote::kRemoved:
      logInfo(what);
      awaiting_removal_.erase(note.prefix);
      break;
    case RouteNote::kRemoveFail:
      logError(what + ": zebra could not remove the route");
      awaiting_removal_.erase(note.prefix);
      break;
  }
  if (ours) status_[note.prefix].note = note.note;
}

void ZebraDataplane::verifyPending() {
  if (!netlink_) return;
  KernelReader reader(*netlink_, kRtprotZebra, kMainTable);
  bool again = false;
  for (auto it = verify_pending_.begin(); it != verify_pending_.end();) {
    const IpPrefix& prefix = it->first;
    auto want_route = routes_.find(prefix);
    if (want_route == routes_.end()) {
      it = verify_pending_.erase(it);
      continue;
    }
    std::vector<NextHop> sent = want_route->second.nexthops;
    if (session_.ecmp() > 0 && sent.size() > session_.ecmp()) sent.resize(session_.ecmp());
    const std::set<IpAddress> want = gateways(sent);
    std::set<IpAddress> have;
    KernelReader::Snapshot snap;
    Status s = reader.readPrefix(prefix, 0, /*expect_route=*/true, snap);
    if (s.isOk()) {
      auto r = snap.routes.find(prefix);
      if (r != snap.routes.end()) {
        const RouteView view = describeRoute(r->second, snap.nexthops, kRtprotZebra);
        have = gateways(view.route.nexthops);
        if (view.entry.form == RouteForm::kGroup) reportZebraNexthopObjects(prefix);
      }
    }
    if (s.isOk() && have == want) {
      status_[prefix].kernel_matches = true;
      resends_.erase(prefix);
      it = verify_pending_.erase(it);
      continue;
    }
    if (++it->second < kVerifyAttempts) {
      again = true;
      ++it;
      continue;
    }
    const std::string seen = "zebra: " + prefix.str() + " is INSTALLED but the kernel's route " +
                             (s.isOk() ? "goes via " + str(have) : "could not be read (" + s.message + ")") +
                             ", expected " + str(want);
    if (s.isOk() && session_.up() && resends_[prefix] < kMaxResends) {
      // zebra handed the route a stale nexthop group (nexthop_group_variant.h): send it again as a group
      // zebra has not seen; INSTALLED starts the next read-back.
      ++resends_[prefix];
      auto cur = weight_scale_.find(prefix);
      const uint32_t scale = pickWeightScale(want_route->second.nexthops,
                                             cur == weight_scale_.end() ? 1 : cur->second, random_());
      weight_scale_[prefix] = scale;
      logWarning(seen + ": sending it again with weights x" + std::to_string(scale) +
                 " so that zebra builds a fresh nexthop group (zebra.conf: `zebra nexthop-group keep 1`, "
                 "`no zebra nexthop kernel enable`)");
      auto bytes = session_.routeAdd(variantOf(want_route->second));
      if (bytes.has_value()) send(std::move(bytes.value()));
      it = verify_pending_.erase(it);
      continue;
    }
    status_[prefix].kernel_matches = false;
    logWarning(seen + (resends_.count(prefix) ? " after " + std::to_string(resends_[prefix]) +
                                                    " fresh nexthop groups; check zebra.conf (README)"
                                              : ""));
    it = verify_pending_.erase(it);
  }
  if (again) verify_timer_.arm(kVerifyDelay);
}

size_t ZebraDataplane::outputBound() const {
  return kOutputMargin + 2 * routes_bytes_;
}

Route ZebraDataplane::variantOf(const Route& route) const {
  auto it = weight_scale_.find(route.prefix);
  if (it == weight_scale_.end() || it->second <= 1) return route;
  Route out = route;
  out.nexthops = scaleWeights(route.nexthops, it->second);
  return out;
}

void ZebraDataplane::reportZebraNexthopObjects(const IpPrefix& prefix) {
  if (zebra_nexthop_objects_seen_) return;
  zebra_nexthop_objects_seen_ = true;
  logWarning("zebra: " + prefix.str() +
             " is installed over nexthop objects of zebra's own: zebra.conf lacks `no zebra nexthop kernel "
             "enable` (README, FRR configuration for zebra mode); zebra can then keep a server out of the "
             "kernel's route after its link flaps (the agent re-sends such routes as fresh groups)");
}

void ZebraDataplane::send(std::vector<uint8_t> bytes) {
  if (fd_ < 0) return;
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  flushOut();
  if (fd_ >= 0 && out_.size() > outputBound())
    disconnect("zebra is not reading: " + std::to_string(out_.size()) +
                   " bytes wait to be sent, over the bound of " + std::to_string(outputBound()) +
                   " (64 KiB + 2 x the full state); reconnecting to send the full state",
               backoff_.delay());
}

void ZebraDataplane::flushOut() {
  if (fd_ < 0 || out_.empty()) return;
  const SendResult r = sendNonBlocking(fd_, out_.data(), out_.size());
  out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(r.sent));
  if (r.wouldBlock()) {
    if (!write_armed_) {
      write_armed_ = true;
      write_watch_.watch(fd_, true, std::chrono::milliseconds(0));
    }
    return;
  }
  if (r.error != 0)
    return disconnect(std::string("writing to zebra: ") + std::strerror(r.error), backoff_.delay());
}

bool ZebraDataplane::flushBlocking(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (!out_.empty()) {
    const SendResult r = sendNonBlocking(fd_, out_.data(), out_.size());
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(r.sent));
    if (r.error == 0) break;
    if (!r.wouldBlock()) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

}  // namespace anycastd
