#pragma once

#include "absl/random/bit_gen_ref.h"
#include "absl/time/time.h"

namespace wm::base {

// Delays between reconnection attempts: exponential growth with "full jitter", so that many
// clients cut off by one broker restart do not come back in lock step.
// Attempt n (counting from 0 since the last success) waits a uniformly random time in
// [0, min(max, min * 2^n)].
//
//   ExponentialBackoff backoff(absl::Milliseconds(500), absl::Seconds(30));
//   while (!Connect()) absl::SleepFor(backoff.NextDelay(random));
//   backoff.Reset();
class ExponentialBackoff {
 public:
  // `min` is the first window (must be > 0), `max` the largest one (>= min).
  ExponentialBackoff(absl::Duration min, absl::Duration max);

  // The delay before the next attempt; widens the window for the one after.
  absl::Duration NextDelay(absl::BitGenRef random);
  // The current window's upper bound (what the next NextDelay draws below).
  absl::Duration window() const { return window_; }
  // Back to the first window, after a success.
  void Reset() { window_ = min_; }

 private:
  absl::Duration min_;
  absl::Duration max_;
  absl::Duration window_;
};

}  // namespace wm::base
