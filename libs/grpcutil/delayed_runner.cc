#include "libs/grpcutil/delayed_runner.h"

#include "absl/time/clock.h"

namespace wm::grpcutil {

DelayedRunner::DelayedRunner(absl::Duration delay) : delay_(delay) {
  thread_ = std::thread([this] { Run(); });
}

DelayedRunner::~DelayedRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  changed_.SignalAll();
  thread_.join();
}

void DelayedRunner::Schedule(std::function<void()> task) {
  bool was_empty;
  {
    absl::MutexLock lock(&mu_);
    was_empty = tasks_.empty();
    tasks_.emplace_back(absl::Now() + delay_, std::move(task));
  }
  // Only a new head changes what the thread waits for.
  if (was_empty) changed_.Signal();
}

void DelayedRunner::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    const absl::Time due = tasks_.front().first;
    const absl::Time now = absl::Now();
    if (now < due) {
      changed_.WaitWithTimeout(&mu_, due - now);
      continue;
    }
    std::function<void()> task = std::move(tasks_.front().second);
    tasks_.pop_front();
    mu_.Unlock();
    task();
    mu_.Lock();
  }
}

}  // namespace wm::grpcutil
