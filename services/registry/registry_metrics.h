#pragma once

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/registry/registry_state.h"

namespace wm::registry {

// Every metric of wm-registry's own, declared in one place. Label values are a fixed set,
// resolved once here. Those of following wm-ingest (wm_registry_ingest_*, and
// wm_registry_events_total{kind}) are the follower's: eventstream::IngestFollowerMetrics.
class RegistryMetrics {
 public:
  explicit RegistryMetrics(prometheus::Registry& registry);

  // Sets the inventory gauges: wm_registry_gateways{state}, wm_registry_sinks,
  // wm_registry_nodes{stale}, wm_registry_networks.
  void SetCounts(const RegistryCounts& counts);

  // wm_registry_store_flush_seconds: time to write one batch; wm_registry_store_rows_total:
  // entries written; wm_registry_store_errors_total: batches that failed (kept for the next).
  prometheus::Histogram& store_flush_seconds;
  prometheus::Counter& store_rows;
  prometheus::Counter& store_errors;
  // wm_registry_watchers: open WatchChanges streams; wm_registry_watch_dropped_total: changes
  // dropped for watchers that read too slowly.
  prometheus::Gauge& watchers;
  prometheus::Counter& watch_dropped;
  // wm_registry_watch_resumes_total: streams opened with resume_after;
  // wm_registry_watch_replayed_changes_total: changes replayed to them from the change log;
  // wm_registry_watch_resume_gaps_total{reason}: resumes starting with a gap, too_old (the
  // position is older than the log) or unknown (another registry run, or never issued).
  prometheus::Counter& watch_resumes;
  prometheus::Counter& watch_replayed;
  prometheus::Counter& watch_resume_too_old;
  prometheus::Counter& watch_resume_unknown;
  // wm_registry_change_log_changes and wm_registry_change_log_age_seconds: the change log's
  // depth and the age of its oldest change.
  prometheus::Gauge& change_log_changes;
  prometheus::Gauge& change_log_age_seconds;

  // The feed's view of these metrics.
  ChangeFeedMetrics feed_metrics();

 private:
  prometheus::Gauge& gateways_online_;
  prometheus::Gauge& gateways_offline_;
  prometheus::Gauge& gateways_unknown_;
  prometheus::Gauge& sinks_;
  prometheus::Gauge& nodes_active_;
  prometheus::Gauge& nodes_stale_;
  prometheus::Gauge& networks_;
};

}  // namespace wm::registry
