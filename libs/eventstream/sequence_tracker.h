#pragma once

#include <cstdint>

#include "protos/wm/v1/events.pb.h"

namespace wm::eventstream {

// Watches the positions (stream_epoch, sequence) of wm-ingest's event streams, across
// reconnects and, through Resume, across restarts of the consumer, for what a follower must
// notice (docs/event-stream.md):
//   - a STREAM_GAP event with a count: ingest dropped events this client read too slowly, or
//     the resume position is older than ingest's replay log;
//   - a STREAM_GAP without a count (count_unknown: the position is of another run);
//   - a restart: an event of another stream_epoch than the last one seen (for an older ingest
//     without epochs: a live sequence not above the highest one seen).
// Snapshot events keep their original sequence and say nothing about restarts within an epoch.
//
//   SequenceTracker tracker;
//   tracker.StartStream();                 // at every (re)connect
//   switch (tracker.Observe(event).kind) { ... }
class SequenceTracker {
 public:
  enum class Kind {
    kEvent,    // an event in order (or a snapshot event)
    kGap,         // a STREAM_GAP event; `dropped` events were lost
    kUnknownGap,  // a STREAM_GAP event; how many were lost is unknown
    kRestart,  // the first live event of a restarted ingest
  };
  struct Observation {
    Kind kind = Kind::kEvent;
    uint64_t dropped = 0;
    uint64_t previous_sequence = 0;  // kRestart: the highest sequence of the old process
    uint64_t previous_epoch = 0;     // kRestart: the old process's epoch (0: none)
  };

  // Continues from a position applied before (the stored one, at start): an event of another
  // epoch is then a restart of ingest since.
  void Resume(uint64_t stream_epoch, uint64_t sequence) {
    epoch_ = stream_epoch;
    last_sequence_ = sequence;
  }

  // A new stream begins (first connect or reconnect).
  void StartStream() { ++streams_; }
  Observation Observe(const wm::v1::Event& event);

  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t epoch() const { return epoch_; }
  uint64_t streams() const { return streams_; }

 private:
  uint64_t epoch_ = 0;          // epoch of the events seen last (0: none, or an older ingest)
  uint64_t last_sequence_ = 0;  // highest live sequence seen, from the current ingest process
  uint64_t streams_ = 0;
};

}  // namespace wm::eventstream
