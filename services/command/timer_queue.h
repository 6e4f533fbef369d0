#pragma once

#include "libs/base/clock.h"
#include "libs/base/scheduler.h"

namespace wm::command {

// The time source of wm-command's components; tests pass a FakeClock they advance by hand.
using Clock = base::Clock;

// Runs callbacks at given times: request timeouts, waits for an in-flight slot, quiet periods.
// wm-command's one timer thread (Start()); tests with a FakeClock call RunDue() instead, and
// shutdown calls RunAllNow() after Stop(). See base::Scheduler.
//
//   TimerQueue timers(absl::Now);
//   timers.Start();
//   TimerQueue::Id id = timers.RunAt(absl::Now() + absl::Seconds(2), [] { ... });
//   timers.Cancel(id);  // true: it will not run
using TimerQueue = base::Scheduler;

}  // namespace wm::command
