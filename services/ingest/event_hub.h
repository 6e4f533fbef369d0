#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/grpcutil/delayed_runner.h"
#include "libs/grpcutil/stream_queue.h"
#include "protos/wm/v1/events.pb.h"
#include "services/ingest/event_filter.h"
#include "services/ingest/ingest_metrics.h"
#include "services/ingest/replay_log.h"
#include "services/ingest/segment_log.h"

namespace wm::ingest {

using EventPtr = std::shared_ptr<const wm::v1::Event>;

// One subscriber's bounded queue of events. The hub pushes the events that match the
// subscriber's filter, the subscriber's stream pops. When the queue is full, new events are
// dropped for this subscriber alone and counted (wm_ingest_stream_dropped_total); the next event
// the subscriber pops is then a STREAM_GAP event with the number it missed.
using Subscription = grpcutil::StreamQueue<wm::v1::Event>;

// How long the snapshot keeps telling new subscribers that a gateway was removed.
struct RemovedGatewayRetention {
  absl::Duration max_age = absl::Hours(24);
  size_t max_count = 10000;  // beyond it, the oldest removals are forgotten first
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Fans events out to subscribers. Assigns each published event its position (this run's
// stream epoch and the next sequence number) and keeps the latest status of every gateway,
// which new subscribers receive first (marked as snapshot) so that a consumer starting after
// ingest misses nothing. A gateway's removal (an empty retained status) stays in the snapshot
// as its REMOVED event for a while, so that a consumer that was away when it happened (a
// registry restarting) still learns of it; MQTT itself keeps nothing of a removed gateway.
// The most recent events stay in a replay log, so that a subscriber can resume after the last
// position it applied (docs/event-stream.md). With a disk log (AttachDiskLog) every event is
// also appended there, and a restarted ingest continues the stream of the run before it
// (Restore; docs/event-stream.md "The disk log").
//
// The registry's ChangeFeed (services/registry/change_feed.h) fans out the same way: one
// grpcutil::StreamQueue per stream (bounded, a gap message where a slow stream lost some, a
// forced push only for what heads a stream: a resume's gap, the hub's snapshot; replayed
// messages take room like live ones), the stream written by grpcutil::QueueWriteReactor,
// and the replay-under-lock rule: a new stream's replay is queued and the stream joins the list
// under the same lock that Publish holds while delivering, so nothing falls between the replay
// and the live messages and nothing comes twice. Close closes every queue, later subscribers
// get nullptr. They stay separate because what surrounds that loop differs: the hub numbers
// events itself (epoch and sequence), keeps each gateway's latest status and recent removals
// as a snapshot, holds events back until the disk log wrote them, and gathers wakeups; the feed
// takes the registry database's sequence, builds a change only when the log or a watcher wants
// it, and filters by entity. Shared later could be the subscriber list with Subscribe (replay
// callback under the lock), Unsubscribe and Close, and one bounded log for ReplayLog and
// ChangeLog (both keep shared messages by count and age and replay after a position).
class EventHub {
 public:
  // `gather_delay` > 0 lets events gather that long for an idle stream before it is woken
  // (see grpcutil::StreamQueue): a little latency for far less CPU per event at high rates.
  // `stream_epoch` identifies this ingest run in every event's position; 0 takes the current
  // time in ms since the Unix epoch, so that a later run has a larger epoch.
  EventHub(size_t queue_capacity, IngestMetrics& metrics,
           absl::Duration gather_delay = absl::ZeroDuration(),
           RemovedGatewayRetention removed_retention = {}, ReplayLog::Options replay_log = {},
           uint64_t stream_epoch = 0);

  // Stamps the stream epoch and the next sequence number on `event`, keeps it in the replay
  // log and delivers it to every matching subscriber. Returns the sequence number.
  uint64_t Publish(std::unique_ptr<wm::v1::Event> event);

  // Opens a subscription. Without `resume_after`: unless `skip_snapshot`, it starts with the
  // latest status event of every known gateway that matches, and the REMOVED events of gateways
  // removed within the retention, in sequence order; then live events. With `resume_after`: the
  // matching events after that position still in the replay log, then live events, with no
  // gap and no duplicate between them (both are queued under the hub's lock). A position the
  // log no longer reaches first gets a STREAM_GAP (the count of lost events, or count_unknown
  // for another epoch), then, unless `skip_snapshot`, the latest statuses older than the log.
  // Replayed events take room in the subscription's queue like live ones: what does not fit
  // is dropped and reported by a gap. Returns nullptr once the hub is closed.
  std::shared_ptr<Subscription> Subscribe(const wm::v1::SubscribeRequest& request);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  // Loading the disk log of an earlier run, record by record in log order, before the hub
  // publishes or serves anyone. An event continues that run's stream: the hub takes its epoch
  // and continues after its sequence, the replay log keeps it as far as its bounds allow (the
  // age counted from the event's ingest time), and a gateway status is remembered for the
  // snapshot. A snapshot event (written at the start of every segment) only restores a
  // gateway's status. An event that does not continue the one before it (damage in the log)
  // starts the replay log again from it (the events before it can no longer be replayed
  // without a hole). False for an event without a position, which is ignored.
  bool Restore(std::unique_ptr<wm::v1::Event> event);
  // Events Restore took, and how many of them did not continue the one before.
  uint64_t restored_events() const;
  uint64_t restore_discontinuities() const;
  // From now on every published event is also appended to `disk_log` (which must outlive
  // the hub); each new segment starts with the snapshot events, so that deleting older
  // segments keeps every gateway's status. Segments whose events the replay log no longer
  // keeps are deleted. A published event reaches subscribers (live, replayed or in a
  // snapshot) only once FlushDiskLog wrote it: a consumer never holds a position that a
  // restarted ingest would give to another event.
  void AttachDiskLog(SegmentLog* disk_log);
  // Writes what the disk log buffered (SegmentLog::Flush), then delivers the events it held to
  // the subscribers. On error they stay held (and buffered) until a later flush succeeds.
  absl::Status FlushDiskLog();
  // Opens the disk log (SegmentLog::Open; counting into the hub's metrics unless `options`
  // names others), restores each of its events (Restore; a record
  // that is not an event with a position is counted as corrupt in `report` and
  // wm_ingest_disk_log_corrupt_records_total, and skipped), then attaches it. `loaded` sees
  // every restored event (e.g. to seed a deduplicator); may be empty.
  absl::StatusOr<std::unique_ptr<SegmentLog>> OpenDiskLog(
      SegmentLog::Options options, const std::function<void(const wm::v1::Event&)>& loaded,
      SegmentLog::LoadReport* report = nullptr);

  // Stops accepting subscribers and closes every subscription (streams drain, then end).
  void Close();

  size_t subscriber_count() const;
  // This run's stream epoch (Event.stream_epoch).
  uint64_t stream_epoch() const;
  // Latest status per known gateway (not the removed ones), ordered by sequence.
  std::vector<EventPtr> Snapshot() const;

 private:
  struct Subscriber {
    EventFilter filter;
    std::shared_ptr<Subscription> queue;
  };
  // Queues `event` for `subscriber` if its filter matches; counts a drop. `force` ignores the
  // queue's capacity (snapshot).
  void Offer(const Subscriber& subscriber, const EventPtr& event, bool force);
  // Records a gateway's status for the snapshot: its latest status, or its removal.
  void RememberStatusLocked(const EventPtr& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets removals older than the retention allows.
  void ForgetOldRemovalsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The latest status of every known gateway and the retained removals, with a sequence
  // below `before`, in sequence order.
  std::vector<EventPtr> SnapshotBeforeLocked(uint64_t before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues for a new subscriber what follows `request.resume_after()`: a gap where the
  // replay log does not reach it, the statuses older than the log, then the log's events.
  void ResumeLocked(const Subscriber& subscriber, const wm::v1::SubscribeRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The STREAM_GAP at the start of a resumed stream.
  EventPtr ResumeGap(uint64_t dropped, wm::v1::StreamGapCause cause) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateReplayLogMetricsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends `event` to the disk log, first starting a new segment (with the snapshot) when
  // the log asks for one.
  void WriteToDiskLogLocked(const EventPtr& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t queue_capacity_;
  IngestMetrics& metrics_;
  std::unique_ptr<grpcutil::DelayedRunner> gather_;  // null when events wake streams at once
  const RemovedGatewayRetention removed_retention_;

  // Taken before SegmentLog::mu_ (docs/architecture.md, threads).
  mutable absl::Mutex mu_;
  uint64_t stream_epoch_ ABSL_GUARDED_BY(mu_);  // changes only in Restore
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  // Latest status per gateway, already marked as snapshot.
  absl::flat_hash_map<std::string, EventPtr> latest_status_ ABSL_GUARDED_BY(mu_);
  // REMOVED status per gateway removed within the retention, marked as snapshot.
  absl::flat_hash_map<std::string, EventPtr> removed_ ABSL_GUARDED_BY(mu_);
  ReplayLog replay_log_ ABSL_GUARDED_BY(mu_);
  SegmentLog* disk_log_ ABSL_GUARDED_BY(mu_) = nullptr;
  // With a disk log: published events not yet written, held back from subscribers.
  std::vector<EventPtr> unwritten_ ABSL_GUARDED_BY(mu_);
  // The sequence after the last event subscribers may see (next_sequence_ without a disk log).
  uint64_t visible_next_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t restored_events_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t restore_discontinuities_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace wm::ingest
