#include "services/command/req_id_correlator.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wm::command {

ReqIdCorrelator::ReqIdCorrelator(TimerQueue& timers, Options options)
    : timers_(timers), options_(options) {}

absl::Status ReqIdCorrelator::Register(uint64_t req_id, std::string gateway_id, absl::Time deadline,
                                       Callback done) {
  if (req_id == 0) {
    return absl::InvalidArgumentError("req_id 0 is reserved for unsolicited responses");
  }
  {
    absl::MutexLock lock(&mu_);
    if (waiters_.contains(req_id)) {
      return absl::AlreadyExistsError(absl::StrCat("req_id ", req_id, " is already waited for"));
    }
    // A reused id must not be reported as late or duplicate.
    remembered_.erase(req_id);
    waiters_.emplace(req_id, Waiter{std::move(gateway_id), std::move(done), 0});
  }
  // Scheduled after the waiter exists, so an expiry never misses it; Expire takes the lock
  // itself, so the timer may run before its id is stored below.
  const TimerQueue::Id timer = timers_.RunAt(deadline, [this, req_id] { Expire(req_id); });
  absl::MutexLock lock(&mu_);
  auto it = waiters_.find(req_id);
  if (it != waiters_.end()) {
    it->second.timer = timer;
  }
  return absl::OkStatus();
}

ReqIdCorrelator::Match ReqIdCorrelator::Deliver(uint64_t req_id, std::string_view gateway_id,
                                                wirepas::GenericMessage response) {
  Callback done;
  TimerQueue::Id timer = 0;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = timers_.Now();
    ForgetOldLocked(now);
    auto it = waiters_.find(req_id);
    if (it == waiters_.end()) {
      auto remembered = remembered_.find(req_id);
      if (req_id == 0 || remembered == remembered_.end()) return Match::kUnrelated;
      return remembered->second.ending == Ending::kTimedOut ? Match::kLate : Match::kDuplicate;
    }
    if (it->second.gateway_id != gateway_id) return Match::kUnrelated;
    done = std::move(it->second.done);
    timer = it->second.timer;
    waiters_.erase(it);
    RememberLocked(req_id, Ending::kCompleted, now);
  }
  if (timer != 0) timers_.Cancel(timer);
  done(std::move(response));
  return Match::kMatched;
}

bool ReqIdCorrelator::Cancel(uint64_t req_id, const absl::Status& status) {
  Callback done;
  TimerQueue::Id timer = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(req_id);
    if (it == waiters_.end()) return false;
    done = std::move(it->second.done);
    timer = it->second.timer;
    waiters_.erase(it);
  }
  if (timer != 0) timers_.Cancel(timer);
  done(status);
  return true;
}

void ReqIdCorrelator::Expire(uint64_t req_id) {
  Callback done;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiters_.find(req_id);
    if (it == waiters_.end()) return;
    done = std::move(it->second.done);
    waiters_.erase(it);
    RememberLocked(req_id, Ending::kTimedOut, timers_.Now());
  }
  done(absl::DeadlineExceededError(
      absl::StrCat("no answer from the gateway in time (req_id ", req_id, ")")));
}

int ReqIdCorrelator::FailGateway(std::string_view gateway_id, const absl::Status& status) {
  std::vector<std::pair<Callback, TimerQueue::Id>> failed;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.gateway_id == gateway_id) {
        failed.emplace_back(std::move(it->second.done), it->second.timer);
        waiters_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& [done, timer] : failed) {
    if (timer != 0) timers_.Cancel(timer);
    done(status);
  }
  return static_cast<int>(failed.size());
}

int ReqIdCorrelator::FailAll(const absl::Status& status) {
  absl::flat_hash_map<uint64_t, Waiter> failed;
  {
    absl::MutexLock lock(&mu_);
    failed.swap(waiters_);
  }
  for (auto& [req_id, waiter] : failed) {
    if (waiter.timer != 0) timers_.Cancel(waiter.timer);
    waiter.done(status);
  }
  return static_cast<int>(failed.size());
}

size_t ReqIdCorrelator::pending() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void ReqIdCorrelator::RememberLocked(uint64_t req_id, Ending ending, absl::Time now) {
  ForgetOldLocked(now);
  if (options_.memory_size == 0) return;
  while (remembered_order_.size() >= options_.memory_size) {
    remembered_.erase(remembered_order_.front());
    remembered_order_.pop_front();
  }
  remembered_[req_id] = Remembered{ending, now + options_.memory};
  remembered_order_.push_back(req_id);
}

void ReqIdCorrelator::ForgetOldLocked(absl::Time now) {
  while (!remembered_order_.empty()) {
    const uint64_t oldest = remembered_order_.front();
    auto it = remembered_.find(oldest);
    // An id registered again was erased from remembered_ and may come back later in the
    // deque; only the entry whose time is due goes.
    if (it != remembered_.end() && it->second.until > now) break;
    if (it != remembered_.end()) remembered_.erase(it);
    remembered_order_.pop_front();
  }
}

}  // namespace wm::command
