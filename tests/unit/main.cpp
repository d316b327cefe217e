// Unit test runner. CppUTest's leak detector stays on; protobuf makes one-time allocations on first use
// (descriptors, error formatting) that it would report as leaks, so they are made before the tests run.
#include <CppUTest/CommandLineTestRunner.h>

#include "agent/config_loader.h"

int main(int argc, char** argv) {
  anycastd::parseConfig("vip { name: \"x\" prefix: \"x\" check { tcp { port: 0 } rise: 0 } server { name: \"\" } }", "w");
  anycastd::parseConfig("vip { nmae: 1 }", "w");
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
