// The log's escaping of control characters: nothing logged can start another entry or set its priority.
#include "lib/log.h"

#include <CppUTest/TestHarness.h>

using namespace anycastd;

TEST_GROUP(LogEscape){};

TEST(LogEscape, PlainTextIsUnchanged) {
  STRCMP_EQUAL("vip web drained: CHG-42 (ünïcode kept)",
               escapeControlCharacters("vip web drained: CHG-42 (ünïcode kept)").c_str());
  STRCMP_EQUAL("", escapeControlCharacters("").c_str());
}

TEST(LogEscape, NewlinesAndPrioritiesCannotForgeAnEntry) {
  const std::string forged = escapeControlCharacters("reason x\n<0>anycastd: forged emergency\r\n");
  STRCMP_EQUAL("reason x\\n<0>anycastd: forged emergency\\r\\n", forged.c_str());
  CHECK(forged.find('\n') == std::string::npos);
}

TEST(LogEscape, OtherControlCharactersAreHex) {
  STRCMP_EQUAL("a\\tb\\x00c\\x1b[31md\\x7f",
               escapeControlCharacters(std::string("a\tb\0c\x1b[31md\x7f", 12)).c_str());
}
