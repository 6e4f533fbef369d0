#include "services/registry/change_log.h"

#include <algorithm>
#include <utility>

namespace wm::registry {

ChangeLog::ChangeLog(Options options) : options_(std::move(options)) {}

void ChangeLog::Append(ChangePtr change) {
  if (options_.max_changes == 0) return;
  const absl::Time now = options_.clock();
  entries_.push_back({std::move(change), now});
  while (entries_.size() > options_.max_changes) entries_.pop_front();
  ForgetAppendedBefore(now - options_.max_age);
}

void ChangeLog::ForgetExpired() { ForgetAppendedBefore(options_.clock() - options_.max_age); }

void ChangeLog::ForgetAppendedBefore(absl::Time oldest_kept) {
  while (!entries_.empty() && entries_.front().appended < oldest_kept) entries_.pop_front();
}

uint64_t ChangeLog::first_sequence() const {
  return entries_.empty() ? 0 : entries_.front().change->sequence();
}

void ChangeLog::ForEachAfter(uint64_t after,
                             const std::function<void(const ChangePtr&)>& visit) const {
  // Sequences increase along the log (a filtered feed never skips appending, but the log does
  // not rely on them being consecutive): binary search for the first one after `after`.
  auto it = std::upper_bound(
      entries_.begin(), entries_.end(), after,
      [](uint64_t position, const Entry& entry) { return position < entry.change->sequence(); });
  for (; it != entries_.end(); ++it) visit(it->change);
}

absl::Duration ChangeLog::oldest_age() const {
  if (entries_.empty()) return absl::ZeroDuration();
  return options_.clock() - entries_.front().appended;
}

}  // namespace wm::registry
