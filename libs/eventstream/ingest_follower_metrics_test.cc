#include "libs/eventstream/ingest_follower_metrics.h"

#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace wm::eventstream {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

// The series of `registry` as a scrape shows them, without values: `name{labels}`.
std::set<std::string> Series(prometheus::Registry& registry) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  std::set<std::string> series;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line.front() == '#') continue;
    series.insert(std::string(line.substr(0, line.rfind(' '))));
  }
  return series;
}

// wm-registry's names, which its dashboard and alerts read (tests/deploy/metrics_contract_test).
TEST(IngestFollowerMetricsTest, NamesAreThePrefixAndTheEventsNameGiven) {
  prometheus::Registry registry;
  IngestFollowerMetrics metrics(registry, "wm_registry_ingest", "wm_registry_events_total");
  EXPECT_EQ(Series(registry), (std::set<std::string>{
                                  "wm_registry_events_total{kind=\"packet\"}",
                                  "wm_registry_events_total{kind=\"response\"}",
                                  "wm_registry_events_total{kind=\"status\"}",
                                  "wm_registry_ingest_connected",
                                  "wm_registry_ingest_duplicates_total",
                                  "wm_registry_ingest_gap_resumes_total",
                                  "wm_registry_ingest_lag_seconds",
                                  "wm_registry_ingest_reconnects_total",
                                  "wm_registry_ingest_restarts_total",
                                  "wm_registry_ingest_stream_dropped_total",
                                  "wm_registry_ingest_stream_gaps_total",
                                  "wm_registry_ingest_stream_unknown_gaps_total",
                              }));
}

TEST(IngestFollowerMetricsTest, CountsEventsByKindAndShowsDownlinksOnceSeen) {
  prometheus::Registry registry;
  IngestFollowerMetrics metrics(registry, "wm_bridge_ingest", "wm_bridge_events_total");
  metrics.CountEvent(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  metrics.CountEvent(wm::v1::EVENT_KIND_PACKET_RECEIVED);
  metrics.CountEvent(wm::v1::EVENT_KIND_GATEWAY_STATUS);
  metrics.CountEvent(wm::v1::EVENT_KIND_STREAM_GAP);  // never handed on: not an event kind here
  EXPECT_EQ(metrics.packet_events.Value(), 2);
  EXPECT_EQ(metrics.status_events.Value(), 1);
  EXPECT_EQ(metrics.response_events.Value(), 0);
  EXPECT_THAT(Series(registry), Not(testing::Contains(HasSubstr("downlink"))));

  metrics.CountEvent(wm::v1::EVENT_KIND_DOWNLINK);
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_THAT(text, HasSubstr("wm_bridge_events_total{kind=\"downlink\"} 1"));
}

// Two followers in one program (e.g. two ingest sites) export side by side.
TEST(IngestFollowerMetricsTest, TwoPrefixesInOneRegistryDoNotCollide) {
  prometheus::Registry registry;
  IngestFollowerMetrics site_a(registry, "wm_history_ingest_a", "wm_history_a_events_total");
  IngestFollowerMetrics site_b(registry, "wm_history_ingest_b", "wm_history_b_events_total");
  site_a.restarts.Increment();
  EXPECT_EQ(site_b.restarts.Value(), 0);
  EXPECT_THAT(Series(registry), IsSupersetOf({"wm_history_ingest_a_restarts_total",
                                              "wm_history_ingest_b_restarts_total"}));
}

}  // namespace
}  // namespace wm::eventstream
