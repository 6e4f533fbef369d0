#pragma once

#include "libs/base/clock.h"
#include "services/command/timer_queue.h"

namespace wm::command {

// A clock for tests: it stands still until Advance moves it (base::FakeClock).
//
//   FakeClock clock;
//   TimerQueue timers(clock.AsClock());
//   clock.Advance(absl::Seconds(2));
//   timers.RunDue();
using FakeClock = base::FakeClock;

}  // namespace wm::command
