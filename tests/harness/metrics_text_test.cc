#include "tests/harness/metrics_text.h"

#include "gtest/gtest.h"

namespace wm::testing {
namespace {

constexpr char kText[] =
    "# HELP wm_ingest_duplicates_total x\n"
    "# TYPE wm_ingest_duplicates_total counter\n"
    "wm_ingest_duplicates_total 12\n"
    "wm_ingest_decode_errors_total{reason=\"protobuf\"} 3\n"
    "wm_ingest_decode_errors_total{reason=\"topic\"} 0\n";

TEST(MetricValue, FindsSamplesWithAndWithoutLabels) {
  EXPECT_EQ(MetricValue(kText, "wm_ingest_duplicates_total"), 12);
  EXPECT_EQ(MetricValue(kText, "wm_ingest_decode_errors_total", "reason=\"protobuf\""), 3);
  EXPECT_EQ(MetricValue(kText, "wm_ingest_decode_errors_total", "reason=\"topic\""), 0);
  EXPECT_EQ(MetricValue(kText, "wm_ingest_decode_errors_total"), std::nullopt);
  EXPECT_EQ(MetricValue(kText, "wm_ingest_duplicates"), std::nullopt);
}

}  // namespace
}  // namespace wm::testing
