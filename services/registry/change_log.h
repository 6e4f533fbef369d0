#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "protos/wm/v1/registry.pb.h"

namespace wm::registry {

// The most recent changes of this registry run, oldest first, kept so that a WatchChanges
// client that reconnects can resume after the last change it applied (docs/registry-changes.md).
// Bounded by count and by age; holds the feed's shared changes, no copies. Changes must be
// appended in increasing sequence order. Not thread-safe: ChangeFeed guards it with its lock.
//
//   ChangeLog log({.max_changes = 100000, .max_age = absl::Minutes(10)});
//   log.Append(change);
//   log.ForEachAfter(position, [&](const ChangeLog::ChangePtr& change) { ... });
class ChangeLog {
 public:
  using ChangePtr = std::shared_ptr<const wm::v1::RegistryChange>;

  struct Options {
    // Changes kept; 0 turns the log off (every resume but from the latest position is a gap).
    size_t max_changes = 100000;
    // Changes older than this (since they were appended) are forgotten.
    absl::Duration max_age = absl::Minutes(10);
    base::Clock clock = [] { return absl::Now(); };
  };

  explicit ChangeLog(Options options);

  bool enabled() const { return options_.max_changes > 0; }

  // Keeps `change` (its sequence above every kept one) and forgets what the bounds no longer
  // allow.
  void Append(ChangePtr change);

  // Forgets the changes older than max_age.
  void ForgetExpired();

  // The sequence of the oldest change kept; 0 when the log is empty.
  uint64_t first_sequence() const;

  // Calls `visit` with every kept change whose sequence is greater than `after`, oldest first.
  void ForEachAfter(uint64_t after, const std::function<void(const ChangePtr&)>& visit) const;

  size_t size() const { return entries_.size(); }
  // How long ago the oldest kept change was appended; zero when empty.
  absl::Duration oldest_age() const;

 private:
  struct Entry {
    ChangePtr change;
    absl::Time appended;
  };

  void ForgetAppendedBefore(absl::Time oldest_kept);

  const Options options_;
  std::deque<Entry> entries_;
};

}  // namespace wm::registry
