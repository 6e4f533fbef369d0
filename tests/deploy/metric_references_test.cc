#include "tests/deploy/metric_references.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wm::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::vector<std::string> MetricNames(const ExpressionNames& names) {
  std::vector<std::string> out;
  for (const MetricReference& reference : names.metrics) out.push_back(reference.name);
  return out;
}

TEST(NamesInExpressionTest, FindsMetricsInsideFunctionsAndAggregations) {
  const ExpressionNames names = NamesInExpression(
      "histogram_quantile(0.99, sum by (job, method, le) "
      "(rate(wm_command_latency_seconds_bucket[5m]))) / on (job) wm_command_inflight");
  EXPECT_THAT(MetricNames(names),
              ElementsAre("wm_command_latency_seconds_bucket", "wm_command_inflight"));
  EXPECT_THAT(names.recorded, IsEmpty());
}

TEST(NamesInExpressionTest, KeepsEqualityMatchersButNotTargetLabelsOrRegexes) {
  const ExpressionNames names = NamesInExpression(
      "wm_registry_gateways{job=\"wm-registry\", state=\"offline\"} "
      "- wm_registry_gateways{state = \"offline\"} offset 15m "
      "+ wm_ingest_decode_errors_total{reason=~\"payload_.*\", kind!=\"x\"}");
  ASSERT_EQ(names.metrics.size(), 3u);
  EXPECT_THAT(names.metrics[0].equal_labels, ElementsAre(Pair("state", "offline")));
  EXPECT_THAT(names.metrics[1].equal_labels, ElementsAre(Pair("state", "offline")));
  EXPECT_THAT(names.metrics[2].equal_labels, IsEmpty());
}

TEST(NamesInExpressionTest, IgnoresStringsVariablesAndDurations) {
  const ExpressionNames names = NamesInExpression(
      "up{job=~\"wm_fake_in_a_string\"} == 0 unless "
      "rate(wm_mqtt_reconnects_total[$__rate_interval]) > ${wm_threshold} "
      "or max_over_time(wm_command_inflight[10m:1m])");
  EXPECT_THAT(MetricNames(names), ElementsAre("wm_mqtt_reconnects_total", "wm_command_inflight"));
}

TEST(NamesInExpressionTest, RecordedSeriesAreNamesWithColons) {
  const ExpressionNames names = NamesInExpression(
      "job:wm_command_failures:ratio_rate5m > 0.1 and on (job) job:wm_command_requests:rate5m "
      "> (1 / 60)");
  EXPECT_THAT(names.metrics, IsEmpty());
  EXPECT_THAT(names.recorded, UnorderedElementsAre("job:wm_command_failures:ratio_rate5m",
                                                   "job:wm_command_requests:rate5m"));
}

TEST(ParseRuleFileTest, ReadsExpressionsAndRecords) {
  absl::StatusOr<RuleFile> file = ParseRuleFile(R"(
groups:
  - name: a
    rules:
      - record: job:wm_x:rate5m
        expr: sum by (job) (rate(wm_x_total[5m]))
  - name: b
    rules:
      - alert: X
        expr: |
          job:wm_x:rate5m > 1
        labels: {severity: warning}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->expressions,
              ElementsAre("sum by (job) (rate(wm_x_total[5m]))", "job:wm_x:rate5m > 1\n"));
  EXPECT_THAT(file->records, ElementsAre("job:wm_x:rate5m"));
}

TEST(ParseRuleFileTest, RejectsWhatIsNoRulesFile) {
  EXPECT_FALSE(ParseRuleFile("scrape_configs: []").ok());
  EXPECT_FALSE(ParseRuleFile("groups: [ {name: a, rules: [ {alert: X} ] } ]").ok());
  EXPECT_FALSE(ParseRuleFile("groups: [ unclosed").ok());
}

TEST(DashboardExpressionsTest, ReadsTargetsOfPanelsAndNestedRows) {
  absl::StatusOr<std::vector<std::string>> expressions = DashboardExpressions(R"json({
    "panels": [
      {"type": "timeseries", "targets": [{"expr": "rate(wm_a_total[$__rate_interval])",
                                          "legendFormat": "{{kind}}"}]},
      {"type": "row", "collapsed": true, "panels": [
        {"type": "stat", "targets": [{"expr": "wm_b{state=\"offline\"}"}]}
      ]}
    ],
    "templating": {"list": [{"name": "DS_PROMETHEUS", "type": "datasource"}]}
  })json");
  ASSERT_TRUE(expressions.ok()) << expressions.status();
  EXPECT_THAT(*expressions,
              ElementsAre("rate(wm_a_total[$__rate_interval])", "wm_b{state=\"offline\"}"));
  EXPECT_FALSE(DashboardExpressions("{\"panels\": [").ok());
}

TEST(ParseExpositionTest, ReadsNamesAndLabels) {
  const ExposedSamples samples = ParseExposition(
      "# HELP wm_build_info Always 1\n"
      "# TYPE wm_build_info gauge\n"
      "wm_build_info{service=\"wm-ingest\",version=\"0.1.0\"} 1\n"
      "wm_command_latency_seconds_bucket{method=\"GetConfigs\",le=\"+Inf\"} 1\n"
      "wm_ingest_subscribers 0\n"
      "wm_odd{text=\"a \\\"quoted\\\", b\"} 1\n");
  EXPECT_THAT(
      samples.at("wm_build_info"),
      ElementsAre(UnorderedElementsAre(Pair("service", "wm-ingest"), Pair("version", "0.1.0"))));
  EXPECT_THAT(samples.at("wm_command_latency_seconds_bucket"),
              ElementsAre(UnorderedElementsAre(Pair("method", "GetConfigs"), Pair("le", "+Inf"))));
  EXPECT_THAT(samples.at("wm_ingest_subscribers"), ElementsAre(IsEmpty()));
  EXPECT_THAT(samples.at("wm_odd"), ElementsAre(ElementsAre(Pair("text", "a \"quoted\", b"))));
  EXPECT_EQ(samples.count("wm_missing"), 0u);
}

}  // namespace
}  // namespace wm::testing
