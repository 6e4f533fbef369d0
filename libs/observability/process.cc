#include "libs/observability/process.h"

#include "absl/synchronization/mutex.h"

namespace wm::observability {

void PrepareServiceProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace wm::observability
