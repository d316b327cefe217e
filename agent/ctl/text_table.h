// TextTable: left-aligned columns for anycastctl's human output. Cells are sanitised (control characters
// such as a newline in a drain reason become spaces) so that no value can break the layout; widths count
// UTF-8 characters. Pure; no I/O.
#pragma once

#include <string>
#include <vector>

namespace anycastd::ctl {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // One line per row, columns two spaces apart, no trailing spaces; every line ends in '\n'.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// `text` with control characters replaced by spaces.
std::string sanitize(const std::string& text);

}  // namespace anycastd::ctl
