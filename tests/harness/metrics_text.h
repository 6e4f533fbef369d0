#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wm::testing {

// The value of one sample in Prometheus text exposition format, e.g.
//   MetricValue(text, "wm_ingest_decode_errors_total", "reason=\"protobuf\"")
// matches the line `wm_ingest_decode_errors_total{reason="protobuf"} 3`. An empty `labels`
// matches the sample without labels. nullopt when absent.
std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  std::string_view labels = "");

}  // namespace wm::testing
