// anycastctl's side of the control socket: one request, one reply, with a deadline. Blocking (poll with the
// time left), single-threaded, one connection per call. Failures come back as a message that says what to
// do (start anycastd, use --socket, join the socket's group, raise --timeout); nothing throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "proto/control.pb.h"

namespace anycastd::ctl {

// Largest reply accepted (a status of thousands of VIPs is a few MiB).
constexpr size_t kMaxReplyBytes = 64 << 20;

// Sends `request` to the daemon on `socket_path` and returns its Response; on failure (cannot connect,
// timeout, connection closed, malformed reply) returns nothing and sets `error` (without a program prefix).
std::optional<control::Response> callDaemon(const std::string& socket_path, const control::Request& request,
                                            std::chrono::milliseconds timeout, std::string& error);

// The message for a failed connect() with `err`, e.g. "cannot connect to PATH: No such file or directory (is
// anycastd running? use --socket PATH)"; for EACCES it names the socket's group.
std::string connectErrorMessage(const std::string& socket_path, int err);

}  // namespace anycastd::ctl
