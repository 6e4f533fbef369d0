#include "services/registry/change_feed.h"

#include <algorithm>

namespace wm::registry {
namespace {

wm::v1::ChangeEntity EntityOf(const wm::v1::RegistryChange& change) {
  switch (change.entity_case()) {
    case wm::v1::RegistryChange::kGateway:
      return wm::v1::CHANGE_ENTITY_GATEWAY;
    case wm::v1::RegistryChange::kSink:
      return wm::v1::CHANGE_ENTITY_SINK;
    case wm::v1::RegistryChange::kNode:
      return wm::v1::CHANGE_ENTITY_NODE;
    default:
      return wm::v1::CHANGE_ENTITY_UNSPECIFIED;
  }
}

// Whether a watcher of `entities` (empty: all) wants `change`.
bool Wants(const std::vector<wm::v1::ChangeEntity>& entities,
           const wm::v1::RegistryChange& change) {
  if (entities.empty()) return true;
  return std::find(entities.begin(), entities.end(), EntityOf(change)) != entities.end();
}

// The message that tells a watcher it lost `dropped` changes at this point of its stream
// because its queue was full.
ChangePtr SlowClientGap(uint64_t dropped) {
  auto gap = std::make_shared<wm::v1::RegistryChange>();
  gap->set_kind(wm::v1::CHANGE_KIND_GAP);
  gap->set_dropped(dropped);
  gap->set_gap_cause(wm::v1::CHANGE_GAP_CAUSE_SLOW_CLIENT);
  return gap;
}

void Increment(prometheus::Counter* counter, double by = 1) {
  if (counter != nullptr) counter->Increment(by);
}

void Set(prometheus::Gauge* gauge, double value) {
  if (gauge != nullptr) gauge->Set(value);
}

}  // namespace

ChangeFeed::ChangeFeed(size_t capacity, ChangeLog::Options log, ChangeFeedMetrics metrics)
    : capacity_(capacity), metrics_(metrics), log_(std::move(log)) {}

ChangeFeed::ChangeFeed(size_t capacity, prometheus::Counter& dropped, prometheus::Gauge& watchers)
    : ChangeFeed(capacity, ChangeLog::Options{.max_changes = 0},
                 ChangeFeedMetrics{.dropped = &dropped, .watchers = &watchers}) {}

void ChangeFeed::BeginRun(uint64_t run_start) {
  absl::MutexLock lock(&mu_);
  run_start_ = run_start;
  latest_sequence_ = std::max(latest_sequence_, run_start);
}

uint64_t ChangeFeed::latest_sequence() const {
  absl::MutexLock lock(&mu_);
  return latest_sequence_;
}

void ChangeFeed::Publish(uint64_t sequence, absl::FunctionRef<ChangePtr()> build) {
  absl::MutexLock lock(&mu_);
  latest_sequence_ = sequence;
  if (!log_.enabled() && watchers_.empty()) return;
  DeliverLocked(build());
}

void ChangeFeed::Publish(const ChangePtr& change) {
  absl::MutexLock lock(&mu_);
  latest_sequence_ = std::max(latest_sequence_, change->sequence());
  DeliverLocked(change);
}

void ChangeFeed::DeliverLocked(const ChangePtr& change) {
  log_.Append(change);
  for (const Watcher& watcher : watchers_) {
    if (!Wants(watcher.entities, *change)) continue;
    if (watcher.queue->Push(change) == ChangeWatcher::PushResult::kDropped) {
      Increment(metrics_.dropped);
    }
  }
}

std::shared_ptr<ChangeWatcher> ChangeFeed::Watch(const wm::v1::WatchChangesRequest& request) {
  Watcher watcher{{}, std::make_shared<ChangeWatcher>(capacity_, SlowClientGap)};
  for (int entity : request.entities()) {
    watcher.entities.push_back(static_cast<wm::v1::ChangeEntity>(entity));
  }
  absl::MutexLock lock(&mu_);
  if (closed_) return nullptr;
  // Replay and registration under the lock Publish takes: every change is either in the log
  // already (replayed) or published after (live), never both, never neither.
  if (request.has_resume_after()) ResumeLocked(watcher, request.resume_after());
  std::shared_ptr<ChangeWatcher> queue = watcher.queue;
  watchers_.push_back(std::move(watcher));
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  Set(metrics_.watchers, static_cast<double>(watchers_.size()));
  return queue;
}

void ChangeFeed::ResumeLocked(const Watcher& watcher, uint64_t after) {
  Increment(metrics_.resumes);
  log_.ForgetExpired();
  auto gap = std::make_shared<wm::v1::RegistryChange>();
  gap->set_kind(wm::v1::CHANGE_KIND_GAP);
  uint64_t replay_after = after;
  if (after < run_start_ || after > latest_sequence_) {
    // Another run's position (or one never issued): what happened after it is unknown. The
    // log's changes, all of this run, follow.
    gap->set_gap_cause(wm::v1::CHANGE_GAP_CAUSE_OTHER_RUN);
    gap->set_count_unknown(true);
    replay_after = 0;
    Increment(metrics_.resume_unknown);
  } else {
    // This run's sequences are consecutive: the changes between the position and the log's
    // oldest are the lost ones.
    const uint64_t first = log_.size() > 0 ? log_.first_sequence() : latest_sequence_ + 1;
    if (after + 1 < first) {
      gap->set_gap_cause(wm::v1::CHANGE_GAP_CAUSE_POSITION_TOO_OLD);
      gap->set_dropped(first - after - 1);
      Increment(metrics_.resume_too_old);
    } else {
      gap = nullptr;
    }
  }
  if (gap != nullptr) watcher.queue->Push(gap, /*force=*/true);
  uint64_t replayed = 0;
  log_.ForEachAfter(replay_after, [&](const ChangePtr& change) {
    if (!Wants(watcher.entities, *change)) return;
    // Through the bounded queue like live changes: what does not fit is dropped, counted,
    // and reported by a SLOW_CLIENT gap where it went missing.
    if (watcher.queue->Push(change) == ChangeWatcher::PushResult::kDropped) {
      Increment(metrics_.dropped);
    } else {
      ++replayed;
    }
  });
  Increment(metrics_.replayed, static_cast<double>(replayed));
  UpdateLogGaugesLocked();
}

void ChangeFeed::Unwatch(const std::shared_ptr<ChangeWatcher>& watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const Watcher& w) { return w.queue == watcher; }),
                  watchers_.end());
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  Set(metrics_.watchers, static_cast<double>(watchers_.size()));
}

void ChangeFeed::Close() {
  std::vector<std::shared_ptr<ChangeWatcher>> queues;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    for (const Watcher& watcher : watchers_) queues.push_back(watcher.queue);
  }
  for (const auto& queue : queues) queue->Close();
}

void ChangeFeed::UpdateLogGauges() {
  absl::MutexLock lock(&mu_);
  log_.ForgetExpired();
  UpdateLogGaugesLocked();
}

void ChangeFeed::UpdateLogGaugesLocked() {
  Set(metrics_.log_changes, static_cast<double>(log_.size()));
  Set(metrics_.log_age_seconds, absl::ToDoubleSeconds(log_.oldest_age()));
}

}  // namespace wm::registry
