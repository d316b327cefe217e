// Control socket framing (proto/control.proto): each message on the control socket is a base-128 varint
// length followed by that many bytes. Pure code, no I/O: FrameDecoder takes bytes as they arrive and hands
// out whole frames in order; appendFrame() encodes one. Used by the agent's ControlServer and by anycastctl.
// Errors (a length above the decoder's limit, a varint longer than 5 bytes) are reported once as text and
// leave the decoder failed: the frames decoded before the error are still handed out, nothing after it.
// Not thread-safe; one decoder per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace anycastd {

// Largest request the agent accepts (control.proto).
constexpr size_t kMaxRequestFrameBytes = 65536;
// A length varint longer than this is an error (5 bytes hold any 32-bit length).
constexpr size_t kMaxFrameVarintBytes = 5;

// Appends the varint length of `payload` and the payload to `out`.
void appendFrame(std::string& out, std::string_view payload);
std::string encodeFrame(std::string_view payload);

class FrameDecoder {
 public:
  enum class Result { kFrame, kNeedMore, kError };

  explicit FrameDecoder(size_t max_frame_bytes = kMaxRequestFrameBytes) : max_frame_bytes_(max_frame_bytes) {}

  // Adds received bytes. Ignored once the decoder has failed.
  void feed(const char* data, size_t size);
  void feed(std::string_view bytes) { feed(bytes.data(), bytes.size()); }

  // kFrame: `frame` holds the next whole frame's payload. kNeedMore: no whole frame buffered yet.
  // kError: the stream is broken (error() says how); every later call returns kError too.
  Result next(std::string& frame);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Bytes received and not yet handed out as frames.
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  size_t max_frame_bytes_;
  std::string buffer_;
  size_t offset_ = 0;  // start of the first byte not yet handed out
  std::string error_;
};

}  // namespace anycastd
