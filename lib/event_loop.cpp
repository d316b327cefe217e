#include "lib/event_loop.h"

#include <event2/event.h>

#include <stdexcept>

namespace anycastd {
namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<long>(ms.count() / 1000);
  tv.tv_usec = static_cast<long>((ms.count() % 1000) * 1000);
  return tv;
}

event* mustCreate(event* ev) {
  if (!ev) throw std::runtime_error("libevent: cannot create an event");
  return ev;
}

}  // namespace

EventLoop::EventLoop() : base_(event_base_new(), &event_base_free) {
  if (!base_) throw std::runtime_error("libevent: cannot create the event base");
}
EventLoop::~EventLoop() = default;

int EventLoop::run() {
  return event_base_dispatch(base_.get()) < 0 ? -1 : 0;
}
void EventLoop::stop() {
  event_base_loopbreak(base_.get());
}

Timer::Timer(EventLoop& loop, std::function<void()> callback)
    : callback_(std::move(callback)),
      event_(mustCreate(evtimer_new(loop.base(), &Timer::trampoline, this))) {}
Timer::~Timer() {
  event_free(event_);
}
void Timer::arm(std::chrono::milliseconds after) {
  timeval tv = toTimeval(after);
  // libevent counts from its cached time of the loop turn: refreshed first, so that a long callback
  // earlier in the turn does not shorten this timer (a probe's deadline) by its own length.
  event_base_update_cache_time(event_get_base(event_));
  evtimer_add(event_, &tv);
}
void Timer::cancel() {
  evtimer_del(event_);
}
bool Timer::armed() const {
  return evtimer_pending(event_, nullptr);
}
void Timer::trampoline(int, short, void* self) {
  static_cast<Timer*>(self)->callback_();
}

FdWatch::FdWatch(EventLoop& loop, std::function<void(bool, bool)> callback)
    : base_(loop.base()), callback_(std::move(callback)) {}
FdWatch::~FdWatch() {
  cancel();
}
void FdWatch::watch(int fd, bool write, std::chrono::milliseconds timeout) {
  cancel();
  event_ = mustCreate(event_new(base_, fd, write ? EV_WRITE : EV_READ, &FdWatch::trampoline, this));
  timeval tv = toTimeval(timeout);
  if (timeout.count() > 0) event_base_update_cache_time(base_);  // as in Timer::arm
  event_add(event_, timeout.count() > 0 ? &tv : nullptr);
}
void FdWatch::cancel() {
  if (event_) event_free(event_);
  event_ = nullptr;
}
void FdWatch::trampoline(int, short what, void* self) {
  auto* w = static_cast<FdWatch*>(self);
  w->callback_((what & (EV_READ | EV_WRITE)) != 0, (what & EV_TIMEOUT) != 0);
}

ReadWatch::ReadWatch(EventLoop& loop, int fd, std::function<void()> callback)
    : callback_(std::move(callback)),
      event_(mustCreate(event_new(loop.base(), fd, EV_READ | EV_PERSIST, &ReadWatch::trampoline, this))) {
  event_add(event_, nullptr);
}
ReadWatch::~ReadWatch() {
  event_free(event_);
}
void ReadWatch::trampoline(int, short, void* self) {
  static_cast<ReadWatch*>(self)->callback_();
}

SignalWatch::SignalWatch(EventLoop& loop, int signo, std::function<void()> callback)
    : callback_(std::move(callback)),
      event_(mustCreate(evsignal_new(loop.base(), signo, &SignalWatch::trampoline, this))) {
  event_add(event_, nullptr);
}
SignalWatch::~SignalWatch() {
  event_free(event_);
}
void SignalWatch::trampoline(int, short, void* self) {
  static_cast<SignalWatch*>(self)->callback_();
}

}  // namespace anycastd
