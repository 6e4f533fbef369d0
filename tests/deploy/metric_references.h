#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace wm::testing {

// A wm-backend metric that a PromQL expression reads, and the label values it requires by
// equality matchers, e.g. from `wm_registry_gateways{state="offline", job="x"}`:
// {name: "wm_registry_gateways", equal_labels: {{"state", "offline"}}}. The target labels
// `job` and `instance`, which Prometheus adds at scrape time, are left out.
struct MetricReference {
  std::string name;
  std::vector<std::pair<std::string, std::string>> equal_labels;
};

// The names an expression uses, outside string literals: `metrics` are those starting with
// `wm_` (MetricReference), `recorded` those holding a colon (recording rules' series, e.g.
// `job:wm_command_failures:ratio_rate5m`).
struct ExpressionNames {
  std::vector<MetricReference> metrics;
  std::set<std::string> recorded;
};

// Scans one PromQL expression, e.g.
//   NamesInExpression("sum by (kind) (rate(wm_ingest_messages_total{kind=\"packet\"}[5m]))")
// gives metrics {wm_ingest_messages_total, {{"kind", "packet"}}} and no recorded names.
// Grafana's $__rate_interval and the like are not names.
ExpressionNames NamesInExpression(std::string_view expr);

// The rules of a Prometheus rules file (YAML text): every rule's `expr`, and the names that
// its recording rules define. InvalidArgument when the text is not a rules file.
struct RuleFile {
  std::vector<std::string> expressions;
  std::set<std::string> records;
};
absl::StatusOr<RuleFile> ParseRuleFile(const std::string& yaml_text);

// Every `expr` of a Grafana dashboard (JSON text): the queries of its panels, nested rows
// included. InvalidArgument when the text does not parse.
absl::StatusOr<std::vector<std::string>> DashboardExpressions(const std::string& json_text);

// The samples of a /metrics page (Prometheus text exposition format): sample name (with its
// _bucket/_sum/_count suffix for histograms) -> the label sets of its samples.
using ExposedSamples = std::map<std::string, std::vector<std::map<std::string, std::string>>>;
ExposedSamples ParseExposition(std::string_view text);

}  // namespace wm::testing
