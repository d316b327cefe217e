// EventLoop: the agent's single-threaded reactor, a thin RAII layer over libevent (fds, timers, signals).
// Everything the agent does runs in callbacks on the thread that calls run(). Handles free their libevent
// event on destruction, so an owner going away can never leave a callback behind.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

struct event;
struct event_base;

namespace anycastd {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  int run();  // until stop(); returns 0, or -1 on a libevent failure
  void stop();
  event_base* base() const { return base_.get(); }

 private:
  std::unique_ptr<event_base, void (*)(event_base*)> base_;
};

// A one-shot timer that can be re-armed; arming an armed timer moves its deadline. It counts from the
// moment it is armed, even late in a long turn of the loop.
class Timer {
 public:
  Timer(EventLoop& loop, std::function<void()> callback);
  ~Timer();
  void arm(std::chrono::milliseconds after);
  void cancel();
  bool armed() const;

 private:
  static void trampoline(int, short, void* self);
  std::function<void()> callback_;
  event* event_;
};

// Watches an fd for readability or writability, with an optional timeout. The callback gets
// (readable_or_writable, timed_out). One-shot: call watch() again for the next event.
class FdWatch {
 public:
  FdWatch(EventLoop& loop, std::function<void(bool ready, bool timed_out)> callback);
  ~FdWatch();
  // `timeout` <= 0 means none. Replaces any previous watch.
  void watch(int fd, bool write, std::chrono::milliseconds timeout);
  void cancel();

 private:
  static void trampoline(int, short what, void* self);
  event_base* base_;
  std::function<void(bool, bool)> callback_;
  event* event_ = nullptr;
};

// A persistent watch on a readable fd (e.g. a netlink event socket).
class ReadWatch {
 public:
  ReadWatch(EventLoop& loop, int fd, std::function<void()> callback);
  ~ReadWatch();

 private:
  static void trampoline(int, short, void* self);
  std::function<void()> callback_;
  event* event_;
};

// Delivers a signal as an ordinary callback on the loop thread.
class SignalWatch {
 public:
  SignalWatch(EventLoop& loop, int signo, std::function<void()> callback);
  ~SignalWatch();

 private:
  static void trampoline(int, short, void* self);
  std::function<void()> callback_;
  event* event_;
};

}  // namespace anycastd
