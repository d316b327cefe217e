#include "agent/ctl/text_table.h"

#include <algorithm>

namespace anycastd::ctl {
namespace {

size_t displayWidth(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

std::string sanitize(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string TextTable::render() const {
  std::vector<size_t> widths;
  std::vector<std::vector<std::string>> clean;
  for (const auto& row : rows_) {
    clean.emplace_back();
    for (size_t i = 0; i < row.size(); ++i) {
      clean.back().push_back(sanitize(row[i]));
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], displayWidth(clean.back().back()));
    }
  }
  std::string out;
  for (const auto& row : clean) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - displayWidth(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace anycastd::ctl
