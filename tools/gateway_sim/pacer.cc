#include "tools/gateway_sim/pacer.h"

namespace wm::gateway_sim {

Pacer::Pacer(double rate_per_second, absl::Time start, absl::Duration max_burst)
    : interval_(rate_per_second > 0 ? absl::Seconds(1) / rate_per_second : absl::ZeroDuration()),
      max_burst_(max_burst),
      next_due_(rate_per_second > 0 ? start : absl::InfinitePast()) {}

void Pacer::OnSent(absl::Time now) {
  if (unlimited()) return;
  // Forget a backlog older than max_burst: a stalled sender resumes at the rate, not above it.
  if (now - next_due_ > max_burst_) next_due_ = now - max_burst_;
  next_due_ += interval_;
}

}  // namespace wm::gateway_sim
