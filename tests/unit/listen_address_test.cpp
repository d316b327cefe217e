// ListenAddress parsing: "HOST:PORT" and "[V6]:PORT", and each way an address can be wrong.
#include "lib/listen_address.h"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace anycastd;

namespace {

std::string errorOf(const std::string& text) {
  std::string why;
  CHECK_FALSE(parseListenAddress(text, &why).has_value());
  return why;
}

}  // namespace

TEST_GROUP(ListenAddress){};

TEST(ListenAddress, Valid) {
  auto a = parseListenAddress("127.0.0.1:9370", nullptr);
  CHECK_TRUE(a.has_value());
  STRCMP_EQUAL("127.0.0.1", a->host.str().c_str());
  LONGS_EQUAL(9370, a->port);
  STRCMP_EQUAL("127.0.0.1:9370", a->str().c_str());
  a = parseListenAddress("[::1]:9370", nullptr);
  CHECK_TRUE(a.has_value());
  CHECK_FALSE(a->host.isV4());
  STRCMP_EQUAL("[::1]:9370", a->str().c_str());
  STRCMP_EQUAL("[::]:65535", parseListenAddress("[::]:65535", nullptr)->str().c_str());
  STRCMP_EQUAL("0.0.0.0:0", parseListenAddress("0.0.0.0:0", nullptr)->str().c_str());
}

TEST(ListenAddress, Invalid) {
  STRCMP_EQUAL("missing :PORT", errorOf("127.0.0.1").c_str());
  STRCMP_EQUAL("missing :PORT", errorOf("").c_str());
  STRCMP_EQUAL("missing the address (e.g. 127.0.0.1, 0.0.0.0 or [::])", errorOf(":9370").c_str());
  STRCMP_EQUAL("'localhost' is not an IP address", errorOf("localhost:9370").c_str());
  STRCMP_EQUAL("'1.2.3' is not an IP address", errorOf("1.2.3:9370").c_str());
  STRCMP_EQUAL("an IPv6 address must be in brackets: [ADDR]:PORT", errorOf("::1:9370").c_str());
  STRCMP_EQUAL("missing ']' after the IPv6 address", errorOf("[::1:9370").c_str());
  STRCMP_EQUAL("missing :PORT after ']'", errorOf("[::1]").c_str());
  STRCMP_EQUAL("missing :PORT after ']'", errorOf("[::1]9370").c_str());
  STRCMP_EQUAL("only IPv6 addresses go in brackets", errorOf("[127.0.0.1]:9370").c_str());
  STRCMP_EQUAL("bad port ''", errorOf("127.0.0.1:").c_str());
  STRCMP_EQUAL("bad port '93x0'", errorOf("127.0.0.1:93x0").c_str());
  STRCMP_EQUAL("bad port '-1'", errorOf("127.0.0.1:-1").c_str());
  STRCMP_EQUAL("bad port '123456'", errorOf("127.0.0.1:123456").c_str());
  STRCMP_EQUAL("port 65536 is out of range 1..65535", errorOf("127.0.0.1:65536").c_str());
  CHECK_FALSE(parseListenAddress(std::string("127.0.0.1\0x:80", 14), nullptr).has_value());  // embedded NUL
  STRCMP_EQUAL("'fe80::1%eth0' is not an IP address", errorOf("[fe80::1%eth0]:9370").c_str());
}
