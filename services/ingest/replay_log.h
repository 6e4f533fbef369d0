#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "protos/wm/v1/events.pb.h"

namespace wm::ingest {

// The most recent events of this ingest run, oldest first, kept so that a consumer that
// reconnects can resume after the last event it applied (docs/event-stream.md). Bounded by
// count and by age; holds the hub's shared events, no copies. Events are appended with
// consecutive sequence numbers, so the event after a position is found by arithmetic.
// Not thread-safe: EventHub guards it with its own lock.
//
//   ReplayLog log({.max_events = 100000, .max_age = absl::Minutes(10)});
//   log.Append(event);
//   if (after + 1 >= log.first_sequence()) log.ForEachAfter(after, replay);
class ReplayLog {
 public:
  using EventPtr = std::shared_ptr<const wm::v1::Event>;

  struct Options {
    // Events kept; 0 turns the log off (every resume but from the latest position is a gap).
    size_t max_events = 100000;
    // Events older than this (since they were appended) are forgotten.
    absl::Duration max_age = absl::Minutes(10);
    base::Clock clock = [] { return absl::Now(); };
  };

  explicit ReplayLog(Options options);

  // Keeps `event`, whose sequence must be one more than the previous event's (the first may
  // have any sequence), and forgets what the bounds no longer allow.
  void Append(EventPtr event);
  // Append with the time the event was appended given (an event loaded from the disk log
  // keeps its ingest time): the age bound counts from `appended`.
  void AppendAt(EventPtr event, absl::Time appended);
  // Forgets every event (the next appended may have any sequence).
  void Clear() { entries_.clear(); }

  // Forgets the events older than max_age.
  void ForgetExpired();

  // The sequence of the oldest event kept; when the log is empty, the sequence the next
  // appended event will have (one more than the last appended, or 1 before any).
  uint64_t first_sequence() const;

  // Calls `visit` with every kept event whose sequence is greater than `after`, oldest first.
  void ForEachAfter(uint64_t after, const std::function<void(const EventPtr&)>& visit) const;

  size_t size() const { return entries_.size(); }
  // How long ago the oldest kept event was appended; zero when empty.
  absl::Duration oldest_age() const;

 private:
  struct Entry {
    EventPtr event;
    absl::Time appended;
  };

  void Keep(EventPtr event, absl::Time appended, absl::Time now);
  void ForgetAppendedBefore(absl::Time oldest_kept);

  const Options options_;
  std::deque<Entry> entries_;
  uint64_t next_sequence_ = 1;  // of the next event to append
};

}  // namespace wm::ingest
