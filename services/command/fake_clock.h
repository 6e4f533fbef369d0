#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// A clock for tests: it stands still until Advance moves it.
//
//   FakeClock clock;
//   TimerQueue timers(clock.AsClock());
//   clock.Advance(absl::Seconds(2));
//   timers.RunDue();
class FakeClock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}

  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  // A Clock reading this fake; the fake must outlive it.
  Clock AsClock() const {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

}  // namespace wm::command
