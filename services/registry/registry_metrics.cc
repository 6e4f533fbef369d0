#include "services/registry/registry_metrics.h"

namespace wm::registry {
namespace {

prometheus::Family<prometheus::Gauge>& GatewaysFamily(prometheus::Registry& r) {
  return prometheus::BuildGauge()
      .Name("wm_registry_gateways")
      .Help("Known gateways, by state (unknown: no status heard yet)")
      .Register(r);
}

prometheus::Family<prometheus::Gauge>& NodesFamily(prometheus::Registry& r) {
  return prometheus::BuildGauge()
      .Name("wm_registry_nodes")
      .Help("Known nodes; stale=\"true\" for those silent longer than node_stale_after_s")
      .Register(r);
}

prometheus::Gauge& SingleGauge(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

prometheus::Counter& SingleCounter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Family<prometheus::Counter>& ResumeGapsFamily(prometheus::Registry& r) {
  return prometheus::BuildCounter()
      .Name("wm_registry_watch_resume_gaps_total")
      .Help(
          "Resumed WatchChanges streams that started with a gap: too_old (count known), "
          "unknown (another registry run)")
      .Register(r);
}

// Flushes take about a millisecond for a few rows and grow with the batch.
prometheus::Histogram::BucketBoundaries FlushBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

}  // namespace

RegistryMetrics::RegistryMetrics(prometheus::Registry& registry)
    : store_flush_seconds(prometheus::BuildHistogram()
                              .Name("wm_registry_store_flush_seconds")
                              .Help("Time to write one batch of changes to the store")
                              .Register(registry)
                              .Add({}, FlushBuckets())),
      store_rows(SingleCounter(registry, "wm_registry_store_rows_total",
                               "Gateways, sinks and nodes written to the store")),
      store_errors(SingleCounter(registry, "wm_registry_store_errors_total",
                                 "Batches the store failed to write (retried with the next)")),
      watchers(SingleGauge(registry, "wm_registry_watchers", "Open WatchChanges streams")),
      watch_dropped(SingleCounter(registry, "wm_registry_watch_dropped_total",
                                  "Changes dropped for watchers that read too slowly")),
      watch_resumes(SingleCounter(registry, "wm_registry_watch_resumes_total",
                                  "WatchChanges streams opened with resume_after")),
      watch_replayed(SingleCounter(registry, "wm_registry_watch_replayed_changes_total",
                                   "Changes queued from the change log for resumed streams")),
      watch_resume_too_old(ResumeGapsFamily(registry).Add({{"reason", "too_old"}})),
      watch_resume_unknown(ResumeGapsFamily(registry).Add({{"reason", "unknown"}})),
      change_log_changes(
          SingleGauge(registry, "wm_registry_change_log_changes", "Changes in the change log")),
      change_log_age_seconds(SingleGauge(registry, "wm_registry_change_log_age_seconds",
                                         "Age of the oldest change in the change log")),
      gateways_online_(GatewaysFamily(registry).Add({{"state", "online"}})),
      gateways_offline_(GatewaysFamily(registry).Add({{"state", "offline"}})),
      gateways_unknown_(GatewaysFamily(registry).Add({{"state", "unknown"}})),
      sinks_(SingleGauge(registry, "wm_registry_sinks", "Known sinks")),
      nodes_active_(NodesFamily(registry).Add({{"stale", "false"}})),
      nodes_stale_(NodesFamily(registry).Add({{"stale", "true"}})),
      networks_(SingleGauge(registry, "wm_registry_networks",
                            "Networks with a configured sink or a heard node")) {}

ChangeFeedMetrics RegistryMetrics::feed_metrics() {
  return {.dropped = &watch_dropped,
          .watchers = &watchers,
          .resumes = &watch_resumes,
          .replayed = &watch_replayed,
          .resume_too_old = &watch_resume_too_old,
          .resume_unknown = &watch_resume_unknown,
          .log_changes = &change_log_changes,
          .log_age_seconds = &change_log_age_seconds};
}

void RegistryMetrics::SetCounts(const RegistryCounts& counts) {
  gateways_online_.Set(static_cast<double>(counts.gateways_online));
  gateways_offline_.Set(static_cast<double>(counts.gateways_offline));
  gateways_unknown_.Set(static_cast<double>(counts.gateways_unknown));
  sinks_.Set(static_cast<double>(counts.sinks));
  nodes_active_.Set(static_cast<double>(counts.nodes_active));
  nodes_stale_.Set(static_cast<double>(counts.nodes_stale));
  networks_.Set(static_cast<double>(counts.networks));
}

}  // namespace wm::registry
