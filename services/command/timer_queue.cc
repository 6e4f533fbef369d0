#include "services/command/timer_queue.h"

namespace wm::command {

TimerQueue::TimerQueue(Clock clock) : clock_(std::move(clock)) {}

TimerQueue::~TimerQueue() { Stop(); }

TimerQueue::Id TimerQueue::RunAt(absl::Time when, std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  const Id id = next_id_++;
  if (timers_.empty() || when < timers_.begin()->first.first) ++generation_;
  timers_.emplace(std::make_pair(when, id), std::move(callback));
  due_by_id_.emplace(id, when);
  return id;
}

bool TimerQueue::Cancel(Id id) {
  std::function<void()> dropped;  // destroyed after the lock is released
  absl::MutexLock lock(&mu_);
  auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) return false;
  auto timer = timers_.find(std::make_pair(it->second, id));
  dropped = std::move(timer->second);
  timers_.erase(timer);
  due_by_id_.erase(it);
  return true;
}

bool TimerQueue::PopDue(absl::Time now, std::function<void()>* callback) {
  absl::MutexLock lock(&mu_);
  if (timers_.empty() || timers_.begin()->first.first > now) return false;
  auto first = timers_.begin();
  due_by_id_.erase(first->first.second);
  *callback = std::move(first->second);
  timers_.erase(first);
  return true;
}

int TimerQueue::RunDue() {
  int ran = 0;
  std::function<void()> callback;
  while (PopDue(clock_(), &callback)) {
    callback();
    callback = nullptr;
    ++ran;
  }
  return ran;
}

int TimerQueue::RunAllNow(int limit) {
  int ran = 0;
  std::function<void()> callback;
  while (ran < limit && PopDue(absl::InfiniteFuture(), &callback)) {
    callback();
    callback = nullptr;
    ++ran;
  }
  return ran;
}

size_t TimerQueue::size() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

void TimerQueue::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { RunThread(); });
}

void TimerQueue::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void TimerQueue::RunThread() {
  for (;;) {
    RunDue();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    const uint64_t generation = generation_;
    const absl::Time next = timers_.empty() ? absl::InfiniteFuture() : timers_.begin()->first.first;
    // Wakes for Stop(), for a new earliest timer, or when the earliest falls due.
    auto changed = [this, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || generation_ != generation;
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), next);
    if (stopping_) return;
  }
}

}  // namespace wm::command
