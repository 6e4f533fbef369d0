#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wm::registry {

// Runs a task every `interval` on a thread of its own until stopped: the registry's store
// flushes and stale sweeps.
//
//   PeriodicTask flush(absl::Milliseconds(200), [&] { flusher.Flush(); });
//   ...
//   flush.Stop();   // waits for a run in progress; no run starts afterwards
class PeriodicTask {
 public:
  // Starts the thread; the first run is one interval from now.
  PeriodicTask(absl::Duration interval, std::function<void()> task);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  // Stops.
  ~PeriodicTask();

  // Idempotent.
  void Stop();

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wm::registry
