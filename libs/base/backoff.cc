#include "libs/base/backoff.h"

#include <algorithm>

#include "absl/random/distributions.h"

namespace wm::base {

ExponentialBackoff::ExponentialBackoff(absl::Duration min, absl::Duration max)
    : min_(min), max_(std::max(min, max)), window_(min) {}

absl::Duration ExponentialBackoff::NextDelay(absl::BitGenRef random) {
  absl::Duration delay = absl::Nanoseconds(
      absl::Uniform<int64_t>(absl::IntervalClosed, random, 0, absl::ToInt64Nanoseconds(window_)));
  window_ = std::min(max_, window_ * 2);
  return delay;
}

}  // namespace wm::base
