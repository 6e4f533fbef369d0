#include "libs/eventstream/ingest_follower_metrics.h"

#include "absl/strings/str_cat.h"

namespace wm::eventstream {
namespace {

prometheus::Gauge& SingleGauge(prometheus::Registry& r, std::string_view prefix,
                               std::string_view suffix, const char* help) {
  return prometheus::BuildGauge()
      .Name(absl::StrCat(std::string(prefix), std::string(suffix)))
      .Help(help)
      .Register(r)
      .Add({});
}

prometheus::Counter& SingleCounter(prometheus::Registry& r, std::string_view prefix,
                                   std::string_view suffix, const char* help) {
  return prometheus::BuildCounter()
      .Name(absl::StrCat(std::string(prefix), std::string(suffix)))
      .Help(help)
      .Register(r)
      .Add({});
}

// Registering the same name again returns the family registered first.
prometheus::Family<prometheus::Counter>& EventsFamily(prometheus::Registry& r,
                                                      std::string_view name) {
  return prometheus::BuildCounter()
      .Name(std::string(name))
      .Help("Events from wm-ingest handed to this service, by kind")
      .Register(r);
}

}  // namespace

IngestFollowerMetrics::IngestFollowerMetrics(prometheus::Registry& registry,
                                             std::string_view prefix, std::string_view events_name)
    : status_events(EventsFamily(registry, events_name).Add({{"kind", "status"}})),
      packet_events(EventsFamily(registry, events_name).Add({{"kind", "packet"}})),
      response_events(EventsFamily(registry, events_name).Add({{"kind", "response"}})),
      connected(SingleGauge(registry, prefix, "_connected",
                            "1 while the event stream from wm-ingest is open")),
      reconnects(SingleCounter(registry, prefix, "_reconnects_total",
                               "Event streams from wm-ingest opened again after one ended or "
                               "failed")),
      stream_gaps(SingleCounter(registry, prefix, "_stream_gaps_total",
                                "STREAM_GAP events with a count: wm-ingest dropped events this "
                                "service read too slowly, or the resume position was older "
                                "than its replay log")),
      stream_dropped(SingleCounter(registry, prefix, "_stream_dropped_total",
                                   "Events wm-ingest dropped for this service, as its STREAM_GAP "
                                   "events report")),
      restarts(SingleCounter(registry, prefix, "_restarts_total",
                             "Times wm-ingest restarted: events of another stream epoch (or, "
                             "from an older ingest, a sequence starting again)")),
      stream_unknown_gaps(SingleCounter(registry, prefix, "_stream_unknown_gaps_total",
                                        "STREAM_GAP events whose count is unknown (resumed from "
                                        "a position of an earlier wm-ingest run)")),
      gap_resumes(SingleCounter(registry, prefix, "_gap_resumes_total",
                                "SLOW_CONSUMER gaps answered by resuming from the last event "
                                "applied")),
      duplicates(SingleCounter(registry, prefix, "_duplicates_total",
                               "Events at or before the position already applied, skipped")),
      lag_seconds(SingleGauge(registry, prefix, "_lag_seconds",
                              "Seconds between wm-ingest receiving the last live event applied "
                              "and this service applying it")),
      events_(EventsFamily(registry, events_name)) {}

void IngestFollowerMetrics::CountEvent(wm::v1::EventKind kind) {
  switch (kind) {
    case wm::v1::EVENT_KIND_GATEWAY_STATUS:
      status_events.Increment();
      break;
    case wm::v1::EVENT_KIND_PACKET_RECEIVED:
      packet_events.Increment();
      break;
    case wm::v1::EVENT_KIND_RESPONSE:
      response_events.Increment();
      break;
    case wm::v1::EVENT_KIND_DOWNLINK:
      // Only a consumer that asks for downlinks sees the series (Add is idempotent).
      events_.Add({{"kind", "downlink"}}).Increment();
      break;
    default:
      break;
  }
}

}  // namespace wm::eventstream
