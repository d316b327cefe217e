#include "platform/zebra/zapi_codec.h"

#include <algorithm>
#include <string>

namespace anycastd {

ZapiResult<ZapiHeader> decodeHeaderPrefix(std::span<const uint8_t> bytes) {
  ByteReader r(bytes.first(std::min(bytes.size(), kZapiHeaderSize)), "header");
  ZapiHeader h;
  if (!r.u16("header.length", h.length) || !r.u8("header.marker", h.marker) ||
      !r.u8("header.version", h.version) || !r.u32("header.vrf_id", h.vrfId) ||
      !r.u16("header.command", h.command)) {
    return Unexpected(r.error());
  }
  if (h.marker != kZapiMarker)
    return Unexpected(
        makeZapiError("header", "header.marker", 2,
                      "is " + std::to_string(h.marker) + ", expected " + std::to_string(kZapiMarker)));
  if (h.version != kZapiVersion)
    return Unexpected(
        makeZapiError("header", "header.version", 3,
                      "is " + std::to_string(h.version) + ", expected " + std::to_string(kZapiVersion)));
  if (h.length < kZapiHeaderSize || h.length > kZapiMaxMessage)
    return Unexpected(makeZapiError("header", "header.length", 0,
                                    "is " + std::to_string(h.length) + ", must be " +
                                        std::to_string(kZapiHeaderSize) + ".." +
                                        std::to_string(kZapiMaxMessage)));
  return h;
}

ZapiResult<ZapiHeader> decodeHeader(std::span<const uint8_t> message) {
  auto h = decodeHeaderPrefix(message);
  if (!h.has_value()) return h;
  if (h.value().length != message.size())
    return Unexpected(makeZapiError("header", "header.length", 0,
                                    "says " + std::to_string(h.value().length) + " bytes, message has " +
                                        std::to_string(message.size())));
  return h;
}

ZapiResult<ZapiHeader> decodeHeaderFor(FrrRelease release, ZapiCommand command,
                                       std::span<const uint8_t> message) {
  auto h = decodeHeader(message);
  if (!h.has_value()) return h;
  const uint16_t expected = commandNumber(release, command);
  if (h.value().command != expected)
    return Unexpected(makeZapiError(toString(command), "header.command", 8,
                                    "is " + std::to_string(h.value().command) + ", " +
                                        std::string(toString(command)) + " is " + std::to_string(expected) +
                                        " in FRR " + std::string(toString(release))));
  return h;
}

ByteWriter startZapiMessage(uint16_t command, uint32_t vrfId) {
  ByteWriter w;
  w.u16(0);
  w.u8(kZapiMarker);
  w.u8(kZapiVersion);
  w.u32(vrfId);
  w.u16(command);
  return w;
}

ZapiResult<std::vector<uint8_t>> finishZapiMessage(ByteWriter&& writer, std::string_view what) {
  const size_t size = writer.size();
  if (size > kZapiMaxMessage)
    return Unexpected(makeZapiError(what, "header.length", 0,
                                    "message would be " + std::to_string(size) +
                                        " bytes, zebra accepts at most " + std::to_string(kZapiMaxMessage)));
  writer.patchU16(0, static_cast<uint16_t>(size));
  return writer.take();
}

void ZapiFramer::feed(std::span<const uint8_t> bytes) {
  if (failed_) return;
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

ZapiFramer::Status ZapiFramer::next(ZapiMessage* out) {
  if (failed_) return Status::kError;
  std::span<const uint8_t> pending(buffer_.data() + start_, buffer_.size() - start_);
  if (pending.size() < kZapiHeaderSize) return Status::kNeedMore;
  auto header = decodeHeaderPrefix(pending);
  if (!header.has_value()) {
    failed_ = true;
    error_ = header.error();
    error_.message = "zebra stream byte " + std::to_string(consumed_) + ": " + error_.message;
    return Status::kError;
  }
  const size_t length = header.value().length;
  if (pending.size() < length) return Status::kNeedMore;
  out->header = header.value();
  out->bytes.assign(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(length));
  start_ += length;
  consumed_ += length;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ >= 4 * kZapiMaxMessage) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return Status::kMessage;
}

void ZapiFramer::reset() {
  buffer_.clear();
  start_ = 0;
  consumed_ = 0;
  failed_ = false;
  error_ = ZapiError{};
}

}  // namespace anycastd
