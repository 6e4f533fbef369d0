#include "services/ingest/deduplicator.h"

#include "absl/hash/hash.h"

namespace wm::ingest {

EventDeduplicator::EventDeduplicator(Options options) : options_(options) {
  if (options_.capacity == 0) options_.capacity = 1;
  seen_.reserve(options_.capacity);
}

bool EventDeduplicator::FirstSeen(std::string_view gateway_id, uint64_t event_id,
                                  absl::Time now) {
  Evict(now);
  Key key{absl::HashOf(gateway_id), event_id};
  if (!seen_.insert(key).second) return false;
  if (order_.size() >= options_.capacity) {
    seen_.erase(order_.front().key);
    order_.pop_front();
  }
  order_.push_back({key, now});
  return true;
}

void EventDeduplicator::Evict(absl::Time now) {
  while (!order_.empty() && now - order_.front().seen_at > options_.max_age) {
    seen_.erase(order_.front().key);
    order_.pop_front();
  }
}

}  // namespace wm::ingest
