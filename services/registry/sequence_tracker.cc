#include "services/registry/sequence_tracker.h"

namespace wm::registry {

SequenceTracker::Observation SequenceTracker::Observe(const wm::v1::Event& event) {
  Observation observation;
  if (event.kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
    observation.kind = Kind::kGap;
    observation.dropped = event.gap().dropped();
    return observation;
  }
  if (event.snapshot() || event.sequence() == 0) return observation;
  if (last_sequence_ != 0 && event.sequence() <= last_sequence_) {
    observation.kind = Kind::kRestart;
    observation.previous_sequence = last_sequence_;
  }
  last_sequence_ = event.sequence();
  return observation;
}

}  // namespace wm::registry
