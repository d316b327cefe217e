// The one error vocabulary of anycastd. Status: the result of a run-time call that returns no value (into
// the kernel, zebra, a file, an operator's request): an errno-style code and a message for the log or the
// operator. Result<T, E = Status>: a value or the error saying why there is none, shaped like C++23's
// std::expected<T, E> (has_value(), operator bool, value(), *, ->, error(); an error is returned as
// Unexpected(e), like std::unexpected), so that moving to std::expected is a rename. Nothing throws through
// the event loop; callers log the message and retry with backoff. Plain values, usable from any thread.
#pragma once

#include <cassert>
#include <optional>
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

// The error side of a Result, as std::unexpected: `return Unexpected(Status::fail(EINVAL, "..."));`.
template <typename E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

// A value, or the error saying why there is none. value(), * and -> require has_value(); error() requires
// !has_value().
template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, as std::expected
  template <typename G>
  Result(Unexpected<G> error) : error_(std::move(error).error()) {}  // NOLINT: implicit, as std::expected

  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return has_value(); }

  const T& value() const& { return checked(); }
  T& value() & { return checked(); }
  T&& value() && { return std::move(checked()); }
  const T& operator*() const& { return checked(); }
  T& operator*() & { return checked(); }
  const T* operator->() const { return &checked(); }
  T* operator->() { return &checked(); }
  const E& error() const& { return error_; }
  E& error() & { return error_; }

 private:
  T& checked() {
    assert(value_.has_value());
    return *value_;
  }
  const T& checked() const {
    assert(value_.has_value());
    return *value_;
  }

  std::optional<T> value_;
  E error_{};
};

}  // namespace anycastd
