// POSIX helpers shared by every layer: errno texts, mkdir -p and the non-blocking send loop. Plain
// functions over file descriptors and paths; they own nothing, run on the caller's thread (the event loop),
// never throw, and report failures as an errno value for the caller to word and log.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "lib/status.h"

namespace anycastd {

// "Network is unreachable (errno 101)": for logs and start-up errors.
std::string errnoText(int err);

// strerror(err) starting lower case ("connection refused"), as probe details read.
std::string errnoReason(int err);

// mkdir -p: creates `dir` and its missing parents with `mode`. An existing path is left as it is (the
// caller checks that it is a directory if it cares). On failure, error is the errno of mkdir and message
// the directory that could not be created, for the caller to word.
Status makeDirs(const std::string& dir, mode_t mode = 0755);

// One non-blocking send loop: writes as much of `len` bytes at `data` to the socket `fd` as it takes now
// (MSG_NOSIGNAL; EINTR is retried). `sent` counts the bytes written; `error` is 0 when all were written,
// EAGAIN/EWOULDBLOCK when the socket is full (wait for POLLOUT and call again with the rest), or the errno
// of the failure.
struct SendResult {
  size_t sent = 0;
  int error = 0;
  bool wouldBlock() const;
};
SendResult sendNonBlocking(int fd, const void* data, size_t len);

}  // namespace anycastd
