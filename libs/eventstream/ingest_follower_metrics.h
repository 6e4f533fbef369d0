#pragma once

#include <string>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "protos/wm/v1/events.pb.h"

namespace wm::eventstream {

// Every metric an IngestFollower exports, declared in one place (docs/following-ingest.md
// "Metrics"). The names are `prefix` followed by a fixed suffix, so each service keeps its own
// names: wm-registry passes "wm_registry_ingest" and "wm_registry_events_total".
//
//   IngestFollowerMetrics metrics(*registry, "wm_history_ingest", "wm_history_events_total");
//   // wm_history_ingest_connected, wm_history_ingest_reconnects_total, ...
class IngestFollowerMetrics {
 public:
  // `prefix`: e.g. "wm_registry_ingest"; `events_name`: the name of the counter of events handed to
  // the consumer, by kind (e.g. "wm_registry_events_total").
  IngestFollowerMetrics(prometheus::Registry& registry, std::string_view prefix,
                        std::string_view events_name);

  // <events_name>{kind}: events handed to the consumer (applied or skipped as duplicates), by kind:
  // "status", "packet" and "response" are exported from the start, "downlink" once one was handed
  // on.
  void CountEvent(wm::v1::EventKind kind);

  // The fixed series of <events_name>{kind}.
  prometheus::Counter& status_events;
  prometheus::Counter& packet_events;
  prometheus::Counter& response_events;
  // <prefix>_connected: 1 while the stream from wm-ingest is open.
  prometheus::Gauge& connected;
  // <prefix>_reconnects_total: streams opened again after one ended or failed.
  prometheus::Counter& reconnects;
  // <prefix>_stream_gaps_total: STREAM_GAP events with a count (this consumer read too slowly, or
  // its position was older than ingest's replay log), and <prefix>_stream_dropped_total: the events
  // they say were lost.
  prometheus::Counter& stream_gaps;
  prometheus::Counter& stream_dropped;
  // <prefix>_restarts_total: events of another stream epoch than the last one seen (wm-ingest
  // restarted), or from an ingest without epochs, a sequence starting again.
  prometheus::Counter& restarts;
  // <prefix>_stream_unknown_gaps_total: STREAM_GAP events whose count is unknown (the resume
  // position was of an earlier ingest run).
  prometheus::Counter& stream_unknown_gaps;
  // <prefix>_gap_resumes_total: SLOW_CONSUMER gaps answered by resuming from the last event applied
  // (not counted as gaps: ingest's replay log fills them).
  prometheus::Counter& gap_resumes;
  // <prefix>_duplicates_total: events the consumer skipped as at or before the position it had
  // applied (IngestConsumer::Outcome::kDuplicate).
  prometheus::Counter& duplicates;
  // <prefix>_lag_seconds: this process's clock minus the ingest_time of the last live event handed
  // on.
  prometheus::Gauge& lag_seconds;

 private:
  prometheus::Family<prometheus::Counter>& events_;
};

}  // namespace wm::eventstream
