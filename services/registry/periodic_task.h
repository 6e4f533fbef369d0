#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

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
  std::mutex mu_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wm::registry
