// MetricsRegistry: the exact text exposition (HELP/TYPE, labels, escaping, histogram buckets, sorting),
// series removal, and updates the registry refuses (wrong type, label count, negative counter increments).
#include "agent/metrics/metrics_registry.h"

#include <CppUTest/TestHarness.h>

#include <limits>
#include <stdexcept>
#include <string>

using namespace anycastd;

TEST_GROUP(MetricsRegistry){};

TEST(MetricsRegistry, EmptyRegistryAndFamiliesWithoutSeriesRenderNothing) {
  MetricsRegistry r;
  STRCMP_EQUAL("", r.render().c_str());
  r.addGauge("g", "A gauge.", {"a"});
  STRCMP_EQUAL("", r.render().c_str());
}

TEST(MetricsRegistry, CountersAndGaugesSortedByFamilyThenLabels) {
  MetricsRegistry r;
  r.addGauge("zeta", "Last family.", {});
  r.addCounter("alpha_total", "First family.", {"vip", "server"});
  CHECK_TRUE(r.set("zeta", {}, 1));
  CHECK_TRUE(r.inc("alpha_total", {"web", "s2"}));
  CHECK_TRUE(r.inc("alpha_total", {"web", "s1"}, 2));
  CHECK_TRUE(r.inc("alpha_total", {"api", "s9"}, 0.5));
  CHECK_TRUE(r.inc("alpha_total", {"web", "s2"}));
  STRCMP_EQUAL(
      "# HELP alpha_total First family.\n"
      "# TYPE alpha_total counter\n"
      "alpha_total{vip=\"api\",server=\"s9\"} 0.5\n"
      "alpha_total{vip=\"web\",server=\"s1\"} 2\n"
      "alpha_total{vip=\"web\",server=\"s2\"} 2\n"
      "# HELP zeta Last family.\n"
      "# TYPE zeta gauge\n"
      "zeta 1\n",
      r.render().c_str());
}

TEST(MetricsRegistry, HistogramCumulativeBucketsSumAndCount) {
  MetricsRegistry r;
  r.addHistogram("d_seconds", "Durations.", {"vip"}, {0.0005, 0.01, 1});
  CHECK_TRUE(r.observe("d_seconds", {"web"}, 0.0005));  // on a bound: counted in that bucket (le)
  CHECK_TRUE(r.observe("d_seconds", {"web"}, 0.002));
  CHECK_TRUE(r.observe("d_seconds", {"web"}, 0.25));
  CHECK_TRUE(r.observe("d_seconds", {"web"}, 3));
  STRCMP_EQUAL(
      "# HELP d_seconds Durations.\n"
      "# TYPE d_seconds histogram\n"
      "d_seconds_bucket{vip=\"web\",le=\"0.0005\"} 1\n"
      "d_seconds_bucket{vip=\"web\",le=\"0.01\"} 2\n"
      "d_seconds_bucket{vip=\"web\",le=\"1\"} 3\n"
      "d_seconds_bucket{vip=\"web\",le=\"+Inf\"} 4\n"
      "d_seconds_sum{vip=\"web\"} 3.2525\n"
      "d_seconds_count{vip=\"web\"} 4\n",
      r.render().c_str());
}

TEST(MetricsRegistry, HistogramWithoutLabels) {
  MetricsRegistry r;
  r.addHistogram("h", "H.", {}, {1});
  r.observe("h", {}, 2);
  STRCMP_EQUAL(
      "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n",
      r.render().c_str());
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.addGauge("g", "Back\\slash and\nnewline, \"quotes\" kept.", {"name"});
  r.set("g", {"a\"b\\c\nd"}, 1);
  STRCMP_EQUAL(
      "# HELP g Back\\\\slash and\\nnewline, \"quotes\" kept.\n"
      "# TYPE g gauge\n"
      "g{name=\"a\\\"b\\\\c\\nd\"} 1\n",
      r.render().c_str());
}

TEST(MetricsRegistry, InvalidUtf8InLabelValuesIsReplaced) {
  MetricsRegistry r;
  r.addGauge("g", "G.", {"name"});
  r.set("g", {std::string("ok\xC3\xA9 bad\xFF\xC0\xAF end")}, 1);
  STRCMP_EQUAL(
      "# HELP g G.\n# TYPE g gauge\ng{name=\"ok\xC3\xA9 bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end\"} 1\n",
      r.render().c_str());
  // The same (sanitised) series is addressed again.
  CHECK_TRUE(r.remove("g", {std::string("ok\xC3\xA9 bad\xFF\xC0\xAF end")}));
  LONGS_EQUAL(0, r.seriesCount("g"));
}

TEST(MetricsRegistry, ValueFormatting) {
  STRCMP_EQUAL("0", formatMetricValue(0).c_str());
  STRCMP_EQUAL("-3", formatMetricValue(-3).c_str());
  STRCMP_EQUAL("123456789", formatMetricValue(123456789).c_str());
  STRCMP_EQUAL("0.0005", formatMetricValue(0.0005).c_str());
  STRCMP_EQUAL("0.1", formatMetricValue(0.1).c_str());
  STRCMP_EQUAL("1e-05", formatMetricValue(0.00001).c_str());
  STRCMP_EQUAL("1e+20", formatMetricValue(1e20).c_str());
  STRCMP_EQUAL("+Inf", formatMetricValue(std::numeric_limits<double>::infinity()).c_str());
  STRCMP_EQUAL("-Inf", formatMetricValue(-std::numeric_limits<double>::infinity()).c_str());
  STRCMP_EQUAL("NaN", formatMetricValue(std::numeric_limits<double>::quiet_NaN()).c_str());
}

TEST(MetricsRegistry, RemoveOneSeriesAndMatchingSeriesAcrossFamilies) {
  MetricsRegistry r;
  r.addGauge("a", "A.", {"vip"});
  r.addCounter("b_total", "B.", {"vip", "server"});
  r.addHistogram("c", "C.", {"vip", "server"}, {1});
  r.addGauge("d", "D.", {"dataplane"});
  r.set("a", {"web"}, 1);
  r.set("a", {"api"}, 1);
  r.inc("b_total", {"web", "s1"});
  r.inc("b_total", {"web", "s2"});
  r.inc("b_total", {"api", "s1"});
  r.observe("c", {"web", "s1"}, 0.5);
  r.set("d", {"web"}, 1);  // a different label that happens to have the same value

  CHECK_TRUE(r.remove("b_total", {"web", "s2"}));
  CHECK_FALSE(r.remove("b_total", {"web", "s2"}));
  CHECK_FALSE(r.remove("nope", {}));
  LONGS_EQUAL(1, r.removeMatching("b_total", {{"server", "s1"}, {"vip", "api"}}));
  LONGS_EQUAL(3, r.removeMatching({{"vip", "web"}}));
  STRCMP_EQUAL(
      "# HELP a A.\n# TYPE a gauge\na{vip=\"api\"} 1\n"
      "# HELP d D.\n# TYPE d gauge\nd{dataplane=\"web\"} 1\n",
      r.render().c_str());
  LONGS_EQUAL(0, r.removeMatching({{"unknown_label", "x"}}));
}

TEST(MetricsRegistry, RefusesUpdatesThatDoNotFit) {
  MetricsRegistry r;
  r.addCounter("c_total", "C.", {"a"});
  r.addGauge("g", "G.", {});
  r.addHistogram("h", "H.", {}, {1});
  CHECK_FALSE(r.inc("missing", {"x"}));
  CHECK_FALSE(r.inc("c_total", {}));          // label count
  CHECK_FALSE(r.inc("c_total", {"x", "y"}));  // label count
  CHECK_FALSE(r.inc("c_total", {"x"}, -1));   // counters only go up
  CHECK_FALSE(r.inc("c_total", {"x"}, std::numeric_limits<double>::quiet_NaN()));
  CHECK_FALSE(r.set("c_total", {"x"}, 1));  // type
  CHECK_FALSE(r.inc("g", {}));
  CHECK_FALSE(r.observe("g", {}, 1));
  CHECK_FALSE(r.observe("h", {}, std::numeric_limits<double>::quiet_NaN()));
  STRCMP_EQUAL("", r.render().c_str());
  CHECK_TRUE(r.inc("c_total", {"x"}, 0));  // creates the series at 0
  CHECK_TRUE(r.value("c_total", {"x"}).has_value());
  DOUBLES_EQUAL(0, *r.value("c_total", {"x"}), 0);
  CHECK_FALSE(r.value("c_total", {"y"}).has_value());
}

TEST(MetricsRegistry, RefusesBadRegistrations) {
  MetricsRegistry r;
  r.addHistogram("h", "H.", {}, {1});
  CHECK_THROWS(std::invalid_argument, r.addGauge("9bad", "x", {}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("bad-name", "x", {}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("ok", "x", {"__reserved"}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("ok", "x", {"a:b"}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("ok", "x", {"a", "a"}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("h", "x", {}));
  CHECK_THROWS(std::invalid_argument, r.addGauge("h_count", "x", {}));
  CHECK_THROWS(std::invalid_argument, r.addHistogram("x", "x", {"le"}, {1}));
  CHECK_THROWS(std::invalid_argument, r.addHistogram("x", "x", {}, {1, 1}));
  CHECK_THROWS(std::invalid_argument,
               r.addHistogram("x", "x", {}, {std::numeric_limits<double>::infinity()}));
  r.addGauge("name:with_colon", "Colons are allowed in metric names.", {});
}
