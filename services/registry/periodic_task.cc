#include "services/registry/periodic_task.h"

#include <algorithm>
#include <chrono>

namespace wm::registry {

PeriodicTask::PeriodicTask(absl::Duration interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)), thread_([this] { Run(); }) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    stop_requested_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Run() {
  const auto interval = absl::ToChronoNanoseconds(interval_);
  auto next = std::chrono::steady_clock::now() + interval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_requested_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    task_();
    lock.lock();
    // Runs do not pile up when one took longer than the interval.
    next = std::max(next + interval, std::chrono::steady_clock::now());
  }
}

}  // namespace wm::registry
