#include "services/command/idempotency_cache.h"

#include <utility>

namespace wm::command {

IdempotencyCache::IdempotencyCache(TimerQueue& timers, Options options)
    : timers_(timers), options_(options) {}

bool IdempotencyCache::Begin(const std::string& key, uint64_t fingerprint, absl::Time deadline,
                             Joined joined) {
  CallOutcome immediate;
  uint64_t waiter_id = 0;
  {
    absl::MutexLock lock(&mu_);
    ForgetOldLocked(timers_.Now());
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      entries_[key].fingerprint = fingerprint;
      return true;
    }
    Entry& entry = it->second;
    if (entry.fingerprint != fingerprint) {
      immediate.status = absl::InvalidArgumentError(
          "client_request_id was used for a different request within the idempotency window");
    } else if (entry.finished) {
      immediate = entry.outcome;
    } else {
      waiter_id = next_waiter_id_++;
      entry.waiters.push_back(JoinedWaiter{waiter_id, std::move(joined), 0});
    }
  }
  if (waiter_id == 0) {
    joined(std::move(immediate));
    return false;
  }
  const TimerQueue::Id timer =
      timers_.RunAt(deadline, [this, key, waiter_id] { ExpireWaiter(key, waiter_id); });
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  for (JoinedWaiter& waiter : it->second.waiters) {
    if (waiter.id == waiter_id) waiter.timer = timer;
  }
  return false;
}

void IdempotencyCache::Finish(const std::string& key, const CallOutcome& outcome, bool remember) {
  std::vector<JoinedWaiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    waiters.swap(it->second.waiters);
    if (remember) {
      const absl::Time now = timers_.Now();
      it->second.finished = true;
      it->second.outcome = outcome;
      finished_order_.emplace_back(key, now + options_.window);
      ForgetOldLocked(now);
    } else {
      entries_.erase(it);
    }
  }
  for (JoinedWaiter& waiter : waiters) {
    if (waiter.timer != 0) timers_.Cancel(waiter.timer);
    waiter.joined(outcome);
  }
}

void IdempotencyCache::ExpireWaiter(const std::string& key, uint64_t waiter_id) {
  Joined expired;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    std::vector<JoinedWaiter>& waiters = it->second.waiters;
    for (auto w = waiters.begin(); w != waiters.end(); ++w) {
      if (w->id == waiter_id) {
        expired = std::move(w->joined);
        waiters.erase(w);
        break;
      }
    }
  }
  if (expired) {
    expired(CallOutcome{
        absl::DeadlineExceededError("the first call with this client_request_id is still running"),
        nullptr});
  }
}

void IdempotencyCache::FailWaiters(const absl::Status& status) {
  std::vector<JoinedWaiter> failed;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, entry] : entries_) {
      for (JoinedWaiter& waiter : entry.waiters) failed.push_back(std::move(waiter));
      entry.waiters.clear();
    }
  }
  for (JoinedWaiter& waiter : failed) {
    if (waiter.timer != 0) timers_.Cancel(waiter.timer);
    waiter.joined(CallOutcome{status, nullptr});
  }
}

size_t IdempotencyCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void IdempotencyCache::ForgetOldLocked(absl::Time now) {
  while (!finished_order_.empty()) {
    const bool too_old = finished_order_.front().second <= now;
    const bool too_many = entries_.size() > options_.max_entries;
    if (!too_old && !too_many) break;
    auto it = entries_.find(finished_order_.front().first);
    if (it != entries_.end() && it->second.finished) entries_.erase(it);
    finished_order_.pop_front();
  }
}

}  // namespace wm::command
