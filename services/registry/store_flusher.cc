#include "services/registry/store_flusher.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace wm::registry {

StoreFlusher::StoreFlusher(RegistryState& state, RegistryStore& store, RegistryMetrics& metrics)
    : state_(state), store_(store), metrics_(metrics) {}

absl::Status StoreFlusher::Flush() {
  StoreBatch batch = state_.TakeDirty();
  if (batch.empty()) return absl::OkStatus();
  const absl::Time start = absl::Now();
  absl::Status status = store_.Write(batch);
  metrics_.store_flush_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - start));
  if (!status.ok()) {
    metrics_.store_errors.Increment();
    state_.MarkDirty(batch);
    error_log_.Warn("store_write_failed", absl::StrCat("store_write_failed rows=", batch.size(),
                                                       " error=\"", status.message(), "\""));
    return status;
  }
  metrics_.store_rows.Increment(static_cast<double>(batch.size()));
  return absl::OkStatus();
}

}  // namespace wm::registry
