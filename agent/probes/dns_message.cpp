#include "agent/probes/dns_message.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace anycastd {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A bounds-checked reader over the message; every read reports failure instead of running off the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> m) : m_(m) {}
  size_t pos() const { return pos_; }
  bool u16(uint16_t& v) {
    if (m_.size() - pos_ < 2) return false;
    v = static_cast<uint16_t>(m_[pos_] << 8 | m_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }
  bool bytes(size_t n, std::vector<uint8_t>& out) {
    if (m_.size() - pos_ < n) return false;
    out.assign(m_.begin() + static_cast<ptrdiff_t>(pos_), m_.begin() + static_cast<ptrdiff_t>(pos_ + n));
    pos_ += n;
    return true;
  }
  // A possibly compressed name (RFC 1035 4.1.4). A pointer must point before the start of the labels it
  // ends (so each jump goes further back), which rules out loops.
  bool name(std::string& out, std::string& error) {
    out.clear();
    size_t at = pos_;
    size_t segment_start = pos_;
    size_t end_of_name = 0;  // where reading continues after the name (after the first pointer)
    size_t wire_length = 1;
    while (true) {
      if (at >= m_.size()) {
        error = "name runs past the end of the message";
        return false;
      }
      const uint8_t len = m_[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= m_.size()) {
          error = "truncated compression pointer";
          return false;
        }
        const size_t target = static_cast<size_t>(len & 0x3F) << 8 | m_[at + 1];
        if (target >= segment_start) {
          error = "compression pointer does not point backwards (loop)";
          return false;
        }
        if (end_of_name == 0) end_of_name = at + 2;
        at = segment_start = target;
        continue;
      }
      if ((len & 0xC0) != 0) {
        error = "unsupported label type";
        return false;
      }
      if (len == 0) {
        pos_ = end_of_name ? end_of_name : at + 1;
        return true;
      }
      if (at + 1 + len > m_.size()) {
        error = "label runs past the end of the message";
        return false;
      }
      wire_length += len + 1u;
      if (wire_length > 255) {
        error = "name longer than 255 bytes";
        return false;
      }
      if (!out.empty()) out += '.';
      out += lower(std::string_view(reinterpret_cast<const char*>(&m_[at + 1]), len));
      at += 1 + len;
    }
  }

 private:
  std::span<const uint8_t> m_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<uint8_t> buildDnsQuery(uint16_t id, std::string_view name, uint16_t type) {
  std::vector<uint8_t> q = {static_cast<uint8_t>(id >> 8),
                            static_cast<uint8_t>(id),
                            0x01 /* RD */,
                            0x00,
                            0,
                            1 /* QDCOUNT */,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0};
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<ptrdiff_t>(start),
             name.begin() + static_cast<ptrdiff_t>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, kDnsClassIn});
  return q;
}

DnsParse parseDnsMessage(std::span<const uint8_t> message) {
  DnsParse out;
  if (message.size() < 12) {
    out.error = "truncated header (" + std::to_string(message.size()) + " bytes)";
    return out;
  }
  Reader r(message);
  DnsResponse resp;
  uint16_t flags, qd, an, ns, ar;
  r.u16(resp.id);
  r.u16(flags);
  r.u16(qd);
  r.u16(an);
  r.u16(ns);
  r.u16(ar);
  resp.qr = flags & 0x8000;
  resp.opcode = static_cast<uint8_t>(flags >> 11 & 0xF);
  resp.truncated = flags & 0x0200;
  resp.rcode = static_cast<uint8_t>(flags & 0xF);
  std::string error;
  for (uint16_t i = 0; i < qd; ++i) {
    DnsRecord q;
    if (!r.name(q.name, error)) {
      out.error = "question " + std::to_string(i + 1) + ": " + error;
      return out;
    }
    if (!r.u16(q.type) || !r.u16(q.klass)) {
      out.error = "question " + std::to_string(i + 1) + ": truncated";
      return out;
    }
    resp.questions.push_back(std::move(q));
  }
  for (uint16_t i = 0; i < an; ++i) {
    DnsRecord a;
    uint16_t rdlength;
    if (!r.name(a.name, error)) {
      out.error = "answer " + std::to_string(i + 1) + ": " + error;
      return out;
    }
    if (!r.u16(a.type) || !r.u16(a.klass) || !r.u32(a.ttl) || !r.u16(rdlength) ||
        !r.bytes(rdlength, a.rdata)) {
      out.error = "answer " + std::to_string(i + 1) + ": truncated";
      return out;
    }
    resp.answers.push_back(std::move(a));
  }
  out.response = std::move(resp);
  return out;
}

DnsVerdict judgeDnsResponse(const DnsResponse& response, const DnsExpectation& expect) {
  DnsVerdict v;
  if (!response.qr) {
    v.detail = "protocol: a query, not a response";
    return v;
  }
  if (response.id != expect.id) {
    v.detail =
        "protocol: response ID " + std::to_string(response.id) + ", expected " + std::to_string(expect.id);
    return v;
  }
  if (response.questions.size() == 1 &&
      (response.questions[0].name != expect.name || response.questions[0].type != expect.type)) {
    v.detail = "protocol: response to another question (" + response.questions[0].name + " " +
               dnsTypeName(response.questions[0].type) + ")";
    return v;
  }
  if (response.rcode != expect.rcode) {
    v.detail = "rcode " + dnsRcodeName(response.rcode) + ", expected " + dnsRcodeName(expect.rcode);
    return v;
  }
  const std::string answers =
      std::to_string(response.answers.size()) + (response.answers.size() == 1 ? " answer" : " answers");
  if (expect.address) {
    const uint16_t want_type = expect.address->isV4() ? kDnsTypeA : kDnsTypeAaaa;
    const bool found = std::any_of(response.answers.begin(), response.answers.end(), [&](const DnsRecord& a) {
      return a.type == want_type && a.klass == kDnsClassIn &&
             a.rdata.size() == expect.address->byteLength() &&
             std::memcmp(a.rdata.data(), expect.address->bytes(), a.rdata.size()) == 0;
    });
    if (!found) {
      std::string seen;
      for (const auto& a : response.answers) {
        if (a.type != want_type || a.rdata.size() != expect.address->byteLength()) continue;
        seen +=
            (seen.empty() ? "" : " ") + IpAddress::fromBytes(expect.address->family(), a.rdata.data()).str();
      }
      v.detail = "no answer " + expect.address->str() + " (" + answers + (seen.empty() ? "" : ": " + seen) +
                 (response.truncated ? ", truncated" : "") + ")";
      return v;
    }
  }
  v.ok = true;
  v.detail = "rcode " + dnsRcodeName(response.rcode) + ", " + answers;
  return v;
}

}  // namespace anycastd
