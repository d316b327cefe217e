#include "agent/probes/icmp_echo.h"

namespace anycastd {
namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;

}  // namespace

uint16_t internetChecksum(std::span<const uint8_t> data) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2) sum += static_cast<uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> buildEchoRequest(bool v6, const IcmpEcho& echo) {
  std::vector<uint8_t> m(8 + echo.payload.size());
  m[0] = v6 ? kEchoRequest6 : kEchoRequest4;
  m[4] = static_cast<uint8_t>(echo.id >> 8);
  m[5] = static_cast<uint8_t>(echo.id);
  m[6] = static_cast<uint8_t>(echo.sequence >> 8);
  m[7] = static_cast<uint8_t>(echo.sequence);
  std::copy(echo.payload.begin(), echo.payload.end(), m.begin() + 8);
  if (!v6) {
    const uint16_t sum = internetChecksum(m);
    m[2] = static_cast<uint8_t>(sum >> 8);
    m[3] = static_cast<uint8_t>(sum);
  }
  return m;
}

std::optional<IcmpEcho> parseEchoReply(bool v6, bool with_ip_header, std::span<const uint8_t> packet) {
  if (with_ip_header && !v6) {
    if (packet.size() < 20 || (packet[0] >> 4) != 4) return std::nullopt;
    const size_t ihl = static_cast<size_t>(packet[0] & 0x0F) * 4;
    if (ihl < 20 || ihl > packet.size()) return std::nullopt;
    packet = packet.subspan(ihl);
  }
  if (packet.size() < 8) return std::nullopt;
  if (packet[0] != (v6 ? kEchoReply6 : kEchoReply4) || packet[1] != 0) return std::nullopt;
  if (!v6 && internetChecksum(packet) != 0) return std::nullopt;
  IcmpEcho e;
  e.id = static_cast<uint16_t>(packet[4] << 8 | packet[5]);
  e.sequence = static_cast<uint16_t>(packet[6] << 8 | packet[7]);
  e.payload.assign(packet.begin() + 8, packet.end());
  return e;
}

}  // namespace anycastd
