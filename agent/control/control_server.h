// ControlServer: the agent's control API endpoint (proto/control.proto), a unix stream socket that
// anycastctl and automation connect to. Each connection sends length-prefixed Requests
// (agent/control/control_framing.h); each is passed to the handler, whose Response is sent back in order.
//
// Threading: everything runs on the EventLoop's thread; the handler is called there, synchronously. Sockets
// are non-blocking and each connection has its own read and write buffers, so one client never stalls the
// agent or another client: a client whose unread replies exceed kMaxPendingOutputBytes is dropped, and
// with kMaxConnections open a new connection closes the one idle longest (no bytes sent or replies taken)
// if that one has been idle for at least the eviction grace (else the new one is closed: a burst of fresh
// connections must not evict each other before their requests are read), so idle or stuck clients can
// never lock out anycastctl.
//
// Errors: the constructor throws std::runtime_error (naming the path and the errno) when the socket cannot
// be set up. After that nothing throws: a request that is oversized or does not parse gets
// Response{ok=false, error} and its connection is closed once the reply is written; a handler that throws
// yields an error reply; I/O errors close only the connection concerned; problems are logged.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/event_loop.h"
#include "proto/control.pb.h"

namespace anycastd {

// The connecting process, from SO_PEERCRED at accept. `user`: its user name (getpwuid), else "uid N".
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
};

class ControlServer {
 public:
  using Handler = std::function<control::Response(const control::Request&, const PeerCredentials&)>;

  static constexpr size_t kMaxConnections = 64;
  static constexpr size_t kMaxPendingOutputBytes = 4 << 20;
  static constexpr std::chrono::milliseconds kEvictionGrace{500};

  // Creates the unix stream socket at `path` (removing a stale socket file first; creating the parent
  // directory 0755 if missing), mode 0660, group `group` (empty: keep the process's group; an unknown group
  // is an error). Throws std::runtime_error naming the path and errno on failure, also when another process
  // is listening on `path` or `path` exists and is not a socket. `eviction_grace`: how long a connection must
  // have been idle before a new one may close it (header comment; tests shorten it).
  ControlServer(EventLoop& loop, const std::string& path, const std::string& group, Handler handler,
                std::chrono::milliseconds eviction_grace = kEvictionGrace);
  ~ControlServer();  // closes every connection, unlinks the socket
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  class Connection;
  void onAcceptable();
  void closeConnection(Connection* conn);
  void reap();

  EventLoop& loop_;
  std::string path_;
  Handler handler_;
  std::chrono::milliseconds eviction_grace_;
  int listen_fd_ = -1;
  ino_t socket_inode_ = 0;  // unlink the socket file only while it is still ours
  FdWatch accept_watch_;    // one-shot, re-armed after each batch of accepts
  Timer accept_retry_;      // accepting paused after EMFILE/ENFILE
  bool at_limit_ = false;   // at kMaxConnections, closing the idlest for new ones (logged once per episode)
  Timer reaper_;            // frees closed connections outside their own callbacks
  uint64_t next_id_ = 1;
  std::map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> closed_;
};

}  // namespace anycastd
