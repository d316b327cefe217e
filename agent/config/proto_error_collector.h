// ProtoErrorCollector: the one protobuf text-format error collector, for the config loader and the state
// file. It turns each error the parser reports (0-based) into a ConfigError naming FILE:LINE:COL (1-based)
// and appends it to a list the caller owns and reads after parsing. Used on the caller's thread; no errors
// of its own.
#pragma once

#include <google/protobuf/io/tokenizer.h>

#include <string>
#include <vector>

#include "agent/config/config_loader.h"

namespace anycastd {

class ProtoErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  // `file` names the text in the errors; both must outlive the collector.
  ProtoErrorCollector(const std::string& file, std::vector<ConfigError>& errors)
      : file_(file), errors_(errors) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    errors_.push_back({file_, line + 1, column + 1, message});
  }

 private:
  const std::string& file_;
  std::vector<ConfigError>& errors_;
};

}  // namespace anycastd
