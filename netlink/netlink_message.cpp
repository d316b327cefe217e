#include "netlink/netlink_message.h"

#include <linux/netlink.h>

#include <cstring>

namespace anycastd::nl {
namespace {

size_t minimumLength(const nla_policy& p) {
  if (p.minlen) return p.minlen;
  switch (p.type) {
    case NLA_U8: return 1;
    case NLA_U16: return 2;
    case NLA_U32: return 4;
    case NLA_U64: return 8;
    case NLA_STRING: return 1;
    default: return 0;
  }
}

bool parseStrict(nlattr** tb, int maxtype, nlattr* head, int len, const nla_policy* policy,
                 std::string* error) {
  std::memset(tb, 0, sizeof(nlattr*) * (maxtype + 1));
  nlattr* nla;
  int rem;
  nla_for_each_attr(nla, head, len, rem) {
    const int type = nla_type(nla);
    if (type > maxtype) continue;  // newer kernels add attributes; ignore them
    if (policy) {
      const nla_policy& p = policy[type];
      const size_t payload = static_cast<size_t>(nla_len(nla));
      if (payload < minimumLength(p) || (p.maxlen && payload > p.maxlen)) {
        *error = "attribute " + std::to_string(type) + " has a bad length (" + std::to_string(payload) + ")";
        return false;
      }
      if (p.type == NLA_STRING && static_cast<const char*>(nla_data(nla))[payload - 1] != '\0') {
        *error = "attribute " + std::to_string(type) + " is not a NUL-terminated string";
        return false;
      }
    }
    tb[type] = nla;
  }
  if (rem > 0) {
    *error = "truncated attribute (" + std::to_string(rem) + " bytes left over)";
    return false;
  }
  return true;
}

}  // namespace

NlMsgPtr newMessage(uint16_t type, uint16_t flags, size_t capacity) {
  NlMsgPtr msg(nlmsg_alloc_size(capacity));
  if (!msg || !nlmsg_put(msg.get(), 0, 0, type, 0, flags)) return nullptr;
  return msg;
}

Bytes toBytes(nl_msg* msg) {
  if (!msg) return {};
  const nlmsghdr* h = nlmsg_hdr(msg);
  const auto* p = reinterpret_cast<const uint8_t*>(h);
  return Bytes(p, p + h->nlmsg_len);
}

bool ParsedMessage::parse(const uint8_t* data, size_t len, size_t family_header_len, std::string* error) {
  if (!data || len < NLMSG_HDRLEN) {
    *error = "truncated netlink header (" + std::to_string(len) + " bytes)";
    return false;
  }
  storage_.assign((len + 7) / 8, 0);
  std::memcpy(storage_.data(), data, len);
  const uint32_t msg_len = header()->nlmsg_len;
  if (msg_len < NLMSG_HDRLEN || msg_len > len) {
    *error = "nlmsg_len " + std::to_string(msg_len) + " does not fit the " + std::to_string(len) +
             " bytes received";
    return false;
  }
  if (msg_len < NLMSG_LENGTH(family_header_len)) {
    *error = "message of " + std::to_string(msg_len) + " bytes is too short for its " +
             std::to_string(family_header_len) + "-byte header";
    return false;
  }
  family_header_len_ = family_header_len;
  return true;
}

bool ParsedMessage::attributes(nlattr** tb, int maxtype, const nla_policy* policy, std::string* error) const {
  const nlmsghdr* h = header();
  return parseStrict(tb, maxtype, nlmsg_attrdata(h, static_cast<int>(family_header_len_)),
                     nlmsg_attrlen(h, static_cast<int>(family_header_len_)), policy, error);
}

bool parseAttributes(nlattr** tb, int maxtype, const void* head, int len, const nla_policy* policy,
                     std::string* error) {
  return parseStrict(tb, maxtype, static_cast<nlattr*>(const_cast<void*>(head)), len, policy, error);
}

bool parseNested(nlattr** tb, int maxtype, const nlattr* nest, const nla_policy* policy, std::string* error) {
  return parseStrict(tb, maxtype, static_cast<nlattr*>(nla_data(nest)), nla_len(nest), policy, error);
}

std::vector<MessageSpan> splitDatagram(const uint8_t* data, size_t len) {
  std::vector<MessageSpan> out;
  size_t offset = 0;
  // offset may pass len: the last message's padding need not be in the datagram.
  while (offset < len && len - offset >= NLMSG_HDRLEN) {
    nlmsghdr h;
    std::memcpy(&h, data + offset, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - offset) break;
    out.push_back({offset, h.nlmsg_len});
    offset += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}

namespace {

// The kernel reports errors as negative errnos, never beyond -MAX_ERRNO (4095).
constexpr int kMaxErrno = 4095;

bool errnoInRange(int value, std::string* error) {
  if (value >= -kMaxErrno && value <= kMaxErrno) return true;
  *error = "error code " + std::to_string(value) + " is no errno";
  return false;
}

}  // namespace

bool decodeAck(const uint8_t* data, size_t len, AckInfo& out, std::string* error) {
  out = {};
  ParsedMessage m;
  if (!m.parse(data, len, 0, error)) return false;
  const nlmsghdr* h = m.header();
  const size_t payload = h->nlmsg_len - NLMSG_HDRLEN;
  if (h->nlmsg_type == NLMSG_DONE) {
    // A dump's end; it carries the dump's final status as an int (absent in very old kernels).
    if (payload >= sizeof(int)) {
      int status;
      std::memcpy(&status, nlmsg_data(h), sizeof status);
      if (status < 0 && !errnoInRange(status, error)) return false;
      out.error = status < 0 ? -status : 0;
    }
    return true;
  }
  if (h->nlmsg_type != NLMSG_ERROR) {
    *error = "message type " + std::to_string(h->nlmsg_type) + " is not an ACK";
    return false;
  }
  if (payload < sizeof(nlmsgerr)) {
    *error = "truncated NLMSG_ERROR (" + std::to_string(payload) + " bytes)";
    return false;
  }
  const auto* err = static_cast<const nlmsgerr*>(nlmsg_data(h));
  if (!errnoInRange(err->error, error)) return false;
  out.error = err->error < 0 ? -err->error : err->error;
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return true;
  // Extended ACK attributes follow the echoed request (only its header when NLM_F_CAPPED).
  size_t offset = sizeof(nlmsgerr);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
    if (err->msg.nlmsg_len < NLMSG_HDRLEN) return true;
    offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
  }
  offset = NLMSG_ALIGN(offset);
  if (offset >= payload) return true;
  nlattr* tb[NLMSGERR_ATTR_MAX + 1];
  nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {};
  policy[NLMSGERR_ATTR_MSG].type = NLA_STRING;
  std::string ignored;
  auto* head = reinterpret_cast<nlattr*>(static_cast<uint8_t*>(nlmsg_data(h)) + offset);
  if (parseStrict(tb, NLMSGERR_ATTR_MAX, head, static_cast<int>(payload - offset), policy, &ignored) &&
      tb[NLMSGERR_ATTR_MSG])
    out.kernel_message = static_cast<const char*>(nla_data(tb[NLMSGERR_ATTR_MSG]));
  return true;
}

}  // namespace anycastd::nl
