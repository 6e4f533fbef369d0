#pragma once

#include "absl/status/status.h"
#include "libs/observability/logging.h"
#include "services/registry/registry_metrics.h"
#include "services/registry/registry_state.h"
#include "services/registry/registry_store.h"

namespace wm::registry {

// Writes what changed in the registry to its store, one batch per call: every packet between
// two flushes costs one row update of its node in one transaction, not a transaction of its
// own. A batch that fails stays pending and goes with the next flush (logged, counted).
//
//   StoreFlusher flusher(state, store, metrics);
//   PeriodicTask task(&scheduler, absl::Milliseconds(200), [&] { flusher.Flush(); });
class StoreFlusher {
 public:
  // All must outlive the flusher.
  StoreFlusher(RegistryState& state, RegistryStore& store, RegistryMetrics& metrics);

  // Takes the changes from the state and writes them. Calls must not overlap.
  absl::Status Flush();

 private:
  RegistryState& state_;
  RegistryStore& store_;
  RegistryMetrics& metrics_;
  observability::RateLimitedLog error_log_{absl::Minutes(1)};
};

}  // namespace wm::registry
