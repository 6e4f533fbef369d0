#pragma once

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "protos/wm/v1/events.pb.h"

namespace wm::ingest {

// The selection of a wm.v1.SubscribeRequest, compiled for matching every event against it.
// Each non-empty list must match; an empty list matches everything. Lists on fields an event
// kind does not have exclude that kind: networks and source addresses apply to received
// packets; endpoints to received packets and downlinks; sink ids to events that have a sink.
class EventFilter {
 public:
  explicit EventFilter(const wm::v1::SubscribeRequest& request);

  bool Matches(const wm::v1::Event& event) const;

 private:
  template <typename T>
  static bool Allows(const absl::flat_hash_set<T>& set, const T& value) {
    return set.empty() || set.contains(value);
  }

  absl::flat_hash_set<std::string> gateway_ids_;
  absl::flat_hash_set<std::string> sink_ids_;
  absl::flat_hash_set<uint64_t> networks_;
  absl::flat_hash_set<uint32_t> source_endpoints_;
  absl::flat_hash_set<uint32_t> destination_endpoints_;
  absl::flat_hash_set<uint32_t> source_addresses_;
  absl::flat_hash_set<int> kinds_;
};

}  // namespace wm::ingest
