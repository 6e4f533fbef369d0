#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "libs/grpcutil/stream_queue.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "protos/wm/v1/registry.pb.h"

namespace wm::registry {

// A published change, immutable and shared by every watcher's queue.
using ChangePtr = std::shared_ptr<const wm::v1::RegistryChange>;

// One WatchChanges stream's bounded queue of changes. The feed pushes the changes the watcher
// asked for, the stream pops. When the queue is full, new changes are dropped for this watcher
// alone and counted; the next message the watcher pops is then a CHANGE_KIND_GAP with the
// number it missed.
using ChangeWatcher = grpcutil::StreamQueue<wm::v1::RegistryChange>;

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
  struct Watcher {
    std::vector<wm::v1::ChangeEntity> entities;  // empty: every change
    std::shared_ptr<ChangeWatcher> queue;
  };

  const size_t capacity_;
  prometheus::Counter& dropped_;
  prometheus::Gauge& watchers_gauge_;

  std::mutex mu_;
  bool closed_ = false;
  std::vector<Watcher> watchers_;
  std::atomic<size_t> watcher_count_{0};
};

}  // namespace wm::registry
