// MetricsRegistry: Prometheus counters, gauges and histograms with labels, rendered in the text exposition
// format 0.0.4. Pure: no I/O, no clock. A family (name, HELP text, type, fixed label names, histogram
// buckets) is registered once; its series are created on first update, addressed by their label values (in
// the family's label-name order) and can be removed again (a VIP dropped by a reload disappears).
// render() sorts families by name and series by label values, escapes label values and HELP text, and
// omits families without series. Label values that are not valid UTF-8 have the bad bytes replaced by U+FFFD.
// Single-threaded (the event-loop thread). Errors: registering a bad name, bucket list or a duplicate family
// throws std::invalid_argument (start-up only); updates never throw and return false for an unknown family,
// a type mismatch, the wrong number of label values, or a value the metric cannot take (a counter going
// down, a NaN).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anycastd {

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricsRegistry {
 public:
  using LabelValues = std::vector<std::string>;
  using LabelMatch = std::vector<std::pair<std::string, std::string>>;  // (label name, value)

  void addCounter(const std::string& name, const std::string& help, std::vector<std::string> label_names);
  void addGauge(const std::string& name, const std::string& help, std::vector<std::string> label_names);
  // `bounds`: the finite upper bounds, strictly increasing; the +Inf bucket is implicit.
  void addHistogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                    std::vector<double> bounds);

  bool inc(std::string_view name, const LabelValues& labels, double by = 1);     // counter; by >= 0
  bool set(std::string_view name, const LabelValues& labels, double value);      // gauge
  bool observe(std::string_view name, const LabelValues& labels, double value);  // histogram

  // Removes one series; false if it did not exist.
  bool remove(std::string_view name, const LabelValues& labels);
  // Removes the series whose labels have all the given values, from every family that has all the named
  // labels (or only from family `name`). Returns the number removed.
  size_t removeMatching(const LabelMatch& match);
  size_t removeMatching(std::string_view name, const LabelMatch& match);

  // The value of a counter or gauge series, or the observation count of a histogram series; nullopt when
  // the series does not exist. For tests and status output.
  std::optional<double> value(std::string_view name, const LabelValues& labels) const;
  size_t seriesCount(std::string_view name) const;

  std::string render() const;

 private:
  struct Series {
    double value = 0;                     // counter, gauge
    std::vector<uint64_t> bucket_counts;  // histogram: per bucket (not cumulative), last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string help;
    MetricType type;
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::map<LabelValues, Series> series;
  };

  void add(const std::string& name, const std::string& help, MetricType type,
           std::vector<std::string> label_names, std::vector<double> bounds);
  Series* seriesFor(std::string_view name, MetricType type, const LabelValues& labels);
  static size_t removeFrom(Family& family, const LabelMatch& match);

  std::map<std::string, Family, std::less<>> families_;
};

// Text-format helpers, exposed for tests.
std::string escapeLabelValue(std::string_view value);  // \ " and newline escaped; invalid UTF-8 -> U+FFFD
std::string escapeHelp(std::string_view help);         // \ and newline escaped
std::string formatMetricValue(double value);           // "+Inf", "-Inf", "NaN", integers without exponent

}  // namespace anycastd
