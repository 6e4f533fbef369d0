#include "libs/grpcutil/delayed_runner.h"

#include "libs/base/clock.h"

namespace wm::grpcutil {

DelayedRunner::DelayedRunner(absl::Duration delay)
    : delay_(delay), scheduler_(base::SteadyClock()) {
  scheduler_.Start();
}

void DelayedRunner::Schedule(std::function<void()> task) {
  scheduler_.RunAt(scheduler_.Now() + delay_, std::move(task));
}

}  // namespace wm::grpcutil
