#pragma once

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wm::base {

// The time source of components that wait or time out; tests pass a FakeClock they advance by
// hand, production code passes RealClock().
using Clock = std::function<absl::Time()>;

// A Clock reading the system's wall clock (absl::Now).
Clock RealClock();

// A Clock that never steps back or jumps when the wall clock is set (std::chrono::steady_clock).
// Its readings are not wall-clock times: use it where only intervals matter (a Scheduler whose
// timers are all RunEvery or Now() + delay), so that setting the system time moves no run.
Clock SteadyClock();

// A clock for tests: it stands still until Advance moves it. Thread-safe.
//
//   FakeClock clock;
//   Scheduler scheduler(clock.AsClock());
//   clock.Advance(absl::Seconds(2));
//   scheduler.RunDue();
class FakeClock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  absl::Time Now() const;
  void Advance(absl::Duration d);
  // A Clock reading this fake; the fake must outlive it.
  Clock AsClock() const;

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace wm::base
