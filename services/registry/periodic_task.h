#pragma once

#include <functional>

#include "absl/time/time.h"
#include "libs/base/scheduler.h"

namespace wm::registry {

// Runs a task every `interval` on the service's scheduler thread until stopped: the registry's
// store flushes and stale sweeps. A handle over base::Scheduler::RunEvery that cancels on
// destruction.
//
//   base::Scheduler scheduler(base::RealClock());
//   scheduler.Start();
//   PeriodicTask flush(&scheduler, absl::Milliseconds(200), [&] { flusher.Flush(); });
//   ...
//   flush.Stop();   // waits for a run in progress; no run starts afterwards
class PeriodicTask {
 public:
  // Schedules the task; the first run is one interval from now. `scheduler` must outlive this.
  PeriodicTask(base::Scheduler* scheduler, absl::Duration interval, std::function<void()> task);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  // Stops.
  ~PeriodicTask();

  // Idempotent.
  void Stop();

 private:
  base::Scheduler* const scheduler_;
  const base::Scheduler::Id id_;
};

}  // namespace wm::registry
