// Netlink message helpers shared by the pure encoders and decoders in netlink/: the byte vector a message is
// returned as, the owning handle for libnl's nl_msg, checked parsing of received messages (copied into
// aligned storage, lengths verified, attributes parsed strictly) and decoding of the kernel's ACK/error and
// DONE messages. Pure functions: no sockets, no global state; usable from any thread. Decoders never trust
// a length field: malformed input yields false and a message in *error, never a crash.
#pragma once

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/posix.h"

namespace anycastd::nl {

using Bytes = std::vector<uint8_t>;

struct NlMsgDeleter {
  void operator()(nl_msg* msg) const { nlmsg_free(msg); }
};
using NlMsgPtr = std::unique_ptr<nl_msg, NlMsgDeleter>;

// A message of `capacity` bytes holding a netlink header (type, flags; sequence and port 0: the socket
// fills them in when sending). Returns null if allocation fails.
NlMsgPtr newMessage(uint16_t type, uint16_t flags, size_t capacity);

// The raw bytes of `msg` (nlmsg_len of them); empty if msg is null.
Bytes toBytes(nl_msg* msg);

// A received netlink message copied into 8-byte-aligned storage and checked: at least one header, a
// consistent nlmsg_len, room for a family header of `family_header_len` bytes.
class ParsedMessage {
 public:
  bool parse(const uint8_t* data, size_t len, size_t family_header_len, std::string* error);

  const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(storage_.data()); }
  const void* familyHeader() const { return nlmsg_data(header()); }

  // Parses the message's attributes into tb[0..maxtype] (like nla_parse, with the same policy), and also
  // fails on trailing bytes too short to be an attribute or an attribute running past the end.
  bool attributes(nlattr** tb, int maxtype, const nla_policy* policy, std::string* error) const;

 private:
  std::vector<uint64_t> storage_;
  size_t family_header_len_ = 0;
};

// Strict attribute parsing (see ParsedMessage::attributes) of `len` bytes of attributes at `head`, and of a
// nested attribute's payload.
bool parseAttributes(nlattr** tb, int maxtype, const void* head, int len, const nla_policy* policy,
                     std::string* error);
bool parseNested(nlattr** tb, int maxtype, const nlattr* nest, const nla_policy* policy, std::string* error);

// The messages packed in one received datagram, in order: each starts at an NLMSG_ALIGNed offset and is
// nlmsg_len bytes long. Stops before the first message whose nlmsg_len is shorter than a header or runs past
// the end (the rest of the datagram is then unusable).
struct MessageSpan {
  size_t offset = 0;
  size_t length = 0;
};
std::vector<MessageSpan> splitDatagram(const uint8_t* data, size_t len);

// For NLMSG_ERROR and NLMSG_DONE messages: the errno the kernel reports (0: ACK/success) and its extended
// ACK text (NLMSGERR_ATTR_MSG), if any. Returns false if `data` is not such a message or is malformed.
struct AckInfo {
  int error = 0;
  std::string kernel_message;
};
bool decodeAck(const uint8_t* data, size_t len, AckInfo& out, std::string* error);

}  // namespace anycastd::nl
