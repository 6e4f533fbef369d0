#include "libs/mqtt/publish_window.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace wm::mqtt {

PublishWindow::PublishWindow(int max_queued, DoneObserver on_done)
    : max_queued_(max_queued),
      // WaitForRoom wakes once a quarter of the queue is free (at least one message).
      room_mark_(max_queued - std::max(1, max_queued / 4)),
      on_done_(std::move(on_done)) {
  // Entries are the messages reserved and not yet done: with room for all of them, recording
  // an acknowledgement does not allocate (and cannot fail) in the library's callback.
  absl::MutexLock lock(&mu_);
  pending_.reserve(static_cast<size_t>(std::clamp(max_queued, 1, 65535)));
}

absl::Status PublishWindow::Reserve() {
  if (queued_.fetch_add(1) >= max_queued_) {
    Release();
    return absl::ResourceExhaustedError(
        absl::StrCat("MQTT publish queue full (", max_queued_, " messages not yet done)"));
  }
  return absl::OkStatus();
}

void PublishWindow::Release() {
  const int before = queued_.fetch_sub(1);
  if (before - 1 == room_mark_ && room_waiters_.load() > 0) WakeRoomWaiters();
}

void PublishWindow::WakeRoomWaiters() {
  // Unlocking makes the waiters look at their condition again.
  absl::MutexLock lock(&room_mu_);
}

void PublishWindow::Register(int mid, int qos, std::shared_ptr<Waiter> waiter) {
  std::shared_ptr<Waiter> replaced;
  bool done = false;
  bool collided = false;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = pending_.try_emplace(mid);
    if (!inserted && it->second.done_early) {
      pending_.erase(it);
      done = true;
    } else {
      if (!inserted) {
        // Message ids are 16 bits: one still waiting after 65535 newer ones is given up.
        collided = true;
        replaced = std::move(it->second.waiter);
      }
      it->second = Pending{qos, false, waiter};
    }
  }
  if (collided) {
    Finish(absl::DeadlineExceededError("no acknowledgement before its message id was reused"),
           replaced);
  }
  if (done) Finish(absl::OkStatus(), waiter);
}

void PublishWindow::Acknowledge(int mid) {
  std::shared_ptr<Waiter> waiter;
  {
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(mid);
    if (it == pending_.end()) {
      // Done before Register (QoS 0 can be that quick): Register ends it.
      pending_[mid].done_early = true;
      return;
    }
    if (it->second.done_early) return;  // a second report of the same message
    waiter = std::move(it->second.waiter);
    pending_.erase(it);
  }
  Finish(absl::OkStatus(), waiter);
}

void PublishWindow::FailPending(const absl::Status& status, bool qos0_only) {
  std::vector<std::shared_ptr<Waiter>> failed;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.done_early) {
        pending_.erase(it++);
      } else if (qos0_only && it->second.qos != 0) {
        ++it;
      } else {
        failed.push_back(std::move(it->second.waiter));
        pending_.erase(it++);
      }
    }
  }
  size_t finished = 0;
  try {
    for (; finished < failed.size(); ++finished) Finish(status, failed[finished]);
  } catch (...) {
    // The observer threw (Finish still woke that waiter): the others are woken without it,
    // then the exception goes on to the caller.
    for (++finished; finished < failed.size(); ++finished) Wake(status, failed[finished]);
    throw;
  }
}

bool PublishWindow::HasPending() const {
  absl::MutexLock lock(&mu_);
  for (const auto& [mid, pending] : pending_) {
    if (!pending.done_early) return true;
  }
  return false;
}

void PublishWindow::Wake(const absl::Status& status, const std::shared_ptr<Waiter>& waiter) {
  if (waiter != nullptr) {
    waiter->status = status;
    waiter->done.Notify();
  }
  Release();
}

void PublishWindow::Finish(const absl::Status& status, const std::shared_ptr<Waiter>& waiter) {
  // The observer runs first, so that a woken waiter sees its metrics; the waiter is woken and
  // the slot freed also when the observer throws.
  struct WakeOnExit {
    PublishWindow* window;
    const absl::Status& status;
    const std::shared_ptr<Waiter>& waiter;
    ~WakeOnExit() { window->Wake(status, waiter); }
  } wake{this, status, waiter};
  if (on_done_) on_done_(status);
}

bool PublishWindow::WaitForRoom(absl::Duration timeout, const std::function<bool()>& stopped) {
  if (stopped()) return false;
  if (HasRoom()) return true;
  room_waiters_.fetch_add(1);
  {
    absl::MutexLock lock(&room_mu_);
    auto room = [this, &stopped] { return queued_.load() <= room_mark_ || stopped(); };
    room_mu_.AwaitWithTimeout(absl::Condition(&room), timeout);
  }
  room_waiters_.fetch_sub(1);
  return !stopped() && HasRoom();
}

absl::Status PublishWindow::Wait(Waiter& waiter, absl::Duration timeout) {
  if (!waiter.done.WaitForNotificationWithTimeout(timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("MQTT publish not acknowledged within ", absl::FormatDuration(timeout)));
  }
  return waiter.status;
}

}  // namespace wm::mqtt
