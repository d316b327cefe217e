// Status: the result of a run-time call into the kernel or zebra. Nothing throws through the event
// loop; callers log the message and retry with backoff.
#pragma once

#include <string>
#include <utility>

namespace anycastd {

struct Status {
  int error = 0;  // errno-style code; 0 = success
  std::string message;

  static Status ok() { return {}; }
  static Status fail(int error, std::string message) { return {error, std::move(message)}; }
  bool isOk() const { return error == 0; }
};

}  // namespace anycastd
