#include "libs/base/scheduler.h"

#include <algorithm>

namespace wm::base {

Scheduler::Scheduler(Clock clock) : clock_(std::move(clock)) {}

Scheduler::~Scheduler() { Stop(); }

Scheduler::Id Scheduler::RunAt(absl::Time when, std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  const Id id = next_id_++;
  if (timers_.empty() || when < timers_.begin()->first.first) ++generation_;
  timers_.emplace(std::make_pair(when, id), Timer{std::move(callback), absl::ZeroDuration()});
  due_by_id_.emplace(id, when);
  return id;
}

Scheduler::Id Scheduler::RunEvery(absl::Duration interval, std::function<void()> callback) {
  const absl::Time first = clock_() + interval;
  absl::MutexLock lock(&mu_);
  const Id id = next_id_++;
  if (timers_.empty() || first < timers_.begin()->first.first) ++generation_;
  timers_.emplace(std::make_pair(first, id), Timer{std::move(callback), interval});
  due_by_id_.emplace(id, first);
  return id;
}

bool Scheduler::Cancel(Id id) {
  Timer dropped;  // destroyed after the lock is released
  absl::MutexLock lock(&mu_);
  auto it = due_by_id_.find(id);
  if (it == due_by_id_.end()) {
    // A periodic timer is out of timers_ while it runs; it must not be put back.
    if (id != 0 && id == running_id_ && !running_cancelled_) {
      running_cancelled_ = true;
      return true;
    }
    return false;
  }
  auto timer = timers_.find(std::make_pair(it->second, id));
  dropped = std::move(timer->second);
  timers_.erase(timer);
  due_by_id_.erase(it);
  return true;
}

void Scheduler::CancelAndWait(Id id) {
  Cancel(id);
  absl::MutexLock lock(&mu_);
  if (running_id_ == id && running_thread_ == std::this_thread::get_id()) return;
  auto done = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_id_ != id; };
  mu_.Await(absl::Condition(&done));
}

bool Scheduler::RunOneDue(bool all_now) {
  const absl::Time now = all_now ? absl::InfiniteFuture() : clock_();
  Timer timer;
  absl::Time due;
  Id id;
  {
    absl::MutexLock lock(&mu_);
    if (timers_.empty() || timers_.begin()->first.first > now) return false;
    auto first = timers_.begin();
    due = first->first.first;
    id = first->first.second;
    timer = std::move(first->second);
    timers_.erase(first);
    due_by_id_.erase(id);
    running_id_ = id;
    running_thread_ = std::this_thread::get_id();
    running_cancelled_ = false;
  }
  timer.callback();
  const absl::Time after = clock_();
  Timer finished;  // a cancelled one-shot or periodic callback, destroyed without the lock
  absl::MutexLock lock(&mu_);
  running_id_ = 0;
  running_thread_ = std::thread::id();
  if (timer.interval > absl::ZeroDuration() && !running_cancelled_ && !all_now) {
    const absl::Time next = std::max(due + timer.interval, after);
    if (timers_.empty() || next < timers_.begin()->first.first) ++generation_;
    timers_.emplace(std::make_pair(next, id), std::move(timer));
    due_by_id_.emplace(id, next);
  } else {
    finished = std::move(timer);
  }
  return true;
}

int Scheduler::RunDue() {
  int ran = 0;
  while (RunOneDue()) ++ran;
  return ran;
}

int Scheduler::RunAllNow(int limit) {
  int ran = 0;
  while (ran < limit && RunOneDue(/*all_now=*/true)) ++ran;
  return ran;
}

size_t Scheduler::size() const {
  absl::MutexLock lock(&mu_);
  return timers_.size() + (running_id_ != 0 && !running_cancelled_ ? 1 : 0);
}

void Scheduler::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { RunThread(); });
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Scheduler::RunThread() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (RunOneDue()) continue;
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    const uint64_t generation = generation_;
    auto changed = [this, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || generation_ != generation;
    };
    if (timers_.empty()) {
      mu_.Await(absl::Condition(&changed));
    } else {
      // Waits for Stop(), a new earliest timer, or the earliest falling due; the wait is a
      // duration, so it is measured on a steady clock.
      mu_.AwaitWithTimeout(absl::Condition(&changed), timers_.begin()->first.first - clock_());
    }
  }
}

}  // namespace wm::base
