// Zebra API (ZAPI) framing: the 10-byte header every message starts with (u16 length incl. header, u8 marker
// 254, u8 version 6, u32 vrf_id, u16 command; at most 16384 bytes, same in FRR 8.4 … 10.7) and ZapiFramer,
// which cuts a byte stream read from zebra's unix socket into whole messages.
// The message encoders and decoders built on it are in zapi_messages.h (HELLO, NOTIFY_REQUEST,
// CLIENT_CAPABILITIES, NOTIFY_OWNER, ERROR, CAPABILITIES) and zapi_route_codec.h (ROUTE_ADD/DELETE).
// Pure value code: the framer owns only its buffer, does no I/O and is meant for the event-loop thread that
// reads the socket. Errors are returned as ZapiError (zapi_wire.h), never thrown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "platform/zebra/zapi_release.h"
#include "platform/zebra/zapi_wire.h"

namespace anycastd {

inline constexpr size_t kZapiHeaderSize = 10;
inline constexpr uint8_t kZapiMarker = 254;
inline constexpr uint8_t kZapiVersion = 6;
inline constexpr size_t kZapiMaxMessage = 16384;

struct ZapiHeader {
  uint16_t length = 0;  // whole message, header included
  uint8_t marker = kZapiMarker;
  uint8_t version = kZapiVersion;
  uint32_t vrfId = 0;
  uint16_t command = 0;
  auto operator<=>(const ZapiHeader&) const = default;
};

// Checks the header at the start of `bytes` (marker, version, kZapiHeaderSize <= length <= kZapiMaxMessage)
// without looking at the length of `bytes` beyond the header.
ZapiResult<ZapiHeader> decodeHeaderPrefix(std::span<const uint8_t> bytes);

// "Header only" decode for messages the agent ignores: a valid header whose length equals bytes.size().
ZapiResult<ZapiHeader> decodeHeader(std::span<const uint8_t> message);

// As decodeHeader, and the command must be `command` in `release`. Decoders start with this.
ZapiResult<ZapiHeader> decodeHeaderFor(FrrRelease release, ZapiCommand command,
                                       std::span<const uint8_t> message);

// Starts a message: writes the header with a zero length; finishZapiMessage() fills it in. Returns an error
// if the message exceeds kZapiMaxMessage.
ByteWriter startZapiMessage(uint16_t command, uint32_t vrfId);
ZapiResult<std::vector<uint8_t>> finishZapiMessage(ByteWriter&& writer, std::string_view what);

struct ZapiMessage {
  ZapiHeader header;
  std::vector<uint8_t> bytes;  // the whole message, header included (what the decoders take)
};

// Stream decoder. feed() any chunking of the byte stream; next() yields whole messages in order.
// A bad header (marker, version, length) is fatal for the stream — zebra itself resets the connection — so
// the framer stays in the error state until reset() (call it after reconnecting).
class ZapiFramer {
 public:
  enum class Status { kMessage, kNeedMore, kError };

  void feed(std::span<const uint8_t> bytes);
  // kMessage: *out holds the next message. kNeedMore: feed more bytes. kError: see error().
  Status next(ZapiMessage* out);
  const ZapiError& error() const { return error_; }
  size_t buffered() const { return buffer_.size() - start_; }
  void reset();

 private:
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;       // first unconsumed byte in buffer_
  uint64_t consumed_ = 0;  // stream bytes handed out as messages (for error messages)
  bool failed_ = false;
  ZapiError error_;
};

}  // namespace anycastd
