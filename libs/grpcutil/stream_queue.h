#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/grpcutil/delayed_runner.h"

namespace wm::grpcutil {

// One server stream's bounded queue of messages: a publisher pushes, the stream pops (see
// QueueWriteReactor). When the queue is full, new messages are dropped for this stream alone;
// the stream then receives, at the place where they went missing, a gap message saying how
// many it lost. The gap message is the caller's, made by the function it passes in. What a
// stream selects and what counts the drops stay with the caller. Thread-safe.
//
// Own it by std::shared_ptr: a gathered wakeup (see the constructor) holds it weakly.
//
//   auto queue = std::make_shared<StreamQueue<Event>>(1000, [](uint64_t dropped) {
//     auto gap = std::make_shared<Event>();
//     gap->set_dropped(dropped);
//     return gap;
//   });
//   if (queue->Push(event) == StreamQueue<Event>::PushResult::kDropped) dropped_total.Increment();
template <typename T>
class StreamQueue : public std::enable_shared_from_this<StreamQueue<T>> {
 public:
  // A queued message, immutable and shared by every queue it was pushed to.
  using MessagePtr = std::shared_ptr<const T>;
  // Makes the message that tells a stream it lost `dropped` messages at that point.
  using GapMessage = std::function<MessagePtr(uint64_t dropped)>;

  // What Push did with a message.
  enum class PushResult {
    kQueued,
    kDropped,  // the queue was full: lost for this stream, reported by a gap message
    kClosed,   // the queue is closed: ignored, not a loss
  };

  // `capacity` (at least 1): messages queued before new ones are dropped. With a `gather`
  // runner (not owned, must outlive the queue), a message arriving for an idle stream does not
  // wake it at once: the wakeup comes after the runner's delay, or as soon as `gather_limit`
  // messages wait (at most half the capacity), so the stream writes what gathered in one
  // burst. Without one, every message wakes an idle stream at once.
  StreamQueue(size_t capacity, GapMessage gap_message, DelayedRunner* gather = nullptr,
              size_t gather_limit = 256)
      : capacity_(std::max<size_t>(capacity, 1)),
        gap_message_(std::move(gap_message)),
        gather_(gather),
        gather_limit_(std::max<size_t>(std::min(gather_limit, capacity_ / 2), 1)) {}

  StreamQueue(const StreamQueue&) = delete;
  StreamQueue& operator=(const StreamQueue&) = delete;

  // Queues `message` and wakes an idle stream. `force` ignores the capacity (for a snapshot
  // bounded elsewhere, sent ahead of live messages).
  PushResult Push(const MessagePtr& message, bool force = false) {
    absl::MutexLock lock(&mu_);
    if (closed_) return PushResult::kClosed;
    if (!force && queue_.size() >= capacity_) {
      ++dropped_;
      ++dropped_at_tail_;
      return PushResult::kDropped;
    }
    queue_.push_back({dropped_at_tail_, message});
    dropped_at_tail_ = 0;
    if (gather_ != nullptr && armed_ && queue_.size() < gather_limit_) {
      if (!gathering_) {
        gathering_ = true;
        gather_->Schedule([weak = this->weak_from_this()] {
          if (auto queue = weak.lock()) queue->WakeAfterGathering();
        });
      }
      return PushResult::kQueued;
    }
    WakeLocked();
    return PushResult::kQueued;
  }

  // Takes the next message, or the gap message where messages were lost. When none is queued,
  // returns nullptr and arms the wakeup: the next push (or Close) calls it once, from the
  // pushing thread (or from the gather runner's). `more` (optional) tells whether another
  // message is already queued behind the one returned.
  MessagePtr PopOrArm(bool* more = nullptr) {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) {
      if (more != nullptr) *more = false;
      if (dropped_at_tail_ > 0) {
        MessagePtr gap = gap_message_(dropped_at_tail_);
        dropped_at_tail_ = 0;
        return gap;
      }
      armed_ = !closed_;
      return nullptr;
    }
    Queued& front = queue_.front();
    if (front.dropped_before > 0) {
      MessagePtr gap = gap_message_(front.dropped_before);
      front.dropped_before = 0;
      if (more != nullptr) *more = true;
      return gap;
    }
    MessagePtr message = std::move(front.message);
    queue_.pop_front();
    if (more != nullptr) *more = !queue_.empty() || dropped_at_tail_ > 0;
    return message;
  }

  // Sets the function called when a message arrives for an armed, empty queue.
  void SetWakeup(std::function<void()> wakeup) {
    absl::MutexLock lock(&mu_);
    wakeup_ = std::move(wakeup);
  }

  // Clears the wakeup and waits until a wakeup running on another thread has returned, so
  // the owner of the wakeup can be destroyed afterwards.
  void Detach() {
    absl::MutexLock lock(&mu_);
    wakeup_ = nullptr;
    armed_ = false;
    mu_.Await(absl::Condition(
        +[](int* running) { return *running == 0; }, &wakeups_running_));
  }

  // No more messages will come: the stream ends once the queue is drained.
  void Close() {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    WakeLocked();
  }

  bool closed() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

  // Messages dropped so far for lack of room.
  uint64_t dropped() const {
    absl::MutexLock lock(&mu_);
    return dropped_;
  }

 private:
  struct Queued {
    uint64_t dropped_before;  // messages dropped between the previous queued one and this one
    MessagePtr message;
  };

  // The gather runner's delayed wakeup.
  void WakeAfterGathering() {
    absl::MutexLock lock(&mu_);
    gathering_ = false;
    WakeLocked();
  }

  // Calls the wakeup of an armed queue, without the lock: it may pop at once.
  void WakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!armed_ || !wakeup_) return;
    armed_ = false;
    std::function<void()> wakeup = wakeup_;
    ++wakeups_running_;
    mu_.Unlock();
    wakeup();
    mu_.Lock();
    --wakeups_running_;  // Detach's Await sees it reach 0
  }

  const size_t capacity_;
  const GapMessage gap_message_;
  DelayedRunner* const gather_;
  const size_t gather_limit_;

  mutable absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  std::function<void()> wakeup_ ABSL_GUARDED_BY(mu_);
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool gathering_ ABSL_GUARDED_BY(mu_) = false;  // a delayed wakeup is scheduled
  int wakeups_running_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  // Dropped after the last queued message, not yet reported.
  uint64_t dropped_at_tail_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wm::grpcutil
