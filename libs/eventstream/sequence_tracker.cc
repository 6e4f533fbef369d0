#include "libs/eventstream/sequence_tracker.h"

namespace wm::eventstream {

SequenceTracker::Observation SequenceTracker::Observe(const wm::v1::Event& event) {
  Observation observation;
  if (event.kind() == wm::v1::EVENT_KIND_STREAM_GAP) {
    // A gap of another epoch (ingest restarted) is followed by that epoch's events: the
    // restart is counted on the first of them, once.
    if (event.gap().count_unknown() ||
        event.gap().cause() == wm::v1::STREAM_GAP_CAUSE_OTHER_EPOCH) {
      observation.kind = Kind::kUnknownGap;
    } else {
      observation.kind = Kind::kGap;
      observation.dropped = event.gap().dropped();
    }
    return observation;
  }
  if (event.stream_epoch() != 0) {
    if (event.stream_epoch() != epoch_) {
      if (epoch_ != 0) {
        observation.kind = Kind::kRestart;
        observation.previous_sequence = last_sequence_;
        observation.previous_epoch = epoch_;
      }
      epoch_ = event.stream_epoch();
      last_sequence_ = 0;
    }
    if (!event.snapshot() && event.sequence() > last_sequence_) {
      last_sequence_ = event.sequence();
    }
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

}  // namespace wm::eventstream
