// Unit test runner. CppUTest's leak detector stays on; protobuf makes one-time allocations on first use
// (descriptors, error formatting) that it would report as leaks, so they are made before the tests run.
#include <CppUTest/CommandLineTestRunner.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include "agent/config/config_loader.h"
#include "proto/control.pb.h"
#include "proto/state.pb.h"

int main(int argc, char** argv) {
  anycastd::parseConfig(
      "vip { name: \"x\" prefix: \"x\" check { tcp { port: 0 } rise: 0 } server { name: \"\" } }", "w");
  anycastd::parseConfig("vip { nmae: 1 }", "w");
  // The JSON mapping builds its type resolver on first use (anycastctl --json).
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(anycastd::control::Status(), &json);
  anycastd::control::Status parsed;
  (void)google::protobuf::util::JsonStringToMessage("{\"vips\": [{\"name\": \"x\"}]}", &parsed);
  // The state file's message (state_file_test).
  anycastd::state::State state;
  (void)google::protobuf::TextFormat::ParseFromString(
      "drain { vip: \"x\" drain { by: \"y\" } } unclean_starts: 1", &state);
  return CommandLineTestRunner::RunAllTests(argc, argv);
}
