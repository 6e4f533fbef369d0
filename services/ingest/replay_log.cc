#include "services/ingest/replay_log.h"

#include <utility>

namespace wm::ingest {

ReplayLog::ReplayLog(Options options) : options_(std::move(options)) {}

void ReplayLog::Append(EventPtr event) {
  const absl::Time now = options_.clock();
  Keep(std::move(event), now, now);
}

void ReplayLog::AppendAt(EventPtr event, absl::Time appended) {
  Keep(std::move(event), appended, options_.clock());
}

void ReplayLog::Keep(EventPtr event, absl::Time appended, absl::Time now) {
  next_sequence_ = event->sequence() + 1;
  if (options_.max_events == 0) return;
  entries_.push_back({std::move(event), appended});
  while (entries_.size() > options_.max_events) entries_.pop_front();
  ForgetAppendedBefore(now - options_.max_age);
}

void ReplayLog::ForgetExpired() { ForgetAppendedBefore(options_.clock() - options_.max_age); }

void ReplayLog::ForgetAppendedBefore(absl::Time oldest_kept) {
  while (!entries_.empty() && entries_.front().appended < oldest_kept) entries_.pop_front();
}

uint64_t ReplayLog::first_sequence() const {
  return entries_.empty() ? next_sequence_ : entries_.front().event->sequence();
}

void ReplayLog::ForEachAfter(uint64_t after,
                             const std::function<void(const EventPtr&)>& visit) const {
  if (entries_.empty()) return;
  const uint64_t first = entries_.front().event->sequence();
  // Sequences are consecutive: the event after `after` is at index after + 1 - first.
  size_t index = after < first ? 0 : static_cast<size_t>(after + 1 - first);
  for (; index < entries_.size(); ++index) visit(entries_[index].event);
}

absl::Duration ReplayLog::oldest_age() const {
  if (entries_.empty()) return absl::ZeroDuration();
  return options_.clock() - entries_.front().appended;
}

}  // namespace wm::ingest
