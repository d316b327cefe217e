#include "agent/control/control_framing.h"

namespace anycastd {

void appendFrame(std::string& out, std::string_view payload) {
  uint64_t n = payload.size();
  do {
    uint8_t byte = n & 0x7f;
    n >>= 7;
    if (n) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n);
  out.append(payload);
}

std::string encodeFrame(std::string_view payload) {
  std::string out;
  appendFrame(out, payload);
  return out;
}

void FrameDecoder::feed(const char* data, size_t size) {
  if (failed()) return;
  // Drop what was handed out before growing the buffer, so it holds at most one frame and a bit.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 4096 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
}

FrameDecoder::Result FrameDecoder::next(std::string& frame) {
  if (failed()) return Result::kError;
  uint64_t length = 0;
  size_t pos = offset_;
  for (size_t i = 0;; ++i) {
    if (i == kMaxFrameVarintBytes) {
      error_ = "frame length varint longer than " + std::to_string(kMaxFrameVarintBytes) + " bytes";
      return Result::kError;
    }
    if (pos >= buffer_.size()) return Result::kNeedMore;
    uint8_t byte = static_cast<uint8_t>(buffer_[pos++]);
    length |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) break;
  }
  if (length > max_frame_bytes_) {
    error_ = "frame of " + std::to_string(length) + " bytes exceeds the limit of " +
             std::to_string(max_frame_bytes_) + " bytes";
    return Result::kError;
  }
  if (buffer_.size() - pos < length) return Result::kNeedMore;
  frame.assign(buffer_, pos, length);
  offset_ = pos + length;
  return Result::kFrame;
}

}  // namespace anycastd
