#pragma once

#include "absl/time/time.h"

namespace wm::gateway_sim {

// Spaces sends evenly at `rate` per second: the k-th send is due at start + k / rate. A sender
// that falls behind (a slow broker, a reconnection) catches up with at most `max_burst` worth
// of sends at once instead of bursting the whole backlog. Rate 0 means "as fast as possible":
// every send is due at once. Not thread-safe.
//
//   Pacer pacer(100, absl::Now());
//   while (running) {
//     absl::SleepFor(pacer.NextDue() - absl::Now());
//     Send();
//     pacer.OnSent(absl::Now());
//   }
class Pacer {
 public:
  Pacer(double rate_per_second, absl::Time start,
        absl::Duration max_burst = absl::Milliseconds(500));

  // When the next send is due; absl::InfinitePast() for rate 0.
  absl::Time NextDue() const { return next_due_; }

  // Whether a send is due at `now`.
  bool IsDue(absl::Time now) const { return now >= next_due_; }

  // Records one send made at `now`.
  void OnSent(absl::Time now);

  bool unlimited() const { return interval_ == absl::ZeroDuration(); }

 private:
  absl::Duration interval_;
  absl::Duration max_burst_;
  absl::Time next_due_;
};

}  // namespace wm::gateway_sim
