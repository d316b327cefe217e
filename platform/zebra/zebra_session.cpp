#include "platform/zebra/zebra_session.h"

#include <algorithm>

namespace anycastd {
namespace {

std::string listReleases(const std::vector<FrrRelease>& releases) {
  std::string out;
  for (FrrRelease r : releases) out += (out.empty() ? "" : ", ") + std::string(toString(r));
  return out;
}

bool contains(const std::vector<FrrRelease>& v, FrrRelease r) {
  return std::find(v.begin(), v.end(), r) != v.end();
}

ZebraSession::Bytes probeMessage() {
  ByteWriter w = startZapiMessage(kReleaseProbeCommand, 0);
  return finishZapiMessage(std::move(w), "release probe").value();  // a bare header always fits
}

}  // namespace

const char* toString(ZebraSession::State state) {
  switch (state) {
    case ZebraSession::State::kIdle: return "idle";
    case ZebraSession::State::kProbing: return "detecting the FRR release";
    case ZebraSession::State::kLegacyHello: return "detecting the FRR release (HELLO)";
    case ZebraSession::State::kHelloSent: return "HELLO sent";
    case ZebraSession::State::kUp: return "up";
    case ZebraSession::State::kFailed: return "failed";
  }
  return "?";
}

ZebraSession::Output ZebraSession::fail(std::string why) {
  state_ = State::kFailed;
  Output out;
  out.fatal = std::move(why);
  return out;
}

ZebraSession::Output ZebraSession::start() {
  release_ = settings_.release;
  candidates_.clear();
  detected_ = false;
  ambiguous_weights_ = false;
  ecmp_ = 0;
  state_ = State::kProbing;
  Output out;
  out.send.push_back(probeMessage());
  return out;
}

ZebraSession::Output ZebraSession::sendHello(Output out) {
  ZapiHello hello;
  hello.type = ZapiRouteType::kTable;
  hello.instance = settings_.instance;
  out.send.push_back(encodeHello(*release_, hello));
  state_ = State::kHelloSent;
  return out;
}

ZebraSession::Output ZebraSession::onCapabilities(const ZapiMessage& message, Output out) {
  auto caps = decodeCapabilities(*release_, message.bytes);
  if (!caps.has_value()) return fail("zebra's answer to HELLO: " + caps.error().message);
  ecmp_ = caps.value().ecmp;
  out.send.push_back(encodeRouteNotifyRequest(*release_, true));
  if (settings_.graceful_restart_s > 0)
    out.send.push_back(
        encodeClientCapabilities(*release_, gracefulRestartCapability(settings_.graceful_restart_s)));
  state_ = State::kUp;
  out.established = true;
  return out;
}

ZebraSession::Output ZebraSession::onMessage(const ZapiMessage& message) {
  const uint16_t command = message.header.command;
  Output out;
  switch (state_) {
    case State::kIdle:
    case State::kFailed: return out;

    case State::kProbing: {
      candidates_ = releasesWithErrorCommand(command);
      if (candidates_.empty())
        return fail("zebra answered the release probe with command " + std::to_string(command) +
                    ", which is ERROR in no supported FRR release (" + supportedFrrReleases() + ")");
      if (release_) {
        if (!contains(candidates_, *release_))
          return fail("frr_release is " + std::string(toString(*release_)) + " but zebra answers like FRR " +
                      listReleases(candidates_) + "; set frr_release to the running release or to auto");
        return sendHello(std::move(out));  // a wrong 8.x/10.0 guess is caught by the HELLO's answer
      }
      if (candidates_.size() == 1) {
        release_ = candidates_.front();
        detected_ = true;
        return sendHello(std::move(out));
      }
      // 8.4 HELLO: registers us on 8.4-9.0, an unserved command on 10.0/10.1.
      ZapiHello hello;
      hello.type = ZapiRouteType::kTable;
      hello.instance = settings_.instance;
      out.send.push_back(encodeHello(FrrRelease::k8_4, hello));
      state_ = State::kLegacyHello;
      return out;
    }

    case State::kLegacyHello: {
      auto narrowed = narrowByLegacyHelloReply(candidates_, command);
      if (narrowed.empty())
        return fail("zebra answered the 8.4 HELLO with command " + std::to_string(command) +
                    ", which fits none of FRR " + listReleases(candidates_));
      detected_ = true;
      if (contains(narrowed, FrrRelease::k8_4)) {
        // 8.4, 8.5 and 9.0 share every number and layout the agent uses: this was our HELLO.
        release_ = FrrRelease::k8_4;
        return onCapabilities(message, std::move(out));
      }
      release_ = narrowed.front();  // 10.0 (10.1 differs only in the weight width)
      ambiguous_weights_ = narrowed.size() > 1;
      return sendHello(std::move(out));
    }

    case State::kHelloSent: {
      auto known = commandFromNumber(*release_, command);
      if (known == ZapiCommand::kCapabilities) return onCapabilities(message, std::move(out));
      if (known == ZapiCommand::kError)
        return fail("zebra rejected the HELLO of FRR " + std::string(toString(*release_)) +
                    ": it does not run that release; set frr_release to the running release or to auto");
      return fail("zebra answered the HELLO of FRR " + std::string(toString(*release_)) + " with command " +
                  std::to_string(command) + " instead of CAPABILITIES; is frr_release right?");
    }

    case State::kUp: {
      auto known = commandFromNumber(*release_, command);
      if (known == ZapiCommand::kRouteNotifyOwner) {
        auto note = decodeRouteNotifyOwner(*release_, message.bytes);
        if (!note.has_value()) return fail(note.error().message);
        out.notes.push_back(note.value());
      } else if (known == ZapiCommand::kError) {
        auto err = decodeError(*release_, message.bytes);
        return fail("zebra did not understand a message of the agent (ERROR " +
                    (err.has_value() ? std::to_string(err.value().code) : err.error().message) +
                    "): the FRR release is not " + std::string(toString(*release_)));
      }
      // Everything else (VRF_ADD, interface and router-id updates zebra sends to every client) is ignored.
      return out;
    }
  }
  return out;
}

ZapiResult<ZebraSession::Bytes> ZebraSession::routeAdd(const Route& route) const {
  if (!up()) return Unexpected(makeZapiValueError("ROUTE_ADD", "session", "zebra session is not up"));
  Route sent = route;
  if (ecmp_ > 0 && sent.nexthops.size() > ecmp_) sent.nexthops.resize(ecmp_);
  if (ambiguous_weights_)
    for (NextHop& nh : sent.nexthops) nh.weight = 1;
  ZapiRoute z = toZapiRoute(sent, ZapiRouteType::kTable, settings_.instance);
  if (route.tag != 0) z.tag = route.tag;
  return encodeRouteAdd(*release_, z);
}

ZapiResult<ZebraSession::Bytes> ZebraSession::routeDelete(const IpPrefix& prefix) const {
  if (!up()) return Unexpected(makeZapiValueError("ROUTE_DELETE", "session", "zebra session is not up"));
  ZapiRoute z;
  z.type = ZapiRouteType::kTable;
  z.instance = settings_.instance;
  z.prefix = prefix;
  return encodeRouteDelete(*release_, z);
}

std::vector<ZebraSession::Bytes> ZebraSession::updateComplete() const {
  if (!up()) return {};
  std::vector<Bytes> out = {encodeClientCapabilities(*release_, routeUpdateComplete(Family::kIpv4)),
                            encodeClientCapabilities(*release_, routeUpdateComplete(Family::kIpv6))};
  if (settings_.graceful_restart_s > 0) {
    ZapiClientCapabilities stale;
    stale.capability = ClientCapability::kRibStaleTime;
    stale.staleTimeSeconds = settings_.graceful_restart_s;
    out.push_back(encodeClientCapabilities(*release_, stale));
  }
  return out;
}

std::vector<ZebraSession::Bytes> ZebraSession::disableGracefulRestart() const {
  if (!up() || settings_.graceful_restart_s == 0) return {};
  ZapiClientCapabilities off;
  off.capability = ClientCapability::kGracefulRestartDisable;
  return {encodeClientCapabilities(*release_, off)};
}

}  // namespace anycastd
