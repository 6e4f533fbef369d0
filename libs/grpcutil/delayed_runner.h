#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace wm::grpcutil {

// Runs tasks a fixed delay after they were scheduled, in order, on one thread of its own.
// StreamQueue uses it to let messages gather for an idle stream before waking it, so that a
// stream writes them in one burst instead of paying gRPC's per-write cost for each.
//
//   DelayedRunner runner(absl::Milliseconds(2));
//   runner.Schedule([] { ... });   // runs about 2 ms later
class DelayedRunner {
 public:
  explicit DelayedRunner(absl::Duration delay);
  // Stops the thread; tasks not yet due are dropped.
  ~DelayedRunner();
  DelayedRunner(const DelayedRunner&) = delete;
  DelayedRunner& operator=(const DelayedRunner&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Run();

  const absl::Duration delay_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  // Due times only grow (same delay for every task), so a FIFO keeps them sorted.
  std::deque<std::pair<absl::Time, std::function<void()>>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wm::grpcutil
