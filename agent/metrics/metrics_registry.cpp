#include "agent/metrics/metrics_registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace anycastd {
namespace {

bool validName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one (overlong forms, surrogates and code
// points above U+10FFFF are invalid).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

std::string validUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool isValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool allValidUtf8(const MetricsRegistry::LabelValues& labels) {
  return std::all_of(labels.begin(), labels.end(), [](const std::string& v) { return isValidUtf8(v); });
}

MetricsRegistry::LabelValues sanitised(const MetricsRegistry::LabelValues& labels) {
  MetricsRegistry::LabelValues out;
  out.reserve(labels.size());
  for (const std::string& v : labels) out.push_back(validUtf8(v));
  return out;
}

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// Appends `a="x",b="y"` (no braces) to `out`.
void appendLabels(std::string& out, const std::vector<std::string>& names,
                  const MetricsRegistry::LabelValues& values) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escapeLabelValue(values[i]);
    out += '"';
  }
}

void appendSample(std::string& out, std::string_view name, std::string_view suffix, std::string_view labels,
                  std::string_view value) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : validUtf8(value)) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  for (char c : validUtf8(help)) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string formatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)  // 2^53: exact integers
    return std::to_string(static_cast<int64_t>(value));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

void MetricsRegistry::addCounter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  add(name, help, MetricType::kCounter, std::move(label_names), {});
}

void MetricsRegistry::addGauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
  add(name, help, MetricType::kGauge, std::move(label_names), {});
}

void MetricsRegistry::addHistogram(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names, std::vector<double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw std::invalid_argument("metric " + name +
                                  ": bucket bounds must be finite and strictly increasing");
  for (const std::string& l : label_names)
    if (l == "le") throw std::invalid_argument("metric " + name + ": a histogram cannot have a label 'le'");
  add(name, help, MetricType::kHistogram, std::move(label_names), std::move(bounds));
}

void MetricsRegistry::add(const std::string& name, const std::string& help, MetricType type,
                          std::vector<std::string> label_names, std::vector<double> bounds) {
  if (!validName(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!validName(l, false) || l.starts_with("__"))
      throw std::invalid_argument("metric " + name + ": invalid label name '" + l + "'");
    if (std::find(label_names.begin(), label_names.begin() + i, l) != label_names.begin() + i)
      throw std::invalid_argument("metric " + name + ": duplicate label name '" + l + "'");
  }
  // A histogram's series names must not collide with another family.
  auto collides = [&](const std::string& n) { return families_.count(n) > 0; };
  if (collides(name)) throw std::invalid_argument("metric " + name + " is registered twice");
  if (type == MetricType::kHistogram &&
      (collides(name + "_bucket") || collides(name + "_sum") || collides(name + "_count")))
    throw std::invalid_argument("metric " + name + " collides with another family");
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    auto stem =
        families_.find(std::string_view(name).substr(0, name.size() - std::string_view(suffix).size()));
    if (stem != families_.end() && stem->second.type == MetricType::kHistogram)
      throw std::invalid_argument("metric " + name + " collides with histogram " + stem->first);
  }
  families_.emplace(name, Family{help, type, std::move(label_names), std::move(bounds), {}});
}

MetricsRegistry::Series* MetricsRegistry::seriesFor(std::string_view name, MetricType type,
                                                    const LabelValues& labels) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.type != type || labels.size() != it->second.label_names.size())
    return nullptr;
  Family& f = it->second;
  // The common case, an update of a series with valid labels, copies nothing.
  const bool valid = allValidUtf8(labels);
  if (valid) {
    if (auto found = f.series.find(labels); found != f.series.end()) return &found->second;
  }
  auto [s, inserted] = f.series.try_emplace(valid ? labels : sanitised(labels));
  if (inserted && type == MetricType::kHistogram) s->second.bucket_counts.assign(f.bounds.size() + 1, 0);
  return &s->second;
}

bool MetricsRegistry::inc(std::string_view name, const LabelValues& labels, double by) {
  if (!(by >= 0) || std::isinf(by)) return false;
  Series* s = seriesFor(name, MetricType::kCounter, labels);
  if (!s) return false;
  s->value += by;
  return true;
}

bool MetricsRegistry::set(std::string_view name, const LabelValues& labels, double value) {
  Series* s = seriesFor(name, MetricType::kGauge, labels);
  if (!s) return false;
  s->value = value;
  return true;
}

bool MetricsRegistry::observe(std::string_view name, const LabelValues& labels, double value) {
  if (std::isnan(value)) return false;
  Series* s = seriesFor(name, MetricType::kHistogram, labels);
  if (!s) return false;
  const std::vector<double>& bounds = families_.find(name)->second.bounds;
  const size_t bucket = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();  // le: <=
  ++s->bucket_counts[bucket];
  s->sum += value;
  ++s->count;
  return true;
}

bool MetricsRegistry::remove(std::string_view name, const LabelValues& labels) {
  auto it = families_.find(name);
  return it != families_.end() && it->second.series.erase(sanitised(labels)) > 0;
}

size_t MetricsRegistry::removeFrom(Family& family, const LabelMatch& match) {
  std::vector<std::pair<size_t, std::string>> wanted;  // (label index, value)
  for (const auto& [label, value] : match) {
    auto pos = std::find(family.label_names.begin(), family.label_names.end(), label);
    if (pos == family.label_names.end()) return 0;
    wanted.emplace_back(pos - family.label_names.begin(), validUtf8(value));
  }
  return std::erase_if(family.series, [&](const auto& entry) {
    return std::all_of(wanted.begin(), wanted.end(),
                       [&](const auto& w) { return entry.first[w.first] == w.second; });
  });
}

size_t MetricsRegistry::removeMatching(const LabelMatch& match) {
  size_t removed = 0;
  for (auto& [name, family] : families_) removed += removeFrom(family, match);
  return removed;
}

size_t MetricsRegistry::removeMatching(std::string_view name, const LabelMatch& match) {
  auto it = families_.find(name);
  return it == families_.end() ? 0 : removeFrom(it->second, match);
}

std::optional<double> MetricsRegistry::value(std::string_view name, const LabelValues& labels) const {
  auto it = families_.find(name);
  if (it == families_.end()) return std::nullopt;
  auto s = it->second.series.find(sanitised(labels));
  if (s == it->second.series.end()) return std::nullopt;
  return it->second.type == MetricType::kHistogram ? static_cast<double>(s->second.count) : s->second.value;
}

size_t MetricsRegistry::seriesCount(std::string_view name) const {
  auto it = families_.find(name);
  return it == families_.end() ? 0 : it->second.series.size();
}

std::string MetricsRegistry::render() const {
  // One pass, appending in place: at 16,000 histogram series this is tens of megabytes, rendered on the
  // event loop, so each series' label text is built once and nothing is formatted twice.
  std::string out;
  size_t lines = 0;
  for (const auto& [name, f] : families_) lines += f.series.size() * (f.bounds.size() + 3);
  out.reserve(lines * 64);
  std::string labels, le_labels;
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) continue;
    out += "# HELP " + name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + typeName(f.type) + "\n";
    std::vector<std::string> le_texts;  // `le="0.005"`
    for (double b : f.bounds) le_texts.push_back("le=\"" + formatMetricValue(b) + "\"");
    le_texts.push_back("le=\"+Inf\"");
    for (const auto& [values, s] : f.series) {
      labels.clear();
      appendLabels(labels, f.label_names, values);
      if (f.type != MetricType::kHistogram) {
        appendSample(out, name, "", labels, formatMetricValue(s.value));
        continue;
      }
      uint64_t cumulative = 0;
      char count[24];
      for (size_t i = 0; i < s.bucket_counts.size() && i < le_texts.size(); ++i) {
        cumulative += s.bucket_counts[i];
        le_labels.assign(labels);
        if (!le_labels.empty()) le_labels += ',';
        le_labels += le_texts[i];
        auto [end, ec] = std::to_chars(count, count + sizeof count, cumulative);
        appendSample(out, name, "_bucket", le_labels, std::string_view(count, end - count));
      }
      appendSample(out, name, "_sum", labels, formatMetricValue(s.sum));
      auto [end, ec] = std::to_chars(count, count + sizeof count, s.count);
      appendSample(out, name, "_count", labels, std::string_view(count, end - count));
    }
  }
  return out;
}

}  // namespace anycastd
