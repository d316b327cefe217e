#include "platform/zebra/zapi_wire.h"

#include <cstring>

namespace anycastd {

ZapiError makeZapiError(std::string_view what, std::string_view field, size_t offset,
                        std::string_view reason) {
  ZapiError e;
  e.field = std::string(field);
  e.offset = offset;
  e.message = std::string(what) + ": field '" + e.field + "' at offset " + std::to_string(offset) + ": " +
              std::string(reason);
  return e;
}

ZapiError makeZapiValueError(std::string_view what, std::string_view field, std::string_view reason) {
  ZapiError e;
  e.field = std::string(field);
  e.message = std::string(what) + ": field '" + e.field + "': " + std::string(reason);
  return e;
}

void ByteWriter::u16(uint16_t v) {
  u8(static_cast<uint8_t>(v >> 8));
  u8(static_cast<uint8_t>(v));
}

void ByteWriter::u32(uint32_t v) {
  u16(static_cast<uint16_t>(v >> 16));
  u16(static_cast<uint16_t>(v));
}

void ByteWriter::u64(uint64_t v) {
  u32(static_cast<uint32_t>(v >> 32));
  u32(static_cast<uint32_t>(v));
}

void ByteWriter::hostU32(uint32_t v) {
  uint8_t b[4];
  std::memcpy(b, &v, sizeof b);
  raw(b, sizeof b);
}

void ByteWriter::patchU16(size_t offset, uint16_t v) {
  if (offset + 2 > bytes_.size()) return;
  bytes_[offset] = static_cast<uint8_t>(v >> 8);
  bytes_[offset + 1] = static_cast<uint8_t>(v);
}

bool ByteReader::fail(std::string_view field, std::string_view reason, std::optional<size_t> fieldOffset) {
  if (!failed_) {
    failed_ = true;
    error_ = makeZapiError(what_, field, fieldOffset.value_or(offset()), reason);
  }
  return false;
}

bool ByteReader::need(std::string_view field, size_t n) {
  if (failed_) return false;
  if (remaining() < n) {
    return fail(field, "needs " + std::to_string(n) + " byte" + (n == 1 ? "" : "s") + ", message has " +
                           std::to_string(remaining()) + " left");
  }
  return true;
}

bool ByteReader::u8(std::string_view field, uint8_t& out) {
  if (!need(field, 1)) return false;
  out = data_[pos_++];
  return true;
}

bool ByteReader::u16(std::string_view field, uint16_t& out) {
  if (!need(field, 2)) return false;
  out = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool ByteReader::u32(std::string_view field, uint32_t& out) {
  if (!need(field, 4)) return false;
  out = 0;
  for (int i = 0; i < 4; ++i) out = out << 8 | data_[pos_++];
  return true;
}

bool ByteReader::u64(std::string_view field, uint64_t& out) {
  if (!need(field, 8)) return false;
  out = 0;
  for (int i = 0; i < 8; ++i) out = out << 8 | data_[pos_++];
  return true;
}

bool ByteReader::hostU32(std::string_view field, uint32_t& out) {
  if (!need(field, 4)) return false;
  std::memcpy(&out, data_.data() + pos_, 4);
  pos_ += 4;
  return true;
}

bool ByteReader::raw(std::string_view field, size_t n, uint8_t* out) {
  if (!need(field, n)) return false;
  if (n > 0) std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::expectEnd() {
  if (failed_) return false;
  if (remaining() != 0) {
    return fail("(end)", std::to_string(remaining()) + " unexpected trailing byte" +
                             (remaining() == 1 ? "" : "s") + " (wrong FRR release selected?)");
  }
  return true;
}

uint8_t zapiFamily(Family family) {
  return family == Family::kIpv4 ? kZapiAfInet : kZapiAfInet6;
}
size_t maxPrefixLength(Family family) {
  return family == Family::kIpv4 ? 32 : 128;
}

bool readFamily(ByteReader& r, std::string_view field, Family& out) {
  const size_t at = r.offset();
  uint8_t family = 0;
  if (!r.u8(field, family)) return false;
  if (family == kZapiAfInet) {
    out = Family::kIpv4;
  } else if (family == kZapiAfInet6) {
    out = Family::kIpv6;
  } else {
    return r.fail(field, "is " + std::to_string(family) + ", expected 2 (AF_INET) or 10 (AF_INET6)", at);
  }
  return true;
}

bool readPrefixLength(ByteReader& r, std::string_view field, Family family, uint8_t& out) {
  const size_t at = r.offset();
  if (!r.u8(field, out)) return false;
  if (out > maxPrefixLength(family)) {
    return r.fail(field,
                  "is " + std::to_string(out) + ", more than " + std::to_string(maxPrefixLength(family)), at);
  }
  return true;
}

bool hasHostBits(const IpAddress& address, size_t length) {
  const uint8_t* b = address.bytes();
  for (size_t bit = length; bit < address.byteLength() * 8; ++bit)
    if (b[bit / 8] & (0x80 >> (bit % 8))) return true;
  return false;
}

bool readAddress(ByteReader& r, std::string_view field, Family family, size_t n, IpAddress& out) {
  uint8_t bytes[16] = {};
  if (n > sizeof bytes) return r.fail(field, "address longer than 16 bytes");
  if (!r.raw(field, n, bytes)) return false;
  out = IpAddress::fromBytes(family, bytes);
  return true;
}

}  // namespace anycastd
