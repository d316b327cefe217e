// Byte-level building blocks of the zebra API (ZAPI) codec: the error and result types every encoder and
// decoder returns, a writer that appends network-order integers, and a bounds-checked reader that never
// reads past its span and records the first failure as "MESSAGE: field 'F' at offset N: reason".
// Pure value code: no I/O, no global state, usable from any thread; nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/ip_address.h"
#include "lib/status.h"

namespace anycastd {

// Why a ZAPI message could not be encoded or decoded. `offset` counts from the first header byte.
struct ZapiError {
  std::string message;  // complete text for logs: "ROUTE_ADD: field 'nexthop_num' at offset 28: ..."
  std::string field;    // "nexthops[1].gateway", "header.marker", "route.prefix.length"
  size_t offset = 0;
};

// A value or the reason there is none: the project's Result with a ZapiError (lib/status.h).
template <typename T>
using ZapiResult = Result<T, ZapiError>;

ZapiError makeZapiError(std::string_view what, std::string_view field, size_t offset,
                        std::string_view reason);
// For encoders: the value, not a byte position, is wrong ("ROUTE_ADD: field 'route.prefix': ...").
ZapiError makeZapiValueError(std::string_view what, std::string_view field, std::string_view reason);

// Appends big-endian integers (and the few host-order ones zebra uses) to a growing buffer.
class ByteWriter {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void hostU32(uint32_t v);  // native byte order, like zebra's stream_put(&enum, 4)
  void raw(const uint8_t* data, size_t n) { bytes_.insert(bytes_.end(), data, data + n); }
  void patchU16(size_t offset, uint16_t v);
  size_t size() const { return bytes_.size(); }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads fields from a span; each getter returns false once the span is exhausted (or fail() was called)
// and leaves the first error in error(). Offsets are reported relative to `base` (the span's position in
// the whole message), so a body reader started at 10 reports message offsets.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> data, std::string_view what, size_t base = 0)
      : data_(data), what_(what), base_(base) {}

  bool u8(std::string_view field, uint8_t& out);
  bool u16(std::string_view field, uint16_t& out);
  bool u32(std::string_view field, uint32_t& out);
  bool u64(std::string_view field, uint64_t& out);
  bool hostU32(std::string_view field, uint32_t& out);
  bool raw(std::string_view field, size_t n, uint8_t* out);
  // Records `reason` for `field` at the current offset (or at `fieldOffset` if given); returns false.
  bool fail(std::string_view field, std::string_view reason, std::optional<size_t> fieldOffset = {});
  // Fails unless every byte was consumed.
  bool expectEnd();

  size_t offset() const { return base_ + pos_; }  // message offset of the next byte
  size_t remaining() const { return data_.size() - pos_; }
  bool failed() const { return failed_; }
  const ZapiError& error() const { return error_; }

 private:
  bool need(std::string_view field, size_t n);

  std::span<const uint8_t> data_;
  std::string what_;
  size_t base_ = 0;
  size_t pos_ = 0;
  bool failed_ = false;
  ZapiError error_;
};

// Address families as zebra on Linux writes them (AF_INET, AF_INET6).
inline constexpr uint8_t kZapiAfInet = 2;
inline constexpr uint8_t kZapiAfInet6 = 10;
uint8_t zapiFamily(Family family);
size_t maxPrefixLength(Family family);  // 32 / 128

// Reads a u8 address family (2 or 10) and a u8 prefix length valid for it.
bool readFamily(ByteReader& r, std::string_view field, Family& out);
bool readPrefixLength(ByteReader& r, std::string_view field, Family family, uint8_t& out);
// True if `address` has bits set beyond the first `length` bits.
bool hasHostBits(const IpAddress& address, size_t length);
// Reads `n` (<= 16) address bytes into an address of `family`, the rest zero.
bool readAddress(ByteReader& r, std::string_view field, Family family, size_t n, IpAddress& out);

}  // namespace anycastd
