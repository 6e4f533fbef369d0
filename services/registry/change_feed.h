#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "protos/wm/v1/registry.pb.h"

namespace wm::registry {

// A published change, immutable and shared by every watcher's queue.
using ChangePtr = std::shared_ptr<const wm::v1::RegistryChange>;

// One WatchChanges stream's bounded queue of changes. The feed pushes, the stream pops. When
// the queue is full, new changes are dropped for this watcher alone and counted; the next
// message the watcher pops is then a CHANGE_KIND_GAP with the number it missed.
// Thread-safe.
class ChangeWatcher {
 public:
  // `entities` empty: every change.
  ChangeWatcher(std::vector<wm::v1::ChangeEntity> entities, size_t capacity,
                prometheus::Counter& dropped);

  // Takes the next change. When none is queued, returns nullptr and arms the wakeup: the next
  // push (or Close) calls it once, from the pushing thread.
  ChangePtr PopOrArm();
  // Sets the function called when a change arrives for an armed, empty queue.
  void SetWakeup(std::function<void()> wakeup);
  // Clears the wakeup and waits until a wakeup running on another thread has returned, so
  // the owner of the wakeup can be destroyed afterwards.
  void Detach();
  // No more changes will come: the stream ends once the queue is drained.
  void Close();
  bool closed() const;
  uint64_t dropped() const;

 private:
  friend class ChangeFeed;
  bool Matches(const wm::v1::RegistryChange& change) const;
  // Queues `change` if it matches the filter and there is room.
  void Offer(const ChangePtr& change);
  void WakeLocked(std::unique_lock<std::mutex>& lock);

  const std::vector<wm::v1::ChangeEntity> entities_;
  const size_t capacity_;
  prometheus::Counter& dropped_metric_;

  mutable std::mutex mu_;
  std::condition_variable wakeup_done_;
  struct Queued {
    uint64_t dropped_before;  // changes dropped between the previous queued one and this one
    ChangePtr change;
  };
  std::deque<Queued> queue_;
  std::function<void()> wakeup_;
  bool armed_ = false;
  int wakeups_running_ = 0;
  bool closed_ = false;
  uint64_t dropped_ = 0;
  uint64_t dropped_at_tail_ = 0;  // dropped after the last queued change, not yet reported
};

// Fans registry changes out to WatchChanges streams.
//
//   ChangeFeed feed(10000, metrics.watch_dropped, metrics.watchers);
//   if (feed.has_watchers()) feed.Publish(std::make_shared<wm::v1::RegistryChange>(...));
class ChangeFeed {
 public:
  // `capacity`: changes queued per watcher before it loses changes.
  ChangeFeed(size_t capacity, prometheus::Counter& dropped, prometheus::Gauge& watchers);

  // Whether anyone watches: the registry builds change messages only then.
  bool has_watchers() const { return watcher_count_.load(std::memory_order_relaxed) > 0; }
  // Delivers `change` to every watcher whose filter matches.
  void Publish(const ChangePtr& change);

  // Opens a watcher; nullptr once the feed is closed.
  std::shared_ptr<ChangeWatcher> Watch(const wm::v1::WatchChangesRequest& request);
  void Unwatch(const std::shared_ptr<ChangeWatcher>& watcher);
  // Stops accepting watchers and closes every watcher (streams drain, then end).
  void Close();

 private:
  const size_t capacity_;
  prometheus::Counter& dropped_;
  prometheus::Gauge& watchers_gauge_;

  std::mutex mu_;
  bool closed_ = false;
  std::vector<std::shared_ptr<ChangeWatcher>> watchers_;
  std::atomic<size_t> watcher_count_{0};
};

}  // namespace wm::registry
