#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "libs/grpcutil/stream_queue.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "protos/wm/v1/registry.pb.h"
#include "services/registry/change_log.h"

namespace wm::registry {

// A published change, immutable and shared by every watcher's queue and the change log.
using ChangePtr = std::shared_ptr<const wm::v1::RegistryChange>;

// One WatchChanges stream's bounded queue of changes. The feed pushes the changes the watcher
// asked for, the stream pops. When the queue is full, new changes are dropped for this watcher
// alone and counted; the next message the watcher pops is then a CHANGE_KIND_GAP with the
// number it missed.
using ChangeWatcher = grpcutil::StreamQueue<wm::v1::RegistryChange>;

// The metrics a ChangeFeed keeps (RegistryMetrics has them); any may be null.
struct ChangeFeedMetrics {
  prometheus::Counter* dropped = nullptr;         // changes dropped for slow watchers
  prometheus::Gauge* watchers = nullptr;          // open watchers
  prometheus::Counter* resumes = nullptr;         // watchers opened with resume_after
  prometheus::Counter* replayed = nullptr;        // changes queued from the log for them
  prometheus::Counter* resume_too_old = nullptr;  // resumes starting with a counted gap
  prometheus::Counter* resume_unknown = nullptr;  // resumes starting with an unknown gap
  prometheus::Gauge* log_changes = nullptr;       // changes in the log
  prometheus::Gauge* log_age_seconds = nullptr;   // age of the oldest change in the log
};

// Fans registry changes out to WatchChanges streams and keeps the recent ones in a ChangeLog,
// so that a watcher can resume after the last change it applied (docs/registry-changes.md).
// Thread-safe.
//
// Ingest's EventHub (services/ingest/event_hub.h) fans out the same way: a
// grpcutil::StreamQueue per stream written by grpcutil::QueueWriteReactor, and the
// replay-under-lock rule (Watch queues the resume from the log and adds the watcher under the
// lock Publish delivers under, so a change is replayed or live, never both or neither). The
// comment there says why the two stay separate and what they could share later.
//
//   ChangeFeed feed(10000, {.max_changes = 100000}, metrics);
//   feed.BeginRun(first_sequence - 1);
//   feed.Publish(sequence, [&] { return std::make_shared<wm::v1::RegistryChange>(...); });
class ChangeFeed {
 public:
  // `capacity`: changes queued per watcher before it loses changes. `log`: the change log's
  // bounds (max_changes 0: no log).
  ChangeFeed(size_t capacity, ChangeLog::Options log, ChangeFeedMetrics metrics);
  // Without a change log (every resume but from the latest position is a gap).
  ChangeFeed(size_t capacity, prometheus::Counter& dropped, prometheus::Gauge& watchers);

  // Sets where this registry run's sequences start: its first change is `run_start` + 1, and a
  // resume position below `run_start` is of another run. Called once, before any change.
  void BeginRun(uint64_t run_start);

  // Whether anyone watches.
  bool has_watchers() const { return watcher_count_.load(std::memory_order_relaxed) > 0; }
  // Records change `sequence` (one more than the previous) and, when the log keeps changes or
  // anyone watches, calls `build` for its message (under the feed's lock, so a watcher opening
  // at the same time gets it either in its replay or live) and delivers it.
  void Publish(uint64_t sequence, absl::FunctionRef<ChangePtr()> build);
  // Delivers `change`, already built, to the log and every watcher whose filter matches.
  void Publish(const ChangePtr& change);

  // Opens a watcher; nullptr once the feed is closed. With request.resume_after, queues first
  // what the log holds after it (behind a GAP when the log no longer reaches it).
  std::shared_ptr<ChangeWatcher> Watch(const wm::v1::WatchChangesRequest& request);
  void Unwatch(const std::shared_ptr<ChangeWatcher>& watcher);
  // Stops accepting watchers and closes every watcher (streams drain, then end).
  void Close();

  // Forgets expired changes and sets the log's gauges (run periodically).
  void UpdateLogGauges();

  // The sequence of the latest change recorded (run_start before any).
  uint64_t latest_sequence() const;

 private:
  struct Watcher {
    std::vector<wm::v1::ChangeEntity> entities;  // empty: every change
    std::shared_ptr<ChangeWatcher> queue;
  };

  void DeliverLocked(const ChangePtr& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues the resume part of a new watcher's stream.
  void ResumeLocked(const Watcher& watcher, uint64_t after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateLogGaugesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const ChangeFeedMetrics metrics_;

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  ChangeLog log_ ABSL_GUARDED_BY(mu_);
  uint64_t run_start_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t latest_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Watcher> watchers_ ABSL_GUARDED_BY(mu_);
  // watchers_.size(), read without the lock by has_watchers().
  std::atomic<size_t> watcher_count_{0};
};

}  // namespace wm::registry
