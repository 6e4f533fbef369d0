#include "services/command/inflight_limiter.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wm::command {

InflightLimiter::InflightLimiter(int max_per_key, TimerQueue& timers,
                                 prometheus::Gauge* waiting_gauge)
    : max_per_key_(max_per_key < 1 ? 1 : max_per_key),
      timers_(timers),
      waiting_gauge_(waiting_gauge) {}

void InflightLimiter::PublishWaitingLocked() {
  if (waiting_gauge_ != nullptr) waiting_gauge_->Set(static_cast<double>(waiting_));
}

void InflightLimiter::Acquire(const std::string& key, absl::Time deadline, Granted granted) {
  uint64_t waiter_id = 0;
  {
    absl::MutexLock lock(&mu_);
    Key& entry = keys_[key];
    if (entry.in_use < max_per_key_ && entry.waiters.empty()) {
      ++entry.in_use;
      waiter_id = 0;
    } else {
      waiter_id = next_waiter_id_++;
      entry.waiters.push_back(Waiter{waiter_id, std::move(granted), 0});
      ++waiting_;
      PublishWaitingLocked();
    }
  }
  if (waiter_id == 0) {
    granted(absl::OkStatus());
    return;
  }
  const TimerQueue::Id timer =
      timers_.RunAt(deadline, [this, key, waiter_id] { Expire(key, waiter_id); });
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  for (Waiter& waiter : it->second.waiters) {
    if (waiter.id == waiter_id) waiter.timer = timer;
  }
}

void InflightLimiter::Release(const std::string& key) {
  Granted next;
  TimerQueue::Id timer = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second.in_use == 0) return;
    Key& entry = it->second;
    if (entry.waiters.empty()) {
      if (--entry.in_use == 0) keys_.erase(it);
      return;
    }
    // The slot passes straight to the longest waiter: in_use stays the same.
    next = std::move(entry.waiters.front().granted);
    timer = entry.waiters.front().timer;
    entry.waiters.pop_front();
    --waiting_;
    PublishWaitingLocked();
  }
  if (timer != 0) timers_.Cancel(timer);
  next(absl::OkStatus());
}

void InflightLimiter::Expire(const std::string& key, uint64_t waiter_id) {
  Granted expired;
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(key);
    if (it == keys_.end()) return;
    std::deque<Waiter>& waiters = it->second.waiters;
    for (auto w = waiters.begin(); w != waiters.end(); ++w) {
      if (w->id == waiter_id) {
        expired = std::move(w->granted);
        waiters.erase(w);
        --waiting_;
        PublishWaitingLocked();
        break;
      }
    }
    if (it->second.in_use == 0 && waiters.empty()) keys_.erase(it);
  }
  if (expired) {
    expired(absl::DeadlineExceededError(absl::StrCat("waited the whole timeout for one of the ",
                                                     max_per_key_, " request slots of ", key)));
  }
}

void InflightLimiter::FailWaiters(const absl::Status& status) {
  std::vector<Waiter> failed;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = keys_.begin(); it != keys_.end();) {
      for (Waiter& waiter : it->second.waiters) failed.push_back(std::move(waiter));
      it->second.waiters.clear();
      if (it->second.in_use == 0) {
        keys_.erase(it++);
      } else {
        ++it;
      }
    }
    waiting_ = 0;
    PublishWaitingLocked();
  }
  for (Waiter& waiter : failed) {
    if (waiter.timer != 0) timers_.Cancel(waiter.timer);
    waiter.granted(status);
  }
}

int InflightLimiter::in_use(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second.in_use;
}

size_t InflightLimiter::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace wm::command
