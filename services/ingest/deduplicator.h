#pragma once

#include <cstdint>
#include <deque>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"

namespace wm::ingest {

// Remembers recently seen (gateway, event id) pairs so a packet delivered twice (MQTT QoS 1
// redelivery, a gateway re-publishing) reaches subscribers once. The window is bounded both
// by count and by age: an id is forgotten when `capacity` newer ids were seen or when it is
// older than `max_age`, whichever comes first, so memory stays bounded at any rate.
//
//   EventDeduplicator dedup({.capacity = 200000, .max_age = absl::Minutes(5)});
//   if (!dedup.FirstSeen(gw_id, event_id, now)) { ++duplicates; return; }
class EventDeduplicator {
 public:
  struct Options {
    size_t capacity = 200000;
    absl::Duration max_age = absl::Minutes(5);
  };

  explicit EventDeduplicator(Options options);

  // True the first time (gateway, event_id) is seen within the window; false for a duplicate.
  bool FirstSeen(std::string_view gateway_id, uint64_t event_id, absl::Time now);

  size_t size() const { return seen_.size(); }

 private:
  // Gateway ids are hashed rather than stored: the key stays fixed-size and a flood of
  // distinct gateway ids cannot grow memory beyond `capacity`. Event ids are random 64-bit
  // values, so a false match needs a 64-bit hash collision and an equal event id at once.
  struct Key {
    uint64_t gateway_hash;
    uint64_t event_id;
    friend bool operator==(const Key& a, const Key& b) {
      return a.gateway_hash == b.gateway_hash && a.event_id == b.event_id;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.gateway_hash, k.event_id);
    }
  };
  struct Entry {
    Key key;
    absl::Time seen_at;
  };

  void Evict(absl::Time now);

  Options options_;
  absl::flat_hash_set<Key> seen_;
  std::deque<Entry> order_;  // oldest first
};

}  // namespace wm::ingest
