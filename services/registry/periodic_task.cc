#include "services/registry/periodic_task.h"

#include <algorithm>
#include <chrono>

namespace wm::registry {

PeriodicTask::PeriodicTask(absl::Duration interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)), thread_([this] { Run(); }) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Run() {
  const auto interval = absl::ToChronoNanoseconds(interval_);
  auto next = std::chrono::steady_clock::now() + interval;
  absl::MutexLock lock(&mu_);
  // Timeouts are measured on the steady clock, so that a wall-clock step moves no run.
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                               absl::FromChrono(next - std::chrono::steady_clock::now()))) {
    mu_.Unlock();
    task_();
    mu_.Lock();
    // Runs do not pile up when one took longer than the interval.
    next = std::max(next + interval, std::chrono::steady_clock::now());
  }
}

}  // namespace wm::registry
