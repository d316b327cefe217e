// ZebraSession: release detection and checking against zebra's answers, registration (HELLO, owner
// notifications, graceful restart), notifications once up, and the fatal cases (a release that does not
// match, a reply that fits no release, malformed notifications, ERROR once up). zebra's replies are built
// here byte by byte as zebra/zapi_msg.c writes them.
#include "platform/zebra/zebra_session.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <string>

#include "tests/unit/zapi_test_util.h"

using namespace anycastd;
using namespace anycastd::ztest;

namespace {

using Bytes = std::vector<uint8_t>;

ZapiMessage message(uint16_t command, const Bytes& body) {
  ByteWriter w = startZapiMessage(command, 0);
  w.raw(body.data(), body.size());
  auto bytes = finishZapiMessage(std::move(w), "test").value();
  ZapiMessage m;
  m.header = decodeHeader(bytes).value();
  m.bytes = bytes;
  return m;
}

ZapiMessage error(uint16_t command) {
  ByteWriter w;
  w.hostU32(2);  // ZEBRA_INVALID_MSG_TYPE
  return message(command, w.take());
}

// CAPABILITIES in the layout of `bytes` length: 10 (8.4-9.0), 11 (9.1-10.1), 12 (10.2-10.5).
ZapiMessage capabilities(uint16_t command, size_t length, uint32_t ecmp = 64) {
  ByteWriter w;
  w.u32(0);     // vrf backend
  w.u8(0);      // mpls
  w.u32(ecmp);  // multipath
  w.u8(0);      // mlag role
  if (length >= 11) w.u8(0);
  if (length >= 12) w.u8(0);
  return message(command, w.take());
}

ZapiMessage notifyOwner(uint16_t command, uint32_t note, const char* prefix4) {
  ByteWriter w;
  w.hostU32(note);
  w.u8(2);  // AF_INET
  w.u8(32);
  IpAddress a = ip(prefix4);
  w.raw(a.bytes(), 4);
  w.u32(254);
  w.u8(1);
  w.u8(1);
  return message(command, w.take());
}

uint16_t commandOf(const Bytes& bytes) {
  return decodeHeader(bytes).value().command;
}

bool contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

Route route3() {
  Route r;
  r.prefix = prefix("203.0.113.10/32");
  r.nexthops = {{ip("192.0.2.2"), 1}, {ip("192.0.2.6"), 2}, {ip("192.0.2.10"), 1}};
  std::sort(r.nexthops.begin(), r.nexthops.end());
  return r;
}

}  // namespace

TEST_GROUP(ZebraSession){};

TEST(ZebraSession, StartsWithACommandNoReleaseKnows) {
  ZebraSession s({});
  auto out = s.start();
  LONGS_EQUAL(1, out.send.size());
  LONGS_EQUAL(kReleaseProbeCommand, commandOf(out.send[0]));
  CHECK(s.state() == ZebraSession::State::kProbing);
}

TEST(ZebraSession, Detects10_2AndRegistersWithGracefulRestart) {
  ZebraSessionSettings settings;
  settings.instance = 100;
  settings.graceful_restart_s = 45;
  ZebraSession s(settings);
  s.start();
  auto out = s.onMessage(error(120));
  LONGS_EQUAL(1, out.send.size());
  LONGS_EQUAL(19, commandOf(out.send[0]));  // the 10.x HELLO
  CHECK(s.release() == FrrRelease::k10_2);
  out = s.onMessage(capabilities(20, 12, 128));
  CHECK_TRUE(out.established);
  CHECK_TRUE(s.up());
  LONGS_EQUAL(128, s.ecmp());
  LONGS_EQUAL(2, out.send.size());
  LONGS_EQUAL(126, commandOf(out.send[0]));  // ROUTE_NOTIFY_REQUEST
  LONGS_EQUAL(121, commandOf(out.send[1]));  // CLIENT_CAPABILITIES
  auto caps = out.send[1];
  // cap 1 (GR), stale time 45, vrf 0
  STRCMP_EQUAL("00 00 00 01 00 00 00 2d 00 00 00 00", hex(Bytes(caps.begin() + 10, caps.end())).c_str());
}

TEST(ZebraSession, Detects8_4ThroughTheLegacyHello) {
  ZebraSession s({});
  s.start();
  auto out = s.onMessage(error(118));
  LONGS_EQUAL(1, out.send.size());
  LONGS_EQUAL(18, commandOf(out.send[0]));
  out = s.onMessage(capabilities(19, 10));
  CHECK_TRUE(out.established);
  CHECK(s.release() == FrrRelease::k8_4);
  CHECK_TRUE(s.releaseDetected());
  LONGS_EQUAL(124, commandOf(out.send[0]));
  LONGS_EQUAL(119, commandOf(out.send[1]));
}

TEST(ZebraSession, Detects9_1FromTheProbeAlone) {
  ZebraSession s({});
  s.start();
  auto out = s.onMessage(error(117));
  LONGS_EQUAL(18, commandOf(out.send[0]));
  CHECK(s.release() == FrrRelease::k9_1);
  CHECK_TRUE(s.onMessage(capabilities(19, 11)).established);
}

TEST(ZebraSession, TenZeroAndTenOneLookAlikeSoWeightsAreNotSent) {
  ZebraSession s({});
  s.start();
  s.onMessage(error(118));
  auto out = s.onMessage(error(118));  // 10.x does not serve command 18
  LONGS_EQUAL(19, commandOf(out.send[0]));
  CHECK_TRUE(s.onMessage(capabilities(20, 11)).established);
  CHECK_TRUE(s.weightsUnsupported());
  auto bytes = s.routeAdd(route3());
  CHECK_TRUE(bytes.has_value());
  auto back = decodeRoute(*s.release(), ZapiCommand::kRouteAdd, bytes.value());
  CHECK_TRUE(back.has_value());
  for (const auto& nh : back.value().nexthops) LONGS_EQUAL(1, nh.hop.weight);
}

TEST(ZebraSession, ConfiguredReleaseIsCheckedAgainstTheProbe) {
  ZebraSessionSettings settings;
  settings.release = FrrRelease::k8_4;
  ZebraSession s(settings);
  s.start();
  auto out = s.onMessage(error(120));
  CHECK_TRUE(out.send.empty());
  CHECK_TEXT(contains(out.fatal, "frr_release is 8.4 but zebra answers like FRR 10.2+"), out.fatal.c_str());
  CHECK(s.state() == ZebraSession::State::kFailed);
}

TEST(ZebraSession, ConfiguredReleaseIsCheckedAgainstTheHelloAnswer) {
  ZebraSessionSettings settings;
  settings.release = FrrRelease::k8_4;
  ZebraSession s(settings);
  s.start();
  auto out = s.onMessage(error(118));  // consistent with 8.4 and with 10.0/10.1
  LONGS_EQUAL(18, commandOf(out.send[0]));
  out = s.onMessage(error(118));  // a 10.0 zebra does not serve command 18
  CHECK_TEXT(contains(out.fatal, "rejected the HELLO of FRR 8.4"), out.fatal.c_str());
  CHECK_FALSE(s.up());
}

TEST(ZebraSession, AProbeAnswerThatFitsNoReleaseIsFatal) {
  ZebraSession s({});
  s.start();
  auto out = s.onMessage(error(55));
  CHECK_TEXT(contains(out.fatal, "command 55"), out.fatal.c_str());
}

TEST(ZebraSession, OwnerNotificationsAreDecodedOnceUp) {
  ZebraSession s({});
  s.start();
  s.onMessage(error(120));
  s.onMessage(capabilities(20, 12));
  auto out = s.onMessage(message(33, {}));  // VRF_ADD and the like are ignored
  CHECK_TRUE(out.fatal.empty());
  CHECK_TRUE(out.notes.empty());
  // 10.2 layout (no source prefix)
  out = s.onMessage(notifyOwner(11, 2, "203.0.113.10"));
  CHECK_TEXT(out.fatal.empty(), out.fatal.c_str());
  LONGS_EQUAL(1, out.notes.size());
  CHECK(out.notes[0].note == RouteNote::kInstalled);
  CHECK(out.notes[0].prefix == prefix("203.0.113.10/32"));
}

TEST(ZebraSession, AMalformedNotificationIsFatal) {
  ZebraSession s({});
  s.start();
  s.onMessage(error(120));
  s.onMessage(capabilities(20, 12));
  auto out = s.onMessage(message(11, {2, 0, 0, 0, 2}));  // truncated
  CHECK_FALSE(out.fatal.empty());
  CHECK(s.state() == ZebraSession::State::kFailed);
}

TEST(ZebraSession, AnErrorOnceUpMeansTheNumberingIsWrong) {
  ZebraSession s({});
  s.start();
  s.onMessage(error(120));
  s.onMessage(capabilities(20, 12));
  auto out = s.onMessage(error(120));
  CHECK_TEXT(contains(out.fatal, "did not understand"), out.fatal.c_str());
}

TEST(ZebraSession, RoutesRespectZebrasEcmpLimitAndCarryTheTag) {
  ZebraSession s({});
  CHECK_FALSE(s.routeAdd(route3()).has_value());  // not up yet
  s.start();
  s.onMessage(error(120));
  s.onMessage(capabilities(20, 12, 2));
  Route r = route3();
  r.tag = 777;
  auto bytes = s.routeAdd(r);
  CHECK_TRUE(bytes.has_value());
  auto back = decodeRoute(FrrRelease::k10_2, ZapiCommand::kRouteAdd, bytes.value());
  CHECK_TEXT(back.has_value(), back.error().message.c_str());
  LONGS_EQUAL(2, back.value().nexthops.size());
  CHECK(back.value().type == ZapiRouteType::kTable);
  LONGS_EQUAL(100, back.value().instance);
  CHECK_TRUE(back.value().tag.has_value());
  LONGS_EQUAL(777, *back.value().tag);
  auto del = s.routeDelete(r.prefix);
  CHECK_TRUE(del.has_value());
  LONGS_EQUAL(10, commandOf(del.value()));
  LONGS_EQUAL(3, s.updateComplete().size());  // IPv4, IPv6, RIB_STALE_TIME
  LONGS_EQUAL(1, s.disableGracefulRestart().size());
}

TEST(ZebraSession, ARestartedSessionDetectsAgain) {
  ZebraSession s({});
  s.start();
  s.onMessage(error(120));
  s.onMessage(capabilities(20, 12));
  CHECK_TRUE(s.up());
  s.start();
  CHECK_FALSE(s.up());
  s.onMessage(error(118));
  CHECK_TRUE(s.onMessage(capabilities(19, 10)).established);
  CHECK(s.release() == FrrRelease::k8_4);
}
