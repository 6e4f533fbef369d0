#pragma once

#include <functional>

#include "absl/time/time.h"
#include "libs/base/scheduler.h"

namespace wm::grpcutil {

// Runs tasks a fixed delay after they were scheduled, in order, on the thread of a
// base::Scheduler of its own (on the steady clock). StreamQueue uses it to let messages gather
// for an idle stream before waking it, so that a stream writes them in one burst instead of
// paying gRPC's per-write cost for each.
//
//   DelayedRunner runner(absl::Milliseconds(2));
//   runner.Schedule([] { ... });   // runs about 2 ms later
class DelayedRunner {
 public:
  explicit DelayedRunner(absl::Duration delay);
  // Stops the thread; tasks not yet due are dropped.
  ~DelayedRunner() = default;
  DelayedRunner(const DelayedRunner&) = delete;
  DelayedRunner& operator=(const DelayedRunner&) = delete;

  void Schedule(std::function<void()> task);

 private:
  const absl::Duration delay_;
  // Same delay for every task, and the scheduler breaks ties in scheduling order: tasks run in
  // the order they were scheduled.
  base::Scheduler scheduler_;
};

}  // namespace wm::grpcutil
