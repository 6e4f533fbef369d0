#include "services/ingest/event_hub.h"

#include <algorithm>

namespace wm::ingest {
namespace {

// The event that tells a subscriber of `stream_epoch` it lost `dropped` events at this point
// of its stream.
EventPtr GapEvent(uint64_t stream_epoch, uint64_t dropped, wm::v1::StreamGapCause cause,
                  bool count_unknown = false) {
  auto gap = std::make_shared<wm::v1::Event>();
  gap->set_kind(wm::v1::EVENT_KIND_STREAM_GAP);
  gap->set_stream_epoch(stream_epoch);
  gap->mutable_gap()->set_dropped(dropped);
  gap->mutable_gap()->set_cause(cause);
  gap->mutable_gap()->set_count_unknown(count_unknown);
  return gap;
}

uint64_t EpochOrNow(uint64_t stream_epoch) {
  return stream_epoch != 0 ? stream_epoch : static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
}

}  // namespace

EventHub::EventHub(size_t queue_capacity, IngestMetrics& metrics, absl::Duration gather_delay,
                   RemovedGatewayRetention removed_retention, ReplayLog::Options replay_log,
                   uint64_t stream_epoch)
    : queue_capacity_(queue_capacity),
      metrics_(metrics),
      gather_(gather_delay > absl::ZeroDuration()
                  ? std::make_unique<grpcutil::DelayedRunner>(gather_delay)
                  : nullptr),
      removed_retention_(std::move(removed_retention)),
      stream_epoch_(EpochOrNow(stream_epoch)),
      replay_log_(std::move(replay_log)) {}

void EventHub::Offer(const Subscriber& subscriber, const EventPtr& event, bool force) {
  if (!subscriber.filter.Matches(*event)) return;
  if (subscriber.queue->Push(event, force) == Subscription::PushResult::kDropped) {
    metrics_.stream_dropped.Increment();
  }
}

uint64_t EventHub::Publish(std::unique_ptr<wm::v1::Event> event) {
  absl::MutexLock lock(&mu_);
  const uint64_t sequence = next_sequence_++;
  event->set_sequence(sequence);
  event->set_stream_epoch(stream_epoch_);
  EventPtr shared(std::move(event));
  if (shared->kind() == wm::v1::EVENT_KIND_GATEWAY_STATUS) RememberStatusLocked(shared);
  replay_log_.Append(shared);
  UpdateReplayLogMetricsLocked();
  if (disk_log_ != nullptr) {
    WriteToDiskLogLocked(shared);
    unwritten_.push_back(std::move(shared));
    return sequence;
  }
  visible_next_ = next_sequence_;
  for (const Subscriber& subscriber : subscribers_) Offer(subscriber, shared, /*force=*/false);
  return sequence;
}

absl::Status EventHub::FlushDiskLog() {
  // Under the hub's lock, so that exactly the events written are delivered (a Publish waits
  // for the write; both run on the MQTT network thread anyway).
  absl::MutexLock lock(&mu_);
  if (disk_log_ == nullptr) return absl::OkStatus();
  if (absl::Status s = disk_log_->Flush(); !s.ok()) return s;
  for (const EventPtr& event : unwritten_) {
    for (const Subscriber& subscriber : subscribers_) Offer(subscriber, event, /*force=*/false);
  }
  unwritten_.clear();
  visible_next_ = next_sequence_;
  return absl::OkStatus();
}

void EventHub::WriteToDiskLogLocked(const EventPtr& event) {
  if (disk_log_->ShouldStartSegment() && disk_log_->StartSegment(event->sequence()).ok()) {
    // On failure the event goes to the segment open before (or stays buffered): the next
    // Flush reports the error, and StartSegment is tried again with the next event.
    for (const EventPtr& status : SnapshotBeforeLocked(event->sequence())) {
      disk_log_->Append(status->SerializeAsString());
    }
  }
  disk_log_->Append(event->SerializeAsString());
  disk_log_->DeleteSegmentsBefore(replay_log_.first_sequence());
}

bool EventHub::Restore(std::unique_ptr<wm::v1::Event> event) {
  if (event->sequence() == 0 || event->stream_epoch() == 0) return false;
  absl::MutexLock lock(&mu_);
  EventPtr shared(std::move(event));
  const bool status = shared->kind() == wm::v1::EVENT_KIND_GATEWAY_STATUS;
  if (shared->snapshot()) {
    if (!status) return true;
    // A snapshot copy at a segment's start; a status seen later in the log is newer.
    uint64_t known = 0;
    for (const auto* statuses : {&latest_status_, &removed_}) {
      auto it = statuses->find(shared->gateway_id());
      if (it != statuses->end()) known = std::max(known, it->second->sequence());
    }
    if (shared->sequence() >= known) RememberStatusLocked(shared);
    return true;
  }
  if (restored_events_ == 0 || shared->stream_epoch() != stream_epoch_ ||
      shared->sequence() != next_sequence_) {
    if (restored_events_ > 0) ++restore_discontinuities_;
    replay_log_.Clear();
    stream_epoch_ = shared->stream_epoch();
  }
  next_sequence_ = shared->sequence() + 1;
  visible_next_ = next_sequence_;
  ++restored_events_;
  if (status) RememberStatusLocked(shared);
  replay_log_.AppendAt(shared, absl::FromUnixMillis(static_cast<int64_t>(
                                   shared->ingest_time_ms_epoch())));
  return true;
}

uint64_t EventHub::restored_events() const {
  absl::MutexLock lock(&mu_);
  return restored_events_;
}

uint64_t EventHub::restore_discontinuities() const {
  absl::MutexLock lock(&mu_);
  return restore_discontinuities_;
}

uint64_t EventHub::stream_epoch() const {
  absl::MutexLock lock(&mu_);
  return stream_epoch_;
}

void EventHub::AttachDiskLog(SegmentLog* disk_log) {
  absl::MutexLock lock(&mu_);
  disk_log_ = disk_log;
  replay_log_.ForgetExpired();
  UpdateReplayLogMetricsLocked();
  disk_log_->DeleteSegmentsBefore(replay_log_.first_sequence());
}

absl::StatusOr<std::unique_ptr<SegmentLog>> EventHub::OpenDiskLog(
    SegmentLog::Options options, const std::function<void(const wm::v1::Event&)>& loaded,
    SegmentLog::LoadReport* report) {
  SegmentLog::LoadReport local_report;
  if (report == nullptr) report = &local_report;
  size_t unreadable = 0;
  if (options.metrics == nullptr) options.metrics = &metrics_;
  absl::StatusOr<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(
      std::move(options),
      [&](std::string_view record) {
        auto event = std::make_unique<wm::v1::Event>();
        if (!event->ParseFromArray(record.data(), static_cast<int>(record.size()))) {
          ++unreadable;
          return;
        }
        if (event->sequence() == 0 || event->stream_epoch() == 0) {
          ++unreadable;
          return;
        }
        if (loaded) loaded(*event);
        Restore(std::move(event));
      },
      report);
  if (!log.ok()) return log.status();
  report->corrupt += unreadable;
  metrics_.disk_log_corrupt_records.Increment(static_cast<double>(unreadable));
  metrics_.disk_log_loaded_events.Set(static_cast<double>(restored_events()));
  AttachDiskLog(log->get());
  return log;
}

void EventHub::UpdateReplayLogMetricsLocked() {
  metrics_.replay_log_events.Set(static_cast<double>(replay_log_.size()));
  metrics_.replay_log_age.Set(absl::ToDoubleSeconds(replay_log_.oldest_age()));
}

void EventHub::RememberStatusLocked(const EventPtr& event) {
  auto snapshot = std::make_shared<wm::v1::Event>(*event);
  snapshot->set_snapshot(true);
  const std::string& gateway = event->gateway_id();
  if (event->status().state() != wm::v1::GATEWAY_STATE_REMOVED) {
    removed_.erase(gateway);
    latest_status_[gateway] = std::move(snapshot);
    return;
  }
  latest_status_.erase(gateway);
  removed_[gateway] = std::move(snapshot);
  ForgetOldRemovalsLocked();
}

void EventHub::ForgetOldRemovalsLocked() {
  const int64_t oldest_ms =
      absl::ToUnixMillis(removed_retention_.clock() - removed_retention_.max_age);
  absl::erase_if(removed_, [oldest_ms](const auto& entry) {
    return static_cast<int64_t>(entry.second->ingest_time_ms_epoch()) < oldest_ms;
  });
  while (removed_.size() > removed_retention_.max_count) {
    auto oldest = std::min_element(
        removed_.begin(), removed_.end(),
        [](const auto& a, const auto& b) { return a.second->sequence() < b.second->sequence(); });
    removed_.erase(oldest);
  }
}

std::vector<EventPtr> EventHub::SnapshotBeforeLocked(uint64_t before) {
  ForgetOldRemovalsLocked();
  std::vector<EventPtr> snapshot;
  snapshot.reserve(latest_status_.size() + removed_.size());
  for (const auto* statuses : {&latest_status_, &removed_}) {
    for (const auto& [gateway, event] : *statuses) {
      if (event->sequence() < before) snapshot.push_back(event);
    }
  }
  std::sort(snapshot.begin(), snapshot.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->sequence() < b->sequence(); });
  return snapshot;
}

EventPtr EventHub::ResumeGap(uint64_t dropped, wm::v1::StreamGapCause cause) const {
  return GapEvent(stream_epoch_, dropped, cause,
                  /*count_unknown=*/cause == wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH);
}

void EventHub::ResumeLocked(const Subscriber& subscriber,
                            const wm::v1::SubscribeRequest& request) {
  metrics_.resumes.Increment();
  replay_log_.ForgetExpired();
  UpdateReplayLogMetricsLocked();
  const wm::v1::StreamPosition& position = request.resume_after();
  const uint64_t first = replay_log_.first_sequence();
  uint64_t after = position.sequence();
  bool rebuild = false;
  if (position.stream_epoch() != stream_epoch_ || after >= visible_next_) {
    // Another run's position (or one this run never gave out): what that run emitted after
    // it is unknown here. This run's events are replayed from its first one still kept.
    metrics_.resume_unknown.Increment();
    subscriber.queue->Push(ResumeGap(0, wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH), /*force=*/true);
    after = 0;
    rebuild = true;
  } else if (after + 1 < first) {
    metrics_.resume_too_old.Increment();
    subscriber.queue->Push(ResumeGap(first - after - 1, wm::v1::STREAM_GAP_CAUSE_POSITION_TOO_OLD),
                           /*force=*/true);
    rebuild = true;
  }
  if (rebuild && !request.skip_snapshot()) {
    // The statuses the log no longer holds, so that the consumer can rebuild its view; the
    // newer ones are in the replay. Sequences keep increasing across both.
    for (const EventPtr& event : SnapshotBeforeLocked(std::min(first, visible_next_))) {
      Offer(subscriber, event, /*force=*/true);
    }
  }
  uint64_t replayed = 0;
  const uint64_t visible_next = visible_next_;
  replay_log_.ForEachAfter(after, [&](const EventPtr& event) {
    // Events not yet written to the disk log come live once they are.
    if (event->sequence() >= visible_next || !subscriber.filter.Matches(*event)) return;
    switch (subscriber.queue->Push(event)) {
      case Subscription::PushResult::kQueued:
        ++replayed;
        break;
      case Subscription::PushResult::kDropped:
        metrics_.stream_dropped.Increment();
        break;
      case Subscription::PushResult::kClosed:
        break;
    }
  });
  metrics_.replayed_events.Increment(static_cast<double>(replayed));
}

std::shared_ptr<Subscription> EventHub::Subscribe(const wm::v1::SubscribeRequest& request) {
  Subscriber subscriber{
      EventFilter(request),
      std::make_shared<Subscription>(
          queue_capacity_,
          [epoch = stream_epoch()](uint64_t dropped) {
            return GapEvent(epoch, dropped, wm::v1::STREAM_GAP_CAUSE_SLOW_CONSUMER);
          },
          gather_.get())};
  absl::MutexLock lock(&mu_);
  if (closed_) return nullptr;
  if (request.has_resume_after()) {
    ResumeLocked(subscriber, request);
  } else if (!request.skip_snapshot()) {
    // The snapshot is bounded by the number of gateways, so it may exceed the queue size.
    for (const EventPtr& event : SnapshotBeforeLocked(visible_next_)) {
      Offer(subscriber, event, /*force=*/true);
    }
  }
  std::shared_ptr<Subscription> subscription = subscriber.queue;
  subscribers_.push_back(std::move(subscriber));
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
  return subscription;
}

void EventHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [&](const Subscriber& s) { return s.queue == subscription; }),
                     subscribers_.end());
  metrics_.subscribers.Set(static_cast<double>(subscribers_.size()));
}

void EventHub::Close() {
  std::vector<std::shared_ptr<Subscription>> queues;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (const Subscriber& subscriber : subscribers_) queues.push_back(subscriber.queue);
  }
  for (const auto& queue : queues) queue->Close();
}

size_t EventHub::subscriber_count() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

std::vector<EventPtr> EventHub::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<EventPtr> snapshot;
  for (const auto& [gateway, event] : latest_status_) snapshot.push_back(event);
  std::sort(snapshot.begin(), snapshot.end(),
            [](const EventPtr& a, const EventPtr& b) { return a->sequence() < b->sequence(); });
  return snapshot;
}

}  // namespace wm::ingest
