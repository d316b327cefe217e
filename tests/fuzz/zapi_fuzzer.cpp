// libFuzzer target: the zebra API decoders (platform/zebra/zapi_codec.h, zapi_messages.h, zapi_route_codec.h)
// and ZebraSession (platform/zebra/zebra_session.h), which take whatever zebra's socket delivers.
// Input: byte 0 picks the session's configured release (or auto-detection), byte 1 how the stream is cut
// into reads, the rest is the byte stream from zebra. Each input is also decoded whole by every decoder of
// every release. A decoded route must survive encode -> decode unchanged. Seeds: tests/fuzz/corpus/zapi/
// (golden messages of tests/unit/zapi_golden_test.cpp and the session's replies).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "platform/zebra/zapi_codec.h"
#include "platform/zebra/zapi_messages.h"
#include "platform/zebra/zapi_route_codec.h"
#include "platform/zebra/zebra_session.h"
#include "tests/fuzz/fuzz_support.h"

using namespace anycastd;

namespace {

void decodeAll(std::span<const uint8_t> bytes) {
  (void)decodeHeader(bytes);
  (void)decodeHeaderPrefix(bytes);
  for (FrrRelease r : kAllFrrReleases) {
    for (ZapiCommand c : {ZapiCommand::kRouteAdd, ZapiCommand::kRouteDelete,
                          ZapiCommand::kRedistributeRouteAdd, ZapiCommand::kRedistributeRouteDel}) {
      auto route = decodeRoute(r, c, bytes);
      if (!route.has_value() || c != ZapiCommand::kRouteAdd) continue;
      auto again = encodeRouteAdd(r, route.value());
      if (!again.has_value()) continue;
      auto back = decodeRoute(r, c, again.value());
      if (!back.has_value() || !(back.value() == route.value())) std::abort();
    }
    (void)decodeRouteNotifyOwner(r, bytes);
    (void)decodeError(r, bytes);
    (void)decodeCapabilities(r, bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::span<const uint8_t> stream(data + 2, size - 2);
  decodeAll(stream);

  ZebraSessionSettings settings;
  const size_t pick = data[0] % (kFrrReleaseCount + 1);
  if (pick < kFrrReleaseCount) settings.release = kAllFrrReleases[pick];
  settings.graceful_restart_s = data[0] & 0x80 ? 0 : 60;
  ZebraSession session(settings);
  (void)session.start();
  ZapiFramer framer;
  const uint8_t pattern[] = {data[1], static_cast<uint8_t>(data[1] * 7 + 3)};
  for (std::span<const uint8_t> chunk :
       fuzz::chunks(stream, data[1] ? std::span(pattern) : std::span<const uint8_t>{})) {
    framer.feed(chunk);
    ZapiMessage m;
    ZapiFramer::Status st;
    while ((st = framer.next(&m)) == ZapiFramer::Status::kMessage) {
      if (m.bytes.size() < kZapiHeaderSize || m.bytes.size() > kZapiMaxMessage) std::abort();
      decodeAll(m.bytes);
      ZebraSession::Output out = session.onMessage(m);
      if (session.up()) {
        Route route;
        route.prefix = *IpPrefix::parse("203.0.113.10/32", nullptr);
        route.nexthops = {{*IpAddress::parse("192.0.2.2"), 1}, {*IpAddress::parse("192.0.2.6"), 3}};
        (void)session.routeAdd(route);
        (void)session.routeDelete(route.prefix);
        (void)session.updateComplete();
        (void)session.disableGracefulRestart();
      }
      if (!out.fatal.empty()) (void)session.start();  // the caller reconnects
    }
    if (st == ZapiFramer::Status::kError) {
      if (framer.error().message.empty()) std::abort();
      framer.reset();
      (void)session.start();
    }
  }
  return 0;
}
