// Result<T, E> (lib/status.h): the std::expected-shaped value-or-error that every run-time call returns,
// and the shared POSIX helpers' texts (lib/posix.h) and retry delay (lib/backoff.h).
#include "lib/status.h"

#include <CppUTest/TestHarness.h>
#include <errno.h>

#include <chrono>
#include <string>

#include "lib/backoff.h"
#include "lib/posix.h"

using namespace anycastd;

namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return Unexpected(Status::fail(EINVAL, std::to_string(n) + " is odd"));
  return n / 2;
}

struct Pair {
  int a = 0;
  std::string b;
};

}  // namespace

TEST_GROUP(Result){};

TEST(Result, HoldsTheValue) {
  Result<int> r = half(8);
  CHECK(r.has_value());
  CHECK(static_cast<bool>(r));
  LONGS_EQUAL(4, r.value());
  LONGS_EQUAL(4, *r);
}

TEST(Result, HoldsTheError) {
  Result<int> r = half(3);
  CHECK_FALSE(r.has_value());
  CHECK_FALSE(static_cast<bool>(r));
  LONGS_EQUAL(EINVAL, r.error().error);
  STRCMP_EQUAL("3 is odd", r.error().message.c_str());
}

TEST(Result, ArrowReachesTheMembers) {
  Result<Pair> r = Pair{7, "seven"};
  LONGS_EQUAL(7, r->a);
  STRCMP_EQUAL("seven", r->b.c_str());
  std::string moved = std::move(r).value().b;
  STRCMP_EQUAL("seven", moved.c_str());
}

TEST(Result, OtherErrorTypes) {
  Result<int, std::string> r = Unexpected(std::string("no"));
  CHECK_FALSE(r);
  STRCMP_EQUAL("no", r.error().c_str());
}

TEST_GROUP(Posix){};

TEST(Posix, ErrnoTexts) {
  STRCMP_EQUAL("Connection refused (errno 111)", errnoText(ECONNREFUSED).c_str());
  STRCMP_EQUAL("connection refused", errnoReason(ECONNREFUSED).c_str());
}

TEST(Posix, BackoffDoublesUpToTheCapAndStartsOver) {
  using std::chrono::milliseconds;
  Backoff b(milliseconds(100), milliseconds(300));
  LONGS_EQUAL(100, b.delay().count());
  b.grow();
  LONGS_EQUAL(200, b.delay().count());
  b.grow();
  LONGS_EQUAL(300, b.delay().count());
  b.grow();
  LONGS_EQUAL(300, b.delay().count());
  b.reset();
  LONGS_EQUAL(100, b.delay().count());
}
